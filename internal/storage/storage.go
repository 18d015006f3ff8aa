// Package storage opens the database: by default an SQLite file in the data directory
// (pure Go, foreign keys on), or a MySQL-compatible server (MariaDB 10.11+, MySQL 8).
package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	entschema "entgo.io/ent/dialect/sql/schema"
	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/migrate"
	_ "github.com/stakegraph/stakegraph/ent/runtime" // the schema's rules, hooks and defaults
)

// DefaultFile is the SQLite database in the data directory when no URL is given.
const DefaultFile = "stakegraph.db"

// DB is an open database.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.SQLite or dialect.MySQL
	driver  dialect.Driver
	probe   *sql.DB // one connection of its own, for Ping
}

// Driver returns the driver the client runs on, for a client of one's own on the same database.
func (d *DB) Driver() dialect.Driver { return d.driver }

// Open opens the database at url: "" (SQLite in dataDir), "sqlite:PATH" or "file:PATH", or
// "mysql://USER:PASSWORD@tcp(HOST:PORT)/DATABASE" (a go-sql-driver DSN behind the scheme;
// parseTime, UTC, utf8mb4 and interpolateParams are set whatever it says).
func Open(ctx context.Context, rawURL, dataDir string) (*DB, error) {
	driver, dsn, dia, err := parse(rawURL, dataDir)
	if err != nil {
		return nil, err
	}
	if dia == dialect.MySQL {
		if dsn, err = readCommitted(ctx, dsn); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if dia == dialect.MySQL {
		db.SetMaxOpenConns(50)
		db.SetMaxIdleConns(25)
		db.SetConnMaxLifetime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	probe, err := sql.Open(driver, dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	probe.SetMaxOpenConns(1)
	probe.SetConnMaxLifetime(5 * time.Minute)
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	if dia == dialect.SQLite {
		drv = utcDriver{drv}
	}
	return &DB{Client: ent.NewClient(ent.Driver(drv)), SQL: db, Dialect: dia, driver: drv, probe: probe}, nil
}

// Ping reports whether the database answers, on a connection of its own: when every
// connection of the pool is busy, the database is loaded, not down, and a ping through the
// pool would wait for one to be free.
func (d *DB) Ping(ctx context.Context) error { return d.probe.PingContext(ctx) }

// Migration is what Migrate did.
type Migration struct {
	// Changes describes the schema changes applied, in order: `create "accounts" table`.
	Changes []string
}

// Pending reports whether the migration changed anything.
func (m Migration) Pending() bool { return len(m.Changes) > 0 }

// MigrateOption configures Migrate.
type MigrateOption func(*Migration)

// Report makes Migrate say in m what it did.
func Report(m *Migration) MigrateOption {
	return func(done *Migration) { *m = *done }
}

// Migrate brings the schema up to date. Indexes the schema no longer declares are dropped: a
// replaced index left behind would still cost every write and could still mislead the query
// planner. It changes no rows: computing the derived data an older database lacks is the
// migrate step's (cmd/stakegraph), which serve takes too.
func (d *DB) Migrate(ctx context.Context, opts ...MigrateOption) error {
	var done Migration
	record := entschema.WithApplyHook(func(next entschema.Applier) entschema.Applier {
		return entschema.ApplyFunc(func(ctx context.Context, conn dialect.ExecQuerier, plan *atlasmigrate.Plan) error {
			for _, c := range plan.Changes {
				done.Changes = append(done.Changes, c.Comment)
			}
			return next.Apply(ctx, conn, plan)
		})
	})
	if err := d.Client.Schema.Create(ctx, migrate.WithForeignKeys(true), migrate.WithDropIndex(true), record); err != nil {
		return fmt.Errorf("migrating the schema: %w", err)
	}
	for _, opt := range opts {
		opt(&done)
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.probe.Close()
	return d.Client.Close()
}

func parse(rawURL, dataDir string) (driver, dsn, dia string, err error) {
	switch {
	case rawURL == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return "", "", "", fmt.Errorf("creating the data directory: %w", err)
		}
		return "sqlite", sqliteDSN(filepath.Join(dataDir, DefaultFile)), dialect.SQLite, nil
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		return "sqlite", sqliteDSN(path), dialect.SQLite, nil
	case strings.HasPrefix(rawURL, "file:"):
		return "sqlite", sqliteDSN(strings.TrimPrefix(rawURL, "file:")), dialect.SQLite, nil
	case strings.HasPrefix(rawURL, "mysql://"):
		cfg, err := mysql.ParseDSN(strings.TrimPrefix(rawURL, "mysql://"))
		if err != nil {
			return "", "", "", fmt.Errorf("database URL: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		// An UPDATE reports the rows it matched, as SQLite does, not only those it changed.
		cfg.ClientFoundRows = true
		// Statements go as text with their values in them: one round trip each. Otherwise the
		// driver prepares, runs and closes each one, three round trips, and the server
		// describes every parameter: for bulk sync's statements of thousands of values that
		// costs more than parsing the values (see BENCHMARKS.md). The driver escapes the
		// values for the connection's utf8mb4, set below.
		cfg.InterpolateParams = true
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		// The charset keeps every Unicode character.
		cfg.Params["charset"] = "utf8mb4"
		return "mysql", cfg.FormatDSN(), dialect.MySQL, nil
	}
	return "", "", "", fmt.Errorf("database URL %q: expected sqlite:PATH, file:PATH or mysql://DSN", rawURL)
}

// sqliteDSN turns on foreign keys, WAL (readers do not wait for the writer), a busy timeout
// (writers queue instead of failing), immediate transactions (a writer takes its lock up
// front, so two writers cannot deadlock upgrading read locks) and times stored in a format
// that SQLite's own date functions understand.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite") // a format SQLite's date functions read
	return "file:" + path + "?" + q.Encode()
}

// readCommitted sets the sessions of a MySQL-compatible server to READ COMMITTED, so that every
// statement reads what is committed, not a snapshot from the transaction's first read: a
// mutation that locks a row and then reads it sees its latest version. The variable's name
// depends on the server: tx_isolation on MariaDB, transaction_isolation on MySQL.
func readCommitted(ctx context.Context, dsn string) (string, error) {
	probe, err := sql.Open("mysql", dsn)
	if err != nil {
		return "", err
	}
	defer probe.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var version string
	if err := probe.QueryRowContext(pingCtx, "SELECT VERSION()").Scan(&version); err != nil {
		return "", fmt.Errorf("connecting to the database: %w", err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	variable := "transaction_isolation"
	if strings.Contains(strings.ToLower(version), "mariadb") {
		variable = "tx_isolation"
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params[variable] = "'READ-COMMITTED'"
	return cfg.FormatDSN(), nil
}
