package cli_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/cli"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

type importSummary struct {
	Kind, File                        string
	Rows, Created, Updated, Unchanged int
	Failed, NotSent                   int
	FailedFile                        *string
}

// accountsCSV has good rows and bad ones: a bad tier, a missing name, an unknown owner (all
// refused before sending), a bad domain and an unknown parent (refused by the server), and a
// parent that comes later in the file (and in a later batch).
const accountsCSV = `External ID,Name,Domain,Tier,Stage,Parent External ID,Owner Email,notes
ACC-1,Globex,globex.example,strategic,active,,kim@seller.example,first
ACC-2,Initech,initech.example,KEY,NEW,ACC-1,,child of ACC-1
ACC-3,Umbrella,umbrella.example,PLATINUM,ACTIVE,,,bad tier
ACC-4,,hooli.example,GROWTH,ACTIVE,,,no name
ACC-5,Soylent,soylent.example,GROWTH,ACTIVE,ACC-9,,parent comes later
ACC-6,Orphan,orphan.example,GROWTH,ACTIVE,NOPE,,unknown parent
ACC-7,Bad Domain,not a domain!,GROWTH,ACTIVE,,,bad domain
ACC-8,Ghost,ghost.example,GROWTH,ACTIVE,,ghost@seller.example,unknown owner
ACC-9,Tyrell,tyrell.example,KEY,LOYAL,,,parent of ACC-5
ACC-10,"Wayne, Enterprises",wayne.example,,,,,"quoted, comma"
`

