package sqlstore

import (
	"errors"
	"sort"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

// importAll imports recs as ctx's organization and fails on error.
func (f *fixture) importAll(recs []inventory.Record) *inventory.ImportResult {
	f.t.Helper()
	res, err := f.db.ImportDevices(f.a, recs)
	must(f.t, err)
	return res
}

// walk lists every page of a filter and returns the device IDs in order.
func walk(t *testing.T, list func(inventory.DeviceFilter) (*inventory.DevicePage, error), flt inventory.DeviceFilter) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		page, err := list(flt)
		must(t, err)
		if len(page.Devices) > flt.Limit {
			t.Fatalf("page of %d devices; limit %d", len(page.Devices), flt.Limit)
		}
		for _, d := range page.Devices {
			ids = append(ids, d.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		flt.Cursor = page.NextCursor
	}
}

// idsWhere returns the IDs of the organization's devices that match keep,
// found by export, ascending.
func (f *fixture) idsWhere(keep func(*inventory.Device) bool) []int64 {
	f.t.Helper()
	var ids []int64
	must(f.t, f.db.ExportDevices(f.a, inventory.DeviceFilter{}, func(d *inventory.Device) error {
		if keep(d) {
			ids = append(ids, d.ID)
		}
		return nil
	}))
	return ids
}

func testPagination(t *testing.T, f *fixture) {
	f.importAll(records(103, "P"))
	list := func(flt inventory.DeviceFilter) (*inventory.DevicePage, error) { return f.db.ListDevices(f.a, flt) }
	for _, tc := range []struct {
		name string
		flt  inventory.DeviceFilter
		keep func(*inventory.Device) bool
	}{
		{"all", inventory.DeviceFilter{Limit: 7}, func(*inventory.Device) bool { return true }},
		{"department", inventory.DeviceFilter{Limit: 5, Department: "ICU"}, func(d *inventory.Device) bool { return d.Department == "ICU" }},
		{"kind", inventory.DeviceFilter{Limit: 9, Kind: "infusion-pump"}, func(d *inventory.Device) bool { return d.Kind == "infusion-pump" }},
		{"kind and zone", inventory.DeviceFilter{Limit: 4, Kind: "ct-scanner", NetworkZone: "clinical"},
			func(d *inventory.Device) bool { return d.Kind == "ct-scanner" && d.NetworkZone == "clinical" }},
		{"exact page", inventory.DeviceFilter{Limit: 103}, func(*inventory.Device) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walk(t, list, tc.flt)
			want := f.idsWhere(tc.keep)
			if len(want) == 0 {
				t.Fatal("the filter matches nothing: a useless case")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("walked IDs (-want +got):\n%s", diff)
			}
		})
	}
	for _, c := range []string{"!!", "eHl6", encodeCursor(0)[:1]} {
		_, err := f.db.ListDevices(f.a, inventory.DeviceFilter{Cursor: c})
		wantCode(t, err, airtight.EInvalid)
	}
	_, err := f.db.ListDevices(f.a, inventory.DeviceFilter{Limit: inventory.MaxPageSize + 1})
	wantCode(t, err, airtight.EInvalid)
}

