package graph_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// apiCase is an operation as a row of a file under testdata/: what is sent, and what the
// answer must be.
type apiCase struct {
	Name      string
	Operation string         // a name under the file's operations, or a document
	Variables map[string]any // strings named in the test's bindings stand for their values
	Code      string         // extensions.code of the refusal
	Field     string         // extensions.field of the refusal
}

// readCases decodes a YAML file under testdata/.
func readCases(t *testing.T, name string, into any) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
}

// document returns the row's operation, looked up by name among operations when it is one.
func (c apiCase) document(t *testing.T, operations map[string]string) string {
	t.Helper()
	if doc, ok := operations[c.Operation]; ok {
		return doc
	}
	if !strings.ContainsAny(c.Operation, "{") {
		t.Fatalf("%s: no operation %q", c.Name, c.Operation)
	}
	return c.Operation
}

// bound returns the row's variables with every string that names a binding replaced by its
// value; a string starting with $ that names none fails the test.
func (c apiCase) bound(t *testing.T, bindings map[string]any) map[string]any {
	t.Helper()
	var bind func(v any) any
	bind = func(v any) any {
		switch v := v.(type) {
		case string:
			if !strings.HasPrefix(v, "$") {
				return v
			}
			value, ok := bindings[v]
			if !ok {
				t.Fatalf("%s: nothing is bound to %s", c.Name, v)
			}
			return value
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, x := range v {
				out[k] = bind(x)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = bind(x)
			}
			return out
		}
		return v
	}
	if c.Variables == nil {
		return nil
	}
	return bind(c.Variables).(map[string]any)
}
