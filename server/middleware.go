package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/stakegraph/stakegraph/errs"
	"github.com/stakegraph/stakegraph/requestid"
)

// requestIDPattern accepts a caller's request id only when it is short and harmless in logs.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)

// withRequestID gives every request an id: the caller's X-Request-Id when it is well formed,
// else a new one. It is echoed in the response and carried in logs and the change journal.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
	})
}

// statusRecorder remembers what a handler wrote, for logs and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged writes one structured log line per request and records its metrics.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		s.metrics.inFlight.Inc()
		next.ServeHTTP(rec, r)
		s.metrics.inFlight.Dec()
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r, rec.status, elapsed)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestid.FromContext(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", elapsed),
		)
	})
}

// recovered turns a panic outside the GraphQL executor into a 500 with no details; the stack
// goes to the log only.
func (s *Server) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", requestid.FromContext(r.Context()),
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, errs.E(errs.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limited bounds a request's time and the size of its body. The body is read here, so that
// an oversized one is refused with a clear error before anything parses it.
func (s *Server) limited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		if r.Body != nil && r.Body != http.NoBody {
			tooLarge := errs.E(errs.Invalid, "the request body exceeds the limit of %d bytes", s.cfg.MaxBodyBytes)
			if r.ContentLength > s.cfg.MaxBodyBytes {
				writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1))
			if err != nil {
				writeError(w, http.StatusBadRequest, errs.E(errs.Invalid, "could not read the request body"))
				return
			}
			if int64(len(body)) > s.cfg.MaxBodyBytes {
				writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

// authenticated refuses a request without a valid identity with 401 and no data.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authn == nil {
			writeError(w, http.StatusUnauthorized, errs.E(errs.Unauthenticated, "authentication is not configured"))
			return
		}
		ctx, err := s.authn.Authenticate(r)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind == errs.Internal {
				s.log.Error("authentication failed", "request_id", requestid.FromContext(r.Context()), "error", err)
				writeError(w, http.StatusInternalServerError, errs.E(errs.Internal, "internal error"))
				return
			}
			s.log.Info("request refused", "request_id", requestid.FromContext(r.Context()), "reason", err.Error())
			if e.Kind == errs.Forbidden {
				writeError(w, http.StatusForbidden, e)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, errs.E(errs.Unauthenticated, "%s", e.Message))
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeError writes a GraphQL-shaped error response outside the GraphQL executor.
func writeError(w http.ResponseWriter, status int, e *errs.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	ext := map[string]any{"code": e.Kind.Code()}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []any{map[string]any{"message": e.Message, "extensions": ext}},
	})
}
