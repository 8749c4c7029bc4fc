package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
)

var _ alert.IncidentService = (*DB)(nil)

const incidentCols = `id, org_id, device_id, subject, title, severity, status, assignee, alert_count,
	first_seen, last_seen, updated_at, updated_by`

func scanIncident(s scanner) (*alert.Incident, error) {
	var in alert.Incident
	var sev, status string
	var device sql.NullInt64
	var first, last, updated int64
	if err := s.Scan(&in.ID, &in.OrgID, &device, &in.Subject, &in.Title, &sev, &status, &in.Assignee, &in.AlertCount,
		&first, &last, &updated, &in.UpdatedBy); err != nil {
		return nil, err
	}
	in.DeviceID, in.Severity, in.Status = device.Int64, alert.Severity(sev), alert.IncidentStatus(status)
	in.FirstSeen, in.LastSeen, in.UpdatedAt = fromMicros(first), fromMicros(last), fromMicros(updated)
	return &in, nil
}

func findIncident(ctx context.Context, q querier, where string, args ...any) (*alert.Incident, error) {
	return queryOne(ctx, q, notFound("incident"), "find incident", scanIncident,
		`SELECT `+incidentCols+` FROM incidents WHERE `+where, args...)
}

// groupAlert puts a newly opened alert into the open incident of its
// subject when that incident saw an alert within alert.IncidentWindow, or
// opens a new incident.
func (t *Tx) groupAlert(ctx context.Context, act *airtight.Actor, a *alert.Alert) error {
	since := micros(t.now.Add(-alert.IncidentWindow))
	cur, err := findIncident(ctx, t, `org_id = ? AND subject = ? AND status <> 'closed' AND last_seen >= ?
		ORDER BY last_seen DESC LIMIT 1`, act.OrgID, a.Subject, since)
	switch {
	case err == nil:
		a.IncidentID = cur.ID
		if _, err := t.exec(ctx, `UPDATE incidents SET alert_count = alert_count + 1 WHERE id = ?`, cur.ID); err != nil {
			return fmt.Errorf("count incident alert: %w", err)
		}
		cur.AlertCount++
		return t.linkAlert(ctx, act, a, cur)
	case airtight.ErrorCode(err) != airtight.ENotFound:
		return err
	}
	id, err := t.insert(ctx, `INSERT INTO incidents (org_id, device_id, subject, title, severity, severity_rank, status, assignee,
		alert_count, first_seen, last_seen, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, '', 1, ?, ?, ?, ?)`,
		act.OrgID, nullID(a.DeviceID), a.Subject, a.Title, string(a.Severity), a.Severity.Rank(), string(alert.IncidentOpen),
		micros(t.now), micros(t.now), micros(t.now), act.Name)
	if err != nil {
		return fmt.Errorf("open incident: %w", err)
	}
	a.IncidentID = id
	if _, err := t.exec(ctx, `UPDATE alerts SET incident_id = ? WHERE id = ?`, id, a.ID); err != nil {
		return fmt.Errorf("link alert to incident: %w", err)
	}
	return t.audit(ctx, act, "incident.open", "incident", id, nil,
		fields{"subject": a.Subject, "device_id": a.DeviceID, "severity": a.Severity, "title": a.Title})
}

// linkAlert attaches an alert to an existing incident and refreshes it.
func (t *Tx) linkAlert(ctx context.Context, act *airtight.Actor, a *alert.Alert, cur *alert.Incident) error {
	if _, err := t.exec(ctx, `UPDATE alerts SET incident_id = ? WHERE id = ?`, cur.ID, a.ID); err != nil {
		return fmt.Errorf("link alert to incident: %w", err)
	}
	return t.refreshIncident(ctx, act, cur, a)
}

// touchIncident refreshes the incident of a repeated alert, if any.
func (t *Tx) touchIncident(ctx context.Context, act *airtight.Actor, a *alert.Alert) error {
	if a.IncidentID == 0 {
		return nil
	}
	cur, err := findIncident(ctx, t, `id = ? AND org_id = ?`, a.IncidentID, act.OrgID)
	if err != nil {
		return err
	}
	return t.refreshIncident(ctx, act, cur, a)
}

