package sqlstore

import (
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

func testManufacturers(t *testing.T, f *fixture) {
	m := f.manufacturer(f.a, "Acme Medical")
	got, err := f.db.FindManufacturer(f.a, m.ID)
	must(t, err)
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	wantCode(t, f.db.CreateManufacturer(f.a, &inventory.Manufacturer{Name: "ACME medical "}), airtight.EConflict)
	wantCode(t, f.db.CreateManufacturer(f.a, &inventory.Manufacturer{Name: " "}), airtight.EInvalid)
	must(t, f.db.CreateManufacturer(f.b, &inventory.Manufacturer{Name: "Acme Medical"})) // per organization

	up, err := f.db.UpdateManufacturer(f.a, m.ID, inventory.ManufacturerUpdate{Website: ptr("https://acme.example")})
	must(t, err)
	if up.Website != "https://acme.example" || up.Name != "Acme Medical" {
		t.Errorf("update = %+v", up)
	}
	beta := f.manufacturer(f.a, "Beta")
	_, err = f.db.UpdateManufacturer(f.a, beta.ID, inventory.ManufacturerUpdate{Name: ptr("acme MEDICAL")})
	wantCode(t, err, airtight.EConflict)

	list, err := f.db.ListManufacturers(f.a)
	must(t, err)
	if names := manufacturerNames(list); !cmp.Equal(names, []string{"Acme Medical", "Beta"}) {
		t.Errorf("list = %v", names)
	}
	f.product(f.a, beta.ID, "B1", "ventilator", inventory.LifeSustaining)
	wantCode(t, f.db.DeleteManufacturer(f.a, beta.ID), airtight.EConflict)
	must(t, f.db.DeleteManufacturer(f.a, m.ID))
	_, err = f.db.FindManufacturer(f.a, m.ID)
	wantCode(t, err, airtight.ENotFound)
	wantCode(t, f.db.DeleteManufacturer(f.a, m.ID), airtight.ENotFound)
}

func manufacturerNames(ms []*inventory.Manufacturer) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func testProducts(t *testing.T, f *fixture) {
	m := f.manufacturer(f.a, "Acme")
	p := f.product(f.a, m.ID, "Scanner 9", "ct-scanner", inventory.Diagnostic)
	got, err := f.db.FindProduct(f.a, p.ID)
	must(t, err)
	if diff := cmp.Diff(p, got); diff != "" || got.ManufacturerName != "Acme" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	tests := []struct {
		name string
		p    inventory.Product
		code airtight.Code
	}{
		{"duplicate model", inventory.Product{ManufacturerID: m.ID, Model: "SCANNER 9", Kind: "ct-scanner", Criticality: inventory.Diagnostic}, airtight.EConflict},
		{"bad kind", inventory.Product{ManufacturerID: m.ID, Model: "X", Kind: "CT Scanner", Criticality: inventory.Diagnostic}, airtight.EInvalid},
		{"bad criticality", inventory.Product{ManufacturerID: m.ID, Model: "X", Kind: "ct-scanner", Criticality: "high"}, airtight.EInvalid},
		{"no manufacturer", inventory.Product{ManufacturerID: 999999, Model: "X", Kind: "ct-scanner", Criticality: inventory.Diagnostic}, airtight.EInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, f.db.CreateProduct(f.a, &tc.p), tc.code) })
	}
	pump := f.product(f.a, m.ID, "Pump", "infusion-pump", inventory.LifeSustaining)
	list, err := f.db.ListProducts(f.a, inventory.ProductFilter{Kind: "infusion-pump"})
	must(t, err)
	if len(list) != 1 || list[0].ID != pump.ID {
		t.Errorf("list by kind = %v", list)
	}
	up, err := f.db.UpdateProduct(f.a, pump.ID, inventory.ProductUpdate{Criticality: ptr(inventory.LifeSupporting), FDAProductCode: ptr("FRN")})
	must(t, err)
	if up.Criticality != inventory.LifeSupporting || up.FDAProductCode != "FRN" || up.Model != "Pump" {
		t.Errorf("update = %+v", up)
	}
	_, err = f.db.UpdateProduct(f.a, pump.ID, inventory.ProductUpdate{Model: ptr("scanner 9")})
	wantCode(t, err, airtight.EConflict)
	_, err = f.db.UpdateProduct(f.a, pump.ID, inventory.ProductUpdate{FDAProductCode: ptr("frn")})
	wantCode(t, err, airtight.EInvalid)
	f.version(f.a, p.ID, "1")
	wantCode(t, f.db.DeleteProduct(f.a, p.ID), airtight.EConflict)
	must(t, f.db.DeleteProduct(f.a, pump.ID))
	_, err = f.db.FindProduct(f.a, pump.ID)
	wantCode(t, err, airtight.ENotFound)
}

