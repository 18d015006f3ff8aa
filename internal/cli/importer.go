package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

// maxBatch is the most items a sync call takes.
const maxBatch = 1000

func (a *app) importCommand() *urfave.Command {
	doc := "Reads a CSV file with a header row and upserts its rows by external id through bulk sync, in\n" +
		"batches. A header names the field a column fills (case, spaces and _ do not matter:\n" +
		"external_id, externalID and \"External ID\" are the same); an empty cell leaves the field as\n" +
		"it is. Rows that fail are written with their columns and an error column to --failed, and the\n" +
		"command exits with 5; fix them there and import that file. Columns:\n\n" +
		columnsDoc(accountsSpec(nil)) + "\n" + columnsDoc(peopleSpec()) + "\n" + columnsDoc(contractsSpec()) +
		"\nImporting needs an ADMIN or INTEGRATION token."
	importFlags := func() []urfave.Flag {
		return []urfave.Flag{
			&urfave.IntFlag{Name: "batch-size", Value: maxBatch, Usage: "rows per sync call (at most 1000)"},
			&urfave.StringFlag{Name: "failed", Usage: "where to write the rows that fail, with their errors (default: FILE.failed.csv)"},
		}
	}
	sub := func(kind, usage string, run func(ctx context.Context, s *session, path string, opts importOptions) error) *urfave.Command {
		return &urfave.Command{
			Name:        kind,
			Usage:       usage,
			ArgsUsage:   "FILE.csv",
			Description: doc,
			Flags:       importFlags(),
			Action: func(ctx context.Context, c *urfave.Command) error {
				argv, err := args(c, "the CSV file")
				if err != nil {
					return err
				}
				opts := importOptions{batch: c.Int("batch-size"), failed: c.String("failed")}
				if opts.batch < 1 || opts.batch > maxBatch {
					return usagef(c, "--batch-size must be between 1 and %d", maxBatch)
				}
				if opts.failed == "" {
					opts.failed = strings.TrimSuffix(argv[0], filepath.Ext(argv[0])) + ".failed.csv"
				}
				if filepath.Clean(opts.failed) == filepath.Clean(argv[0]) {
					return usagef(c, "--failed must not be the file being imported")
				}
				s, err := a.connect(ctx, c)
				if err != nil {
					return err
				}
				return run(ctx, s, argv[0], opts)
			},
		}
	}
	return group(&urfave.Command{
		Name:        "import",
		Usage:       "import accounts, people or contracts from CSV (bulk upsert by external id)",
		Description: doc,
		Flags:       a.commonFlags(),
		Commands: []*urfave.Command{
			sub("accounts", "import accounts from CSV", func(ctx context.Context, s *session, path string, o importOptions) error {
				return runImport(ctx, s, accountsSpec(s), path, o)
			}),
			sub("people", "import people from CSV", func(ctx context.Context, s *session, path string, o importOptions) error {
				return runImport(ctx, s, peopleSpec(), path, o)
			}),
			sub("contracts", "import contracts from CSV (their accounts must exist)", func(ctx context.Context, s *session, path string, o importOptions) error {
				return runImport(ctx, s, contractsSpec(), path, o)
			}),
		},
	})
}

type importOptions struct {
	batch  int
	failed string
}

// importSummary is what an import did; it is also the --json output.
type importSummary struct {
	Kind       string  `json:"kind"`
	File       string  `json:"file"`
	Rows       int     `json:"rows"`
	Created    int     `json:"created"`
	Updated    int     `json:"updated"`
	Unchanged  int     `json:"unchanged"`
	Failed     int     `json:"failed"`
	NotSent    int     `json:"notSent"` // read but never sent: the import stopped
	FailedFile *string `json:"failedFile"`
	Seconds    float64 `json:"seconds"`
}

// pending is a row on its way to the server.
type pending[T any] struct {
	line   int
	record []string
	item   T
}

type importer[T any] struct {
	s        *session
	spec     importSpec[T]
	header   []string
	cols     []*column[T] // by position in the file; nil for a column the import does not read
	byField  map[string]string
	failed   *failedRows
	sum      importSummary
	deferred []pending[T]
}

