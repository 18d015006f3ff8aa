package readbench_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/readbench"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/server"
)

// BenchmarkReads serves the scale generator's data through stakegraph and through the
// hand-written baseline, checks that both give the same answer to every request of every
// shape, then drives each shape at each concurrency in alternating rounds (stakegraph first in
// odd rounds, the baseline first in even ones), and reports per server the requests per second,
// the median and 99th percentile latency, and the processor time 1,000 requests cost in the
// servers' process and in MariaDB, with the ratios stakegraph/baseline. Before the rounds it
// counts the temporary tables MariaDB makes for a request, and how many of them go to disk.
//
// The load generator runs in a process of its own (this test binary, as TestLoadClient), so
// that this process's processor time is the servers': the one not being driven is idle. Both
// servers read through the same pool (storage.Open's settings) and authenticate alike (see
// readbench.Baseline). Each round begins with a garbage collection, so that a round pays for
// little of the garbage of the one before.
//
// Settings, from the environment: STAKEGRAPH_BENCH_ACCOUNTS (2000) and
// STAKEGRAPH_BENCH_FEEDBACK (feedback per account, 20) size the data;
// STAKEGRAPH_BENCH_ROUNDS (3) rounds per server, of STAKEGRAPH_BENCH_ROUND (5s) after
// STAKEGRAPH_BENCH_WARMUP (1s); STAKEGRAPH_BENCH_CONCURRENCY (8,32);
// STAKEGRAPH_BENCH_SHAPES (every shape) by operation name; STAKEGRAPH_BENCH_SERVERS
// (stakegraph,baseline): one alone, to profile it with -cpuprofile.
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' \
//	  go test -run '^$' -bench BenchmarkReads -benchtime 1x -timeout 60m ./internal/readbench/
func BenchmarkReads(b *testing.B) {
	storagetest.NeedMySQL(b, "run the read benchmark on MariaDB")
	_, restore := server.TuneGC() // the collector's target as serve sets it
	b.Cleanup(restore)
	cfg := benchSettings(b)
	f := newFixture(b, cfg.accounts, cfg.feedback)
	var shapes []readbench.Shape
	for _, s := range readbench.Shapes(f.accounts) {
		if len(cfg.shapes) == 0 || slices.Contains(cfg.shapes, s.Name) {
			shapes = append(shapes, s)
		}
	}
	if len(cfg.servers) == 2 {
		f.checkSameAnswers(b, shapes)
	}
	for _, s := range shapes {
		for _, c := range cfg.concurrency {
			b.Run(fmt.Sprintf("%s/%d", s.Name, c), func(b *testing.B) {
				for range b.N {
					temp := map[string]tempTables{}
					for _, srv := range cfg.servers {
						temp[srv] = f.tempTables(b, srv, s)
					}
					rounds := map[string][]readbench.Round{}
					for i := range cfg.rounds {
						order := slices.Clone(cfg.servers)
						if i%2 == 1 {
							slices.Reverse(order)
						}
						for _, srv := range order {
							rounds[srv] = append(rounds[srv], f.drive(b, srv, s.Name, c, cfg))
						}
					}
					report(b, s.Name, c, cfg, rounds, temp)
				}
			})
		}
	}
}

// TestLoadClient is the load generator's process, which BenchmarkReads starts for each round;
// run otherwise, it skips.
func TestLoadClient(t *testing.T) {
	if os.Getenv(readbench.LoadEnv) == "" {
		t.Skip("the read benchmark's load generator: BenchmarkReads runs it")
	}
	if err := readbench.ServeLoad(t.Context(), os.Stdout); err != nil {
		t.Fatal(err)
	}
}

type settings struct {
	accounts, feedback, rounds int
	round, warmup              time.Duration
	concurrency                []int
	shapes, servers            []string
}

func benchSettings(b *testing.B) settings {
	s := settings{
		accounts: envInt(b, "STAKEGRAPH_BENCH_ACCOUNTS", 2000),
		feedback: envInt(b, "STAKEGRAPH_BENCH_FEEDBACK", 20),
		rounds:   envInt(b, "STAKEGRAPH_BENCH_ROUNDS", 3),
		round:    envDuration(b, "STAKEGRAPH_BENCH_ROUND", 5*time.Second),
		warmup:   envDuration(b, "STAKEGRAPH_BENCH_WARMUP", time.Second),
		shapes:   envList("STAKEGRAPH_BENCH_SHAPES", nil),
		servers:  envList("STAKEGRAPH_BENCH_SERVERS", []string{stakegraphServer, baselineServer}),
	}
	for _, c := range envList("STAKEGRAPH_BENCH_CONCURRENCY", []string{"8", "32"}) {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			b.Fatalf("STAKEGRAPH_BENCH_CONCURRENCY: %q is not a number of clients", c)
		}
		s.concurrency = append(s.concurrency, n)
	}
	for _, srv := range s.servers {
		if srv != stakegraphServer && srv != baselineServer {
			b.Fatalf("STAKEGRAPH_BENCH_SERVERS: %q is neither %s nor %s", srv, stakegraphServer, baselineServer)
		}
	}
	return s
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s: %q is not a positive number", name, v)
	}
	return n
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s: %q is not a duration such as 5s", name, v)
	}
	return d
}

