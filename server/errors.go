package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// presentError maps every error to one of the API's codes, in this one place. Messages meant
// for clients pass through; anything else becomes "internal error" for the client and a log
// line with the details for us.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	out := graphql.DefaultErrorPresenter(ctx, err)
	if code, _ := out.Extensions["code"].(string); apqCodes[code] {
		// Apollo clients retry with the full query when they see this code: keep it.
		return &gqlerror.Error{Message: out.Message, Extensions: map[string]any{"code": code, "requestId": requestid.FromContext(ctx)}}
	}
	presented := toGraphQL(ctx, s.explain(ctx, err, out))
	presented.Path, presented.Locations = out.Path, out.Locations
	return presented
}

// explain classifies err, met serving the request of ctx, and logs what the client will not
// see: the cause of an internal error, or why the database was unavailable. out is the
// error as gqlgen presents it, nil outside the GraphQL executor.
func (s *Server) explain(ctx context.Context, err error, out *gqlerror.Error) *errs.Error {
	e := s.classify(ctx, err, out)
	if (e.Kind != errs.Internal && e.Kind != errs.Unavailable) || !logsError(ctx) {
		return e
	}
	id := requestid.FromContext(ctx)
	switch {
	case journal.Retryable(err):
		// The transaction runs again; when no attempt wins, transactional logs the ERROR.
		s.log.Info("the transaction lost a lock conflict", "request_id", id, "error", err)
	case e.Kind == errs.Internal:
		s.log.Error("internal error", "request_id", id, "error", err)
	default:
		s.log.Warn("the database is unavailable", "request_id", id, "error", err)
	}
	return e
}

// apqCodes are the automatic persisted queries' codes, which Apollo clients act on.
var apqCodes = map[string]bool{"PERSISTED_QUERY_NOT_FOUND": true, "PERSISTED_QUERY_NOT_SUPPORTED": true}

// protocolCodes are gqlgen's codes for documents that fail to parse, validate or stay within
// the limits: the client sent a bad query.
var protocolCodes = map[string]bool{
	errcode.ParseFailed:         true,
	errcode.ValidationFailed:    true,
	"COMPLEXITY_LIMIT_EXCEEDED": true,
}

// classify returns the API's error for err. A message reaches the client only from where it
// was written for one: an errs.Error, ent's validators and not-found errors, and gqlgen's
// own words on a document or an argument it refused. Anything else, a database's message
// above all, is an internal error.
func (s *Server) classify(ctx context.Context, err error, out *gqlerror.Error) *errs.Error {
	e, ours := errs.As(err)
	if ours && e.Kind != errs.Internal {
		return e
	}
	if s.db.unavailable(ctx, err) {
		return unavailable()
	}
	var (
		validation *ent.ValidationError
		notFound   *ent.NotFoundError
		constraint *ent.ConstraintError
	)
	switch {
	case errors.As(err, &validation):
		return errs.Validation(apiField(validation.Name), validation)
	case errors.As(err, &notFound):
		return errs.E(errs.NotFound, "%s", strings.TrimPrefix(notFound.Error(), "ent: "))
	case errors.As(err, &constraint):
		return constraintError(constraint)
	case errors.Is(err, privacy.Deny):
		return errs.E(errs.Forbidden, "not allowed")
	case errors.Is(err, context.DeadlineExceeded):
		s.db.suspect(errorMaxAge) // a hung database shows first as requests out of time
		return errs.E(errs.Internal, "the request took too long")
	}
	if out != nil {
		code, _ := out.Extensions["code"].(string)
		switch {
		case code == errs.NotFound.Code():
			// entgql's "could not resolve to a node", reported by nodes(ids) on the path of the
			// list item: a result path, not an input's.
			return errs.E(errs.NotFound, "%s", out.Message)
		case protocolCodes[code] || code == errs.Invalid.Code():
			field, _ := out.Extensions["field"].(string)
			if field == "" {
				field = s.fieldOf(ctx, out)
			}
			return &errs.Error{Kind: errs.Invalid, Field: field, Message: out.Message}
		}
		if field, ok := inputPath(ctx, out); ok {
			return &errs.Error{Kind: errs.Invalid, Field: field, Message: field + ": " + innermost(err)}
		}
	}
	if ours {
		return e
	}
	return errs.Wrap(err, "unclassified error")
}

