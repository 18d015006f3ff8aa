package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

// exportColumn is one column of an export: its CSV header (the import's name for it), its
// JSON key (the API's), and its value.
type exportColumn[T any] struct {
	csv, json string
	get       func(*T) any
}

func (a *app) exportCommand() *urfave.Command {
	// sub is the command that exports kind; one and many count what it wrote.
	sub := func(kind, one, many string, run func(ctx context.Context, s *session, w recordWriter) (int, error)) *urfave.Command {
		return &urfave.Command{
			Name:  kind,
			Usage: "export " + kind,
			Flags: []urfave.Flag{
				&urfave.StringFlag{Name: "format", Value: "csv", Usage: "csv (the import's columns) or json (an array of objects)"},
				&urfave.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to this file (default: standard output)"},
			},
			Action: func(ctx context.Context, c *urfave.Command) error {
				if _, err := args(c); err != nil {
					return err
				}
				format := c.String("format")
				if c.Bool("json") && !c.IsSet("format") {
					format = "json"
				}
				if format != "csv" && format != "json" {
					return usagef(c, "--format must be csv or json")
				}
				s, err := a.connect(ctx, c)
				if err != nil {
					return err
				}
				out := s.out
				var file *os.File
				if path := c.String("output"); path != "" && path != "-" {
					if file, err = os.Create(path); err != nil {
						return errorf("%v", err)
					}
					defer file.Close()
					out = file
				}
				buf := bufio.NewWriterSize(out, 64<<10)
				n, err := run(ctx, s, newRecordWriter(format, buf))
				if err != nil {
					return err
				}
				if err := buf.Flush(); err != nil {
					return errorf("writing the export: %v", err)
				}
				if file != nil {
					if err := file.Close(); err != nil {
						return errorf("writing the export: %v", err)
					}
					fmt.Fprintf(a.env.Stderr, "Exported %s to %s.\n", Plural(n, one, many), file.Name())
				}
				return nil
			},
		}
	}
	return group(&urfave.Command{
		Name:  "export",
		Usage: "export accounts, people, contracts or feedback as CSV or JSON, every page of them",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{
			sub("accounts", "account", "accounts", func(ctx context.Context, s *session, w recordWriter) (int, error) {
				return exportAll(w, accountColumns, func(first int, after *string) ([]*client.AccountSummary, client.Page, error) {
					resp, err := client.ExportAccounts(ctx, s.gql, first, after)
					if err != nil {
						return nil, client.Page{}, err
					}
					out := make([]*client.AccountSummary, 0, len(resp.Accounts.Edges))
					for _, e := range resp.Accounts.Edges {
						out = append(out, e.Node)
					}
					return out, resp.Accounts.PageInfo, nil
				})
			}),
			sub("people", "person", "people", func(ctx context.Context, s *session, w recordWriter) (int, error) {
				return exportAll(w, personColumns, func(first int, after *string) ([]*client.PersonRecord, client.Page, error) {
					resp, err := client.ExportPeople(ctx, s.gql, first, after)
					if err != nil {
						return nil, client.Page{}, err
					}
					out := make([]*client.PersonRecord, 0, len(resp.People.Edges))
					for _, e := range resp.People.Edges {
						out = append(out, e.Node)
					}
					return out, resp.People.PageInfo, nil
				})
			}),
			sub("contracts", "contract", "contracts", func(ctx context.Context, s *session, w recordWriter) (int, error) {
				return exportAll(w, contractColumns, func(first int, after *string) ([]*client.ContractRecord, client.Page, error) {
					resp, err := client.ExportContracts(ctx, s.gql, first, after)
					if err != nil {
						return nil, client.Page{}, err
					}
					out := make([]*client.ContractRecord, 0, len(resp.Contracts.Edges))
					for _, e := range resp.Contracts.Edges {
						out = append(out, e.Node)
					}
					return out, resp.Contracts.PageInfo, nil
				})
			}),
			sub("feedback", "feedback record", "feedback records", func(ctx context.Context, s *session, w recordWriter) (int, error) {
				return exportAll(w, feedbackColumns, func(first int, after *string) ([]*client.FeedbackRecord, client.Page, error) {
					resp, err := client.ExportFeedback(ctx, s.gql, first, after)
					if err != nil {
						return nil, client.Page{}, err
					}
					out := make([]*client.FeedbackRecord, 0, len(resp.Feedback.Edges))
					for _, e := range resp.Feedback.Edges {
						out = append(out, e.Node)
					}
					return out, resp.Feedback.PageInfo, nil
				})
			}),
		},
	})
}

