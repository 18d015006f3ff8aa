// Package server assembles the HTTP server: the GraphQL handler with its limits, the
// middleware (request ids, logs, recovery, body limits, authentication), health, readiness
// and metrics endpoints, and graceful shutdown.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/server/explorer"
)

// Config holds the server's settings. DefaultConfig documents the defaults.
type Config struct {
	Addr             string         // listen address
	MaxBodyBytes     int64          // largest request body accepted
	MaxDepth         int            // deepest selection set accepted
	MaxComplexity    int            // costliest operation accepted (see cost.go)
	MaxSelections    int            // most selections in a document, a fragment's counted at each spread
	DefaultPageSize  int            // page size of a connection asked for without first or last
	MaxPageSize      int            // largest first or last accepted
	ParserTokenLimit int            // most tokens in a query document
	QueryCacheSize   int            // parsed documents kept
	Introspection    bool           // serve __schema and __type
	RequestTimeout   time.Duration  // longest a request may run
	ShutdownTimeout  time.Duration  // longest to wait for in-flight requests on shutdown
	HealthWeights    health.Weights // weights of the account health factors; nil: the defaults
	Dialect          string         // the database's dialect (sqlite3, mysql), for set-based writes
}

// DefaultConfig returns the settings a server runs with unless told otherwise.
func DefaultConfig() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		MaxBodyBytes:     4 << 20,
		MaxDepth:         15,
		MaxComplexity:    100000,
		MaxSelections:    5000,
		DefaultPageSize:  20,
		MaxPageSize:      100,
		ParserTokenLimit: 20000,
		QueryCacheSize:   1000,
		Introspection:    true,
		RequestTimeout:   30 * time.Second,
		ShutdownTimeout:  20 * time.Second,
		HealthWeights:    health.DefaultWeights(),
	}
}

// Authenticator turns a request's credentials into a context that carries its viewer.
type Authenticator interface {
	Authenticate(r *http.Request) (context.Context, error)
}

// Server serves the API.
type Server struct {
	cfg     Config
	client  *ent.Client
	log     *slog.Logger
	authn   Authenticator
	ready   func(context.Context) error
	db      *availability
	routes  []route
	metrics *metrics
	handler http.Handler
	// starting holds requests back until the server is Ready (see Starting).
	starting atomic.Bool
	// errorDocs keeps the parsed documents of operations that failed validation, to name the
	// fields of their errors.
	errorDocs graphql.Cache[*ast.QueryDocument]
}

type route struct {
	pattern string
	handler http.Handler
}

// Option configures optional parts of a Server.
type Option func(*Server)

// WithLogger sets the logger; the default discards logs.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithAuthenticator sets how requests are authenticated; without one every GraphQL request
// is refused as unauthenticated.
func WithAuthenticator(a Authenticator) Option { return func(s *Server) { s.authn = a } }

// WithReadiness sets how the database is probed, behind /readyz and behind the refusal of
// requests while it is down: a ping on a connection outside the pool (storage.DB.Ping).
func WithReadiness(check func(context.Context) error) Option {
	return func(s *Server) { s.ready = check }
}

// WithRoute serves an extra handler, unauthenticated (the development issuer's discovery
// and keys).
func WithRoute(pattern string, h http.Handler) Option {
	return func(s *Server) { s.routes = append(s.routes, route{pattern, h}) }
}

// New returns a server for the client.
func New(cfg Config, client *ent.Client, opts ...Option) *Server {
	s := &Server{
		cfg:       cfg,
		client:    client,
		log:       slog.New(slog.DiscardHandler),
		ready:     func(context.Context) error { return nil },
		metrics:   newMetrics(),
		errorDocs: lru.New[*ast.QueryDocument](16),
	}
	for _, opt := range opts {
		opt(s)
	}
	s.db = newAvailability(s.ready, s.log)
	s.metrics.watchDatabase(s.db)
	s.handler = s.routesHandler()
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routesHandler() http.Handler {
	mux := http.NewServeMux()
	gql := s.graphqlHandler()
	api := func(h http.Handler) http.Handler { return negotiated(s.available(s.authenticated(s.validText(h)))) }
	mux.Handle("POST /graphql", api(gql))
	mux.Handle("GET /graphql", api(gql))
	mux.Handle("OPTIONS /graphql", gql)
	mux.Handle("/graphql", negotiated(http.HandlerFunc(methodNotAllowed)))
	explore := explorer.Handler()
	mux.Handle("GET /{$}", explore)
	mux.Handle("GET "+explorer.AssetPrefix, explore)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	for _, r := range s.routes {
		mux.Handle(r.pattern, r.handler)
	}
	return s.withRequestID(protective(s.logged(s.recovered(s.untilReady(s.limited(mux))))))
}

// ListenAndServe serves on cfg.Addr until ctx is cancelled, then drains in-flight requests
// for up to cfg.ShutdownTimeout.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("shut down cleanly")
	return nil
}