func TestImportAccountsWithBadRows(t *testing.T) {
	apitest.Each(t, func(t *testing.T, api *apitest.Env) {
		admin := newHarness(t, api).as(api.Token("acme", "ADMIN", "ada"))
		newHarness(t, api).as(api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim")).ok("whoami") // kim joins the staff
		dir := t.TempDir()
		file := writeFile(t, dir, "accounts.csv", accountsCSV)

		r := admin.fails(cli.ExitPartial, []string{"5 of 10 rows failed", "accounts.failed.csv"},
			"import", "accounts", file, "--batch-size", "3", "--json")
		contains(t, "stderr", r.stderr, "Ignoring columns the accounts import does not read: notes")
		var sum importSummary
		if err := jsonUnmarshal(r.stdout, &sum); err != nil {
			t.Fatal(err)
		}
		failedPath := filepath.Join(dir, "accounts.failed.csv")
		if sum.Rows != 10 || sum.Created != 5 || sum.Updated != 0 || sum.Unchanged != 0 || sum.Failed != 5 ||
			sum.FailedFile == nil || *sum.FailedFile != failedPath || sum.Kind != "accounts" {
			t.Fatalf("summary: %+v", sum)
		}

		// The failed rows: as they were, plus an error column.
		rows := readCSV(t, failedPath)
		wantHeader := "External ID,Name,Domain,Tier,Stage,Parent External ID,Owner Email,notes,error"
		if strings.Join(rows[0], ",") != wantHeader {
			t.Fatalf("failed file header %q, want %q", strings.Join(rows[0], ","), wantHeader)
		}
		original := map[string][]string{}
		for _, rec := range readCSV(t, file)[1:] {
			original[rec[0]] = rec
		}
		wantErrors := map[string][]string{
			"ACC-3": {"line 4: ", `tier: "PLATINUM" is not one of STRATEGIC, KEY, GROWTH, STANDARD`},
			"ACC-4": {"line 5: name: required"},
			"ACC-6": {"line 7: ", "parent_external_id", "NOPE", "(NOT_FOUND)"},
			"ACC-7": {"line 8: ", "domain", "(BAD_USER_INPUT)"},
			"ACC-8": {"line 9: ", `owner_email: no member of your staff has the email "ghost@seller.example"`},
		}
		if len(rows)-1 != len(wantErrors) {
			t.Fatalf("%d failed rows, want %d:\n%v", len(rows)-1, len(wantErrors), rows)
		}
		for _, rec := range rows[1:] {
			id := rec[0]
			want, ok := wantErrors[id]
			if !ok {
				t.Fatalf("row %s should not have failed: %v", id, rec)
			}
			if strings.Join(rec[:8], "\x00") != strings.Join(original[id], "\x00") {
				t.Fatalf("failed row %s changed: %q, was %q", id, rec[:8], original[id])
			}
			contains(t, "error of "+id, rec[8], want...)
		}

		// The database holds the good rows, with their references.
		ctx := api.Viewer("acme", "ADMIN", "ada")
		accounts, err := api.DB.Client.Account.Query().WithParent().WithOwner().Order(account.ByExternalID()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byExt := map[string]*ent.Account{}
		for _, a := range accounts {
			byExt[*a.ExternalID] = a
		}
		if len(byExt) != 5 || byExt["ACC-1"] == nil || byExt["ACC-2"] == nil || byExt["ACC-5"] == nil || byExt["ACC-9"] == nil || byExt["ACC-10"] == nil {
			t.Fatalf("accounts in the database: %v", keys(byExt))
		}
		if a := byExt["ACC-1"]; a.Tier != account.TierSTRATEGIC || a.Stage != account.StageACTIVE || a.Edges.Owner == nil || a.Edges.Owner.Subject != "kim" {
			t.Fatalf("ACC-1: %+v owner %+v", a, a.Edges.Owner)
		}
		if p := byExt["ACC-2"].Edges.Parent; p == nil || *p.ExternalID != "ACC-1" {
			t.Fatalf("ACC-2's parent: %+v", p)
		}
		if p := byExt["ACC-5"].Edges.Parent; p == nil || *p.ExternalID != "ACC-9" {
			t.Fatalf("ACC-5's parent (later in the file): %+v", p)
		}
		if a := byExt["ACC-10"]; a.Name != "Wayne, Enterprises" || a.Tier != account.TierSTANDARD {
			t.Fatalf("ACC-10: %+v", a)
		}

		// Again: the good rows are unchanged, the bad ones fail again (human summary).
		r = admin.fails(cli.ExitPartial, nil, "import", "accounts", file)
		containsWords(t, "second import", r.stdout, "10 rows in", "created 0", "unchanged 5", "failed 5", "Failed rows, with an error column: "+failedPath)

		// Fix the failed rows in the failed file and import it: its error column is ignored.
		fixed := readCSV(t, failedPath)
		for _, rec := range fixed[1:] {
			switch rec[0] {
			case "ACC-3":
				rec[3] = "GROWTH"
			case "ACC-4":
				rec[1] = "Hooli"
			case "ACC-6":
				rec[5] = "ACC-1"
			case "ACC-7":
				rec[2] = "bad-domain.example"
			case "ACC-8":
				rec[6] = "kim@seller.example"
			}
		}
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.WriteAll(fixed)
		fixedPath := writeFile(t, dir, "fixed.csv", b.String())
		r = admin.ok("import", "accounts", fixedPath, "--json")
		if err := jsonUnmarshal(r.stdout, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Rows != 5 || sum.Created != 5 || sum.Failed != 0 || sum.FailedFile != nil {
			t.Fatalf("importing the fixed rows: %+v", sum)
		}
		if strings.Contains(r.stderr, "Ignoring columns") && strings.Contains(r.stderr, "error") {
			t.Fatalf("the error column of a failed-rows file should be ignored quietly: %s", r.stderr)
		}
		if n, err := api.DB.Client.Account.Query().Count(ctx); err != nil || n != 10 {
			t.Fatalf("%d accounts after the fix (%v), want 10", n, err)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestImportLargeFileWithProgressBar imports more than a batch (1000 rows) with a progress bar.
func TestImportLargeFileWithProgressBar(t *testing.T) {
	api := apitest.New(t, "sqlite")
	h := newHarness(t, api).as(api.Token("acme", "INTEGRATION", "erp"))
	h.terminal = true
	var b strings.Builder
	b.WriteString("external_id,name,tier\n")
	for i := range 1200 {
		tier := "GROWTH"
		if i%10 == 0 {
			tier = "KEY"
		}
		fmt.Fprintf(&b, "L-%05d,Company %05d,%s\n", i, i, tier)
	}
	file := writeFile(t, t.TempDir(), "large.csv", b.String())
	start := time.Now()
	r := h.ok("import", "accounts", file)
	t.Logf("1,200 rows in %s", time.Since(start))
	containsWords(t, "summary", r.stdout, "Imported accounts "+file+": 1200 rows", "created 1200", "failed 0")
	contains(t, "progress", r.stderr, "\rlarge.csv [", "1000 rows", "] 100%  1200 rows")
	var list struct{ TotalCount int }
	h.json(&list, "accounts", "list", "--tier", "key", "--limit", "1")
	if list.TotalCount != 120 {
		t.Fatalf("%d KEY accounts, want 120", list.TotalCount)
	}
}

func TestImportRefusals(t *testing.T) {
	api := apitest.New(t, "sqlite")
	dir := t.TempDir()
	file := writeFile(t, dir, "a.csv", "external_id,name\nX-1,One\n")
	kam := newHarness(t, api).as(api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim"))
	kam.fails(cli.ExitAuth, []string{"FORBIDDEN", "importing needs an ADMIN or INTEGRATION token"}, "import", "accounts", file)

	admin := newHarness(t, api).as(api.Token("acme", "ADMIN", "ada"))
	noName := writeFile(t, dir, "b.csv", "external_id,domain\nX-1,x.example\n")
	admin.fails(cli.ExitError, []string{"has no name column", "the accounts columns are: external_id, name"}, "import", "accounts", noName)
	admin.fails(cli.ExitError, []string{"empty: it needs a header row"}, "import", "accounts", writeFile(t, dir, "c.csv", ""))
	admin.fails(cli.ExitError, []string{"no such file"}, "import", "accounts", filepath.Join(dir, "missing.csv"))
	admin.fails(cli.ExitUsage, []string{"--batch-size must be between 1 and 1000"}, "import", "accounts", file, "--batch-size", "5000")
	admin.fails(cli.ExitUsage, []string{"missing the CSV file"}, "import", "people")
}

// TestImportStoppedAccountsForEveryRow: an import the server refuses part way says what became
// of every row it read: those that failed (and where they are) and those never sent.
func TestImportStoppedAccountsForEveryRow(t *testing.T) {
	api := apitest.New(t, "sqlite")
	dir := t.TempDir()
	file := writeFile(t, dir, "a.csv", "external_id,name,tier\nX-1,,KEY\nX-2,Two,GOLD\nX-3,Three,KEY\n")
	kam := newHarness(t, api).as(api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim"))
	r := kam.fails(cli.ExitAuth, []string{
		"stakegraph: import stopped after reading 3 rows (2 failed, 1 not sent): FORBIDDEN",
		"importing needs an ADMIN or INTEGRATION token",
		"the rows that failed are in " + filepath.Join(dir, "a.failed.csv"),
		"import " + file + " again once the cause is fixed",
	}, "import", "accounts", file, "--json")
	var sum importSummary
	if err := jsonUnmarshal(r.stdout, &sum); err != nil || sum.Rows != 3 || sum.Failed != 2 || sum.NotSent != 1 || sum.Created != 0 {
		t.Fatalf("the summary of the stopped import: %v %+v", err, sum)
	}
	if rows := readCSV(t, filepath.Join(dir, "a.failed.csv")); len(rows) != 3 {
		t.Fatalf("a.failed.csv holds the rows that failed, not the one never sent: %q", rows)
	}
}

// TestImportCountsOneRow: counts of one are singular, in the summary, the progress bar and
// the export.
func TestImportCountsOneRow(t *testing.T) {
	api := apitest.New(t, "sqlite")
	dir := t.TempDir()
	h := newHarness(t, api).as(api.Token("acme", "ADMIN", "ada"))
	h.terminal = true
	file := writeFile(t, dir, "one.csv", "external_id,name\nX-1,One\n")
	r := h.ok("import", "accounts", file)
	contains(t, "summary", r.stdout, "Imported accounts "+file+": 1 row in ")
	contains(t, "progress", r.stderr, "] 100%  1 row\033[K")
	bad := writeFile(t, dir, "bad.csv", "external_id,name\nX-2,\n")
	h.fails(cli.ExitPartial, []string{"1 of 1 row failed"}, "import", "accounts", bad)
	r = h.ok("export", "accounts", "-o", filepath.Join(dir, "out.csv"))
	contains(t, "export", r.stderr, "Exported 1 account to ")
	r = h.ok("export", "people", "-o", filepath.Join(dir, "people.csv"))
	contains(t, "export", r.stderr, "Exported 0 people to ")
}
