package journal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/ent"
	entchange "github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/sqlbatch"
)

// overOneInsert is one change more than one journal INSERT writes on the dialect (the journal
// writes every column of a change row through sqlbatch), so that one transaction's changes
// take two statements, the second of a single row: 2,728 on SQLite, 5,455 on MySQL.
func overOneInsert(dialectName string) int {
	return sqlbatch.RowsPerStatement(dialectName, len(entchange.Columns)) + 1
}

// TestJournalTransactionOverOneInsertBatch: a transaction that journals more changes than one
// INSERT holds numbers them on, statement after statement, with no gap and no repeat; the next
// transaction goes on right after them; and the feed pages through all of them.
func TestJournalTransactionOverOneInsertBatch(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		ctx := env.Viewer("acme", "ADMIN", "alice")
		overOneInsert := overOneInsert(env.DB.Dialect)
		var big []string // the teams of the large transaction
		err := journal.Run(ctx, env.DB.Client, func(ctx context.Context, tx *ent.Tx) error {
			const chunk = 500 // builders per CreateBulk, within the placeholder bounds
			for start := 0; start < overOneInsert; start += chunk {
				var builders []*ent.TeamCreate
				for i := start; i < min(start+chunk, overOneInsert); i++ {
					builders = append(builders, tx.Team.Create().SetName(fmt.Sprintf("Team %04d", i)))
				}
				teams, err := tx.Team.CreateBulk(builders...).Save(ctx)
				if err != nil {
					return err
				}
				for _, team := range teams {
					big = append(big, team.ID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the transaction of %d changes: %v", overOneInsert, err)
		}

		// The next write, through the API.
		token := env.Token("acme", "ADMIN", "alice")
		var next struct{ CreateTeam struct{ ID string } }
		env.Do(token, `mutation { createTeam(input: {name: "After"}) { id } }`, nil).MustOK(t, &next)

		// In the database: the tenant's journal is 1…n, each number once, the large transaction
		// one run of numbers and the next write the number after it.
		rows, err := env.DB.SQL.Query(`SELECT changes.seq, changes.entity_id FROM changes
			JOIN tenants ON tenants.id = changes.tenant_id WHERE tenants.slug = ? ORDER BY changes.seq`, "acme")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seqOf := map[string]int{}
		n := 0
		for rows.Next() {
			var seq int
			var entityID string
			if err := rows.Scan(&seq, &entityID); err != nil {
				t.Fatal(err)
			}
			if n++; seq != n {
				t.Fatalf("the journal's row %d has seq %d: a gap or a repeat", n, seq)
			}
			seqOf[entityID] = seq
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// The hooks of a bulk create run in an order of ent's choosing: the run is a set.
		first, end := n+1, 0
		for _, id := range big {
			seq, ok := seqOf[id]
			if !ok {
				t.Fatalf("team %s of the large transaction is not in the journal", id)
			}
			first, end = min(first, seq), max(end, seq)
		}
		if end-first+1 != overOneInsert {
			t.Fatalf("the large transaction's %d changes span seq %d…%d", overOneInsert, first, end)
		}
		if want := first + overOneInsert; seqOf[next.CreateTeam.ID] != want || n != want {
			t.Errorf("the next write has seq %d of %d, want %d, the last", seqOf[next.CreateTeam.ID], n, want)
		}
		var last int
		if err := env.DB.SQL.QueryRow(`SELECT change_sequences.last FROM change_sequences
			JOIN tenants ON tenants.id = change_sequences.id WHERE tenants.slug = ?`, "acme").Scan(&last); err != nil {
			t.Fatal(err)
		}
		if last != n {
			t.Errorf("the tenant's sequence stands at %d, after %d changes", last, n)
		}

		// The feed pages through all of them, in order, by the largest page.
		feed := readAll(t, env, token, 100, nil)
		expectDense(t, feed)
		if len(feed) != n || feed[len(feed)-1].EntityID != next.CreateTeam.ID {
			t.Errorf("the feed has %d changes, want %d ending with the next write", len(feed), n)
		}
	})
}
