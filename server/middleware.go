package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/requestid"
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

// protective marks every answer as not to be stored by caches, nor read by a browser as
// anything but its declared type. A handler may set its own Cache-Control.
func protective(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
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

// errorsLoggedPerRequest bounds the errors logged for one request: a list of 40,000 ids can
// fail 40,000 times alike, and the log is no place to repeat it.
const errorsLoggedPerRequest = 5

// errorLog counts the errors a request has had logged.
type errorLog struct{ errors atomic.Int64 }

type errorLogKey struct{}

// logsError reports whether another error of the request of ctx is to be logged.
func logsError(ctx context.Context) bool {
	l, ok := ctx.Value(errorLogKey{}).(*errorLog)
	return !ok || l.errors.Add(1) <= errorsLoggedPerRequest
}

// logged writes one structured log line per request and records its metrics.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		errLog := &errorLog{}
		r = r.WithContext(context.WithValue(r.Context(), errorLogKey{}, errLog))
		s.metrics.inFlight.Inc()
		next.ServeHTTP(rec, r)
		s.metrics.inFlight.Dec()
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		s.metrics.observe(r, rec.status, elapsed)
		level := slog.LevelInfo
		switch {
		case rec.status == http.StatusServiceUnavailable:
			level = slog.LevelWarn // the database is down: said once, at ERROR, when it was found so
		case rec.status >= 500:
			level = slog.LevelError
		}
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestid.FromContext(r.Context())),
			slog.String("method", methodLabel(r.Method)),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", elapsed),
		}
		if n := errLog.errors.Load() - errorsLoggedPerRequest; n > 0 {
			attrs = append(attrs, slog.Int64("errors_not_logged", n))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
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
				writeError(w, r, http.StatusInternalServerError, errs.E(errs.Internal, "internal error"))
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
				writeError(w, r, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBodyBytes+1))
			if err != nil {
				writeError(w, r, http.StatusBadRequest, errs.E(errs.Invalid, "could not read the request body"))
				return
			}
			if int64(len(body)) > s.cfg.MaxBodyBytes {
				writeError(w, r, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

// available refuses a request at once while the database is known to be down, and gives the
// others a context that ends if it is found down while they run.
func (s *Server) available(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.db.down.Load() {
			s.db.suspect(probeInterval)
			writeError(w, r, http.StatusServiceUnavailable, unavailable())
			return
		}
		ctx, stop := s.db.watch(r.Context())
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticated refuses a request without a valid identity with 401 and no data.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authn == nil {
			writeError(w, r, http.StatusUnauthorized, errs.E(errs.Unauthenticated, "authentication is not configured"))
			return
		}
		ctx, err := s.authn.Authenticate(r)
		if err != nil {
			e := s.explain(r.Context(), err, nil)
			switch e.Kind {
			case errs.Unauthenticated:
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				fallthrough
			case errs.Forbidden:
				s.log.Info("request refused", "request_id", requestid.FromContext(r.Context()), "reason", err.Error())
			}
			writeError(w, r, statusOfKind(e.Kind), e)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// methodNotAllowed answers a method /graphql does not serve.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeError(w, r, http.StatusMethodNotAllowed, errs.E(errs.Invalid, "send GraphQL operations with POST, or queries with GET"))
}
