package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// run reports progress at 1 s (10 rows), 3 s (50 rows, 2 failed) and 4 s (99 rows) of a
// 1000-byte file, then finishes at 100 rows.
func runProgress(terminal bool) string {
	var b bytes.Buffer
	start := time.Unix(1000, 0)
	now := start
	p := newProgress(&b, terminal, "a.csv", 1000, func() time.Time { return now })
	now = start.Add(time.Second)
	p.update(100, 10, 0)
	now = start.Add(3 * time.Second)
	p.update(500, 50, 2)
	now = start.Add(4 * time.Second)
	p.update(1000, 99, 2)
	p.finish(100, 2)
	return b.String()
}

func TestProgressBarOnATerminal(t *testing.T) {
	bar := func(n int) string { return "[" + strings.Repeat("█", n) + strings.Repeat("░", 30-n) + "]" }
	want := "\ra.csv " + bar(3) + "  10%  10 rows  10 rows/s\033[K" +
		"\ra.csv " + bar(15) + "  50%  50 rows  2 failed  17 rows/s\033[K" +
		"\ra.csv " + bar(29) + "  99%  99 rows  2 failed  25 rows/s\033[K" + // stays below 100% until done
		"\ra.csv " + bar(30) + " 100%  100 rows  2 failed\033[K\n"
	if got := runProgress(true); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestProgressLinesElsewhere(t *testing.T) {
	// At most a line every two seconds, for logs; nothing to finish.
	want := "a.csv: 50 rows sent (50%)  2 failed  17 rows/s\n"
	if got := runProgress(false); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