func envList(name string, def []string) []string {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// drive runs one round of the shape against the server.
func (f *fixture) drive(b *testing.B, srv, shape string, concurrency int, cfg settings) readbench.Round {
	b.Helper()
	runtime.GC() // the garbage of the round before is not this round's
	load := readbench.Load{URL: f.urls[srv], Token: f.token, Shape: shape, Accounts: f.accounts,
		Concurrency: concurrency, Warmup: cfg.warmup, Duration: cfg.round}
	r, err := readbench.Drive(b.Context(), load, exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestLoadClient$", "-test.count=1"))
	if err != nil {
		b.Fatalf("%s, %s, %d concurrent: %v", srv, shape, concurrency, err)
	}
	if r.Failures > 0 {
		b.Fatalf("%s, %s, %d concurrent: %d of %d requests failed, the first: %s", srv, shape, concurrency,
			r.Failures, r.Failures+r.Requests, r.Failure)
	}
	return r
}

// tempTables is how many temporary tables MariaDB creates for a request, and how many of
// them on disk.
type tempTables struct{ all, disk float64 }

// tempTables sends the shape's first requests to the server one at a time and counts the
// temporary tables MariaDB creates meanwhile (server-wide counters: other clients of the same
// server add to them).
func (f *fixture) tempTables(b *testing.B, srv string, s readbench.Shape) tempTables {
	b.Helper()
	const requests = 20
	f.ask(b, srv, s, 0) // the parse cache, the member, the buffer pool
	count := func() (all, disk int) {
		rows, err := f.env.DB.SQL.QueryContext(b.Context(),
			"SHOW GLOBAL STATUS WHERE Variable_name IN ('Created_tmp_tables', 'Created_tmp_disk_tables')")
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name string
				n    int
			)
			if err := rows.Scan(&name, &n); err != nil {
				b.Fatal(err)
			}
			if name == "Created_tmp_disk_tables" {
				disk = n
			} else {
				all = n
			}
		}
		return all, disk
	}
	all, disk := count()
	for n := range requests {
		f.ask(b, srv, s, n)
	}
	allAfter, diskAfter := count()
	return tempTables{all: float64(allAfter-all) / requests, disk: float64(diskAfter-disk) / requests}
}

// figures sums up a server's rounds.
type figures struct {
	rates         []float64 // requests per second, per round
	p50, p99      time.Duration
	server, db    time.Duration // processor time per 1,000 requests
	client        time.Duration
	cpuKnown      bool
	totalRequests int
}

func sumUp(rounds []readbench.Round) figures {
	var (
		f             figures
		p50s, p99s    []time.Duration
		server, db, c time.Duration
	)
	f.cpuKnown = true
	for _, r := range rounds {
		f.rates = append(f.rates, float64(r.Requests)/r.Elapsed.Seconds())
		p50s, p99s = append(p50s, r.P50), append(p99s, r.P99)
		server, db, c = server+r.ServerCPU, db+r.DatabaseCPU, c+r.ClientCPU
		f.cpuKnown = f.cpuKnown && r.CPUKnown
		f.totalRequests += r.Requests
	}
	per1000 := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * 1000 / float64(max(1, f.totalRequests)))
	}
	f.p50, f.p99 = median(p50s), median(p99s)
	f.server, f.db, f.client = per1000(server), per1000(db), per1000(c)
	return f
}

func median[T float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	switch {
	case len(s) == 0:
		return 0
	case len(s)%2 == 0:
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// report logs the servers' figures and, with both servers, reports the ratios
// stakegraph/baseline: of the requests per second (the median of the rounds' ratios, each
// round of stakegraph against the baseline's of the same pair) and of the processor time.
func report(b *testing.B, shape string, concurrency int, cfg settings, rounds map[string][]readbench.Round, temp map[string]tempTables) {
	lines := []string{
		fmt.Sprintf("%s, %d concurrent, %d rounds of %s; %d accounts with %d feedback each; %d cores:",
			shape, concurrency, cfg.rounds, cfg.round, cfg.accounts, cfg.feedback, runtime.NumCPU()),
		fmt.Sprintf("  %-10s %7s %9s %9s | processor time per 1,000 requests: %8s %8s %8s | temporary tables a request | req/s per round",
			"", "req/s", "p50", "p99", "server", "MariaDB", "load gen"),
	}
	sums := map[string]figures{}
	for _, srv := range cfg.servers {
		f := sumUp(rounds[srv])
		sums[srv] = f
		b.ReportMetric(median(f.rates), srv+"-req/s")
		server, db := "?", "?"
		if f.cpuKnown {
			server, db = seconds(f.server), seconds(f.db)
		}
		lines = append(lines, fmt.Sprintf("  %-10s %7.0f %9s %9s | %34s %8s %8s %8s | %4.1f, %4.1f on disk         | %s", srv, median(f.rates),
			f.p50.Round(10*time.Microsecond), f.p99.Round(10*time.Microsecond), "", server, db, seconds(f.client),
			temp[srv].all, temp[srv].disk, rates(f.rates)))
	}
	if len(cfg.servers) == 2 {
		sg, bl := sums[stakegraphServer], sums[baselineServer]
		ratios := make([]float64, len(sg.rates))
		for i := range ratios {
			ratios[i] = sg.rates[i] / bl.rates[i]
		}
		throughput := median(ratios)
		b.ReportMetric(throughput, "throughput-ratio")
		line := fmt.Sprintf("  stakegraph/baseline: throughput %.2f (rounds: %s)", throughput, ratiosText(ratios))
		if sg.cpuKnown && bl.cpuKnown {
			b.ReportMetric(float64(sg.server)/float64(bl.server), "server-cpu-ratio")
			line += fmt.Sprintf(", server processor time %.2f×, MariaDB's %.2f×",
				float64(sg.server)/float64(bl.server), float64(sg.db)/float64(bl.db))
		}
		lines = append(lines, line)
	}
	b.Log(strings.Join(lines, "\n"))
}

// seconds writes processor time per 1,000 requests in seconds (= ms per request).
func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func rates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, " ")
}

func ratiosText(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}
