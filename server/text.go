package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// validText refuses a GraphQL request that is not valid UTF-8, naming the variable (or the
// request field) that holds the bad bytes. Go's JSON decoder would replace each of them with
// U+FFFD, and the API would store a string the client never sent.
func (s *Server) validText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		field, ok, err := textOfRequest(r)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, errs.E(errs.Invalid, "could not read the request body"))
			return
		}
		if !ok {
			writeError(w, r, http.StatusBadRequest, errs.Invalidf(field, "%s: is not valid UTF-8 text", field))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// textOfRequest reports whether the request's body and parameters are valid UTF-8, and if not,
// where the first invalid byte is. It leaves the body to be read again.
func textOfRequest(r *http.Request) (field string, ok bool, err error) {
	for name, values := range r.URL.Query() {
		for _, v := range values {
			if !utf8.ValidString(v) {
				return requestField(name, []byte(v)), false, nil
			}
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return "", true, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "", false, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if utf8.Valid(body) {
		return "", true, nil
	}
	return jsonPathOfInvalid(body), false, nil
}

// requestField names a request parameter with invalid text: a variable's path inside
// "variables", else the parameter itself.
func requestField(param string, value []byte) string {
	if param != "variables" {
		return param
	}
	if path := jsonPathOfInvalid(value); path != "" {
		return path
	}
	return param
}

// jsonPathOfInvalid returns the path of the JSON value that holds the first invalid UTF-8 byte
// of a GraphQL request body, in the API's spelling of variables ("in[2].name" for a byte in
// variables.in[2].name); a byte outside the variables is named by the request field ("query").
func jsonPathOfInvalid(body []byte) string {
	bad := int64(invalidOffset(body))
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []jsonLevel
	for {
		tok, err := dec.Token()
		if err != nil {
			return jsonPath(stack)
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			if top > 0 && stack[top-1].object {
				stack[top-1].atKey = true
			}
			continue
		}
		if top >= 0 {
			switch l := &stack[top]; {
			case l.object && l.atKey:
				l.key, _ = tok.(string)
				l.atKey = false
				if dec.InputOffset() > bad {
					return jsonPath(stack[:top])
				}
				continue
			case l.object:
				l.atKey = true // after this value
			default:
				l.index++
			}
		}
		if dec.InputOffset() > bad {
			return jsonPath(stack)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, jsonLevel{object: true, atKey: true})
		case json.Delim('['):
			stack = append(stack, jsonLevel{index: -1})
		}
	}
}

// jsonLevel is an object or array being read, and where in it the reader is.
type jsonLevel struct {
	object bool
	atKey  bool   // in an object: the next string is a key
	key    string // in an object: the current key
	index  int    // in an array: the current index
}

// jsonPath spells the path of the current value; the request's "variables" are left out,
// since a variable is named by itself.
func jsonPath(stack []jsonLevel) string {
	if len(stack) > 1 && stack[0].key == "variables" {
		stack = stack[1:]
	}
	var b strings.Builder
	for _, l := range stack {
		switch {
		case !l.object:
			fmt.Fprintf(&b, "[%d]", l.index)
		case b.Len() > 0:
			b.WriteString("." + l.key)
		default:
			b.WriteString(l.key)
		}
	}
	return b.String()
}

// invalidOffset returns the offset of the first byte that is not valid UTF-8.
func invalidOffset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}