// normHeader is how headers match: case, spaces, _ and - do not matter.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff") // a byte order mark, as spreadsheets write
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r != '_' && r != ' ' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func runImport[T any](ctx context.Context, s *session, spec importSpec[T], path string, opts importOptions) error {
	start := s.env.Now()
	var src io.Reader
	var size int64
	if path == "-" {
		src = s.env.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return errorf("%v", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		src = f
	}
	r := csv.NewReader(bufio.NewReaderSize(src, 64<<10))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return errorf("%s is empty: it needs a header row", path)
	}
	if err != nil {
		return errorf("%s: reading the header: %v", path, err)
	}
	im := &importer[T]{s: s, spec: spec, header: header, byField: map[string]string{},
		failed: &failedRows{path: opts.failed, header: header},
		sum:    importSummary{Kind: spec.kind, File: path}}
	if err := im.mapHeader(ctx); err != nil {
		return err
	}

	label := filepath.Base(path)
	if path == "-" {
		label = spec.kind
	}
	prog := newProgress(s.env.Stderr, s.env.StderrIsTerminal, label, size, s.env.Now)
	batch := make([]pending[T], 0, opts.batch)
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := im.send(ctx, batch, false); err != nil {
			return err
		}
		batch = batch[:0]
		prog.update(r.InputOffset(), im.sum.Rows, im.sum.Failed)
		return nil
	}
	abort := func(err error) error {
		if ferr := im.failed.close(); ferr != nil {
			return ferr
		}
		prog.finish(im.sum.Rows, im.sum.Failed)
		return im.stopped(err, start, opts.failed)
	}
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var perr *csv.ParseError
			if !errors.As(err, &perr) {
				return abort(errorf("%s: %v", path, err))
			}
			im.sum.Rows++
			if err := im.fail(perr.StartLine, record, "not valid CSV: "+perr.Err.Error()); err != nil {
				return abort(err)
			}
			continue
		}
		im.sum.Rows++
		item, problems := im.parse(record)
		if len(problems) > 0 {
			if err := im.fail(line, record, strings.Join(problems, "; ")); err != nil {
				return abort(err)
			}
			continue
		}
		batch = append(batch, pending[T]{line: line, record: record, item: item})
		if len(batch) == opts.batch {
			if err := send(); err != nil {
				return abort(err)
			}
		}
		if ctx.Err() != nil {
			return abort(&Error{Exit: ExitError, Message: "interrupted"})
		}
	}
	if err := send(); err != nil {
		return abort(err)
	}
	// Rows whose references come later in the file get a second chance, now that all is in.
	for len(im.deferred) > 0 {
		retry := im.deferred
		im.deferred = nil
		for i := 0; i < len(retry); i += opts.batch {
			if err := im.send(ctx, retry[i:min(i+opts.batch, len(retry))], true); err != nil {
				return abort(err)
			}
		}
	}
	if err := im.failed.close(); err != nil {
		return err
	}
	prog.finish(im.sum.Rows, im.sum.Failed)
	im.finish(start, opts.failed)
	im.report()
	if im.sum.Failed > 0 {
		return &Error{Exit: ExitPartial, Message: fmt.Sprintf("%d of %s failed; they are in %s with their errors",
			im.sum.Failed, Plural(im.sum.Rows, "row", "rows"), opts.failed)}
	}
	return nil
}

// finish completes the summary: the time taken, and where the failed rows went.
func (im *importer[T]) finish(start time.Time, failedPath string) {
	im.sum.Seconds = im.s.env.Now().Sub(start).Seconds()
	im.sum.NotSent = im.sum.Rows - im.sum.Created - im.sum.Updated - im.sum.Unchanged - im.sum.Failed
	if im.failed.written > 0 {
		im.sum.FailedFile = &failedPath
	}
}

