package auth_test

import (
	"testing"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/enum"
)

func TestRoleFrom(t *testing.T) {
	cases := []struct {
		values []string
		want   enum.Role
		ok     bool
	}{
		{nil, "", false},
		{[]string{"offline_access", "uma_authorization"}, "", false},
		{[]string{"administrator", "admins", "root"}, "", false},
		{[]string{"ANALYST"}, enum.RoleAnalyst, true},
		{[]string{"key-account-manager"}, enum.RoleKeyAccountManager, true},
		{[]string{"stakegraph:key_account_manager"}, enum.RoleKeyAccountManager, true},
		{[]string{"apps/stakegraph/Manager"}, enum.RoleManager, true},
		{[]string{"analyst", "integration", "manager"}, enum.RoleManager, true},
		{[]string{"integration", "admin"}, enum.RoleAdmin, true},
		{[]string{"Integration"}, enum.RoleIntegration, true},
	}
	for _, c := range cases {
		got, ok := auth.RoleFrom(c.values)
		if got != c.want || ok != c.ok {
			t.Errorf("RoleFrom(%q) = %q, %v; want %q, %v", c.values, got, ok, c.want, c.ok)
		}
	}
}
