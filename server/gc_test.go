package server_test

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stakegraph/stakegraph/server"
)

// gcPercent reads the collector's target.
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

func TestTuneGCLeavesAnOperatorsGOGC(t *testing.T) {
	t.Setenv("GOGC", "150")
	defer debug.SetGCPercent(debug.SetGCPercent(150)) // as the runtime read GOGC at start
	target, restore := server.TuneGC()
	if target != 150 || gcPercent() != 150 {
		t.Errorf("with GOGC=150 the target is %d (reported %d)", gcPercent(), target)
	}
	restore()

	os.Unsetenv("GOGC") // t.Setenv puts it back
	target, restore = server.TuneGC()
	if target != server.GCPercent || gcPercent() != server.GCPercent {
		t.Errorf("without GOGC the target is %d (reported %d), want %d", gcPercent(), target, server.GCPercent)
	}
	restore()
	if gcPercent() != 150 {
		t.Errorf("restore left the target at %d, want 150", gcPercent())
	}
}
