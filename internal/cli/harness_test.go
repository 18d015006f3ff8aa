package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/cli"
)

// harness runs command lines in-process against a real API over a real database, with its
// own config directory and environment variables.
type harness struct {
	t         *testing.T
	api       *apitest.Env
	configDir string
	vars      map[string]string
	stdin     string
	terminal  bool
}

func newHarness(t *testing.T, api *apitest.Env) *harness {
	return &harness{t: t, api: api, configDir: t.TempDir(), vars: map[string]string{"STAKEGRAPH_SERVER": api.URL}}
}

// with returns a copy of the harness with these variables set (an empty value unsets one).
func (h *harness) with(vars map[string]string) *harness {
	c := *h
	c.vars = maps.Clone(h.vars)
	for k, v := range vars {
		if v == "" {
			delete(c.vars, k)
		} else {
			c.vars[k] = v
		}
	}
	return &c
}

// as returns a copy of the harness that sends the token (STAKEGRAPH_TOKEN).
func (h *harness) as(token string) *harness {
	return h.with(map[string]string{"STAKEGRAPH_TOKEN": token})
}

// result is what a command line did.
type result struct {
	code   int
	stdout string
	stderr string
	args   []string
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	env := cli.Env{
		Stdin:            strings.NewReader(h.stdin),
		Stdout:           &stdout,
		Stderr:           &stderr,
		StderrIsTerminal: h.terminal,
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.vars[k]
			return v, ok
		},
		ConfigDir:  h.configDir,
		HTTPClient: &http.Client{Timeout: time.Minute},
		Now:        time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Run(ctx, env, args...)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String(), args: args}
}

// ok runs a command line that must succeed.
func (h *harness) ok(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// json runs a command line that must succeed with --json and decodes its output.
func (h *harness) json(into any, args ...string) {
	h.t.Helper()
	r := h.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(r.stdout), into); err != nil {
		h.t.Fatalf("%v: output is not JSON: %v\n%s", args, err, r.stdout)
	}
}

// fails runs a command line that must exit with code, its stderr containing every want.
func (h *harness) fails(code int, want []string, args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != code {
		h.t.Fatalf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			h.t.Fatalf("%v: stderr lacks %q:\n%s", args, w, r.stderr)
		}
	}
	return r
}

func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// containsWords is contains with runs of spaces squashed, for aligned tables.
func containsWords(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	squash := func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = strings.Join(strings.Fields(l), " ")
		}
		return strings.Join(lines, "\n")
	}
	for _, w := range wants {
		if !strings.Contains(squash(s), squash(w)) {
			t.Fatalf("%s lacks %q:\n%s", what, w, s)
		}
	}
}
