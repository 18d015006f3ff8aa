package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/internal/errs"
)

const (
	// probeTimeout is how long a probe waits for the database's answer: a database that
	// takes longer to answer a ping cannot serve requests either.
	probeTimeout = 2 * time.Second
	// probeInterval is how often a database known to be down is probed again, at most, and
	// so how long a client is asked to wait before retrying.
	probeInterval = 2 * time.Second
	// stallAfter is how long a request runs before it has the database probed (and again
	// every stallAfter while it runs): a hung database is found by probes, not by requests
	// that wait for their timeout.
	stallAfter = time.Second
	// readyMaxAge is how old a probe's result /readyz may answer with: /readyz needs no token,
	// and calling it in a loop must not become a stream of pings.
	readyMaxAge = time.Second
	// errorMaxAge is how old a probe's result may be when a request's database call failed as
	// if the database were unreachable.
	errorMaxAge = 100 * time.Millisecond
)

// errDatabaseUnavailable is the cause with which requests waiting on the database are
// cancelled when it is found down.
var errDatabaseUnavailable = errors.New("the database is unavailable")

// unavailable is the client's error while the database cannot be reached.
func unavailable() *errs.Error {
	return errs.E(errs.Unavailable, "the database is unavailable; retry in a few seconds")
}

// retryAfter is the Retry-After header of an UNAVAILABLE answer: the next probe will know.
var retryAfter = strconv.Itoa(int(probeInterval / time.Second))

// availability is what this replica knows of its database. It learns it from probes on a
// connection of their own: /readyz's, those of requests that run longer than stallAfter,
// and those of requests whose database calls failed to reach it. Once a probe fails, the
// database is down: requests waiting on it are cancelled, new ones are refused at once, and
// probes run in the background, at most every probeInterval for refused requests and every
// readyMaxAge for /readyz, until one succeeds. Each replica learns this of its own pool;
// nothing is shared.
type availability struct {
	probe func(context.Context) error
	log   *slog.Logger

	down atomic.Bool // the last probe failed

	mu      sync.Mutex
	outage  context.Context         // cancelled, with errDatabaseUnavailable, when a probe fails
	declare context.CancelCauseFunc // cancels outage
	checked time.Time               // when the last probe finished
	lastErr error                   // the last probe's error
	running chan struct{}           // closed when the probe under way finishes; nil if none
}

func newAvailability(probe func(context.Context) error, log *slog.Logger) *availability {
	a := &availability{probe: probe, log: log}
	a.outage, a.declare = context.WithCancelCause(context.Background())
	return a
}

// check returns the database's state, probing it first when the last probe is older than
// maxAge. While the database is up the caller waits for the probe; while it is down the
// caller has its answer at once and the probe runs in the background: a database known to
// be down holds nobody.
func (a *availability) check(ctx context.Context, maxAge time.Duration) error {
	running, lastErr := a.start(maxAge)
	if a.down.Load() || running == nil {
		return lastErr
	}
	select {
	case <-running:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// suspect has the database probed in the background, unless a probe is under way or the
// last one is younger than maxAge.
func (a *availability) suspect(maxAge time.Duration) { a.start(maxAge) }

// start starts a probe unless one is under way or the last one is younger than maxAge, and
// returns the probe under way (nil if none) and the last one's error.
func (a *availability) start(maxAge time.Duration) (chan struct{}, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running == nil && time.Since(a.checked) >= maxAge {
		a.running = make(chan struct{})
		go a.run(a.running)
	}
	return a.running, a.lastErr
}

// run probes the database and records what it found.
func (a *availability) run(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	err := a.probe(ctx)
	cancel()
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("the database did not answer a ping within " + probeTimeout.String())
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checked, a.lastErr, a.running = time.Now(), err, nil
	switch {
	case err != nil && !a.down.Load():
		a.down.Store(true)
		a.declare(errDatabaseUnavailable)
		a.log.Error("the database is unreachable: requests are answered UNAVAILABLE until it answers again", "error", err)
	case err == nil && a.down.Load():
		a.outage, a.declare = context.WithCancelCause(context.Background())
		a.down.Store(false)
		a.log.Info("the database answers again")
	}
	close(done)
}

// watch returns a context for a request that is cancelled, with errDatabaseUnavailable, if
// the database is found down while the request runs, and has the database probed if the
// request runs longer than stallAfter. stop must be called when the request is done.
func (a *availability) watch(ctx context.Context) (_ context.Context, stop func()) {
	a.mu.Lock()
	outage := a.outage
	a.mu.Unlock()
	ctx, cancel := context.WithCancelCause(ctx)
	stopOutage := context.AfterFunc(outage, func() { cancel(context.Cause(outage)) })
	var (
		mu      sync.Mutex
		stopped bool
		timer   *time.Timer
	)
	mu.Lock()
	timer = time.AfterFunc(stallAfter, func() {
		a.suspect(probeInterval)
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer.Reset(stallAfter)
		}
	})
	mu.Unlock()
	return ctx, func() {
		mu.Lock()
		stopped = true
		timer.Stop()
		mu.Unlock()
		stopOutage()
		cancel(nil)
	}
}

// unavailable reports whether err, met while serving the request of ctx, means that the
// database could not answer: the request was cancelled because the database was found down,
// a connection failed, or the server refused or dropped it. The same request may succeed
// later. Such an error has the database probed.
func (a *availability) unavailable(ctx context.Context, err error) bool {
	if errors.Is(context.Cause(ctx), errDatabaseUnavailable) || errors.Is(err, errDatabaseUnavailable) {
		return true
	}
	if !unreachable(err) {
		return false
	}
	a.suspect(errorMaxAge)
	return true
}

// mysqlUnavailable are the MySQL and MariaDB errors of a server that cannot take the request
// now: too many connections, shutting down, a Galera node out of its cluster, a connection
// killed.
var mysqlUnavailable = map[uint16]bool{1040: true, 1053: true, 1047: true, 1927: true}

// unreachable reports whether err is the database failing to answer rather than refusing
// the statement.
func unreachable(err error) bool {
	var (
		my     *mysql.MySQLError
		urlErr *url.Error
		netErr *net.OpError
		coded  interface{ Code() int } // SQLite's errors
	)
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false // the request's own end, not the database's
	case errors.As(err, &urlErr):
		return false // an HTTP call's (the identity provider's), not the database's
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.As(err, &netErr):
		return true
	case errors.As(err, &my):
		return mysqlUnavailable[my.Number]
	case errors.As(err, &coded):
		// SQLITE_BUSY and SQLITE_LOCKED, past the busy timeout: another writer holds the file.
		code := coded.Code() & 0xff
		return code == 5 || code == 6
	}
	// database/sql's own error for a pool that was closed, which it does not export.
	return strings.Contains(err.Error(), "sql: database is closed")
}
