package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/detect"
)

var _ detect.ObservationService = (*DB)(nil)

// Observations are monitoring data, not changes people make: recording
// and pruning them is not audited (as with DLP events); a decision about
// a discovered device is.

// Read limits.
const (
	maxLinksListed = 1000
	maxRateBuckets = 10_000
)

const (
	hourMicros   = int64(time.Hour / time.Microsecond)
	minuteMicros = int64(time.Minute / time.Microsecond)
	dayMicros    = int64(24 * time.Hour / time.Microsecond)
)

// RecordObservations adds a delta of observations to the actor's
// organization in one transaction: link counts go to the hour of the
// link's last sighting, rate counts to their minute; discovered devices
// merge with what is known of them and keep their status.
func (d *DB) RecordObservations(ctx context.Context, o *detect.Observations) error {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if o.Empty() {
		return nil
	}
	if err := o.Validate(); err != nil {
		return airtight.Errorf(airtight.EInvalid, "%s", err.Error())
	}
	return d.withTx(ctx, func(tx *Tx) error {
		for i := range o.Links {
			if err := tx.upsertLink(ctx, act.OrgID, &o.Links[i]); err != nil {
				return fmt.Errorf("record link %d: %w", i, err)
			}
		}
		for i, r := range o.Rates {
			if err := tx.upsertRate(ctx, act.OrgID, r); err != nil {
				return fmt.Errorf("record rate %d: %w", i, err)
			}
		}
		for i := range o.Discovered {
			if err := tx.upsertDiscovered(ctx, act.OrgID, &o.Discovered[i]); err != nil {
				return fmt.Errorf("record discovered device %d: %w", i, err)
			}
		}
		return nil
	})
}

// earlier and later keep the min and max of a time column in an upsert.
func earlier(table, col string) string {
	return col + ` = CASE WHEN excluded.` + col + ` < ` + table + `.` + col + ` THEN excluded.` + col + ` ELSE ` + table + `.` + col + ` END`
}

func later(table, col string) string {
	return col + ` = CASE WHEN excluded.` + col + ` > ` + table + `.` + col + ` THEN excluded.` + col + ` ELSE ` + table + `.` + col + ` END`
}

var upsertLinkSQL = `INSERT INTO net_links (org_id, src_key, dst_key, app, protocol, port, src_device, src_ip, src_label, src_zone,
	dst_device, dst_ip, dst_label, dst_zone, ae_titles, hl7_apps, first_seen, last_seen)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (org_id, src_key, dst_key, app, protocol, port) DO UPDATE SET
	src_ip = excluded.src_ip, src_label = excluded.src_label, src_zone = excluded.src_zone,
	dst_ip = excluded.dst_ip, dst_label = excluded.dst_label, dst_zone = excluded.dst_zone, ` +
	earlier("net_links", "first_seen") + `, ` + later("net_links", "last_seen") + `
	RETURNING id, ae_titles, hl7_apps`

// upsertLink adds a link's counts to its hour; the AE titles and HL7
// applications merge with those stored (at most detect.MaxLinkNames).
func (t *Tx) upsertLink(ctx context.Context, orgID int64, l *detect.Link) error {
	ae, hl7 := encodeList(l.AETitles), encodeList(l.HL7Apps)
	var id int64
	var curAE, curHL7 string
	err := t.queryRow(ctx, upsertLinkSQL, orgID, l.Src.Key(), l.Dst.Key(), l.App, l.Protocol, int(l.Port),
		l.Src.DeviceID, ipText(l.Src.IP), l.Src.Label, l.Src.Zone, l.Dst.DeviceID, ipText(l.Dst.IP), l.Dst.Label, l.Dst.Zone,
		ae, hl7, micros(l.FirstSeen), micros(l.LastSeen)).Scan(&id, &curAE, &curHL7)
	if err != nil {
		return err
	}
	mergedAE, err := mergeList(curAE, l.AETitles, detect.MaxLinkNames)
	if err != nil {
		return err
	}
	mergedHL7, err := mergeList(curHL7, l.HL7Apps, detect.MaxLinkNames)
	if err != nil {
		return err
	}
	if mergedAE != curAE || mergedHL7 != curHL7 {
		if _, err := t.exec(ctx, `UPDATE net_links SET ae_titles = ?, hl7_apps = ? WHERE id = ?`, mergedAE, mergedHL7, id); err != nil {
			return err
		}
	}
	hour := micros(l.LastSeen) / hourMicros * hourMicros
	_, err = t.exec(ctx, `INSERT INTO net_link_hours (link_id, org_id, hour_at, events, packets, bytes) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (link_id, hour_at) DO UPDATE SET events = net_link_hours.events + excluded.events,
		packets = net_link_hours.packets + excluded.packets, bytes = net_link_hours.bytes + excluded.bytes`,
		id, orgID, hour, l.Events, l.Packets, l.Bytes)
	return err
}

