package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/server"
)

// exchange is one HTTP request to the API and what came back.
type exchange struct {
	status int
	header http.Header
	body   []byte
	fields map[string]json.RawMessage // the top-level entries of a JSON body
	resp   apitest.Response
}

// call sends a request: method, URL, headers and body.
func call(t *testing.T, method, rawURL string, header http.Header, body string) exchange {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	x := exchange{status: resp.StatusCode, header: resp.Header, body: raw}
	if json.Unmarshal(raw, &x.fields) == nil {
		_ = json.Unmarshal(raw, &x.resp)
	}
	return x
}

func (x exchange) String() string {
	return x.header.Get("Content-Type") + " " + http.StatusText(x.status) + " " + string(x.body)
}

// TestAPIGraphQLOverHTTP: the status codes, media types and refusals of the
// GraphQL-over-HTTP specification, its SHOULDs included, for both response media types.
func TestAPIGraphQLOverHTTP(t *testing.T) {
	const (
		legacy = "application/json"
		gql    = "application/graphql-response+json"
	)
	body := func(v map[string]any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	q := func(query string) string { return body(map[string]any{"query": query}) }
	type want struct {
		status int
		media  string // the response's media type
		data   string // "absent", "null" or "present"
		code   string // extensions.code of the first error; "" for none
		words  string // in the first error's message
	}
	cases := []struct {
		name   string
		method string
		accept string
		ctype  string // the request's Content-Type; "-" for none
		path   string // after /graphql
		body   string
		want   want
	}{
		{"query", "POST", "", legacy, "", q(`{ viewer { subject } }`), want{200, legacy, "present", "", ""}},
		{"query, new media type", "POST", gql, legacy, "", q(`{ viewer { subject } }`), want{200, gql, "present", "", ""}},
		{"query, client's preference", "POST", gql + ", application/json;q=0.9", legacy, "", q(`{ viewer { subject } }`), want{200, gql, "present", "", ""}},
		{"query, legacy preferred", "POST", gql + ";q=0.5, application/json", legacy, "", q(`{ viewer { subject } }`), want{200, legacy, "present", "", ""}},
		{"query, any type", "POST", "*/*", legacy, "", q(`{ viewer { subject } }`), want{200, legacy, "present", "", ""}},
		{"query, application/*", "POST", "application/*", legacy, "", q(`{ viewer { subject } }`), want{200, legacy, "present", "", ""}},
		{"query, JSON refused", "POST", "application/json;q=0, */*", legacy, "", q(`{ viewer { subject } }`), want{200, gql, "present", "", ""}},
		{"query, charset", "POST", "", "application/json; charset=utf-8", "", q(`{ viewer { subject } }`), want{200, legacy, "present", "", ""}},
		{"query over GET", "GET", gql, "-", "?query=" + url.QueryEscape(`{ viewer { subject } }`), "", want{200, gql, "present", "", ""}},
		{"field error", "POST", gql, legacy, "", q(`{ node(id: "acc_01JD0000000000000000000000") { id } }`), want{200, gql, "present", "", ""}},

		{"document does not parse", "POST", legacy, legacy, "", q(`{`), want{200, legacy, "absent", "BAD_USER_INPUT", "Expected Name"}},
		{"document does not parse, new media type", "POST", gql, legacy, "", q(`{`), want{400, gql, "absent", "BAD_USER_INPUT", "Expected Name"}},
		{"document does not validate", "POST", legacy, legacy, "", q(`{ nonsense }`), want{200, legacy, "absent", "BAD_USER_INPUT", "nonsense"}},
		{"document does not validate, new media type", "POST", gql, legacy, "", q(`{ nonsense }`), want{400, gql, "absent", "BAD_USER_INPUT", "nonsense"}},
		{"operation cannot be determined", "POST", legacy, legacy, "", q(`query A { viewer { subject } } query B { viewer { role } }`), want{200, legacy, "absent", "BAD_USER_INPUT", ""}},
		{"operation cannot be determined, new media type", "POST", gql, legacy, "", q(`query A { viewer { subject } } query B { viewer { role } }`), want{400, gql, "absent", "BAD_USER_INPUT", ""}},
		{"variables do not coerce", "POST", legacy, legacy, "",
			body(map[string]any{"query": `query ($n: Int!) { accounts(first: $n) { totalCount } }`, "variables": map[string]any{"n": "five"}}),
			want{200, legacy, "absent", "BAD_USER_INPUT", "Int"}},
		{"variables do not coerce, new media type", "POST", gql, legacy, "",
			body(map[string]any{"query": `query ($n: Int!) { accounts(first: $n) { totalCount } }`, "variables": map[string]any{"n": nil}}),
			want{400, gql, "absent", "BAD_USER_INPUT", ""}},

		{"body is not JSON", "POST", legacy, legacy, "", `NONSENSE`, want{400, legacy, "absent", "BAD_USER_INPUT", "JSON object"}},
		{"body is not JSON, new media type", "POST", gql, legacy, "", `{"query":`, want{400, gql, "absent", "BAD_USER_INPUT", "JSON object"}},
		{"batch", "POST", legacy, legacy, "", `[` + q(`{ viewer { subject } }`) + `]`, want{400, legacy, "absent", "BAD_USER_INPUT", "one operation per request"}},
		{"no query", "POST", gql, legacy, "", `{"qeury": "{ viewer { subject } }"}`, want{400, gql, "absent", "BAD_USER_INPUT", "no query"}},
		{"query not a string", "POST", legacy, legacy, "", `{"query": 7}`, want{400, legacy, "absent", "BAD_USER_INPUT", "query must be a string"}},
		{"variables not an object", "POST", gql, legacy, "", `{"query": "query Q ($i: Int!) { viewer { subject } }", "variables": [7]}`, want{400, gql, "absent", "BAD_USER_INPUT", "variables must be a JSON object"}},
		{"GET variables not an object", "GET", legacy, "-", "?query=" + url.QueryEscape(`{ viewer { subject } }`) + "&variables=7", "", want{400, legacy, "absent", "BAD_USER_INPUT", "variables must be a JSON object"}},
		{"no Content-Type", "POST", legacy, "-", "", q(`{ viewer { subject } }`), want{415, legacy, "absent", "BAD_USER_INPUT", "Content-Type: application/json"}},
		{"form", "POST", legacy, "application/x-www-form-urlencoded", "", "query=" + url.QueryEscape(`{ viewer { subject } }`), want{415, legacy, "absent", "BAD_USER_INPUT", "Content-Type: application/json"}},
		{"text", "POST", gql, "text/plain", "", q(`{ viewer { subject } }`), want{415, gql, "absent", "BAD_USER_INPUT", "Content-Type: application/json"}},
		{"not acceptable", "POST", "text/html", legacy, "", q(`{ viewer { subject } }`), want{406, legacy, "absent", "BAD_USER_INPUT", "Accept"}},
		{"mutation over GET", "GET", legacy, "-", "?query=" + url.QueryEscape(`mutation { createAccount(input: {name: "Over GET"}) { id } }`), "", want{405, legacy, "absent", "BAD_USER_INPUT", "POST"}},
		{"mutation over GET, new media type", "GET", gql, "-", "?query=" + url.QueryEscape(`mutation { createAccount(input: {name: "Over GET"}) { id } }`), "", want{405, gql, "absent", "BAD_USER_INPUT", "POST"}},
		{"unsupported method", "PUT", legacy, legacy, "", q(`{ viewer { subject } }`), want{405, legacy, "absent", "BAD_USER_INPUT", "POST"}},
	}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := http.Header{"Authorization": {"Bearer " + tok}}
				if tc.accept != "" {
					h.Set("Accept", tc.accept)
				}
				if tc.ctype != "-" {
					h.Set("Content-Type", tc.ctype)
				}
				x := call(t, tc.method, env.URL+"/graphql"+tc.path, h, tc.body)
				if x.status != tc.want.status {
					t.Errorf("status %d, want %d: %s", x.status, tc.want.status, x)
				}
				if ct := x.header.Get("Content-Type"); ct != tc.want.media+"; charset=utf-8" {
					t.Errorf("Content-Type %q, want %s with its charset", ct, tc.want.media)
				}
				switch data, ok := x.fields["data"]; {
				case tc.want.data == "absent" && ok:
					t.Errorf("a data entry in a refusal: %s", x)
				case tc.want.data == "null" && string(data) != "null":
					t.Errorf("data %s, want null", data)
				case tc.want.data == "present" && (!ok || string(data) == "null"):
					t.Errorf("no data: %s", x)
				}
				if tc.want.code == "" {
					if tc.want.data == "present" && tc.name != "field error" && len(x.resp.Errors) > 0 {
						t.Errorf("errors: %s", x)
					}
					return
				}
				if len(x.resp.Errors) == 0 {
					t.Fatalf("no error: %s", x)
				}
				e := x.resp.Errors[0]
				if e.Code() != tc.want.code || !strings.Contains(e.Message, tc.want.words) {
					t.Errorf("error %s %q, want %s saying %q", e.Code(), e.Message, tc.want.code, tc.want.words)
				}
				if x.status == http.StatusMethodNotAllowed && x.header.Get("Allow") == "" {
					t.Errorf("405 without Allow")
				}
			})
		}
		var n int
		if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM accounts").Scan(&n); err != nil || n != 0 {
			t.Errorf("accounts after mutations sent over GET: %d (%v)", n, err)
		}
		// Refusals before GraphQL speak the negotiated media type too.
		x := call(t, "POST", env.URL+"/graphql", http.Header{"Accept": {gql}, "Content-Type": {legacy}}, q(`{ viewer { subject } }`))
		if x.status != http.StatusUnauthorized || x.header.Get("Content-Type") != gql+"; charset=utf-8" || x.fields["data"] != nil {
			t.Errorf("no token, new media type: %s", x)
		}
		if v := x.header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "Accept") {
			t.Errorf("Vary %q: caches must key answers by Accept", v)
		}
	})
}