// exportAll writes every record of a connection, a page of 100 at a time.
func exportAll[T any](w recordWriter, cols []exportColumn[T], fetch func(first int, after *string) ([]*T, client.Page, error)) (int, error) {
	csvNames := make([]string, len(cols))
	jsonNames := make([]string, len(cols))
	for i, c := range cols {
		csvNames[i], jsonNames[i] = c.csv, c.json
	}
	if err := w.begin(csvNames, jsonNames); err != nil {
		return 0, err
	}
	n := 0
	var after *string
	for {
		records, page, err := fetch(100, after)
		if err != nil {
			return n, err
		}
		for _, rec := range records {
			values := make([]any, len(cols))
			for i, c := range cols {
				values[i] = c.get(rec)
			}
			if err := w.write(values); err != nil {
				return n, err
			}
			n++
		}
		if !page.HasNextPage || page.EndCursor == nil {
			break
		}
		after = page.EndCursor
	}
	return n, w.end()
}

// recordWriter writes records as CSV or as a JSON array of objects.
type recordWriter interface {
	begin(csvNames, jsonNames []string) error
	write(values []any) error
	end() error
}

func newRecordWriter(format string, w io.Writer) recordWriter {
	if format == "json" {
		return &jsonRecords{w: w}
	}
	return &csvRecords{w: csv.NewWriter(w)}
}

type csvRecords struct{ w *csv.Writer }

func (c *csvRecords) begin(names, _ []string) error { return c.w.Write(names) }

func (c *csvRecords) write(values []any) error {
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = csvCell(v)
	}
	return c.w.Write(row)
}

func (c *csvRecords) end() error {
	c.w.Flush()
	return c.w.Error()
}

// csvCell writes a value the way the import reads it back.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case int:
		return strconv.Itoa(x)
	case *int:
		if x == nil {
			return ""
		}
		return strconv.Itoa(*x)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case *time.Time:
		if x == nil {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case []string:
		return strings.Join(x, ";")
	}
	return fmt.Sprint(v)
}

type jsonRecords struct {
	w     io.Writer
	names []string
	n     int
}

func (j *jsonRecords) begin(_, names []string) error {
	j.names = names
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonRecords) write(values []any) error {
	var b strings.Builder
	if j.n > 0 {
		b.WriteString(",")
	}
	b.WriteString("\n  {")
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(j.names[i])
		val, err := json.Marshal(jsonValue(v))
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(val)
	}
	b.WriteString("}")
	j.n++
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonRecords) end() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case *time.Time:
		if x == nil {
			return nil
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []string:
		if x == nil {
			return []string{}
		}
	}
	return v
}