func (t *Tx) upsertRate(ctx context.Context, orgID int64, r detect.RateCount) error {
	_, err := t.exec(ctx, `INSERT INTO event_rates (org_id, minute_at, source, class, events) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id, minute_at, source, class) DO UPDATE SET events = event_rates.events + excluded.events`,
		orgID, micros(r.Minute), r.Source, r.Class, r.Count)
	return err
}

// keepFirst keeps a text column once it is set.
func keepFirst(col string) string {
	return col + ` = CASE WHEN discovered_devices.` + col + ` = '' THEN excluded.` + col + ` ELSE discovered_devices.` + col + ` END`
}

var upsertDiscoveredSQL = `INSERT INTO discovered_devices (org_id, ident, ip, mac, ae_title, hl7_app, hostname, apps, events,
	first_seen, last_seen, status, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')
	ON CONFLICT (org_id, ident) DO UPDATE SET events = discovered_devices.events + excluded.events, ` +
	keepFirst("mac") + `, ` + keepFirst("ae_title") + `, ` + keepFirst("hl7_app") + `, ` + keepFirst("hostname") + `, ` +
	earlier("discovered_devices", "first_seen") + `, ` + later("discovered_devices", "last_seen") + `
	RETURNING id, apps`

// upsertDiscovered adds a sighting of a talker that is not in the
// inventory; its status (new, adopted, ignored) is left as decided.
func (t *Tx) upsertDiscovered(ctx context.Context, orgID int64, dv *detect.Discovered) error {
	var id int64
	var cur string
	err := t.queryRow(ctx, upsertDiscoveredSQL, orgID, dv.Ident(), ipText(dv.IP), dv.MAC, dv.AETitle, dv.HL7App, dv.Hostname,
		encodeList(dv.Apps), dv.Events, micros(dv.FirstSeen), micros(dv.LastSeen), string(detect.DiscoveredNew)).Scan(&id, &cur)
	if err != nil {
		return err
	}
	merged, err := mergeList(cur, dv.Apps, detect.MaxApps)
	if err != nil || merged == cur {
		return err
	}
	_, err = t.exec(ctx, `UPDATE discovered_devices SET apps = ? WHERE id = ?`, merged, id)
	return err
}

func ipText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.Unmap().String()
}

func parseIP(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // strings: cannot fail
	return string(b)
}

func decodeList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	return l, nil
}

// mergeList adds the entries of add missing from the stored list, up to n.
func mergeList(stored string, add []string, n int) (string, error) {
	cur, err := decodeList(stored)
	if err != nil {
		return "", err
	}
	for _, v := range add {
		if len(cur) < n && !slices.Contains(cur, v) {
			cur = append(cur, v)
		}
	}
	return encodeList(cur), nil
}

const linkCols = `l.id, l.app, l.protocol, l.port, l.src_device, l.src_ip, l.src_label, l.src_zone,
	l.dst_device, l.dst_ip, l.dst_label, l.dst_zone, l.ae_titles, l.hl7_apps, l.first_seen, l.last_seen`

func scanLink(s scanner) (*detect.Link, error) {
	var l detect.Link
	var port int
	var srcIP, dstIP, ae, hl7 string
	var first, last int64
	if err := s.Scan(&l.ID, &l.App, &l.Protocol, &port, &l.Src.DeviceID, &srcIP, &l.Src.Label, &l.Src.Zone,
		&l.Dst.DeviceID, &dstIP, &l.Dst.Label, &l.Dst.Zone, &ae, &hl7, &first, &last, &l.Events, &l.Packets, &l.Bytes); err != nil {
		return nil, err
	}
	l.Port, l.Src.IP, l.Dst.IP = uint16(port), parseIP(srcIP), parseIP(dstIP)
	l.FirstSeen, l.LastSeen = fromMicros(first), fromMicros(last)
	var err error
	if l.AETitles, err = decodeList(ae); err != nil {
		return nil, err
	}
	l.HL7Apps, err = decodeList(hl7)
	return &l, err
}

