package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// TestKillDuringSync runs the stakegraph binary, sends it batches of 1,000 accounts and then
// people, and kills it with SIGKILL while a batch is in flight. After a restart on the same
// database, every acknowledged item is there with its data, every batch is wholly there or
// wholly absent, the journal has exactly one CREATE row per item that is there, and sending
// every batch again completes the data (the acknowledged batches report UNCHANGED).
//
// It runs on MariaDB/MySQL when STAKEGRAPH_TEST_MYSQL_DSN is set, else on SQLite in the data
// directory.
func TestKillDuringSync(t *testing.T) {
	bin := buildStakegraph(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	database := ""
	if os.Getenv(storagetest.MySQLEnv) != "" {
		database = "mysql://" + storagetest.FreshMySQL(t)
	}
	addr := freeAddr(t)
	args := []string{"serve", "--addr", addr, "--data-dir", dir, "--demo=false", "--log-level", "warn"}
	if database != "" {
		args = append(args, "--database", database)
	}

	server := startServer(ctx, t, bin, addr, args...)
	token := run(ctx, t, bin, "token", "--addr", addr, "--data-dir", dir, "--tenant", "t", "--role", "INTEGRATION", "--subject", "erp")
	c := &client{url: "http://" + addr + "/graphql", token: token, http: &http.Client{Timeout: 30 * time.Second}}

	batches := killPlan(6, 6)
	seed := uint64(time.Now().UnixNano())
	rng := mathrand.New(mathrand.NewPCG(seed, 0))
	killAt := 2 + rng.IntN(len(batches)-3) // the batch to kill the server under

	// Send the batches one after the other until the server is gone.
	acked := make([]bool, len(batches))
	var mu sync.Mutex
	var took []time.Duration
	inFlight := -1
	started := make(chan int, len(batches))
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i, b := range batches {
			mu.Lock()
			inFlight = i
			mu.Unlock()
			started <- i
			begin := time.Now()
			p, err := c.sync(ctx, b)
			if err != nil {
				t.Logf("batch %d: %v", i, err)
				return
			}
			mu.Lock()
			inFlight = -1
			took = append(took, time.Since(begin))
			mu.Unlock()
			if p.Created != len(b.items) {
				t.Errorf("batch %d created %d of %d items: %v", i, p.Created, len(b.items), p.outcomes())
				return
			}
			acked[i] = true
		}
	}()
	for i := range started {
		if i < killAt {
			continue
		}
		// Let the batch get into its transaction: up to its predecessors' mean time.
		mu.Lock()
		var mean time.Duration
		for _, d := range took {
			mean += d / time.Duration(len(took))
		}
		mu.Unlock()
		delay := time.Duration(rng.Int64N(int64(mean)*3/4 + 1))
		time.Sleep(delay)
		mu.Lock()
		server.kill()
		t.Logf("seed %d: killed the server %s after batch %d started (mean time %s); batch %d was in flight",
			seed, delay.Round(time.Millisecond), i, mean.Round(time.Millisecond), inFlight)
		mu.Unlock()
		break
	}
	select {
	case <-sent:
	case <-ctx.Done():
		t.Fatal("the sender did not stop after the kill")
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("acknowledged batches: %v", acked)

	startServer(ctx, t, bin, addr, args...)
	db, err := storage.Open(ctx, database, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Every batch is there or not, wholly; the acknowledged ones are there, with their data.
	state := readState(ctx, t, db.SQL)
	present := make([]bool, len(batches))
	for i, b := range batches {
		found := 0
		for _, it := range b.items {
			got, ok := state.rows[b.kind][it["externalID"].(string)]
			if !ok {
				continue
			}
			found++
			if !b.matches(it, got) {
				t.Errorf("batch %d: stored %v for item %v", i, got, it)
			}
		}
		switch {
		case found != 0 && found != len(b.items):
			t.Errorf("batch %d is half there: %d of %d items", i, found, len(b.items))
		case acked[i] && found == 0:
			t.Errorf("batch %d was acknowledged but is not there", i)
		}
		present[i] = found == len(b.items)
	}
	t.Logf("batches present after the restart: %v", present)
	state.expectJournal(t, present, batches)
	if t.Failed() {
		t.FailNow()
	}

	// Sending everything again completes the data, and changes nothing that was there.
	for i, b := range batches {
		p, err := c.sync(ctx, b)
		if err != nil {
			t.Fatalf("resending batch %d: %v", i, err)
		}
		want := "CREATED"
		if present[i] {
			want = "UNCHANGED"
		}
		for j, o := range p.outcomes() {
			if o != want {
				t.Fatalf("resending batch %d: item %d is %s, want %s", i, j, o, want)
			}
		}
		present[i] = true
	}
	state = readState(ctx, t, db.SQL)
	for i, b := range batches {
		for _, it := range b.items {
			if got, ok := state.rows[b.kind][it["externalID"].(string)]; !ok || !b.matches(it, got) {
				t.Fatalf("after resending, batch %d item %v is stored as %v", i, it, got)
			}
		}
	}
	state.expectJournal(t, present, batches)
}

// batch is one sync call.
type batch struct {
	kind  string // "Account" or "Person"
	items []map[string]any
}

func killPlan(accountBatches, peopleBatches int) []batch {
	var out []batch
	for b := range accountBatches {
		var items []map[string]any
		for i := b * 1000; i < (b+1)*1000; i++ {
			items = append(items, map[string]any{"externalID": fmt.Sprintf("acc-%05d", i),
				"name": fmt.Sprintf("Account %05d", i), "domain": fmt.Sprintf("a%05d.example", i), "tier": "KEY"})
		}
		out = append(out, batch{kind: "Account", items: items})
	}
	for b := range peopleBatches {
		var items []map[string]any
		for i := b * 1000; i < (b+1)*1000; i++ {
			items = append(items, map[string]any{"externalID": fmt.Sprintf("per-%05d", i),
				"email": fmt.Sprintf("Person.%05d@Kill.example", i), "name": fmt.Sprintf("Person %05d", i)})
		}
		out = append(out, batch{kind: "Person", items: items})
	}
	return out
}

// matches tells whether a stored row (its columns as strings) holds the item's data.
func (b batch) matches(item map[string]any, row map[string]string) bool {
	if b.kind == "Account" {
		return row["name"] == item["name"] && row["domain"] == item["domain"] && row["tier"] == item["tier"]
	}
	return row["name"] == item["name"] && row["email"] == strings.ToLower(item["email"].(string))
}

// state is what the database holds: the rows by kind and external id, and the journal.
type state struct {
	rows    map[string]map[string]map[string]string // kind → external id → column → value
	ids     map[string]string                       // id → external id
	journal []journalRow
}

type journalRow struct {
	seq              int64
	entityType, id   string
	operation        string
	externalID       sql.NullString
	tenant, tenantID string
}

func readState(ctx context.Context, t *testing.T, db *sql.DB) *state {
	t.Helper()
	s := &state{rows: map[string]map[string]map[string]string{"Account": {}, "Person": {}}, ids: map[string]string{}}
	read := func(kind, query string, columns ...string) {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, ext string
			values := make([]sql.NullString, len(columns))
			dest := []any{&id, &ext}
			for i := range values {
				dest = append(dest, &values[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			row := map[string]string{}
			for i, c := range columns {
				row[c] = values[i].String
			}
			s.rows[kind][ext] = row
			s.ids[id] = ext
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	read("Account", "SELECT id, external_id, name, domain, tier FROM accounts", "name", "domain", "tier")
	read("Person", "SELECT id, external_id, name, email FROM "+person.Table, "name", "email")
	rows, err := db.QueryContext(ctx, `SELECT c.seq, c.entity_type, c.entity_id, c.operation, c.external_id
		FROM changes c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 't' ORDER BY c.seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var j journalRow
		if err := rows.Scan(&j.seq, &j.entityType, &j.id, &j.operation, &j.externalID); err != nil {
			t.Fatal(err)
		}
		s.journal = append(s.journal, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// expectJournal checks that the journal is dense and has exactly one CREATE row, with the
// external id, for each account and person of the present batches, and no other change of them.
func (s *state) expectJournal(t *testing.T, present []bool, batches []batch) {
	t.Helper()
	creates := map[string]int{}
	for i, j := range s.journal {
		if j.seq != int64(i+1) {
			t.Fatalf("journal row %d has seq %d: the journal is not dense", i, j.seq)
		}
		if j.entityType != "Account" && j.entityType != "Person" {
			continue
		}
		ext, stored := s.ids[j.id]
		switch {
		case j.operation != "CREATE":
			t.Errorf("the journal has a %s of %s %s", j.operation, j.entityType, j.id)
		case !stored:
			t.Errorf("the journal creates %s %s, which is not stored", j.entityType, j.id)
		case !j.externalID.Valid || j.externalID.String != ext:
			t.Errorf("the journal creates %s %s with external id %v, want %s", j.entityType, j.id, j.externalID, ext)
		}
		creates[j.id]++
	}
	want := 0
	for i, b := range batches {
		if present[i] {
			want += len(b.items)
		}
	}
	if len(s.ids) != want || len(creates) != want {
		t.Errorf("%d accounts and people stored, %d with CREATE rows, want %d", len(s.ids), len(creates), want)
	}
	for id, n := range creates {
		if n != 1 {
			t.Errorf("%s has %d CREATE rows", id, n)
		}
	}
}

// client calls the API over HTTP.
type client struct {
	url, token string
	http       *http.Client
}

type payload struct {
	Created int
	Items   []struct{ Outcome string }
}

func (p payload) outcomes() []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.Outcome
	}
	return out
}

// sync sends a batch; it fails unless the server answers 200 with data and no errors.
func (c *client) sync(ctx context.Context, b batch) (payload, error) {
	mutation, input := "syncAccounts", "SyncAccountInput"
	if b.kind == "Person" {
		mutation, input = "syncPeople", "SyncPersonInput"
	}
	body, err := json.Marshal(map[string]any{
		"query":     fmt.Sprintf(`mutation($in: [%s!]!) { r: %s(input: $in) { created items { outcome } } }`, input, mutation),
		"variables": map[string]any{"in": b.items},
	})
	if err != nil {
		return payload{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return payload{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return payload{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Data   *struct{ R payload }
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return payload{}, fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || out.Data == nil || len(out.Errors) > 0 {
		return payload{}, fmt.Errorf("status %d, errors %s", resp.StatusCode, out.Errors)
	}
	return out.Data.R, nil
}

// buildStakegraph builds the binary (without the race detector, whatever the test's build: the
// server under it would be too slow), or skips the test when it cannot be built.
func buildStakegraph(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "stakegraph")
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Skipf("cannot build the stakegraph binary (%v): %s", err, out)
	}
	return bin
}

// run runs a command of the binary and returns its standard output, trimmed.
func run(ctx context.Context, t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("stakegraph %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// process is a running server.
type process struct {
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{}
}

// startServer starts the binary with the arguments and waits until it is ready; the server is
// killed when the test ends.
func startServer(ctx context.Context, t *testing.T, bin, addr string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), log: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting the server: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server output:\n%s", p.log.String())
		}
	})
	ready := time.NewTicker(50 * time.Millisecond)
	defer ready.Stop()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("the server exited before it was ready: %s", p.log.String())
		case <-deadline:
			t.Fatalf("the server was not ready within a minute: %s", p.log.String())
		case <-ctx.Done():
			t.Fatalf("the server was not ready in time: %s", p.log.String())
		case <-ready.C:
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return p
				}
			}
		}
	}
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill() {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return
	}
	<-p.done
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
