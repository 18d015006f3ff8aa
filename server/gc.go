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
// in effect. It changes the whole process: serve calls it, a program that embeds the server
// decides for itself.
func TuneGC() int {
	if _, set := os.LookupEnv("GOGC"); set {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
