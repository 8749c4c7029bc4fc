package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/airtight/airtight/inventory"
)

// queryPlan returns SQLite's plan for the device list query of f.
func queryPlan(t *testing.T, db *DB, f inventory.DeviceFilter, s deviceScope) string {
	t.Helper()
	must(t, f.Validate())
	var c conds
	filterConds(&c, &f, s)
	c.add(`d.id > ?`, 1)
	rows, err := db.query(context.Background(), `EXPLAIN QUERY PLAN SELECT `+deviceCols+deviceFrom+c.where()+` ORDER BY d.id LIMIT ?`,
		append(c.args, f.Limit+1)...)
	must(t, err)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		lines = append(lines, detail)
	}
	must(t, rows.Err())
	return strings.Join(lines, "\n")
}

// TestListDevicesPlan checks that SQLite answers filtered device lists from
// an index that also yields ID order, with no sort of the whole match.
func TestListDevicesPlan(t *testing.T) {
	db := openSQLiteDB(t)
	_, err := db.db.Exec(`ANALYZE`)
	must(t, err)
	for _, tc := range []struct {
		name  string
		f     inventory.DeviceFilter
		index string
	}{
		{"department", inventory.DeviceFilter{Department: "ICU"}, "devices_org_dept"},
		{"zone", inventory.DeviceFilter{NetworkZone: "imaging"}, "devices_org_zone"},
		{"status", inventory.DeviceFilter{Status: inventory.StatusActive}, "devices_org_status"},
		{"manufacturer", inventory.DeviceFilter{ManufacturerID: 3}, "devices_org_maker"},
		{"all", inventory.DeviceFilter{}, "devices_org "},
		{"text search scans the narrow index", inventory.DeviceFilter{Query: "ct"}, "devices_org "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, db, tc.f, deviceScope{orgID: 1})
			if !strings.Contains(plan+" ", tc.index) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan does not use %s in ID order:\n%s", tc.index, plan)
			}
		})
	}
}