// TestAPIErrorsCarryRequestID: every error response, whoever refuses the request, carries
// the request id of the response in each error's extensions.requestId.
func TestAPIErrorsCarryRequestID(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		roleless, err := env.Issuer.Token(auth.TokenRequest{Subject: "nobody", Tenant: "acme", Email: "nobody@seller.example", Name: "nobody"})
		if err != nil {
			t.Fatal(err)
		}
		jsonBody := http.Header{"Content-Type": {"application/json"}}
		with := func(token string, h http.Header) http.Header {
			h = h.Clone()
			if h == nil {
				h = http.Header{}
			}
			if token != "" {
				h.Set("Authorization", "Bearer "+token)
			}
			return h
		}
		op := func(query string) string { b, _ := json.Marshal(map[string]any{"query": query}); return string(b) }
		cases := []struct {
			name, method, path string
			header             http.Header
			body               string
			status             int
		}{
			{"no token", "POST", "/graphql", jsonBody, op(`{ viewer { subject } }`), 401},
			{"bad token", "POST", "/graphql", with("not.a.token", jsonBody), op(`{ viewer { subject } }`), 401},
			{"no role", "POST", "/graphql", with(roleless, jsonBody), op(`{ viewer { subject } }`), 403},
			{"too large", "POST", "/graphql", with(tok, jsonBody), op(`{ viewer { subject } }` + strings.Repeat(" ", 5<<20)), 413},
			{"not JSON", "POST", "/graphql", with(tok, jsonBody), "{", 400},
			{"not JSON content", "POST", "/graphql", with(tok, http.Header{"Content-Type": {"text/plain"}}), op(`{ viewer { subject } }`), 415},
			{"not acceptable", "POST", "/graphql", with(tok, http.Header{"Content-Type": {"application/json"}, "Accept": {"image/png"}}), op(`{ viewer { subject } }`), 406},
			{"wrong method", "DELETE", "/graphql", with(tok, nil), "", 405},
			{"mutation over GET", "GET", "/graphql?query=" + url.QueryEscape(`mutation { createAccount(input: {name: "x"}) { id } }`), with(tok, nil), "", 405},
			{"invalid document", "POST", "/graphql", with(tok, jsonBody), op(`{ nonsense }`), 200},
			{"invalid input", "POST", "/graphql", with(tok, jsonBody), op(`mutation { createAccount(input: {name: ""}) { id } }`), 200},
			{"panic", "GET", "/boom", nil, "", 500},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				x := call(t, tc.method, env.URL+tc.path, tc.header, tc.body)
				if x.status != tc.status || len(x.resp.Errors) == 0 {
					t.Fatalf("want %d with errors: %s", tc.status, x)
				}
				id := x.header.Get("X-Request-Id")
				for _, e := range x.resp.Errors {
					if got, _ := e.Extensions["requestId"].(string); got == "" || got != id {
						t.Errorf("error %q: request id %q, response's %q", e.Message, got, id)
					}
				}
			})
		}
	}, apitest.WithServerOption(server.WithRoute("GET /boom", boom)))
}

