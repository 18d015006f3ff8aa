package apitest

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
)

// Overlap runs second, a writer that must wait for the open transaction first, while first is
// open: it checks that second is still waiting after half a second, then commits first and
// waits for second to finish. Tests of writers that overlap use it to make the overlap certain
// on MariaDB; on SQLite second waits for first to begin with.
func Overlap(t testing.TB, first *ent.Tx, second func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- second() }()
	select {
	case err := <-done:
		t.Fatalf("the second writer finished while the first transaction was open: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
