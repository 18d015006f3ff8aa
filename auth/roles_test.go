package auth_test

import (
	"testing"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/enum"
)

func TestRoleFrom(t *testing.T) {
	mapped := auth.RoleMap{"stakegraph:key_account_manager": enum.RoleKeyAccountManager, "/groups/sg-admins": enum.RoleAdmin}
	cases := []struct {
		values []string
		roles  auth.RoleMap
		want   enum.Role
		ok     bool
	}{
		{nil, nil, "", false},
		{[]string{"offline_access", "uma_authorization"}, nil, "", false},
		{[]string{"administrator", "admins", "root"}, nil, "", false},
		{[]string{"ANALYST"}, nil, enum.RoleAnalyst, true},
		{[]string{"key-account-manager"}, nil, enum.RoleKeyAccountManager, true},
		{[]string{"Key_Account-Manager"}, nil, enum.RoleKeyAccountManager, true},
		{[]string{"analyst", "integration", "manager"}, nil, enum.RoleManager, true},
		{[]string{"integration", "admin"}, nil, enum.RoleAdmin, true},
		{[]string{"Integration"}, nil, enum.RoleIntegration, true},
		// Whole names only: another application's roles are no role here.
		{[]string{"x:admin"}, nil, "", false},
		{[]string{"evil/ADMIN"}, nil, "", false},
		{[]string{"stakegraph:key_account_manager"}, nil, "", false},
		{[]string{" admin"}, nil, "", false},
		{[]string{"admin2", "superadmin", "ADMINS"}, nil, "", false},
		// A map names the roles that count, exactly as written.
		{[]string{"stakegraph:key_account_manager"}, mapped, enum.RoleKeyAccountManager, true},
		{[]string{"STAKEGRAPH:KEY_ACCOUNT_MANAGER"}, mapped, "", false},
		{[]string{"admin", "analyst"}, mapped, "", false},
		{[]string{"stakegraph:key_account_manager", "/groups/sg-admins"}, mapped, enum.RoleAdmin, true},
	}
	for _, c := range cases {
		got, ok := auth.RoleFrom(c.values, c.roles)
		if got != c.want || ok != c.ok {
			t.Errorf("RoleFrom(%q, %v) = %q, %v; want %q, %v", c.values, c.roles, got, ok, c.want, c.ok)
		}
	}
}

func TestParseRoleMap(t *testing.T) {
	m, err := auth.ParseRoleMap(" sg-admins = ADMIN, /groups/sales=key-account-manager,realm:a=b=analyst ")
	if err != nil {
		t.Fatal(err)
	}
	want := auth.RoleMap{"sg-admins": enum.RoleAdmin, "/groups/sales": enum.RoleKeyAccountManager, "realm:a=b": enum.RoleAnalyst}
	if len(m) != len(want) {
		t.Fatalf("ParseRoleMap = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%q → %q, want %q", k, m[k], v)
		}
	}
	if m, err := auth.ParseRoleMap(""); m != nil || err != nil {
		t.Errorf("an empty map: %v, %v", m, err)
	}
	for _, bad := range []string{"ADMIN", "=ADMIN", "sg-admins=BOSS", "a=ADMIN,a=ANALYST", "a=ADMIN,"} {
		if _, err := auth.ParseRoleMap(bad); err == nil {
			t.Errorf("ParseRoleMap(%q) accepted", bad)
		}
	}
}
