package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
)

var _ audit.Service = (*DB)(nil)

const auditCols = `seq, time, org_id, actor_kind, actor_id, actor_name, remote_addr, action, target_type, target_id, summary, prev_hash, hash`

type scanner interface{ Scan(dest ...any) error }

func scanEntry(s scanner) (*audit.Entry, error) {
	var e audit.Entry
	var t int64
	var summary string
	if err := s.Scan(&e.Seq, &t, &e.OrgID, &e.ActorKind, &e.ActorID, &e.ActorName, &e.RemoteAddr,
		&e.Action, &e.TargetType, &e.TargetID, &summary, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Time = fromMicros(t)
	e.Summary = []byte(summary)
	return &e, nil
}

// ListEntries lists the actor's organization's audit entries.
func (d *DB) ListEntries(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT ` + auditCols + ` FROM audit_log WHERE org_id = ? AND seq > ?`
	args := []any{a.OrgID, f.AfterSeq}
	if f.BeforeSeq > 0 {
		q += ` AND seq < ?`
		args = append(args, f.BeforeSeq)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	order := ` ORDER BY seq LIMIT ?`
	if f.Newest {
		order = ` ORDER BY seq DESC LIMIT ?`
	}
	q += order
	args = append(args, limit)
	rows, err := d.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []*audit.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WalkAll calls fn for every entry in stored sequence order, in batches so
// that a long log never sits whole in memory.
func (d *DB) WalkAll(ctx context.Context, fn func(*audit.Entry) error) error {
	after := int64(-1 << 62)
	for {
		rows, err := d.query(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1000`, after)
		if err != nil {
			return fmt.Errorf("walk audit log: %w", err)
		}
		n := 0
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("walk audit log: %w", err)
			}
			n++
			after = e.Seq
			if err := fn(e); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if n < 1000 {
			return rows.Err()
		}
	}
}

// VerifyAudit walks the whole chain and returns the first problem, or nil,
// with the number of entries checked.
func (d *DB) VerifyAudit(ctx context.Context) (*audit.Problem, int64, error) {
	var v audit.Verifier
	var problem *audit.Problem
	errStop := fmt.Errorf("stop")
	err := d.WalkAll(ctx, func(e *audit.Entry) error {
		if p := v.Next(e); p != nil {
			problem = p
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, v.Checked(), err
	}
	if problem == nil {
		// The head row records the last sealed entry: entries deleted from
		// the end of the log show up here.
		var seq int64
		var hash string
		if err := d.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return nil, v.Checked(), fmt.Errorf("audit head: %w", err)
		}
		h := v.Head()
		switch {
		case h == nil && seq != 0:
			problem = &audit.Problem{Seq: 1, Reason: fmt.Sprintf("missing: the log is empty but its head records entry %d", seq)}
		case h != nil && (h.Seq != seq || h.Hash != hash):
			problem = &audit.Problem{Seq: h.Seq + 1, Reason: fmt.Sprintf("missing: the log ends at entry %d but its head records entry %d", h.Seq, seq)}
		}
	}
	return problem, v.Checked(), nil
}

// RecordEvent appends an audit entry for a change made outside the
// database by the actor (for example a software update published to a
// file-based TUF repository), in its own transaction. Summary holds no
// secrets and no PHI.
func (d *DB) RecordEvent(ctx context.Context, action, targetType, targetID string, summary map[string]any) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if action == "" || targetType == "" || len(action) > 64 || len(targetType) > 64 || len(targetID) > 256 {
		return airtight.Errorf(airtight.EInvalid, "audit event: action, target type and target are required and short")
	}
	return d.withTx(ctx, func(tx *Tx) error {
		e := &audit.Entry{
			Time: tx.now, OrgID: a.OrgID, ActorKind: string(a.Kind), ActorID: a.ID, ActorName: a.Name,
			RemoteAddr: a.RemoteAddr, Action: action, TargetType: targetType, TargetID: targetID,
			Summary: audit.Summary(nil, summary),
		}
		return tx.appendAudit(ctx, e)
	})
}

// AuditHead returns the sequence number and hash of the last audit entry
// (0 and the genesis hash for an empty log): a checkpoint to keep outside
// the database, so that a later `audit verify --checkpoint` detects a log
// rewritten wholesale by someone with write access to the database.
func (d *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	if err := d.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// AuditEntryHash returns the stored hash of entry seq (system use).
func (d *DB) AuditEntryHash(ctx context.Context, seq int64) (string, error) {
	var hash string
	err := d.queryRow(ctx, `SELECT hash FROM audit_log WHERE seq = ?`, seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", airtight.Errorf(airtight.ENotFound, "audit entry %d not found", seq)
	} else if err != nil {
		return "", fmt.Errorf("audit entry: %w", err)
	}
	return hash, nil
}
