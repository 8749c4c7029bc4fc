// Package sqlstore implements airtight's domain services on database/sql for
// two engines: embedded SQLite (modernc.org/sqlite, the default) and
// PostgreSQL (pgx). Queries are written once with ? placeholders; the few
// dialect differences live in dialect.go. Migrations are embedded and
// versioned. Every service method that changes state is one transaction with
// a fixed "now", and appends its audit entry inside that same transaction.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is a connection pool to either engine, and the receiver of every
// service implementation.
type DB struct {
	db      *sql.DB
	dialect dialect
	url     string
	writer  chan struct{} // SQLite: one writer at a time (see begin)
	memory  bool          // SQLite in memory: one connection
	stmts   stmtCache
	issues  issueQueue // group commit of certificate issuance (issue_batch.go)

	// Now returns the current time; tests may replace it before use.
	Now func() time.Time
}

// Open opens the database named by url and brings its schema up to date.
// url is "postgres://..." (or "postgresql://...") for PostgreSQL; anything
// else is a SQLite file path ("sqlite:" prefix optional; ":memory:" for tests).
func Open(ctx context.Context, url string) (*DB, error) {
	d := &DB{url: url, Now: time.Now, writer: make(chan struct{}, 1)}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d.dialect = postgres
		d.db, err = sql.Open("pgx", url)
		if err == nil {
			d.db.SetMaxOpenConns(16)
			d.db.SetMaxIdleConns(16)
			d.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		d.dialect = sqlite
		path := strings.TrimPrefix(url, "sqlite:")
		d.memory = path == ":memory:" || path == ""
		d.db, err = openSQLite(path)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connect to database: %w", redact(err))
	}
	if err := d.migrate(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
}

func openSQLite(path string) (*sql.DB, error) {
	mem := path == ":memory:" || path == ""
	if !mem {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
	}
	// Write transactions start IMMEDIATE so that two writers queue on the
	// busy timeout instead of failing on lock upgrade.
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	dsn := "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)"
	if mem {
		dsn = "file::memory:?" + pragmas
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if mem {
		db.SetMaxOpenConns(1) // each connection would be its own database
	} else {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	return db, nil
}

// Close closes the pool.
func (d *DB) Close() error {
	d.stopIssueLoop()
	d.closeStmts()
	return d.db.Close()
}

// Engine names the engine: "sqlite" or "postgres".
func (d *DB) Engine() string { return d.dialect.name }

// Ping checks the database answers (readiness).
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// redact removes a password from a connection error's text.
func redact(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(redactURL(err.Error()))
}

// redactURL replaces the password in any "scheme://user:password@" with "***".
func redactURL(s string) string {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		i := strings.Index(s, scheme)
		if i < 0 {
			continue
		}
		rest := s[i+len(scheme):]
		at := strings.Index(rest, "@")
		colon := strings.Index(rest, ":")
		if at > 0 && colon >= 0 && colon < at {
			s = s[:i+len(scheme)] + rest[:colon+1] + "***" + rest[at:]
		}
	}
	return s
}
