package bulksync_test

import (
	"fmt"
	"runtime"
	"time"

	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// describeCPU gives the processor time a record cost, and the rate the cores of this machine
// could sustain at that cost if they did nothing else.
func describeCPU(t storagetest.CPUTime, records float64) string {
	if !t.ProcessKnown {
		return "not measured on this system"
	}
	s := fmt.Sprintf("%.0f µs in the server and client", perRecord(t.Process, records))
	if !t.DatabaseKnown {
		return s + " (the database server's is not visible from here)"
	}
	total := perRecord(t.Process+t.Database, records)
	return fmt.Sprintf("%s, %.0f µs in the database server: %.0f µs in all, so %d cores sustain at most %.0f records/s",
		s, perRecord(t.Database, records), total, runtime.NumCPU(), float64(runtime.NumCPU())*1e6/total)
}

// briefCPU gives the processor time a record cost, in short.
func briefCPU(t storagetest.CPUTime, records float64) string {
	if !t.ProcessKnown {
		return "processor time not measured on this system"
	}
	s := fmt.Sprintf("%.0f µs here", perRecord(t.Process, records))
	if t.DatabaseKnown {
		s += fmt.Sprintf(", %.0f µs in the database server", perRecord(t.Database, records))
	}
	return s
}

func perRecord(d time.Duration, records float64) float64 {
	return float64(d.Microseconds()) / records
}
