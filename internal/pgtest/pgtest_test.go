package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDatabasesAreIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := open(t, URL(t)), open(t, URL(t))
	if _, err := a.ExecContext(ctx, `CREATE TABLE x (v INT); INSERT INTO x VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.QueryRowContext(ctx, `SELECT COUNT(*) FROM x`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v; want 1", n, err)
	}
	if _, err := b.ExecContext(ctx, `SELECT * FROM x`); err == nil {
		t.Fatal("table x is visible from another test database")
	}
}

func TestStopKillsServer(t *testing.T) {
	if _, err := findBinaries(); errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	pid := c.cmd.Process.Pid
	if os.Geteuid() == 0 {
		var st syscall.Stat_t
		if err := syscall.Stat("/proc/"+strconv.Itoa(pid), &st); err != nil || st.Uid == 0 {
			t.Errorf("postgres runs as uid %d (%v); want an unprivileged user", st.Uid, err)
		}
	}
	c.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("postgres %d still running after Stop", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind (%v)", c.dir, err)
	}
}
