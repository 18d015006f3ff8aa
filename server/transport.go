package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// The response media types of the GraphQL-over-HTTP specification. With the first, the HTTP
// status says how the request fared (a request refused before it ran gets a 4xx); with the
// second, the legacy one, a request that reached GraphQL gets 200 and the errors say why.
const (
	graphqlResponseJSON = "application/graphql-response+json"
	legacyJSON          = "application/json"
)

type mediaTypeKey struct{}

// mediaTypeOf returns the media type negotiated for the request's answers: application/json
// for anything but /graphql.
func mediaTypeOf(ctx context.Context) string {
	if m, ok := ctx.Value(mediaTypeKey{}).(string); ok {
		return m
	}
	return legacyJSON
}

// negotiated picks the media type of the answer from the Accept header, before anything can
// answer, and refuses with 406 a request that accepts neither GraphQL media type.
func negotiated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		media, ok := negotiate(strings.Join(r.Header.Values("Accept"), ","))
		r = r.WithContext(context.WithValue(r.Context(), mediaTypeKey{}, media))
		if !ok {
			writeError(w, r, http.StatusNotAcceptable, errs.E(errs.Invalid,
				"answers are %s or %s, and the Accept header allows neither", graphqlResponseJSON, legacyJSON))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// negotiate returns the media type to answer with, under the rules of RFC 9110: the one the
// header weighs highest, the most specific range deciding a type's weight. At equal weight a
// type the client names outright wins over one it reaches by a wildcard, and then
// application/graphql-response+json, which the client chose knowingly, wins when both are
// named; a wildcard alone, or no header, gets application/json, which every client reads.
// ok is false when the header accepts neither.
func negotiate(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return legacyJSON, true
	}
	type offer struct {
		media string
		q     float64
		named bool
	}
	offers := []offer{{media: graphqlResponseJSON}, {media: legacyJSON}}
	for i := range offers {
		offers[i].q, offers[i].named = weight(accept, offers[i].media)
	}
	best := offers[1]
	if g := offers[0]; g.q > best.q || (g.q == best.q && g.named) {
		best = g
	}
	if best.q <= 0 {
		return legacyJSON, false
	}
	return best.media, true
}

// weight returns the weight the Accept header gives the media type, from the most specific
// range that matches it, and whether that range names the type outright.
func weight(accept, media string) (q float64, named bool) {
	mainType, _, _ := strings.Cut(media, "/")
	specificity := -1
	for part := range strings.SplitSeq(accept, ",") {
		rng, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		s := -1
		switch rng {
		case media:
			s = 2
		case mainType + "/*":
			s = 1
		case "*/*":
			s = 0
		}
		if s <= specificity {
			continue
		}
		rq := 1.0
		if v, ok := params["q"]; ok {
			if rq, err = strconv.ParseFloat(v, 64); err != nil || rq < 0 || rq > 1 {
				continue
			}
		}
		specificity, q, named = s, rq, s == 2
	}
	return q, named
}

// graphqlHTTP serves GraphQL over HTTP as the GraphQL-over-HTTP specification has it: POST
// with a JSON body, GET for queries, every answer a GraphQL response in the negotiated media
// type with the status that goes with it.
type graphqlHTTP struct{}

var _ graphql.Transport = graphqlHTTP{}

func (graphqlHTTP) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost
}

func (graphqlHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	params, status, refusal := requestParams(r)
	if refusal != nil {
		writeError(w, r, status, refusal)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	opCtx, requestErrors := exec.CreateOperationContext(ctx, params)
	if requestErrors != nil {
		for _, e := range requestErrors {
			if _, coded := e.Extensions["code"]; !coded && e.Unwrap() == nil {
				// The executor's own words on what is wrong with the request (APQ's).
				e.Extensions = map[string]any{"code": errs.Invalid.Code()}
			}
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), requestErrors)
		writeGraphQL(w, r, statusOf(r.Context(), resp.Errors, false), resp, false)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, r, http.StatusMethodNotAllowed, errs.E(errs.Invalid,
			"a %s must be sent with POST: GET runs queries only", opCtx.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	writeGraphQL(w, r, statusOf(r.Context(), resp.Errors, true), resp, true)
}

// requestParams reads a GraphQL-over-HTTP request, or says why it is not one and with which
// status to refuse it.
func requestParams(r *http.Request) (*graphql.RawParams, int, *errs.Error) {
	if r.Method == http.MethodGet {
		return urlParams(r.URL.RawQuery)
	}
	media, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || media != legacyJSON || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return nil, http.StatusUnsupportedMediaType, errs.E(errs.Invalid,
			"send the operation as JSON in UTF-8, with Content-Type: application/json")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, http.StatusBadRequest, errs.E(errs.Invalid, "could not read the request body")
	}
	return bodyParams(body)
}

// notAnOperation is the refusal of a body that is not one operation in a JSON object.
func notAnOperation() *errs.Error {
	return errs.E(errs.Invalid, `the request body must be a JSON object: {"query": "…", "operationName": "…", "variables": {…}}`)
}

func bodyParams(body []byte) (*graphql.RawParams, int, *errs.Error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return nil, http.StatusBadRequest, errs.E(errs.Invalid, "batches of operations are not supported: send one operation per request")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, http.StatusBadRequest, notAnOperation()
	}
	p := &graphql.RawParams{}
	value := func(name string) []byte {
		if raw := fields[name]; raw != nil && string(raw) != "null" {
			return raw
		}
		return nil
	}
	for name, into := range map[string]*string{"query": &p.Query, "operationName": &p.OperationName} {
		if raw := value(name); raw != nil && json.Unmarshal(raw, into) != nil {
			return nil, http.StatusBadRequest, errs.Invalidf(name, "%s must be a string", name)
		}
	}
	for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if raw := value(name); raw != nil && !decodeObject(raw, into) {
			return nil, http.StatusBadRequest, errs.Invalidf(name, "%s must be a JSON object", name)
		}
	}
	return withQuery(p, value("query") != nil)
}