// stopped accounts for every row read when err stops an import: those the server took (by
// outcome), those that failed (and where they are), and those never sent. With --json the
// summary goes to standard output as well.
func (im *importer[T]) stopped(err error, start time.Time, failedPath string) error {
	im.finish(start, failedPath)
	if im.s.json {
		_ = im.s.printJSON(im.sum)
	}
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	sum := im.sum
	var done []string
	for _, c := range []struct {
		n    int
		what string
	}{{sum.Created, "created"}, {sum.Updated, "updated"}, {sum.Unchanged, "unchanged"}, {sum.Failed, "failed"}, {sum.NotSent, "not sent"}} {
		if c.n > 0 {
			done = append(done, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(done) == 0 {
		e.Message = "import stopped before the first row: " + e.Message
	} else {
		e.Message = fmt.Sprintf("import stopped after reading %s (%s): %s", Plural(sum.Rows, "row", "rows"), strings.Join(done, ", "), e.Message)
	}
	var hints []string
	if e.Code == "FORBIDDEN" {
		hints = append(hints, "importing needs an ADMIN or INTEGRATION token; `stakegraph whoami` shows your role")
	} else if e.Hint != "" {
		hints = append(hints, e.Hint)
	}
	if sum.FailedFile != nil {
		hints = append(hints, fmt.Sprintf("the rows that failed are in %s with their errors", *sum.FailedFile))
	}
	if sum.NotSent > 0 {
		hints = append(hints, fmt.Sprintf("import %s again once the cause is fixed: rows already imported come back unchanged", sum.File))
	}
	e.Hint = strings.Join(hints, "\n  ")
	return err
}

// mapHeader matches the file's columns to the spec's, and refuses a file without the
// required ones.
func (im *importer[T]) mapHeader(ctx context.Context) error {
	known := map[string]*column[T]{}
	for i := range im.spec.columns {
		known[normHeader(im.spec.columns[i].name)] = &im.spec.columns[i]
		im.byField[im.spec.columns[i].field] = im.spec.columns[i].name
	}
	ignored := map[string]bool{"error": true}
	for _, name := range im.spec.ignored {
		ignored[normHeader(name)] = true
	}
	present := map[string]bool{}
	var unknown []string
	im.cols = make([]*column[T], len(im.header))
	for i, h := range im.header {
		c, ok := known[normHeader(h)]
		switch {
		case ok && present[c.name]:
			return errorf("%s: the column %s appears twice", im.sum.File, c.name)
		case ok:
			im.cols[i] = c
			present[c.name] = true
		case !ignored[normHeader(h)]:
			unknown = append(unknown, h)
		}
	}
	var missing []string
	for _, c := range im.spec.columns {
		if c.required && !present[c.name] {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		var names []string
		for _, c := range im.spec.columns {
			names = append(names, c.name)
		}
		return &Error{Exit: ExitError, Message: fmt.Sprintf("%s has no %s column", im.sum.File, strings.Join(missing, ", ")),
			Hint: fmt.Sprintf("the %s columns are: %s (`stakegraph import %s --help` explains them)", im.spec.kind, strings.Join(names, ", "), im.spec.kind)}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(im.s.env.Stderr, "Ignoring columns the %s import does not read: %s\n", im.spec.kind, strings.Join(unknown, ", "))
	}
	if im.spec.prepare != nil {
		return im.spec.prepare(ctx, present)
	}
	return nil
}

// parse reads a row into a sync input, or says what is wrong with it.
func (im *importer[T]) parse(record []string) (T, []string) {
	var item T
	var problems []string
	if len(record) != len(im.header) {
		return item, []string{fmt.Sprintf("the row has %d fields, the header %d", len(record), len(im.header))}
	}
	filled := map[string]bool{}
	for i, cell := range record {
		c := im.cols[i]
		if c == nil {
			continue
		}
		cell = strings.TrimSpace(cell)
		if cell == "" {
			continue
		}
		if err := c.set(&item, cell); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		filled[c.name] = true
	}
	for _, c := range im.spec.columns {
		if c.required && !filled[c.name] && !hasProblem(problems, c.name) {
			problems = append(problems, c.name+": required")
		}
	}
	return item, problems
}

func hasProblem(problems []string, name string) bool {
	for _, p := range problems {
		if strings.HasPrefix(p, name+":") {
			return true
		}
	}
	return false
}

// send syncs a batch and accounts for every row. An error refusing the whole batch fails its
// rows, but for a refused token or role, or an unreachable server, which stop the import.
func (im *importer[T]) send(ctx context.Context, batch []pending[T], final bool) error {
	items := make([]T, len(batch))
	for i, p := range batch {
		items[i] = p.item
	}
	res, err := im.spec.send(ctx, im.s.gql, items)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code != "" && e.Exit != ExitAuth && e.Code != "INTERNAL" {
			for _, p := range batch {
				if ferr := im.fail(p.line, p.record, "the server refused the batch: "+e.Message); ferr != nil {
					return ferr
				}
			}
			return nil
		}
		return err
	}
	seen := make([]bool, len(batch))
	for _, it := range res.Items {
		if it.Index < 0 || it.Index >= len(batch) {
			continue
		}
		seen[it.Index] = true
		p := batch[it.Index]
		switch it.Outcome {
		case client.SyncOutcomeCreated:
			im.sum.Created++
		case client.SyncOutcomeUpdated:
			im.sum.Updated++
		case client.SyncOutcomeUnchanged:
			im.sum.Unchanged++
		case client.SyncOutcomeFailed:
			if !final && im.spec.retryable != nil && im.spec.retryable(it.Errors) {
				im.deferred = append(im.deferred, p)
				continue
			}
			if err := im.fail(p.line, p.record, im.describe(it.Errors)); err != nil {
				return err
			}
		default:
			if err := im.fail(p.line, p.record, "not applied: "+string(it.Outcome)); err != nil {
				return err
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			if err := im.fail(batch[i].line, batch[i].record, "the server did not report on this row"); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe turns the API's errors on an item into the CSV's terms.
func (im *importer[T]) describe(errs []client.SyncResultItemsSyncItemResultErrorsSyncError) string {
	if len(errs) == 0 {
		return "failed"
	}
	parts := make([]string, len(errs))
	for i, e := range errs {
		msg := e.Message
		if e.Field != nil {
			col, ok := im.byField[*e.Field]
			if !ok {
				col = *e.Field
			}
			switch {
			case strings.HasPrefix(msg, *e.Field+" "):
				msg = col + strings.TrimPrefix(msg, *e.Field) // "domain is not a valid domain name"
			default:
				msg = col + ": " + strings.TrimPrefix(msg, *e.Field+": ")
			}
		}
		parts[i] = fmt.Sprintf("%s (%s)", msg, e.Code)
	}
	return strings.Join(parts, "; ")
}

func (im *importer[T]) fail(line int, record []string, msg string) error {
	im.sum.Failed++
	return im.failed.write(record, fmt.Sprintf("line %d: %s", line, msg))
}

func (im *importer[T]) report() {
	s, sum := im.s, im.sum
	if s.json {
		_ = s.printJSON(sum)
		return
	}
	rate := ""
	if sum.Seconds > 0 {
		rate = fmt.Sprintf(" (%.0f rows/s)", float64(sum.Rows)/sum.Seconds)
	}
	fmt.Fprintf(s.out, "Imported %s %s: %s in %s%s\n", sum.Kind, sum.File, Plural(sum.Rows, "row", "rows"),
		(time.Duration(sum.Seconds * float64(time.Second))).Round(time.Millisecond), rate)
	t := newTable("", "").alignRight(1)
	t.add("  created", fmt.Sprint(sum.Created))
	t.add("  updated", fmt.Sprint(sum.Updated))
	t.add("  unchanged", fmt.Sprint(sum.Unchanged))
	t.add("  failed", fmt.Sprint(sum.Failed))
	t.print(s.out)
	if sum.FailedFile != nil {
		fmt.Fprintf(s.out, "Failed rows, with an error column: %s\n", *sum.FailedFile)
	}
}

// failedRows writes the rows that failed, as they were read plus an error column, to a CSV
// file created on the first failure.
type failedRows struct {
	path     string
	header   []string
	errorCol int
	f        *os.File
	w        *csv.Writer
	written  int
}

func (fr *failedRows) write(record []string, msg string) error {
	if fr.w == nil {
		f, err := os.Create(fr.path)
		if err != nil {
			return errorf("writing the failed rows: %v", err)
		}
		fr.f, fr.w = f, csv.NewWriter(f)
		fr.errorCol = -1
		for i, h := range fr.header {
			if normHeader(h) == "error" {
				fr.errorCol = i // a failed-rows file imported again: reuse its error column
			}
		}
		header := fr.header
		if fr.errorCol < 0 {
			header = append(append([]string{}, fr.header...), "error")
			fr.errorCol = len(fr.header)
		}
		if err := fr.w.Write(header); err != nil {
			return errorf("writing the failed rows: %v", err)
		}
	}
	row := make([]string, max(len(fr.header), fr.errorCol+1))
	copy(row, record)
	row[fr.errorCol] = msg
	fr.written++
	if err := fr.w.Write(row); err != nil {
		return errorf("writing the failed rows: %v", err)
	}
	return nil
}

func (fr *failedRows) close() error {
	if fr.w == nil {
		return nil
	}
	fr.w.Flush()
	err := fr.w.Error()
	if cerr := fr.f.Close(); err == nil {
		err = cerr
	}
	fr.w = nil
	if err != nil {
		return errorf("writing the failed rows: %v", err)
	}
	return nil
}
