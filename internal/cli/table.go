package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table prints aligned columns for people: headers in capitals, numbers aligned right.
type table struct {
	header []string
	right  []bool
	rows   [][]string
}

// newTable returns a table with the headers; a header "" prints no header row.
func newTable(header ...string) *table {
	return &table{header: header, right: make([]bool, len(header))}
}

// alignRight aligns the columns (by index) to the right: numbers.
func (t *table) alignRight(cols ...int) *table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer) {
	widths := make([]int, len(t.header))
	showHeader := false
	for i, h := range t.header {
		widths[i] = utf8.RuneCountInString(h)
		showHeader = showHeader || h != ""
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i >= len(widths) {
				break
			}
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if showHeader {
		line(t.header)
	}
	for _, r := range t.rows {
		line(r)
	}
}

// section prints a titled table, or that there is nothing to show.
func section(w io.Writer, title string, total int, t *table) {
	fmt.Fprintln(w)
	if total == 0 {
		fmt.Fprintf(w, "%s: none\n", title)
		return
	}
	if total > len(t.rows) {
		fmt.Fprintf(w, "%s (%d, showing %d)\n", title, total, len(t.rows))
	} else {
		fmt.Fprintf(w, "%s (%d)\n", title, total)
	}
	t.print(w)
}
