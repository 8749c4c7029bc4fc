package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

var _ alert.Service = (*DB)(nil)

const alertCols = `id, org_id, source, kind, alert_key, severity, status, device_id, title, summary, action,
	technique, evidence, count, first_seen, last_seen, updated_at, updated_by, subject, incident_id`

func scanAlert(s scanner) (*alert.Alert, error) {
	var a alert.Alert
	var sev, status, evidence string
	var device, incident sql.NullInt64
	var first, last, updated int64
	if err := s.Scan(&a.ID, &a.OrgID, &a.Source, &a.Kind, &a.Key, &sev, &status, &device, &a.Title, &a.Summary,
		&a.Action, &a.Technique, &evidence, &a.Count, &first, &last, &updated, &a.UpdatedBy, &a.Subject, &incident); err != nil {
		return nil, err
	}
	a.Severity, a.Status, a.DeviceID, a.IncidentID = alert.Severity(sev), alert.Status(status), device.Int64, incident.Int64
	if evidence != "" {
		a.Evidence = []byte(evidence)
	}
	a.FirstSeen, a.LastSeen, a.UpdatedAt = fromMicros(first), fromMicros(last), fromMicros(updated)
	return &a, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Raise opens an alert or updates the unresolved alert with the same key.
// Opening is audited; a repeat only counts (the detection engines raise the
// same alert many times and the audit log records changes of state).
func (d *DB) Raise(ctx context.Context, in *alert.Alert) (*alert.Alert, bool, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	var out *alert.Alert
	var created bool
	err = d.withTx(ctx, func(tx *Tx) error {
		if in.DeviceID != 0 {
			if err := tx.ownsDevice(ctx, act.OrgID, in.DeviceID); err != nil {
				return err
			}
		}
		cur, err := findAlert(ctx, tx, `org_id = ? AND alert_key = ? AND status <> 'resolved'`, act.OrgID, in.Key)
		switch {
		case err == nil:
			out, err = tx.repeatAlert(ctx, act, cur, in)
			return err
		case airtight.ErrorCode(err) != airtight.ENotFound:
			return err
		}
		out, created = in, true
		return tx.openAlert(ctx, act, in)
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

func (t *Tx) ownsDevice(ctx context.Context, orgID, id int64) error {
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM devices WHERE id = ? AND org_id = ?`, id, orgID).Scan(&n); err != nil {
		return fmt.Errorf("check device: %w", err)
	}
	if n == 0 {
		return badRef("device_id", "no such device")
	}
	return nil
}

func (t *Tx) openAlert(ctx context.Context, act *airtight.Actor, a *alert.Alert) error {
	a.OrgID, a.Status, a.Count = act.OrgID, alert.StatusOpen, 1
	a.FirstSeen, a.LastSeen, a.UpdatedAt, a.UpdatedBy = t.now, t.now, t.now, act.Name
	id, err := t.insert(ctx, `INSERT INTO alerts (org_id, source, kind, alert_key, severity, severity_rank, status, device_id,
		title, summary, action, technique, evidence, count, first_seen, last_seen, updated_at, updated_by, subject)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.OrgID, a.Source, a.Kind, a.Key, string(a.Severity), a.Severity.Rank(), string(a.Status), nullID(a.DeviceID),
		a.Title, a.Summary, a.Action, a.Technique, string(a.Evidence), a.Count, micros(t.now), micros(t.now), micros(t.now), a.UpdatedBy,
		a.Subject)
	if err != nil {
		return fmt.Errorf("open alert: %w", err)
	}
	a.ID = id
	if err := t.audit(ctx, act, "alert.open", "alert", id, nil,
		fields{"source": a.Source, "kind": a.Kind, "severity": a.Severity, "device_id": a.DeviceID, "title": a.Title}); err != nil {
		return err
	}
	if a.Subject == "" {
		return nil
	}
	return t.groupAlert(ctx, act, a)
}

// repeatAlert refreshes an unresolved alert. An acknowledged alert whose
// severity rises is reopened, so that nobody misses the escalation.
func (t *Tx) repeatAlert(ctx context.Context, act *airtight.Actor, cur, in *alert.Alert) (*alert.Alert, error) {
	next := *in
	next.ID, next.OrgID, next.Status, next.Count, next.FirstSeen = cur.ID, cur.OrgID, cur.Status, cur.Count+1, cur.FirstSeen
	next.LastSeen, next.UpdatedAt, next.UpdatedBy = t.now, cur.UpdatedAt, cur.UpdatedBy
	escalated := in.Severity.Rank() > cur.Severity.Rank()
	if escalated && cur.Status == alert.StatusAcknowledged {
		next.Status, next.UpdatedAt, next.UpdatedBy = alert.StatusOpen, t.now, act.Name
	}
	if _, err := t.exec(ctx, `UPDATE alerts SET severity = ?, severity_rank = ?, status = ?, device_id = ?, title = ?, summary = ?,
		action = ?, technique = ?, evidence = ?, count = ?, last_seen = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		string(next.Severity), next.Severity.Rank(), string(next.Status), nullID(next.DeviceID), next.Title, next.Summary,
		next.Action, next.Technique, string(next.Evidence), next.Count, micros(t.now), micros(next.UpdatedAt), next.UpdatedBy, cur.ID); err != nil {
		return nil, fmt.Errorf("update alert: %w", err)
	}
	next.Subject, next.IncidentID = cur.Subject, cur.IncidentID
	if err := t.touchIncident(ctx, act, &next); err != nil {
		return nil, err
	}
	if escalated {
		err := t.audit(ctx, act, "alert.escalate", "alert", cur.ID, fields{"severity": cur.Severity, "status": cur.Status},
			fields{"severity": next.Severity, "status": next.Status})
		return &next, err
	}
	return &next, nil
}

func findAlert(ctx context.Context, q querier, where string, args ...any) (*alert.Alert, error) {
	return queryOne(ctx, q, notFound("alert"), "find alert", scanAlert, `SELECT `+alertCols+` FROM alerts WHERE `+where, args...)
}

// FindAlert returns one of the organization's alerts.
func (d *DB) FindAlert(ctx context.Context, id int64) (*alert.Alert, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findAlert(ctx, d, `id = ? AND org_id = ?`, id, act.OrgID)
}

// ListAlerts lists the organization's alerts, most severe first, then
// newest first. The cursor is "rank.id" of the last alert of the page.
func (d *DB) ListAlerts(ctx context.Context, f alert.Filter) ([]*alert.Alert, string, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.Limit < 0 || f.Limit > 500 {
		return nil, "", airtight.Errorf(airtight.EInvalid, "limit: must be between 1 and 500")
	} else if f.Limit == 0 {
		f.Limit = 50
	}
	var c conds
	c.add(`org_id = ?`, act.OrgID)
	if err := alertConds(&c, f); err != nil {
		return nil, "", err
	}
	rows, err := d.query(ctx, `SELECT `+alertCols+` FROM alerts`+c.where()+` ORDER BY severity_rank DESC, id DESC LIMIT ?`, append(c.args, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list alerts: %w", err)
	}
	out, err := collect(rows, scanAlert)
	if err != nil {
		return nil, "", fmt.Errorf("list alerts: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = strconv.Itoa(last.Severity.Rank()) + "." + strconv.FormatInt(last.ID, 10)
	}
	return out, next, nil
}

func alertConds(c *conds, f alert.Filter) error {
	if f.Status != "" {
		c.add(`status = ?`, string(f.Status))
	}
	if f.MinSeverity != "" {
		if f.MinSeverity.Rank() < 0 {
			return airtight.Errorf(airtight.EInvalid, "min_severity: is not a known severity")
		}
		c.add(`severity_rank >= ?`, f.MinSeverity.Rank())
	}
	if f.Source != "" {
		c.add(`source = ?`, f.Source)
	}
	if f.DeviceID != 0 {
		c.add(`device_id = ?`, f.DeviceID)
	}
	if f.Cursor != "" {
		rank, id, err := alertCursor(f.Cursor)
		if err != nil {
			return err
		}
		c.add(`(severity_rank < ? OR (severity_rank = ? AND id < ?))`, rank, rank, id)
	}
	return nil
}

// alertCursor reads "rank.id".
func alertCursor(s string) (int, int64, error) {
	r, i, ok := strings.Cut(s, ".")
	rank, err1 := strconv.Atoi(r)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil || rank < 0 || rank >= len(alert.Severities) || id <= 0 {
		return 0, 0, airtight.Errorf(airtight.EInvalid, "cursor: is not valid")
	}
	return rank, id, nil
}

// SetStatus acknowledges, resolves or reopens an alert.
func (d *DB) SetStatus(ctx context.Context, id int64, s alert.Status) (*alert.Alert, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out *alert.Alert
	err = d.withTx(ctx, func(tx *Tx) error {
		cur, err := findAlert(ctx, tx, `id = ? AND org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		switch s {
		case cur.Status:
			out = cur
			return nil
		case alert.StatusOpen, alert.StatusAcknowledged, alert.StatusResolved:
		default:
			return airtight.Errorf(airtight.EInvalid, "status: must be open, acknowledged or resolved")
		}
		_, err = tx.exec(ctx, `UPDATE alerts SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			string(s), micros(tx.now), act.Name, id)
		if isUnique(err) {
			return conflict("an unresolved alert with the same key exists; reopen that one instead")
		} else if err != nil {
			return fmt.Errorf("set alert status: %w", err)
		}
		next := *cur
		next.Status, next.UpdatedAt, next.UpdatedBy = s, tx.now, act.Name
		out = &next
		return tx.audit(ctx, act, "alert.status", "alert", id, fields{"status": cur.Status}, fields{"status": s})
	})
	return out, err
}