func testFilters(t *testing.T, f *fixture) {
	m, p, v := f.chain(f.a, "Acme")
	_, p2, v2 := f.chain(f.a, "Globex")
	pump := f.product(f.a, m.ID, "Pump", "infusion-pump", inventory.LifeSustaining)
	pv := f.version(f.a, pump.ID, "3")
	mk := func(vid int64, tag, host, dept, site string, st inventory.Status) int64 {
		d := &inventory.Device{ProductVersionID: vid, AssetTag: tag, Hostname: host, Department: dept, Site: site, Status: st}
		must(t, f.db.CreateDevice(f.a, d))
		return d.ID
	}
	d1 := mk(v.ID, "A_1", "CT-ROOM-1.local", "Radiology", "North", inventory.StatusActive)
	d2 := mk(v.ID, "AB1", "ct-room-2.local", "Radiology", "South", inventory.StatusMaintenance)
	d3 := mk(v2.ID, "X%9", "lab.local", "Lab", "North", inventory.StatusActive)
	d4 := mk(pv.ID, "P-1", "pump.local", "ICU", "North", inventory.StatusActive)
	for _, tc := range []struct {
		name string
		flt  inventory.DeviceFilter
		want []int64
	}{
		{"query case-insensitive", inventory.DeviceFilter{Query: "ct-room"}, []int64{d1, d2}},
		{"underscore literal", inventory.DeviceFilter{Query: "a_"}, []int64{d1}},
		{"percent literal", inventory.DeviceFilter{Query: "x%"}, []int64{d3}},
		{"query maker", inventory.DeviceFilter{Query: "GLOBEX"}, []int64{d3}},
		{"department", inventory.DeviceFilter{Department: "Radiology"}, []int64{d1, d2}},
		{"site and status", inventory.DeviceFilter{Site: "North", Status: inventory.StatusActive}, []int64{d1, d3, d4}},
		{"status", inventory.DeviceFilter{Status: inventory.StatusMaintenance}, []int64{d2}},
		{"kind", inventory.DeviceFilter{Kind: "infusion-pump"}, []int64{d4}},
		{"criticality", inventory.DeviceFilter{Criticality: inventory.Diagnostic}, []int64{d1, d2, d3}},
		{"manufacturer", inventory.DeviceFilter{ManufacturerID: m.ID}, []int64{d1, d2, d4}},
		{"product", inventory.DeviceFilter{ProductID: p2.ID}, []int64{d3}},
		{"version", inventory.DeviceFilter{VersionID: v.ID, Query: "room-2"}, []int64{d2}},
		{"product of maker", inventory.DeviceFilter{ProductID: p.ID, Site: "South"}, []int64{d2}},
		{"nothing", inventory.DeviceFilter{Department: "Nowhere"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walk(t, func(flt inventory.DeviceFilter) (*inventory.DevicePage, error) { return f.db.ListDevices(f.a, flt) },
				inventory.DeviceFilter{Limit: 2, Query: tc.flt.Query, Kind: tc.flt.Kind, Criticality: tc.flt.Criticality,
					Department: tc.flt.Department, Site: tc.flt.Site, NetworkZone: tc.flt.NetworkZone, Status: tc.flt.Status,
					ManufacturerID: tc.flt.ManufacturerID, ProductID: tc.flt.ProductID, VersionID: tc.flt.VersionID})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func (f *fixture) deviceCount() int {
	f.t.Helper()
	s, err := f.db.Summarize(f.a)
	must(f.t, err)
	return s.Total
}

func testImportAllOrNothing(t *testing.T, f *fixture) {
	f.importAll(records(4, "OLD"))
	recs := records(8, "NEW")
	for i := range recs {
		recs[i].Line = i + 1
	}
	recs[2].Device.IP = "not-an-ip"       // line 3
	recs[6].Criticality = "very-critical" // line 7
	_, err := f.db.ImportDevices(f.a, recs)
	wantCode(t, err, airtight.EInvalid)
	if msg := airtight.ErrorMessage(err); msg != "2 rows are invalid" {
		t.Errorf("message = %q", msg)
	}
	want := []airtight.Detail{{Line: 3, Field: "ip"}, {Line: 7, Field: "criticality"}}
	got := airtight.ErrorDetails(err)
	for i := range got {
		got[i].Message = ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
	if n := f.deviceCount(); n != 4 {
		t.Errorf("%d devices after a rejected import; want 4", n)
	}
	ms, _ := f.db.ListManufacturers(f.a)
	if len(ms) != 3 {
		t.Errorf("%d manufacturers after a rejected import; want 3", len(ms))
	}

	dup := records(3, "D")
	dup[2].Device.AssetTag = dup[0].Device.AssetTag
	_, err = f.db.ImportDevices(f.a, dup)
	wantCode(t, err, airtight.EInvalid)
	if ds := airtight.ErrorDetails(err); len(ds) != 1 || ds[0].Line != dup[2].Line || ds[0].Field != "asset_tag" ||
		ds[0].Message != "repeats the asset tag of line 2" {
		t.Errorf("duplicate details = %+v", ds)
	}

	many := records(150, "M")
	for i := range many {
		many[i].Device.Status = "bogus"
	}
	_, err = f.db.ImportDevices(f.a, many)
	if msg, ds := airtight.ErrorMessage(err), airtight.ErrorDetails(err); msg != "150 rows are invalid" || len(ds) != 100 {
		t.Errorf("150 bad rows: %q with %d details; want 100", msg, len(ds))
	}
}

func testImportUpsert(t *testing.T, f *fixture) {
	recs := records(30, "U")
	res := f.importAll(recs)
	if diff := cmp.Diff(&inventory.ImportResult{Created: 30}, res); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	before, err := f.db.ListDevices(f.a, inventory.DeviceFilter{Limit: 500})
	must(t, err)
	f.now = f.now.Add(3600e9)
	again := records(35, "U")
	for i := range again {
		again[i].Manufacturer = "  MAKER 1 " // an existing manufacturer, other case
		again[i].Device.Department = "Moved"
	}
	res = f.importAll(again)
	if diff := cmp.Diff(&inventory.ImportResult{Created: 5, Updated: 30}, res); diff != "" {
		t.Errorf("second import (-want +got):\n%s", diff)
	}
	if n := f.deviceCount(); n != 35 {
		t.Errorf("%d devices; want 35", n)
	}
	ms, _ := f.db.ListManufacturers(f.a)
	if len(ms) != 3 {
		t.Errorf("manufacturers = %v; want the 3 of the first import", manufacturerNames(ms))
	}
	after, err := f.db.FindDevice(f.a, before.Devices[0].ID)
	must(t, err)
	if after.Department != "Moved" || after.Manufacturer != "Maker 1" || !after.CreatedAt.Equal(before.Devices[0].CreatedAt) ||
		!after.UpdatedAt.Equal(f.now) {
		t.Errorf("updated device = %+v", after)
	}
	page, err := f.db.ListDevices(f.a, inventory.DeviceFilter{Query: "maker 1", Limit: 500})
	must(t, err)
	if len(page.Devices) != 35 {
		t.Errorf("search finds %d devices under the new maker; want 35", len(page.Devices))
	}
}

func testExport(t *testing.T, f *fixture) {
	f.importAll(records(1203, "E"))
	var ids []int64
	must(t, f.db.ExportDevices(f.a, inventory.DeviceFilter{}, func(d *inventory.Device) error {
		ids = append(ids, d.ID)
		return nil
	}))
	if len(ids) != 1203 || !sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] }) {
		t.Fatalf("exported %d devices (sorted: %v); want 1203 in ID order", len(ids), sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] }))
	}
	n := 0
	must(t, f.db.ExportDevices(f.a, inventory.DeviceFilter{Department: "ER"}, func(d *inventory.Device) error {
		if d.Department != "ER" {
			t.Errorf("exported device of department %q", d.Department)
		}
		n++
		return nil
	}))
	if n != 300 {
		t.Errorf("exported %d ER devices; want 300", n)
	}
	stop := errors.New("stop")
	n = 0
	err := f.db.ExportDevices(f.a, inventory.DeviceFilter{}, func(*inventory.Device) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("export after error: %v after %d calls", err, n)
	}
}