// ListLinks returns the organization's links with traffic since then
// (counted by whole hours: the hour holding since counts in full), their
// counts summed over those hours, most bytes first. limit is 1 to 1000
// (0: 200).
func (d *DB) ListLinks(ctx context.Context, since time.Time, limit int) ([]*detect.Link, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = 200
	case limit < 0 || limit > maxLinksListed:
		return nil, airtight.Errorf(airtight.EInvalid, "limit: must be between 1 and %d", maxLinksListed)
	}
	from := micros(since) / hourMicros * hourMicros
	return queryAll(ctx, d, "list links", scanLink, `SELECT `+linkCols+`, h.e, h.p, h.b FROM
		(SELECT link_id, CAST(SUM(events) AS BIGINT) AS e, CAST(SUM(packets) AS BIGINT) AS p, CAST(SUM(bytes) AS BIGINT) AS b
		 FROM net_link_hours WHERE org_id = ? AND hour_at >= ? GROUP BY link_id) h
		JOIN net_links l ON l.id = h.link_id WHERE l.org_id = ? ORDER BY h.b DESC, h.e DESC, l.id LIMIT ?`,
		act.OrgID, from, act.OrgID, limit)
}

// EventRates sums the organization's event counts since then in steps of
// step (whole minutes, aligned on multiples of step since the Unix epoch),
// oldest first. At most 10,000 steps may be asked for.
func (d *DB) EventRates(ctx context.Context, since time.Time, step time.Duration) ([]detect.RateBucket, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if step < time.Minute || step%time.Minute != 0 || step > 24*time.Hour {
		return nil, airtight.Errorf(airtight.EInvalid, "step: must be whole minutes, from one minute to one day")
	}
	if n := d.Now().Sub(since) / step; n > maxRateBuckets {
		return nil, airtight.Errorf(airtight.EInvalid, "since: at most %d steps may be asked for", maxRateBuckets)
	}
	stepMicros := int64(step / time.Microsecond)
	rows, err := d.query(ctx, `SELECT b, source, class, CAST(SUM(events) AS BIGINT) FROM
		(SELECT minute_at / ? AS b, source, class, events FROM event_rates WHERE org_id = ? AND minute_at >= ?) r
		GROUP BY b, source, class ORDER BY b, source, class`, stepMicros, act.OrgID, micros(since))
	if err != nil {
		return nil, fmt.Errorf("event rates: %w", err)
	}
	defer rows.Close()
	var out []detect.RateBucket
	for rows.Next() {
		var b, n int64
		var source, class string
		if err := rows.Scan(&b, &source, &class, &n); err != nil {
			return nil, fmt.Errorf("event rates: %w", err)
		}
		start := fromMicros(b * stepMicros)
		if len(out) == 0 || !out[len(out)-1].Start.Equal(start) {
			out = append(out, detect.RateBucket{Start: start, BySource: map[string]int64{}, ByClass: map[string]int64{}})
		}
		last := &out[len(out)-1]
		last.BySource[source] += n
		last.ByClass[class] += n
	}
	return out, rows.Err()
}

// AlertTrend counts the organization's alerts by the UTC day they were
// first seen and their severity.
func (d *DB) AlertTrend(ctx context.Context, since time.Time) ([]detect.AlertTrendPoint, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.query(ctx, `SELECT day, severity, COUNT(*) FROM (SELECT first_seen / ? AS day, severity FROM alerts
		WHERE org_id = ? AND first_seen >= ?) a GROUP BY day, severity ORDER BY day, severity`, dayMicros, act.OrgID, micros(since))
	if err != nil {
		return nil, fmt.Errorf("alert trend: %w", err)
	}
	defer rows.Close()
	var out []detect.AlertTrendPoint
	for rows.Next() {
		var day int64
		var sev string
		var n int
		if err := rows.Scan(&day, &sev, &n); err != nil {
			return nil, fmt.Errorf("alert trend: %w", err)
		}
		t := fromMicros(day * dayMicros)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(t) {
			out = append(out, detect.AlertTrendPoint{Day: t, Counts: map[string]int{}})
		}
		out[len(out)-1].Counts[sev] = n
	}
	return out, rows.Err()
}

