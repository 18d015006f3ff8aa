package cli

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress reports an import's progress on standard error: a bar redrawn in place on a
// terminal, otherwise a plain line every few seconds (for logs and CI).
type progress struct {
	w        io.Writer
	terminal bool
	label    string
	total    int64 // bytes in the file; 0 when unknown (standard input)
	now      func() time.Time
	start    time.Time
	last     time.Time
	drawn    bool
}

// plainEvery is how often a plain progress line is printed.
const plainEvery = 2 * time.Second

func newProgress(w io.Writer, terminal bool, label string, total int64, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, terminal: terminal, label: label, total: total, now: now, start: t, last: t}
}

// update reports that read bytes of the file and rows rows are done, failed of them failed.
func (p *progress) update(read int64, rows, failed int) {
	now := p.now()
	if !p.terminal && now.Sub(p.last) < plainEvery {
		return
	}
	p.last = now
	pct := -1
	if p.total > 0 {
		pct = min(99, int(read*100/p.total)) // 100% is for finish

	}
	rate := ""
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		rate = fmt.Sprintf("  %.0f rows/s", float64(rows)/secs)
	}
	failures := ""
	if failed > 0 {
		failures = fmt.Sprintf("  %d failed", failed)
	}
	if p.terminal {
		bar := ""
		if pct >= 0 {
			bar = " " + progressBar(pct, 30) + fmt.Sprintf(" %3d%%", pct)
		}
		fmt.Fprintf(p.w, "\r%s%s  %s%s%s\033[K", p.label, bar, Plural(rows, "row", "rows"), failures, rate)
		p.drawn = true
		return
	}
	done := ""
	if pct >= 0 {
		done = fmt.Sprintf(" (%d%%)", pct)
	}
	fmt.Fprintf(p.w, "%s: %s sent%s%s%s\n", p.label, Plural(rows, "row", "rows"), done, failures, rate)
}

// finish ends the bar's line.
func (p *progress) finish(rows, failed int) {
	if !p.terminal {
		return
	}
	failures := ""
	if failed > 0 {
		failures = fmt.Sprintf("  %d failed", failed)
	}
	bar := ""
	if p.total > 0 {
		bar = " " + progressBar(100, 30) + " 100%"
	}
	fmt.Fprintf(p.w, "\r%s%s  %s%s\033[K\n", p.label, bar, Plural(rows, "row", "rows"), failures)
}

func progressBar(pct, width int) string {
	n := pct * width / 100
	return "[" + strings.Repeat("█", n) + strings.Repeat("░", width-n) + "]"
}
