package server_test

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stakegraph/stakegraph/server"
)

func TestTuneGCLeavesAnOperatorsGOGC(t *testing.T) {
	previous := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(previous) })

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // as the runtime read it at start
	if got := server.TuneGC(); got != 150 {
		t.Errorf("with GOGC=150 the target is %d", got)
	}
	if now := debug.SetGCPercent(150); now != 150 {
		t.Errorf("with GOGC=150 TuneGC changed the target to %d", now)
	}

	os.Unsetenv("GOGC") // t.Setenv restores it
	if got := server.TuneGC(); got != server.GCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, server.GCPercent)
	}
	if now := debug.SetGCPercent(100); now != server.GCPercent {
		t.Errorf("without GOGC the runtime's target is %d, want %d", now, server.GCPercent)
	}
}
