package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// deviceScope says whose devices a listing may show: an organization's own
// (orgID), or a device maker's installed base through active grants
// (grantee).
type deviceScope struct {
	orgID   int64
	grantee int64
}

func (s deviceScope) add(c *conds) {
	if s.grantee != 0 {
		c.add(`d.manufacturer_id IN (SELECT g.manufacturer_id FROM grants g WHERE g.grantee_org_id = ? AND g.revoked_at IS NULL AND g.org_id = d.org_id)`, s.grantee)
		return
	}
	c.add(`d.org_id = ?`, s.orgID)
}

// productIn narrows to devices whose product has column = v.
func (s deviceScope) productIn(c *conds, column, v string) {
	if s.grantee != 0 {
		c.add(`d.product_id IN (SELECT id FROM products WHERE `+column+` = ?)`, v)
		return
	}
	c.add(`d.product_id IN (SELECT id FROM products WHERE org_id = ? AND `+column+` = ?)`, s.orgID, v)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// filterConds adds f's conditions (not its cursor) to c.
func filterConds(c *conds, f *inventory.DeviceFilter, s deviceScope) {
	s.add(c)
	if f.Query != "" {
		// instr (strpos on PostgreSQL, see dialect.q) is a plain substring
		// test: no wildcard escaping, and faster than LIKE on a scan.
		c.add(`instr(d.search_text, ?) > 0`, strings.ToLower(f.Query))
	}
	if f.Kind != "" {
		s.productIn(c, "kind", string(f.Kind))
	}
	if f.Criticality != "" {
		s.productIn(c, "criticality", string(f.Criticality))
	}
	texts := []struct{ col, v string }{
		{"department", f.Department}, {"site", f.Site}, {"network_zone", f.NetworkZone}, {"status", string(f.Status)},
	}
	for _, t := range texts {
		if t.v != "" {
			c.add(`d.`+t.col+` = ?`, t.v)
		}
	}
	ids := []struct {
		col string
		v   int64
	}{{"manufacturer_id", f.ManufacturerID}, {"product_id", f.ProductID}, {"product_version_id", f.VersionID}}
	for _, x := range ids {
		if x.v != 0 {
			c.add(`d.`+x.col+` = ?`, x.v)
		}
	}
}

// encodeCursor and decodeCursor turn the last ID of a page into an opaque
// cursor and back.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, badRef("cursor", "is malformed")
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRef("cursor", "is malformed")
	}
	return id, nil
}

// ListDevices lists one page of the organization's devices in ID order.
func (d *DB) ListDevices(ctx context.Context, f inventory.DeviceFilter) (*inventory.DevicePage, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return d.listDevices(ctx, f, deviceScope{orgID: a.OrgID})
}

func (d *DB) listDevices(ctx context.Context, f inventory.DeviceFilter, s deviceScope) (*inventory.DevicePage, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var c conds
	filterConds(&c, &f, s)
	if f.Cursor != "" {
		after, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		c.add(`d.id > ?`, after)
	}
	devs, err := d.queryDevices(ctx, `SELECT `+deviceCols+deviceFrom+c.where()+` ORDER BY d.id LIMIT ?`, append(c.args, f.Limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	page := &inventory.DevicePage{Devices: devs}
	if len(devs) > f.Limit {
		page.Devices = devs[:f.Limit]
		page.NextCursor = encodeCursor(devs[f.Limit-1].ID)
	}
	return page, nil
}

func (d *DB) queryDevices(ctx context.Context, q string, args ...any) ([]*inventory.Device, error) {
	rows, err := d.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDevice)
}

// exportBatch is how many devices ExportDevices reads at a time.
const exportBatch = 500

// ExportDevices calls fn for every device matching f in ID order. It reads
// in batches, so that a large fleet never sits whole in memory, and calls
// fn with no query open. f.Limit is ignored.
func (d *DB) ExportDevices(ctx context.Context, f inventory.DeviceFilter, fn func(*inventory.Device) error) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	f.Limit = exportBatch
	for {
		page, err := d.listDevices(ctx, f, deviceScope{orgID: a.OrgID})
		if err != nil {
			return err
		}
		for _, x := range page.Devices {
			if err := fn(x); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		f.Cursor = page.NextCursor
	}
}

// Summarize counts the organization's devices by kind, department, network
// zone, criticality, status and manufacturer. Empty values count as
// "unassigned".
func (d *DB) Summarize(ctx context.Context) (*inventory.Summary, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s := &inventory.Summary{}
	if s.Total, err = count(ctx, d, `SELECT COUNT(*) FROM devices WHERE org_id = ?`, a.OrgID); err != nil {
		return nil, fmt.Errorf("summarize devices: %w", err)
	}
	const products, makers = ` JOIN products p ON p.id = d.product_id`, ` JOIN manufacturers m ON m.id = d.manufacturer_id`
	groups := []struct {
		dst        *[]inventory.Count
		expr, join string
	}{
		{&s.ByKind, "p.kind", products}, {&s.ByDepartment, "d.department", ""},
		{&s.ByZone, "d.network_zone", ""}, {&s.ByCriticality, "p.criticality", products},
		{&s.ByStatus, "d.status", ""}, {&s.ByManufacturer, "m.name", makers},
	}
	for _, g := range groups {
		if *g.dst, err = d.countBy(ctx, a.OrgID, g.expr, g.join); err != nil {
			return nil, fmt.Errorf("summarize devices: %w", err)
		}
	}
	return s, nil
}

func (d *DB) countBy(ctx context.Context, orgID int64, expr, join string) ([]inventory.Count, error) {
	rows, err := d.query(ctx, `SELECT `+expr+`, COUNT(*) FROM devices d`+join+` WHERE d.org_id = ? GROUP BY `+expr, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []inventory.Count{}
	for rows.Next() {
		var c inventory.Count
		if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, err
		}
		if c.Key == "" {
			c.Key = "unassigned"
		}
		out = append(out, c)
	}
	sortCounts(out)
	return out, rows.Err()
}

// sortCounts orders counts by N descending, then key.
func sortCounts(cs []inventory.Count) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].N != cs[j].N {
			return cs[i].N > cs[j].N
		}
		return cs[i].Key < cs[j].Key
	})
}