const discoveredCols = `id, org_id, ip, mac, ae_title, hl7_app, hostname, apps, events, first_seen, last_seen, status, updated_at, updated_by`

func scanDiscovered(s scanner) (*detect.Discovered, error) {
	var dv detect.Discovered
	var ip, apps, status string
	var first, last, updated int64
	if err := s.Scan(&dv.ID, &dv.OrgID, &ip, &dv.MAC, &dv.AETitle, &dv.HL7App, &dv.Hostname, &apps, &dv.Events,
		&first, &last, &status, &updated, &dv.UpdatedBy); err != nil {
		return nil, err
	}
	dv.IP, dv.Status, dv.FirstSeen, dv.LastSeen = parseIP(ip), detect.DiscoveredStatus(status), fromMicros(first), fromMicros(last)
	if updated != 0 {
		dv.UpdatedAt = fromMicros(updated)
	}
	var err error
	dv.Apps, err = decodeList(apps)
	return &dv, err
}

// ListDiscovered lists the organization's discovered devices of a status
// ("" for all), most recently discovered first; the cursor is the id of
// the last device of the page.
func (d *DB) ListDiscovered(ctx context.Context, status detect.DiscoveredStatus, cursor string, limit int) ([]*detect.Discovered, string, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if status != "" && !status.Valid() {
		return nil, "", airtight.Errorf(airtight.EInvalid, "status: must be new, adopted or ignored")
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
	out, err := queryAll(ctx, d, "list discovered devices", scanDiscovered,
		`SELECT `+discoveredCols+` FROM discovered_devices`+c.where()+` ORDER BY id DESC LIMIT ?`, append(c.args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return pageByID(out, limit, func(dv *detect.Discovered) int64 { return dv.ID })
}

// discoveredActions name the audit entries of the decisions.
var discoveredActions = map[detect.DiscoveredStatus]string{
	detect.DiscoveredAdopted: "discovered.adopt",
	detect.DiscoveredIgnored: "discovered.ignore",
	detect.DiscoveredNew:     "discovered.reopen",
}

// SetDiscoveredStatus records a decision about a discovered device
// (audited). Setting the status it has changes nothing.
func (d *DB) SetDiscoveredStatus(ctx context.Context, id int64, s detect.DiscoveredStatus) (*detect.Discovered, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !s.Valid() {
		return nil, airtight.Errorf(airtight.EInvalid, "status: must be new, adopted or ignored")
	}
	var out *detect.Discovered
	err = d.withTx(ctx, func(tx *Tx) error {
		cur, err := queryOne(ctx, tx, notFound("discovered device"), "find discovered device", scanDiscovered,
			`SELECT `+discoveredCols+` FROM discovered_devices WHERE id = ? AND org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		out = cur
		if cur.Status == s {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE discovered_devices SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			string(s), micros(tx.now), act.Name, id); err != nil {
			return fmt.Errorf("set discovered status: %w", err)
		}
		next := *cur
		next.Status, next.UpdatedAt, next.UpdatedBy = s, tx.now, act.Name
		out = &next
		return tx.audit(ctx, act, discoveredActions[s], "discovered_device", id,
			fields{"status": cur.Status}, fields{"status": s, "ip": ipText(cur.IP), "ae_title": cur.AETitle, "hl7_app": cur.HL7App})
	})
	return out, err
}

// PruneObservations deletes the organization's link and rate counts older
// than before, links not seen since, and undecided discovered devices not
// seen since; it returns how many rows went.
func (d *DB) PruneObservations(ctx context.Context, before time.Time) (int64, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	cut := micros(before)
	err = d.withTx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`DELETE FROM net_link_hours WHERE org_id = ? AND hour_at < ?`,
			`DELETE FROM net_links WHERE org_id = ? AND last_seen < ? AND NOT EXISTS (SELECT 1 FROM net_link_hours h WHERE h.link_id = net_links.id)`,
			`DELETE FROM event_rates WHERE org_id = ? AND minute_at < ?`,
			`DELETE FROM discovered_devices WHERE org_id = ? AND last_seen < ? AND status = 'new'`,
		} {
			res, err := tx.exec(ctx, q, act.OrgID, cut)
			if err != nil {
				return fmt.Errorf("prune observations: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
