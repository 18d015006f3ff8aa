package journal

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Attempts is how often Run tries a transaction that keeps losing lock conflicts before it
// gives up and returns the conflict.
const Attempts = 4

// retryPause is the longest pause before the second attempt; it doubles for each later one.
const retryPause = 20 * time.Millisecond

// lostConflicts are the MySQL and MariaDB errors of a transaction that lost to another one,
// which the same transaction run again normally wins. A Galera cluster reports a transaction
// that failed certification as a deadlock. A node out of its cluster (1047) is no conflict:
// the server answers UNAVAILABLE (server/availability.go), and an error during COMMIT (1180)
// leaves unsaid whether the commit took, so neither is run again.
var lostConflicts = map[uint16]bool{
	1213: true, // ER_LOCK_DEADLOCK: a deadlock victim, or a Galera certification failure; rolled back whole
	1205: true, // ER_LOCK_WAIT_TIMEOUT: waited too long for a row lock
}

// Retryable reports whether err is a lost lock conflict: the transaction that met it changed
// nothing, and the same work in a new transaction may well succeed.
func Retryable(err error) bool {
	var my *mysql.MySQLError
	return errors.As(err, &my) && lostConflicts[my.Number]
}

// RunOption configures Run.
type RunOption func(*runOptions)

type runOptions struct {
	onRetry func(attempt int, err error)
}

// OnRetry has Run call f before it runs the work again, with the attempt that lost and why.
func OnRetry(f func(attempt int, err error)) RunOption {
	return func(o *runOptions) { o.onRetry = f }
}

// pause waits a random time up to retryPause·2^(attempt-1), so that the transactions that
// conflicted do not meet again in step; it returns early with ctx's error.
func pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(retryPause << (attempt - 1)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
