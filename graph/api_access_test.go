package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// TestAPIAccess walks the access matrix of testdata/access.yaml: every row's operation as
// every role, allowed, hidden or refused as the row says.
func TestAPIAccess(t *testing.T) {
	var file struct {
		Subjects   map[string]string
		Operations map[string]string
		Cases      []struct {
			apiCase `yaml:",inline"`
			Expect  map[string]string
		}
	}
	readCases(t, "access.yaml", &file)
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		admin := newClient(t, env, "ADMIN", "alice")
		kim := newClient(t, env, "KEY_ACCOUNT_MANAGER", "kim")
		ken := newClient(t, env, "KEY_ACCOUNT_MANAGER", "ken")
		mia := newClient(t, env, "MANAGER", "mia")
		kimID, kenID := kim.memberID(), ken.memberID()
		adminAPI := gqltest.Must(t, env, "acme", "ADMIN", "alice") // fails the test on any error
		team := gqltest.Data(gqltest.CreateTeam(context.Background(), adminAPI,
			gqltest.CreateTeamInput{Name: "Team kim", ManagerID: ptr(mia.memberID())})).CreateTeam.Id
		admin.ok(`mutation($k: ID!, $t: ID!) { updateMember(id: $k, input: {teamID: $t}) { id } }`,
			map[string]any{"k": kimID, "t": team}, nil)
		mine := admin.createAccount("Mine", map[string]any{"ownerID": kimID})
		theirs := admin.createAccount("Theirs", map[string]any{"ownerID": kenID})
		members := map[string]string{} // by subject
		for role, subject := range file.Subjects {
			members[subject] = newClient(t, env, role, subject).memberID()
		}
		unique := 0
		bindings := map[string]any{"$mine": mine, "$theirs": theirs, "$kim": kimID, "$ken": kenID, "$team": team,
			"$mineBuyer": admin.buyer(mine, "Mine Buyer"), "$theirsBuyer": admin.buyer(theirs, "Theirs Buyer")}
		fresh := func(subject string) map[string]any { // what each request gets made for it alone
			unique++
			name := fmt.Sprintf("Unique %d", unique)
			return map[string]any{"$unique": name, "$self": members[subject],
				"$newMine": admin.createAccount(name, map[string]any{"ownerID": kimID}),
				"$newTeam": gqltest.Data(gqltest.CreateTeam(context.Background(), adminAPI, gqltest.CreateTeamInput{Name: name + " (to delete)"})).CreateTeam.Id}
		}

		for _, row := range file.Cases {
			t.Run(row.Name, func(t *testing.T) {
				if len(row.Expect) != len(file.Subjects) {
					t.Fatalf("expectations for %d roles, want one for each of %v", len(row.Expect), file.Subjects)
				}
				for role, want := range row.Expect {
					subject, ok := file.Subjects[role]
					if !ok {
						t.Fatalf("no subject in role %s", role)
					}
					for k, v := range fresh(subject) {
						bindings[k] = v
					}
					r := env.Do(env.Token("acme", role, subject), row.document(t, file.Operations), row.bound(t, bindings))
					if msg := verdict(r, want); msg != "" {
						t.Errorf("%s (%s): %s, got %s", role, subject, msg, r.Body)
					}
				}
			})
		}
	})
}

// verdict says how the response misses the expectation of an access row ("" when it meets it).
func verdict(r *apitest.Response, want string) string {
	var data map[string]any
	_ = json.Unmarshal(r.Data, &data)
	someData := false
	for _, v := range data {
		someData = someData || v != nil
	}
	switch want {
	case "allowed":
		if len(r.Errors) > 0 || !someData {
			return "want it allowed"
		}
	case "hidden":
		if someData || len(r.Errors) > 1 || len(r.Errors) == 1 && r.Errors[0].Code() != "NOT_FOUND" {
			return "want it hidden: null data, at most NOT_FOUND"
		}
	default:
		code, field, _ := strings.Cut(want, " ")
		if len(r.Errors) == 0 || r.Errors[0].Code() != code || r.Errors[0].Field() != field {
			return fmt.Sprintf("want %s naming field %q", code, field)
		}
		if someData {
			return "want no data with the refusal"
		}
	}
	return ""
}
