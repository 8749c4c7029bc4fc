package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

var _ dlp.EventService = (*DB)(nil)

const dlpEventCols = `id, org_id, channel, actor, destination, external, action, rule, reason, types, unscannable, bytes, ref, created_at`

func scanDLPEvent(s scanner) (*dlp.Event, error) {
	var e dlp.Event
	var channel, action, types string
	var external int
	var created int64
	if err := s.Scan(&e.ID, &e.OrgID, &channel, &e.Actor, &e.Destination, &external, &action, &e.Rule, &e.Reason,
		&types, &e.Unscannable, &e.Bytes, &e.Ref, &created); err != nil {
		return nil, err
	}
	e.Channel, e.Action, e.External, e.CreatedAt = dlp.Channel(channel), dlp.Action(action), external != 0, fromMicros(created)
	return &e, decodeTypes(types, &e.Types)
}

func decodeTypes(s string, m *map[dlp.Type]int) error {
	if s == "" || s == "{}" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), m); err != nil {
		return fmt.Errorf("decode identifier counts: %w", err)
	}
	return nil
}

func encodeTypes(m map[dlp.Type]int) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // map of string to int: cannot fail
	return string(b)
}

// RecordDLPEvent stores a DLP decision and, when q is given, the record of
// the content it put in quarantine. Events are the DLP log, not audit
// entries; a quarantine hold is audited.
func (d *DB) RecordDLPEvent(ctx context.Context, e *dlp.Event, q *dlp.Quarantined) error {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return airtight.Errorf(airtight.EInvalid, "%s", err.Error())
	}
	return d.withTx(ctx, func(tx *Tx) error {
		e.OrgID, e.CreatedAt = act.OrgID, tx.now
		id, err := tx.insert(ctx, `INSERT INTO dlp_events (org_id, channel, actor, destination, external, action, rule, reason,
			types, unscannable, bytes, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.OrgID, string(e.Channel), e.Actor, e.Destination, boolInt(e.External), string(e.Action), e.Rule, e.Reason,
			encodeTypes(e.Types), e.Unscannable, e.Bytes, e.Ref, micros(tx.now))
		if err != nil {
			return fmt.Errorf("record dlp event: %w", err)
		}
		e.ID = id
		if q == nil {
			return nil
		}
		return tx.holdQuarantine(ctx, act, e, q)
	})
}

func (t *Tx) holdQuarantine(ctx context.Context, act *airtight.Actor, e *dlp.Event, q *dlp.Quarantined) error {
	if q.VaultID == "" || len(q.VaultID) > 200 {
		return airtight.Errorf(airtight.EInvalid, "quarantine: vault id is required (at most 200 bytes)")
	}
	q.OrgID, q.EventID, q.Channel, q.Actor, q.Status, q.CreatedAt = act.OrgID, e.ID, e.Channel, e.Actor, dlp.QuarantineHeld, t.now
	if q.Types == nil {
		q.Types = e.Types
	}
	id, err := t.insert(ctx, `INSERT INTO dlp_quarantine (org_id, event_id, vault_id, channel, actor, status, types, bytes,
		created_at, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
		q.OrgID, q.EventID, q.VaultID, string(q.Channel), q.Actor, string(q.Status), encodeTypes(q.Types), q.Bytes, micros(t.now))
	if isUnique(err) {
		return conflict("quarantine: vault id already recorded")
	} else if err != nil {
		return fmt.Errorf("record quarantine: %w", err)
	}
	q.ID = id
	return t.audit(ctx, act, "dlp.quarantine.hold", "dlp_quarantine", id, nil,
		fields{"channel": q.Channel, "event_id": q.EventID, "types": q.Types, "bytes": q.Bytes})
}

// ListDLPEvents lists the organization's DLP events, newest first; the
// cursor is the id of the last event of the page.
func (d *DB) ListDLPEvents(ctx context.Context, f dlp.EventFilter) ([]*dlp.Event, string, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, "", err
	}
	var c conds
	c.add(`org_id = ?`, act.OrgID)
	if f.Channel != "" {
		c.add(`channel = ?`, string(f.Channel))
	}
	if f.Action != "" {
		c.add(`action = ?`, string(f.Action))
	}
	if !f.Since.IsZero() {
		c.add(`created_at >= ?`, micros(f.Since))
	}
	if err := idCursor(&c, f.Cursor); err != nil {
		return nil, "", err
	}
	out, err := queryAll(ctx, d, "list dlp events", scanDLPEvent,
		`SELECT `+dlpEventCols+` FROM dlp_events`+c.where()+` ORDER BY id DESC LIMIT ?`, append(c.args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return pageByID(out, limit, func(e *dlp.Event) int64 { return e.ID })
}

func pageLimit(n int) (int, error) {
	switch {
	case n < 0 || n > 500:
		return 0, airtight.Errorf(airtight.EInvalid, "limit: must be between 1 and 500")
	case n == 0:
		return 50, nil
	}
	return n, nil
}

func idCursor(c *conds, cursor string) error {
	if cursor == "" {
		return nil
	}
	id, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || id <= 0 {
		return airtight.Errorf(airtight.EInvalid, "cursor: is not valid")
	}
	c.add(`id < ?`, id)
	return nil
}

func pageByID[T any](out []*T, limit int, id func(*T) int64) ([]*T, string, error) {
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, strconv.FormatInt(id(out[len(out)-1]), 10), nil
}

// DLPTrend counts the organization's DLP events per UTC day and action.
func (d *DB) DLPTrend(ctx context.Context, since time.Time) ([]dlp.TrendPoint, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	const day = int64(24 * time.Hour / time.Microsecond)
	rows, err := d.query(ctx, `SELECT day, action, COUNT(*) FROM (SELECT created_at / ? AS day, action FROM dlp_events
		WHERE org_id = ? AND created_at >= ?) e GROUP BY day, action ORDER BY day`, day, act.OrgID, micros(since))
	if err != nil {
		return nil, fmt.Errorf("dlp trend: %w", err)
	}
	defer rows.Close()
	var out []dlp.TrendPoint
	for rows.Next() {
		var n int64
		var action string
		var count int
		if err := rows.Scan(&n, &action, &count); err != nil {
			return nil, fmt.Errorf("dlp trend: %w", err)
		}
		t := time.Unix(n*86400, 0).UTC()
		if len(out) == 0 || !out[len(out)-1].Day.Equal(t) {
			out = append(out, dlp.TrendPoint{Day: t, Counts: map[dlp.Action]int{}})
		}
		out[len(out)-1].Counts[dlp.Action(action)] = count
	}
	return out, rows.Err()
}

const quarantineCols = `id, org_id, event_id, vault_id, channel, actor, status, types, bytes, created_at, decided_at, decided_by`

func scanQuarantined(s scanner) (*dlp.Quarantined, error) {
	var q dlp.Quarantined
	var channel, status, types string
	var created, decided int64
	if err := s.Scan(&q.ID, &q.OrgID, &q.EventID, &q.VaultID, &channel, &q.Actor, &status, &types, &q.Bytes,
		&created, &decided, &q.DecidedBy); err != nil {
		return nil, err
	}
	q.Channel, q.Status, q.CreatedAt = dlp.Channel(channel), dlp.QuarantineStatus(status), fromMicros(created)
	if decided != 0 {
		q.DecidedAt = fromMicros(decided)
	}
	return &q, decodeTypes(types, &q.Types)
}

// ListQuarantine lists the organization's quarantined content, newest first.
func (d *DB) ListQuarantine(ctx context.Context, status dlp.QuarantineStatus, cursor string, limit int) ([]*dlp.Quarantined, string, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit, err = pageLimit(limit); err != nil {
		return nil, "", err
	}
	var c conds
	c.add(`org_id = ?`, act.OrgID)
	if status != "" {
		c.add(`status = ?`, string(status))
	}
	if err := idCursor(&c, cursor); err != nil {
		return nil, "", err
	}
	out, err := queryAll(ctx, d, "list quarantine", scanQuarantined,
		`SELECT `+quarantineCols+` FROM dlp_quarantine`+c.where()+` ORDER BY id DESC LIMIT ?`, append(c.args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return pageByID(out, limit, func(q *dlp.Quarantined) int64 { return q.ID })
}

// FindQuarantined returns one record of quarantined content.
func (d *DB) FindQuarantined(ctx context.Context, id int64) (*dlp.Quarantined, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryOne(ctx, d, notFound("quarantined content"), "find quarantined content", scanQuarantined,
		`SELECT `+quarantineCols+` FROM dlp_quarantine WHERE id = ? AND org_id = ?`, id, act.OrgID)
}

// DecideQuarantine releases or deletes held content (audited). The caller
// delivers or crypto-shreds the content itself after this succeeds.
func (d *DB) DecideQuarantine(ctx context.Context, id int64, s dlp.QuarantineStatus) (*dlp.Quarantined, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if s != dlp.QuarantineReleased && s != dlp.QuarantineDeleted {
		return nil, airtight.Errorf(airtight.EInvalid, "status: must be released or deleted")
	}
	var out *dlp.Quarantined
	err = d.withTx(ctx, func(tx *Tx) error {
		cur, err := queryOne(ctx, tx, notFound("quarantined content"), "find quarantined content", scanQuarantined,
			`SELECT `+quarantineCols+` FROM dlp_quarantine WHERE id = ? AND org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		if cur.Status != dlp.QuarantineHeld {
			return conflict("quarantined content was already %s", cur.Status)
		}
		if _, err := tx.exec(ctx, `UPDATE dlp_quarantine SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
			string(s), micros(tx.now), act.Name, id); err != nil {
			return fmt.Errorf("decide quarantine: %w", err)
		}
		next := *cur
		next.Status, next.DecidedAt, next.DecidedBy = s, tx.now, act.Name
		out = &next
		return tx.audit(ctx, act, "dlp.quarantine."+string(map[dlp.QuarantineStatus]string{
			dlp.QuarantineReleased: "release", dlp.QuarantineDeleted: "delete"}[s]),
			"dlp_quarantine", id, fields{"status": cur.Status}, fields{"status": s})
	})
	return out, err
}