// refreshIncident moves the incident's last-seen time and raises its
// severity to the alert's. An acknowledged incident that escalates is
// reopened, as alerts are.
func (t *Tx) refreshIncident(ctx context.Context, act *airtight.Actor, cur *alert.Incident, a *alert.Alert) error {
	sev, status := cur.Severity, cur.Status
	escalated := a.Severity.Rank() > cur.Severity.Rank()
	if escalated {
		sev = a.Severity
		if status == alert.IncidentAcknowledged {
			status = alert.IncidentOpen
		}
	}
	if _, err := t.exec(ctx, `UPDATE incidents SET severity = ?, severity_rank = ?, status = ?, last_seen = ? WHERE id = ?`,
		string(sev), sev.Rank(), string(status), micros(t.now), cur.ID); err != nil {
		return fmt.Errorf("refresh incident: %w", err)
	}
	if !escalated {
		return nil
	}
	return t.audit(ctx, act, "incident.escalate", "incident", cur.ID, fields{"severity": cur.Severity, "status": cur.Status},
		fields{"severity": sev, "status": status})
}

// ListIncidents lists the organization's incidents, most severe first,
// then newest first. The cursor is "rank.id" of the last of the page.
func (d *DB) ListIncidents(ctx context.Context, f alert.IncidentFilter) ([]*alert.Incident, string, error) {
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
	if f.Status != "" {
		c.add(`status = ?`, string(f.Status))
	}
	if f.DeviceID != 0 {
		c.add(`device_id = ?`, f.DeviceID)
	}
	if f.Cursor != "" {
		rank, id, err := alertCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		c.add(`(severity_rank < ? OR (severity_rank = ? AND id < ?))`, rank, rank, id)
	}
	out, err := queryAll(ctx, d, "list incidents", scanIncident,
		`SELECT `+incidentCols+` FROM incidents`+c.where()+` ORDER BY severity_rank DESC, id DESC LIMIT ?`, append(c.args, f.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = strconv.Itoa(last.Severity.Rank()) + "." + strconv.FormatInt(last.ID, 10)
	}
	return out, next, nil
}

// FindIncident returns one of the organization's incidents and its alerts.
func (d *DB) FindIncident(ctx context.Context, id int64) (*alert.Incident, []*alert.Alert, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	in, err := findIncident(ctx, d, `id = ? AND org_id = ?`, id, act.OrgID)
	if err != nil {
		return nil, nil, err
	}
	as, err := queryAll(ctx, d, "list incident alerts", scanAlert, `SELECT `+alertCols+` FROM alerts
		WHERE incident_id = ? AND org_id = ? ORDER BY severity_rank DESC, id DESC LIMIT 500`, id, act.OrgID)
	return in, as, err
}

// UpdateIncident changes an incident's status or assignee. Closing it
// resolves its unresolved alerts.
func (d *DB) UpdateIncident(ctx context.Context, id int64, u alert.IncidentUpdate) (*alert.Incident, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var out *alert.Incident
	err = d.withTx(ctx, func(tx *Tx) error {
		cur, err := findIncident(ctx, tx, `id = ? AND org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		next := *cur
		if u.Status != nil {
			next.Status = *u.Status
		}
		if u.Assignee != nil {
			next.Assignee = *u.Assignee
		}
		next.UpdatedAt, next.UpdatedBy = tx.now, act.Name
		if _, err := tx.exec(ctx, `UPDATE incidents SET status = ?, assignee = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			string(next.Status), next.Assignee, micros(tx.now), act.Name, id); err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		if next.Status == alert.IncidentClosed && cur.Status != alert.IncidentClosed {
			if _, err := tx.exec(ctx, `UPDATE alerts SET status = 'resolved', updated_at = ?, updated_by = ?
				WHERE incident_id = ? AND status <> 'resolved'`, micros(tx.now), act.Name, id); err != nil {
				return fmt.Errorf("resolve incident alerts: %w", err)
			}
		}
		out = &next
		return tx.audit(ctx, act, "incident.update", "incident", id,
			fields{"status": cur.Status, "assignee": cur.Assignee}, fields{"status": next.Status, "assignee": next.Assignee})
	})
	return out, err
}