// TestAPIResponseHeaders: API answers, errors included, are neither cached nor sniffed.
func TestAPIResponseHeaders(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		jsonBody := http.Header{"Content-Type": {"application/json"}}
		authed := jsonBody.Clone()
		authed.Set("Authorization", "Bearer "+tok)
		for name, x := range map[string]exchange{
			"answer":       call(t, "POST", env.URL+"/graphql", authed, `{"query":"{ viewer { subject } }"}`),
			"refusal":      call(t, "POST", env.URL+"/graphql", jsonBody, `{"query":"{ viewer { subject } }"}`),
			"invalid":      call(t, "POST", env.URL+"/graphql", authed, `{"query":"{"}`),
			"over GET":     call(t, "GET", env.URL+"/graphql?query="+url.QueryEscape(`{ viewer { subject } }`), http.Header{"Authorization": {"Bearer " + tok}}, ""),
			"readiness":    call(t, "GET", env.URL+"/readyz", nil, ""),
			"unknown path": call(t, "GET", env.URL+"/nothing-here", nil, ""),
		} {
			if got := x.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q", name, got)
			}
			if got := x.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control %q", name, got)
			}
		}
	})
}

// TestAPIMetricsLabelsAreFixed: what a client sends cannot add series to /metrics: methods,
// paths and operations the server does not know all count under fixed labels.
func TestAPIMetricsLabelsAreFixed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		env.Do(tok, `{ viewer { subject } }`, nil).MustOK(t, nil)
		page := func() []byte { return call(t, "GET", env.URL+"/metrics", nil, "").body }
		series := func(b []byte) int {
			n := 0
			for line := range bytes.Lines(b) {
				if bytes.HasPrefix(line, []byte("stakegraph_")) {
					n++
				}
			}
			return n
		}
		before := series(page())
		var invented []string
		for i := range 50 {
			method := "X" + strings.Repeat(string(rune('A'+i%26)), 1000) + strings.Repeat("Z", i)
			invented = append(invented, method)
			call(t, method, env.URL+"/graphql", nil, "")
			call(t, method, env.URL+"/healthz", nil, "")
			call(t, "GET", env.URL+"/p"+strings.Repeat("q", i*100), nil, "")
			call(t, "POST", env.URL+"/graphql", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}},
				`{"query":"query Op`+strings.Repeat("x", i)+` { viewer { subject } }","operationName":"Op`+strings.Repeat("x", i)+`"}`)
		}
		after := page()
		for _, m := range invented[:3] {
			if bytes.Contains(after, []byte(m[:50])) {
				t.Fatalf("an invented method is a label: %.300s", after)
			}
		}
		if bytes.Contains(after, []byte("qqqqq")) || bytes.Contains(after, []byte("Opxxx")) {
			t.Errorf("a path or an operation name is a label")
		}
		// The requests above add at most a handful of fixed series (method "other", route
		// "other", statuses 404 and 405), not one per request.
		if grown := series(after) - before; grown > 40 {
			t.Errorf("200 requests of invented methods, paths and names added %d series", grown)
		}
		t.Logf("/metrics: %d bytes, %d stakegraph series (%d before)", len(after), series(after), before)
	})
}