func enumPtr[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

var accountColumns = []exportColumn[client.AccountSummary]{
	{"id", "id", func(a *client.AccountSummary) any { return a.Id }},
	{"external_id", "externalID", func(a *client.AccountSummary) any { return a.ExternalID }},
	{"name", "name", func(a *client.AccountSummary) any { return a.Name }},
	{"domain", "domain", func(a *client.AccountSummary) any { return a.Domain }},
	{"industry", "industry", func(a *client.AccountSummary) any { return a.Industry }},
	{"region", "region", func(a *client.AccountSummary) any { return a.Region }},
	{"size", "size", func(a *client.AccountSummary) any { return enumPtr(a.Size) }},
	{"tier", "tier", func(a *client.AccountSummary) any { return string(a.Tier) }},
	{"stage", "stage", func(a *client.AccountSummary) any { return string(a.Stage) }},
	{"owner_id", "ownerID", func(a *client.AccountSummary) any {
		if a.Owner == nil {
			return nil
		}
		return a.Owner.Id
	}},
	{"owner_email", "ownerEmail", func(a *client.AccountSummary) any {
		if a.Owner == nil {
			return nil
		}
		return a.Owner.Email
	}},
	{"parent_external_id", "parentExternalID", func(a *client.AccountSummary) any {
		if a.Parent == nil {
			return nil
		}
		return a.Parent.ExternalID
	}},
	{"version", "version", func(a *client.AccountSummary) any { return a.Version }},
	{"created_at", "createdAt", func(a *client.AccountSummary) any { return a.CreatedAt }},
	{"updated_at", "updatedAt", func(a *client.AccountSummary) any { return a.UpdatedAt }},
}

var personColumns = []exportColumn[client.PersonRecord]{
	{"id", "id", func(p *client.PersonRecord) any { return p.Id }},
	{"external_id", "externalID", func(p *client.PersonRecord) any { return p.ExternalID }},
	{"email", "email", func(p *client.PersonRecord) any { return p.Email }},
	{"name", "name", func(p *client.PersonRecord) any { return p.Name }},
	{"title", "title", func(p *client.PersonRecord) any { return p.Title }},
	{"phone", "phone", func(p *client.PersonRecord) any { return p.Phone }},
	{"consent_marketing", "consentMarketing", func(p *client.PersonRecord) any { return p.ConsentMarketing }},
	{"consent_research", "consentResearch", func(p *client.PersonRecord) any { return p.ConsentResearch }},
	{"version", "version", func(p *client.PersonRecord) any { return p.Version }},
	{"created_at", "createdAt", func(p *client.PersonRecord) any { return p.CreatedAt }},
	{"updated_at", "updatedAt", func(p *client.PersonRecord) any { return p.UpdatedAt }},
}

var contractColumns = []exportColumn[client.ContractRecord]{
	{"id", "id", func(c *client.ContractRecord) any { return c.Id }},
	{"external_id", "externalID", func(c *client.ContractRecord) any { return c.ExternalID }},
	{"account_external_id", "accountExternalID", func(c *client.ContractRecord) any { return c.Account.ExternalID }},
	{"account_name", "accountName", func(c *client.ContractRecord) any { return c.Account.Name }},
	{"number", "number", func(c *client.ContractRecord) any { return c.Number }},
	{"status", "status", func(c *client.ContractRecord) any { return string(c.Status) }},
	{"start_date", "startDate", func(c *client.ContractRecord) any { return c.StartDate }},
	{"end_date", "endDate", func(c *client.ContractRecord) any { return c.EndDate }},
	{"renewal_notice_days", "renewalNoticeDays", func(c *client.ContractRecord) any { return c.RenewalNoticeDays }},
	{"auto_renew", "autoRenew", func(c *client.ContractRecord) any { return c.AutoRenew }},
	{"value_minor", "valueMinor", func(c *client.ContractRecord) any { return c.ValueMinor }},
	{"currency", "currency", func(c *client.ContractRecord) any { return c.Currency }},
	{"seats", "seats", func(c *client.ContractRecord) any { return c.Seats }},
	{"signed_by_external_id", "signedByExternalID", func(c *client.ContractRecord) any {
		if c.SignedBy == nil {
			return nil
		}
		return c.SignedBy.ExternalID
	}},
	{"signed_at", "signedAt", func(c *client.ContractRecord) any { return c.SignedAt }},
	{"days_to_renewal", "daysToRenewal", func(c *client.ContractRecord) any { return c.DaysToRenewal }},
	{"seat_utilisation", "seatUtilisation", func(c *client.ContractRecord) any { return c.SeatUtilisation }},
	{"version", "version", func(c *client.ContractRecord) any { return c.Version }},
	{"created_at", "createdAt", func(c *client.ContractRecord) any { return c.CreatedAt }},
	{"updated_at", "updatedAt", func(c *client.ContractRecord) any { return c.UpdatedAt }},
}

var feedbackColumns = []exportColumn[client.FeedbackRecord]{
	{"id", "id", func(f *client.FeedbackRecord) any { return f.Id }},
	{"external_id", "externalID", func(f *client.FeedbackRecord) any { return f.ExternalID }},
	{"account_external_id", "accountExternalID", func(f *client.FeedbackRecord) any { return f.Account.ExternalID }},
	{"account_name", "accountName", func(f *client.FeedbackRecord) any { return f.Account.Name }},
	{"author_email", "authorEmail", func(f *client.FeedbackRecord) any { return f.Author.Email }},
	{"author_external_id", "authorExternalID", func(f *client.FeedbackRecord) any { return f.Author.ExternalID }},
	{"persona", "persona", func(f *client.FeedbackRecord) any { return string(f.Persona) }},
	{"channel", "channel", func(f *client.FeedbackRecord) any { return string(f.Channel) }},
	{"kind", "kind", func(f *client.FeedbackRecord) any { return string(f.Kind) }},
	{"score", "score", func(f *client.FeedbackRecord) any { return f.Score }},
	{"sentiment", "sentiment", func(f *client.FeedbackRecord) any { return f.Sentiment }},
	{"body", "body", func(f *client.FeedbackRecord) any { return f.Body }},
	{"topics", "topics", func(f *client.FeedbackRecord) any { return f.Topics }},
	{"received_at", "receivedAt", func(f *client.FeedbackRecord) any { return f.ReceivedAt }},
	{"status", "status", func(f *client.FeedbackRecord) any { return enumPtr(f.Status) }},
	{"resolution", "resolution", func(f *client.FeedbackRecord) any { return f.Resolution }},
	{"version", "version", func(f *client.FeedbackRecord) any { return f.Version }},
	{"created_at", "createdAt", func(f *client.FeedbackRecord) any { return f.CreatedAt }},
	{"updated_at", "updatedAt", func(f *client.FeedbackRecord) any { return f.UpdatedAt }},
}
