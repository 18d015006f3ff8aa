package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/go-sql-driver/mysql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// TestPresentErrorPassesOnlyClientWords: the presenter lets a message through only from where
// it was written for a client; a database's message, however it arrives (on a list item's
// path, without a path, wrapped), is INTERNAL "internal error", with the request id.
func TestPresentErrorPassesOnlyClientWords(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), metrics: newMetrics()}
	s.db = newAvailability(func(context.Context) error { return nil }, s.log)
	nodes := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{
		Alias: "nodes", Name: "nodes",
		Definition: &ast.FieldDefinition{Name: "nodes", Arguments: ast.ArgumentDefinitionList{{Name: "ids"}}},
	}}}
	ctx := graphql.WithFieldContext(requestid.NewContext(context.Background(), "req-1"), nodes)
	sqlite := errors.New("SQL logic error: too many SQL variables (1)")
	syntax := &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax near 'SELECT'"}
	onPath := func(err error, path ...ast.PathElement) error { return gqlerror.WrapPath(path, err) }
	for _, tc := range []struct {
		name  string
		err   error
		code  string
		words string
	}{
		{"on a list item's path", onPath(sqlite, ast.PathName("nodes"), ast.PathIndex(3)), "INTERNAL", "internal error"},
		{"on the field's path", onPath(syntax, ast.PathName("nodes")), "INTERNAL", "internal error"},
		{"without a path", fmt.Errorf("loading accounts: %w", sqlite), "INTERNAL", "internal error"},
		{"wrapped as ours", errs.Wrap(syntax, "reading"), "INTERNAL", "internal error"},
		{"an argument's", onPath(errors.New("must not be empty"), ast.PathName("nodes"), ast.PathName("ids"), ast.PathIndex(2)), "BAD_USER_INPUT", "ids[2]: must not be empty"},
		{"ours", errs.Invalidf("name", "name must not be empty"), "BAD_USER_INPUT", "name must not be empty"},
		{"too many connections", &mysql.MySQLError{Number: 1040, Message: "Too many connections"}, "UNAVAILABLE", "unavailable"},
	} {
		got := s.presentError(ctx, tc.err)
		if got.Extensions["code"] != tc.code || !strings.Contains(got.Message, tc.words) || got.Extensions["requestId"] != "req-1" {
			t.Errorf("%s: %s %q (request id %v), want %s saying %q", tc.name, got.Extensions["code"], got.Message, got.Extensions["requestId"], tc.code, tc.words)
		}
	}
}
