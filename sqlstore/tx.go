package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
)

// Tx is a transaction with a fixed "now" and the dialect's placeholders.
type Tx struct {
	tx      *sql.Tx
	db      *DB
	d       dialect
	now     time.Time
	release func() // ends the writer's turn (SQLite); called once
}

// begin starts a read-write transaction. On SQLite, which has one writer at
// a time, this process's writers take turns on a mutex first: queueing in
// Go is fair and immediate, where queueing on SQLite's busy timeout sleeps
// and backs off (writers from other processes, such as the CLI, still use
// the busy timeout).
func (d *DB) begin(ctx context.Context) (*Tx, error) {
	release := func() {}
	if d.dialect.name == sqlite.name {
		if err := d.lockWriter(ctx); err != nil {
			return nil, err
		}
		release = d.unlockWriter
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, db: d, d: d.dialect, now: d.Now().UTC().Truncate(time.Microsecond), release: release}, nil
}

// lockWriter waits for the writer's turn, or for ctx to end.
func (d *DB) lockWriter(ctx context.Context) error {
	select {
	case d.writer <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("begin: %w", ctx.Err())
	}
}

func (d *DB) unlockWriter() { <-d.writer }

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.d.q(q)
	if st := t.db.stmt(ctx, q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.d.q(q)
	if st := t.db.stmt(ctx, q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.d.q(q)
	if st := t.db.stmt(ctx, q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// insert runs an INSERT ... RETURNING id and returns the new ID.
func (t *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// commit commits and ends the writer's turn.
func (t *Tx) commit() error {
	err := t.tx.Commit()
	t.done()
	return err
}

// rollback rolls back (a no-op after commit) and ends the writer's turn.
func (t *Tx) rollback() error {
	err := t.tx.Rollback()
	t.done()
	return err
}

func (t *Tx) done() {
	if t.release != nil {
		t.release()
		t.release = nil
	}
}

// Read-side helpers on the pool.
func (d *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = d.dialect.q(q)
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.db.QueryContext(ctx, q, args...)
}

func (d *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = d.dialect.q(q)
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.db.QueryRowContext(ctx, q, args...)
}

// audit appends an entry for a change made in this transaction by the actor.
// It takes the chain head under lock so that entries are sealed in commit
// order.
func (t *Tx) audit(ctx context.Context, a *airtight.Actor, action, targetType string, targetID int64, before, after any) error {
	e := &audit.Entry{
		Time: t.now, OrgID: a.OrgID, ActorKind: string(a.Kind), ActorID: a.ID, ActorName: a.Name,
		RemoteAddr: a.RemoteAddr, Action: action, TargetType: targetType,
		TargetID: strconv.FormatInt(targetID, 10), Summary: audit.Summary(before, after),
	}
	return t.appendAudit(ctx, e)
}

func (t *Tx) appendAudit(ctx context.Context, e *audit.Entry) error {
	var head audit.Entry
	if err := t.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+t.d.lockHead).Scan(&head.Seq, &head.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	var prev *audit.Entry
	if head.Seq > 0 {
		prev = &head
	}
	e.Seal(prev)
	if _, err := t.exec(ctx, `INSERT INTO audit_log (seq, time, org_id, actor_kind, actor_id, actor_name, remote_addr, action, target_type, target_id, summary, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.Time.UnixMicro(), e.OrgID, e.ActorKind, e.ActorID, e.ActorName, e.RemoteAddr, e.Action,
		e.TargetType, e.TargetID, string(e.Summary), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// Time conversions: the database holds Unix microseconds.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// withTx runs fn in a transaction that commits when fn returns nil.
func (d *DB) withTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