func urlParams(rawQuery string) (*graphql.RawParams, int, *errs.Error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, http.StatusBadRequest, errs.E(errs.Invalid, "the URL's query string is malformed")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if raw := q.Get(name); raw != "" && !decodeObject([]byte(raw), into) {
			return nil, http.StatusBadRequest, errs.Invalidf(name, "%s must be a JSON object", name)
		}
	}
	return withQuery(p, p.Query != "")
}

// withQuery refuses a request with neither a query nor a persisted query's hash.
func withQuery(p *graphql.RawParams, hasQuery bool) (*graphql.RawParams, int, *errs.Error) {
	if _, persisted := p.Extensions["persistedQuery"]; !hasQuery && !persisted {
		return nil, http.StatusBadRequest, errs.Invalidf("query", "the request has no query")
	}
	return p, 0, nil
}

// decodeObject decodes a JSON object, numbers kept as written for GraphQL's Int and Float.
func decodeObject(raw []byte, into *map[string]any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(into) != nil || *into == nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// statusByCode is the HTTP status of a request refused with an error of the code.
var statusByCode = map[string]int{
	errs.Invalid.Code():         http.StatusBadRequest,
	errs.Unauthenticated.Code(): http.StatusUnauthorized,
	errs.Forbidden.Code():       http.StatusForbidden,
	errs.NotFound.Code():        http.StatusNotFound,
	errs.Conflict.Code():        http.StatusConflict,
	errs.RateLimited.Code():     http.StatusTooManyRequests,
	errs.Internal.Code():        http.StatusInternalServerError,
	errs.Unavailable.Code():     http.StatusServiceUnavailable,
}

// statusOfKind returns the HTTP status of a request refused with an error of the kind.
func statusOfKind(k errs.Kind) int { return statusByCode[k.Code()] }

func codeOf(e *gqlerror.Error) string {
	code, _ := e.Extensions["code"].(string)
	return code
}

// statusOf returns the HTTP status of a GraphQL response. UNAVAILABLE makes it 503, whatever
// else it holds: the client is to try again. An operation that ran gets 200, its errors
// notwithstanding. A request refused before it ran gets the status of its first error with
// application/graphql-response+json, and 200 with application/json unless the fault is the
// server's.
func statusOf(ctx context.Context, list gqlerror.List, executed bool) int {
	for _, e := range list {
		if codeOf(e) == errs.Unavailable.Code() {
			return http.StatusServiceUnavailable
		}
	}
	if executed || len(list) == 0 {
		return http.StatusOK
	}
	status, ok := statusByCode[codeOf(list[0])]
	if !ok {
		status = http.StatusBadRequest // gqlgen's codes of a document it refused
	}
	if status >= 500 || mediaTypeOf(ctx) == graphqlResponseJSON {
		return status
	}
	return http.StatusOK
}

// wireResponse is a GraphQL response as sent: without a data entry when the operation did
// not run.
type wireResponse struct {
	Errors     gqlerror.List    `json:"errors,omitempty"`
	Data       *json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any   `json:"extensions,omitempty"`
}

// writeGraphQL writes a GraphQL response with the status, in the request's media type. Data
// goes with an operation that ran, except in a 503: that answer is to be retried whole.
func writeGraphQL(w http.ResponseWriter, r *http.Request, status int, resp *graphql.Response, executed bool) {
	out := wireResponse{Errors: resp.Errors, Extensions: resp.Extensions}
	if executed && status != http.StatusServiceUnavailable {
		out.Data = &resp.Data
	}
	body, err := out.marshal()
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(wireResponse{Errors: gqlerror.List{toGraphQL(r.Context(), errs.Wrap(err, "encoding the response"))}})
	}
	h := w.Header()
	h.Set("Content-Type", mediaTypeOf(r.Context())+"; charset=utf-8")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes a response with one error and no data, outside the GraphQL executor.
func writeError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	writeGraphQL(w, r, status, &graphql.Response{Errors: gqlerror.List{toGraphQL(r.Context(), e)}}, false)
}

// toGraphQL turns an API error into the error a client sees: the message (never an internal
// error's), the code, the field at fault, and the request id to quote.
func toGraphQL(ctx context.Context, e *errs.Error) *gqlerror.Error {
	msg := e.Message
	if e.Kind == errs.Internal {
		msg = "internal error"
	}
	ext := map[string]any{"code": e.Kind.Code(), "requestId": requestid.FromContext(ctx)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	return &gqlerror.Error{Message: msg, Extensions: ext}
}