func testVersions(t *testing.T, f *fixture) {
	_, p, v := f.chain(f.a, "Acme")
	got, err := f.db.FindVersion(f.a, v.ID)
	must(t, err)
	if diff := cmp.Diff(v, got); diff != "" || got.Model != p.Model || got.ManufacturerName != "Acme" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	wantCode(t, f.db.CreateVersion(f.a, &inventory.ProductVersion{ProductID: p.ID, Version: "1.0"}), airtight.EConflict)
	wantCode(t, f.db.CreateVersion(f.a, &inventory.ProductVersion{ProductID: p.ID, Version: "2", ReleaseDate: "2024/01/01"}), airtight.EInvalid)
	v2 := f.version(f.a, p.ID, "2.0")
	list, err := f.db.ListVersions(f.a, p.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != v.ID || list[1].ID != v2.ID {
		t.Errorf("list = %v", list)
	}
	up, err := f.db.UpdateVersion(f.a, v2.ID, inventory.VersionUpdate{EndOfSupport: ptr("2030-12-31")})
	must(t, err)
	if up.EndOfSupport != "2030-12-31" || up.Version != "2.0" {
		t.Errorf("update = %+v", up)
	}
	f.device(f.a, v.ID, "T1")
	wantCode(t, f.db.DeleteVersion(f.a, v.ID), airtight.EConflict)
	must(t, f.db.DeleteVersion(f.a, v2.ID))
	_, err = f.db.FindVersion(f.a, v2.ID)
	wantCode(t, err, airtight.ENotFound)
}

func testDevices(t *testing.T, f *fixture) {
	m, p, v := f.chain(f.a, "Acme")
	d := &inventory.Device{ProductVersionID: v.ID, AssetTag: "CT-1", IP: "10.0.0.1", MAC: "AA-BB-CC-DD-EE-FF", Department: "Radiology"}
	must(t, f.db.CreateDevice(f.a, d))
	if d.Status != inventory.StatusActive || d.MAC != "aa:bb:cc:dd:ee:ff" || d.ProductID != p.ID || d.ManufacturerID != m.ID {
		t.Errorf("created = %+v", d)
	}
	got, err := f.db.FindDevice(f.a, d.ID)
	must(t, err)
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	want := inventory.Device{Manufacturer: "Acme", Model: p.Model, Kind: "ct-scanner", Criticality: inventory.Diagnostic, Version: "1.0"}
	if got.Manufacturer != want.Manufacturer || got.Model != want.Model || got.Kind != want.Kind || got.Criticality != want.Criticality || got.Version != want.Version {
		t.Errorf("display fields = %+v", got)
	}
	wantCode(t, f.db.CreateDevice(f.a, &inventory.Device{ProductVersionID: v.ID, AssetTag: "CT-1"}), airtight.EConflict)
	wantCode(t, f.db.CreateDevice(f.a, &inventory.Device{ProductVersionID: v.ID, AssetTag: "CT-2", IP: "999.1.1.1"}), airtight.EInvalid)
	wantCode(t, f.db.CreateDevice(f.a, &inventory.Device{ProductVersionID: 424242, AssetTag: "CT-3"}), airtight.EInvalid)

	seen := f.now.Add(-time.Hour)
	up, err := f.db.UpdateDevice(f.a, d.ID, inventory.DeviceUpdate{Room: ptr("R2"), Status: ptr(inventory.StatusQuarantined), LastSeen: &seen})
	must(t, err)
	if up.Room != "R2" || up.Status != inventory.StatusQuarantined || !up.LastSeen.Equal(seen) || up.IP != "10.0.0.1" {
		t.Errorf("update = %+v", up)
	}
	got, _ = f.db.FindDevice(f.a, d.ID)
	if diff := cmp.Diff(up, got); diff != "" {
		t.Errorf("find after update (-returned +found):\n%s", diff)
	}
	other := f.device(f.a, v.ID, "CT-9")
	_, err = f.db.UpdateDevice(f.a, other.ID, inventory.DeviceUpdate{AssetTag: ptr("CT-1")})
	wantCode(t, err, airtight.EConflict)
	_, err = f.db.UpdateDevice(f.a, other.ID, inventory.DeviceUpdate{Status: ptr(inventory.Status("broken"))})
	wantCode(t, err, airtight.EInvalid)
	must(t, f.db.DeleteDevice(f.a, other.ID))
	_, err = f.db.FindDevice(f.a, other.ID)
	wantCode(t, err, airtight.ENotFound)
	wantCode(t, f.db.DeleteDevice(f.a, other.ID), airtight.ENotFound)
}

func testDeviceUpdateVersion(t *testing.T, f *fixture) {
	_, _, v := f.chain(f.a, "Acme")
	m2, p2, v2 := f.chain(f.a, "Zeta")
	d := f.device(f.a, v.ID, "D1")
	up, err := f.db.UpdateDevice(f.a, d.ID, inventory.DeviceUpdate{ProductVersionID: &v2.ID})
	must(t, err)
	if up.ProductID != p2.ID || up.ManufacturerID != m2.ID || up.Manufacturer != "Zeta" || up.Model != p2.Model {
		t.Errorf("update = %+v", up)
	}
	for _, tc := range []struct {
		name string
		f    inventory.DeviceFilter
		want int
	}{
		{"new maker", inventory.DeviceFilter{ManufacturerID: m2.ID}, 1},
		{"new product", inventory.DeviceFilter{ProductID: p2.ID}, 1},
		{"old version", inventory.DeviceFilter{VersionID: v.ID}, 0},
		{"search new maker", inventory.DeviceFilter{Query: "zeta"}, 1},
		{"search old maker", inventory.DeviceFilter{Query: "acme"}, 0},
	} {
		page, err := f.db.ListDevices(f.a, tc.f)
		must(t, err)
		if len(page.Devices) != tc.want {
			t.Errorf("%s: %d devices; want %d", tc.name, len(page.Devices), tc.want)
		}
	}
}

func testSearchTextRenames(t *testing.T, f *fixture) {
	m, p, v := f.chain(f.a, "Acme")
	f.device(f.a, v.ID, "D1")
	_, err := f.db.UpdateManufacturer(f.a, m.ID, inventory.ManufacturerUpdate{Name: ptr("Globex")})
	must(t, err)
	_, err = f.db.UpdateProduct(f.a, p.ID, inventory.ProductUpdate{Model: ptr("Omega 7")})
	must(t, err)
	for q, want := range map[string]int{"globex": 1, "acme": 0, "OMEGA 7": 1, "ct 1": 0} {
		page, err := f.db.ListDevices(f.a, inventory.DeviceFilter{Query: q})
		must(t, err)
		if len(page.Devices) != want {
			t.Errorf("query %q: %d devices; want %d", q, len(page.Devices), want)
		}
	}
}