func testSummarize(t *testing.T, f *fixture) {
	recs := records(40, "S")
	f.importAll(recs)
	want := &inventory.Summary{Total: 40}
	counts := map[*[]inventory.Count]map[string]int{}
	add := func(dst *[]inventory.Count, k string) {
		if k == "" {
			k = "unassigned"
		}
		if counts[dst] == nil {
			counts[dst] = map[string]int{}
		}
		counts[dst][k]++
	}
	for _, r := range recs {
		add(&want.ByKind, string(r.Kind))
		add(&want.ByDepartment, r.Device.Department)
		add(&want.ByZone, r.Device.NetworkZone)
		add(&want.ByCriticality, string(r.Criticality))
		add(&want.ByStatus, "active")
		add(&want.ByManufacturer, r.Manufacturer)
	}
	for dst, m := range counts {
		for k, n := range m {
			*dst = append(*dst, inventory.Count{Key: k, N: n})
		}
		sort.Slice(*dst, func(i, j int) bool {
			a, b := (*dst)[i], (*dst)[j]
			return a.N > b.N || a.N == b.N && a.Key < b.Key
		})
	}
	got, err := f.db.Summarize(f.a)
	must(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got.ByDepartment[len(got.ByDepartment)-1].N > got.ByDepartment[0].N {
		t.Error("counts are not sorted by N descending")
	}
	empty, err := f.db.Summarize(f.b)
	must(t, err)
	if empty.Total != 0 || len(empty.ByKind) != 0 {
		t.Errorf("another organization's summary = %+v", empty)
	}
}
