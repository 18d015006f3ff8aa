package readbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// Load is one round of load on one server: a fixed number of clients, each sending one
// shape's requests one after the other over a keep-alive connection, for a warm-up and then
// for the measured duration.
type Load struct {
	URL         string   // the server's GraphQL endpoint
	Token       string   // the bearer token every request carries
	Shape       string   // the shape's operation name
	Accounts    []string // the accounts the shape's requests ask about in turn
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
}

// Measured is what the load generator measured in a round.
type Measured struct {
	Requests int           `json:"requests"`
	Failures int           `json:"failures"`
	Failure  string        `json:"failure,omitempty"` // the first failure
	Elapsed  time.Duration `json:"elapsed"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	// ClientCPU is the load generator's own processor time over the measured part.
	ClientCPU time.Duration `json:"clientCPU"`
}

// Round is a measured round: the load generator's figures and the processor time spent
// meanwhile by this process (the servers) and by the database server.
type Round struct {
	Measured
	ServerCPU   time.Duration
	DatabaseCPU time.Duration
	CPUKnown    bool // both processor times are known
}

// RequestBody is the body of a shape's n-th request, the same for both servers.
func RequestBody(s Shape, n int) []byte {
	body, _ := json.Marshal(map[string]any{"operationName": s.Name, "query": s.Document, "variables": s.Vars(n)})
	return body
}

// Variants is the number of different requests a shape sends: one per account for the
// shapes about one account, else one.
func Variants(s Shape, accounts []string) int {
	if s.Vars(0) == nil {
		return 1
	}
	return len(accounts)
}

// ShapeNamed returns the shape of the name.
func ShapeNamed(name string, accounts []string) (Shape, error) {
	for _, s := range Shapes(accounts) {
		if s.Name == name {
			return s, nil
		}
	}
	return Shape{}, fmt.Errorf("no shape %q", name)
}

// Post sends a request body with the token and returns the status and the response body.
func Post(ctx context.Context, client *http.Client, url, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// Generate runs the load in this process and reports the measured part; it writes
// "measuring" to progress when the warm-up is over, so that a parent process can read the
// servers' processor time at that moment.
func Generate(ctx context.Context, l Load, progress io.Writer) (Measured, error) {
	shape, err := ShapeNamed(l.Shape, l.Accounts)
	if err != nil {
		return Measured{}, err
	}
	bodies := make([][]byte, Variants(shape, l.Accounts))
	for i := range bodies {
		bodies[i] = RequestBody(shape, i)
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: l.Concurrency, MaxIdleConnsPerHost: l.Concurrency, MaxConnsPerHost: l.Concurrency,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	var next atomic.Int64 // requests take the variants in turn across clients
	phase := func(d time.Duration) ([]time.Duration, int, string, time.Duration) {
		var (
			mu        sync.Mutex
			latencies []time.Duration
			failures  int
			failure   string
			wg        sync.WaitGroup
		)
		start := time.Now()
		deadline := start.Add(d)
		for range l.Concurrency {
			wg.Go(func() {
				var own []time.Duration
				for time.Now().Before(deadline) && ctx.Err() == nil {
					body := bodies[int(next.Add(1)-1)%len(bodies)]
					sent := time.Now()
					status, raw, err := Post(ctx, client, l.URL, l.Token, body)
					took := time.Since(sent)
					if err == nil && (status != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`))) {
						err = fmt.Errorf("status %d: %.300s", status, raw)
					}
					if err != nil {
						mu.Lock()
						if failures++; failure == "" {
							failure = err.Error()
						}
						mu.Unlock()
						continue
					}
					own = append(own, took)
				}
				mu.Lock()
				latencies = append(latencies, own...)
				mu.Unlock()
			})
		}
		wg.Wait()
		return latencies, failures, failure, time.Since(start)
	}
	phase(l.Warmup)
	fmt.Fprintln(progress, "measuring")
	cpuStart := storagetest.CPUNow()
	latencies, failures, failure, elapsed := phase(l.Duration)
	m := Measured{Requests: len(latencies), Failures: failures, Failure: failure, Elapsed: elapsed,
		ClientCPU: storagetest.CPUNow().Since(cpuStart).Process}
	if len(latencies) > 0 {
		slices.Sort(latencies)
		m.P50 = latencies[(len(latencies)-1)/2]
		m.P99 = latencies[(len(latencies)*99+99)/100-1]
	}
	return m, ctx.Err()
}

// LoadEnv names the environment variable that hands a load generator process its load.
const LoadEnv = "STAKEGRAPH_READBENCH_LOAD"

// The lines a load generator process writes to its standard output.
const (
	measuringLine = "readbench-load: measuring"
	doneLine      = "readbench-load: done "
)

// ServeLoad is the body of a load generator process: it reads its load from LoadEnv, runs it
// and writes its progress and result to out.
func ServeLoad(ctx context.Context, out io.Writer) error {
	var l Load
	if err := json.Unmarshal([]byte(os.Getenv(LoadEnv)), &l); err != nil {
		return fmt.Errorf("%s: %w", LoadEnv, err)
	}
	m, err := Generate(ctx, l, prefixed{out})
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(m)
	_, err = fmt.Fprintf(out, "%s%s\n", doneLine, raw)
	return err
}

// prefixed writes Generate's progress as the process's progress lines.
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	if strings.TrimSpace(string(b)) == "measuring" {
		_, err := fmt.Fprintln(p.w, measuringLine)
		return len(b), err
	}
	return p.w.Write(b)
}

// Drive runs the load in a process of its own, the command (a test binary that calls
// ServeLoad), so that this process's processor time is the servers' alone; it reads this
// process's and the database server's processor time when the measured part starts and ends.
func Drive(ctx context.Context, l Load, command *exec.Cmd) (Round, error) {
	spec, err := json.Marshal(l)
	if err != nil {
		return Round{}, err
	}
	command.Env = append(os.Environ(), LoadEnv+"="+string(spec))
	var stderr bytes.Buffer
	command.Stderr = &stderr
	stdout, err := command.StdoutPipe()
	if err != nil {
		return Round{}, err
	}
	if err := command.Start(); err != nil {
		return Round{}, err
	}
	var (
		round          Round
		start          storagetest.CPUTime
		started, ended bool
		result         string
		unknown        []string
	)
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		switch {
		case line == measuringLine:
			start, started = storagetest.CPUNow(), true
		case strings.HasPrefix(line, doneLine):
			cost := storagetest.CPUNow().Since(start)
			round.ServerCPU, round.DatabaseCPU = cost.Process, cost.Database
			round.CPUKnown = cost.ProcessKnown && cost.DatabaseKnown
			result, ended = strings.TrimPrefix(line, doneLine), true
		default:
			unknown = append(unknown, line)
		}
	}
	waitErr := command.Wait()
	if !started || !ended || waitErr != nil {
		return Round{}, errors.Join(waitErr, fmt.Errorf("the load generator did not finish: %s\n%s",
			strings.Join(unknown, "\n"), stderr.String()))
	}
	if err := json.Unmarshal([]byte(result), &round.Measured); err != nil {
		return Round{}, err
	}
	return round, nil
}
