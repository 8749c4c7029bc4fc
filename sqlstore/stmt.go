package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by query text. On SQLite, parsing and
// planning a statement costs about as much as running a small write, and
// the store runs the same few dozen statements all day. PostgreSQL's driver
// (pgx) caches prepared statements itself, so the cache is SQLite-only.
// Dynamic queries (filters) are cached too, up to maxCachedStmts; past that
// they run unprepared.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxCachedStmts = 512

// stmt returns the cached statement of q, preparing it on first use, or nil
// when q should run unprepared (other engines, an in-memory database whose
// single connection may be busy, a full cache, or a prepare error, which
// the unprepared run then reports).
func (d *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if d.dialect.name != sqlite.name || d.memory {
		return nil
	}
	c := &d.stmts
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := d.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok { // another goroutine won the race
		st.Close()
		return prev
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

// closeStmts closes every cached statement.
func (d *DB) closeStmts() {
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	for _, st := range d.stmts.m {
		st.Close()
	}
	d.stmts.m = nil
}
