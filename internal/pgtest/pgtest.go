// Package pgtest starts a throwaway PostgreSQL server for tests: one cluster
// per test binary, started on first use, and a fresh database per test.
//
// Use it from a test:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.URL(t) // skips when PostgreSQL is not installed
//		...
//	}
//
// When no initdb/postgres binaries are found the test is skipped, unless the
// environment has AIRTIGHT_TEST_POSTGRES=required, which makes it fail.
// PostgreSQL refuses to run as root: under root the server runs as the
// "postgres" user when it exists, else as nobody. The server dies with the
// test binary (parent-death signal), so none is left behind even when the
// binary is killed.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvRequired names the environment variable that turns a missing
// PostgreSQL from a skip into a failure when set to "required".
const EnvRequired = "AIRTIGHT_TEST_POSTGRES"

var (
	mu      sync.Mutex
	shared  *Cluster
	started bool
	failure error
	dbSeq   atomic.Int64
)

// Main runs the tests and then stops the shared cluster, returning the exit
// code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared cluster, if one was started, and removes its files.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.Stop()
	}
	shared, started, failure = nil, false, nil
}

// cluster returns the shared cluster, starting it on first use.
func cluster(t testing.TB) *Cluster {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !started {
		started = true
		shared, failure = Start()
	}
	switch {
	case failure == ErrNotInstalled && os.Getenv(EnvRequired) != "required":
		t.Skipf("pgtest: %v (set %s=required to fail instead)", failure, EnvRequired)
	case failure != nil:
		t.Fatalf("pgtest: %v", failure)
	}
	return shared
}

// URL returns the URL of a new, empty database on the shared cluster. The
// database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	c := cluster(t)
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := c.exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := c.exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return c.url(name)
}

// exec runs a statement in the cluster's maintenance database.
func (c *Cluster) exec(stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.admin.ExecContext(ctx, stmt)
	return err
}

// url is the connection URL of database name.
func (c *Cluster) url(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// openAdmin connects to the maintenance database, waiting until the server
// accepts connections or exits.
func (c *Cluster) openAdmin(timeout time.Duration) error {
	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			c.admin = db
			return nil
		}
		select {
		case <-c.exited:
			db.Close()
			return fmt.Errorf("postgres exited: %s", c.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			db.Close()
			return fmt.Errorf("postgres did not accept connections in %v: %w", timeout, err)
		}
	}
}
