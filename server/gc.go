package server

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target that serve sets when the GOGC environment
// variable sets none. A bulk sync allocates about 20 KB a record, nearly all of it garbage by
// the end of the request, while the server keeps little: with Go's default of 100 the
// collector ran so often that it took a quarter of the server's processor time in
// BenchmarkSync (see BENCHMARKS.md); at 400 the heap grows by some 50 MB more between
// collections instead.
const GCPercent = 400

// TuneGC sets the collector's target to GCPercent unless GOGC is set, and returns the target
// in effect and a function that puts back the one before. It changes the whole process: serve
// calls it, a program that embeds the server decides for itself.
func TuneGC() (target int, restore func()) {
	previous := debug.SetGCPercent(GCPercent)
	restore = func() { debug.SetGCPercent(previous) }
	if _, set := os.LookupEnv("GOGC"); set {
		restore()
		return previous, restore
	}
	return GCPercent, restore
}