// inputPath recognises an error in a field's arguments: gqlgen reports it on a path that
// continues past the field into one of its arguments ("input", "since"). A path that
// continues into the field's result (nodes' list items) is not an input's.
func inputPath(ctx context.Context, out *gqlerror.Error) (string, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil {
		return "", false
	}
	fieldPath := fc.Path()
	if len(out.Path) <= len(fieldPath) {
		return "", false
	}
	for i := range fieldPath {
		if fieldPath[i] != out.Path[i] {
			return "", false
		}
	}
	arg, ok := out.Path[len(fieldPath)].(ast.PathName)
	if !ok || fc.Field.Definition.Arguments.ForName(string(arg)) == nil {
		return "", false
	}
	return joinPath(out.Path[len(fieldPath):]), true
}

// fieldOf names the input at fault in a validation error: from the variable path gqlparser
// gives, or else by finding the value at the error's position in the query.
func (s *Server) fieldOf(ctx context.Context, out *gqlerror.Error) string {
	if len(out.Path) > 1 {
		if first, ok := out.Path[0].(ast.PathName); ok && first == "variable" {
			return joinPath(out.Path[1:])
		}
	}
	if len(out.Locations) == 0 || !graphql.HasOperationContext(ctx) {
		return ""
	}
	doc := s.errorDocument(graphql.GetOperationContext(ctx))
	if doc == nil {
		return ""
	}
	loc := out.Locations[0]
	var found string
	var visitValue func(prefix string, v *ast.Value)
	visitValue = func(prefix string, v *ast.Value) {
		if v == nil || found != "" {
			return
		}
		if v.Position != nil && v.Position.Line == loc.Line && v.Position.Column == loc.Column {
			found = prefix
			return
		}
		for _, child := range v.Children {
			name := prefix
			if child.Name != "" {
				name = prefix + "." + child.Name
			}
			visitValue(name, child.Value)
		}
	}
	var visitSet func(set ast.SelectionSet)
	visitSet = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					visitValue(a.Name, a.Value)
				}
				visitSet(s.SelectionSet)
			case *ast.InlineFragment:
				visitSet(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		visitSet(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		visitSet(f.SelectionSet)
	}
	return found
}

// errorDocument returns the parsed document of an operation that failed validation. gqlgen
// does not keep it, and a document can fail with thousands of errors (a repeated directive):
// it is parsed once for all of them, not once per error.
func (s *Server) errorDocument(oc *graphql.OperationContext) *ast.QueryDocument {
	if oc.Doc != nil {
		return oc.Doc
	}
	if doc, ok := s.errorDocs.Get(context.Background(), oc.RawQuery); ok {
		return doc
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: oc.RawQuery})
	if err != nil {
		return nil
	}
	s.errorDocs.Add(context.Background(), oc.RawQuery, doc)
	return doc
}

func joinPath(path ast.Path) string {
	var b strings.Builder
	for _, el := range path {
		switch p := el.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(p))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(p))
		}
	}
	return b.String()
}

// innermost returns the message of the deepest error in the chain: the validator's words,
// without ent's prefixes.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

var (
	mysqlDuplicate  = regexp.MustCompile(`Duplicate entry .* for key '(?:[^.']*\.)?([^']+)'`)
	sqliteDuplicate = regexp.MustCompile(`UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)`)
)

// constraintError explains a database constraint violation without showing its SQL.
func constraintError(c *ent.ConstraintError) *errs.Error {
	msg := c.Error()
	var columns []string
	if m := mysqlDuplicate.FindStringSubmatch(msg); m != nil {
		// ent names indexes table_column_column…; the columns after tenant_id say what clashed.
		if _, after, ok := strings.Cut(m[1], "tenant_id_"); ok {
			columns = []string{after}
		}
	} else if m := sqliteDuplicate.FindStringSubmatch(msg); m != nil {
		for _, qualified := range strings.Split(m[1], ",") {
			_, col, _ := strings.Cut(strings.TrimSpace(qualified), ".")
			if col != "tenant_id" {
				columns = append(columns, col)
			}
		}
	}
	switch {
	case strings.Contains(msg, "Duplicate entry") || strings.Contains(msg, "UNIQUE constraint"):
		e := errs.E(errs.Conflict, "conflicts with an existing record")
		if len(columns) > 0 {
			field := apiField(columns[len(columns)-1])
			e.Field = field
			e.Message = fmt.Sprintf("%s is already taken by another record", field)
		}
		return e
	case strings.Contains(msg, "foreign key") || strings.Contains(msg, "FOREIGN KEY"):
		return errs.E(errs.Conflict, "other records still refer to this one, or it refers to one that does not exist")
	}
	return errs.Wrap(c, "constraint violation")
}

// apiField turns a column name into the API's spelling: end_date → endDate, account_id →
// accountID.
func apiField(column string) string {
	parts := strings.Split(column, "_")
	for i, p := range parts {
		switch {
		case i == 0:
		case p == "id":
			parts[i] = "ID"
		case p != "":
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
