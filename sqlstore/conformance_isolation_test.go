package sqlstore

import (
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

// orgARecords creates one record of every kind in hospital A.
type orgARecords struct {
	m      *inventory.Manufacturer
	p      *inventory.Product
	v      *inventory.ProductVersion
	d      *inventory.Device
	u      *auth.User
	tok    *auth.Token
	auditN int
}

func (f *fixture) seedA() *orgARecords {
	f.t.Helper()
	r := &orgARecords{}
	r.m, r.p, r.v = f.chain(f.a, "Acme")
	r.d = f.device(f.a, r.v.ID, "SHARED-TAG")
	r.u = &auth.User{Email: "nurse@a.example", Name: "Nurse", Role: airtight.RoleBiomed, PasswordHash: "$argon2id$x"}
	must(f.t, f.db.CreateUser(f.a, r.u))
	r.tok = &auth.Token{Name: "ci", Role: airtight.RoleAnalyst, Prefix: "atk_abcd", Hash: auth.HashSecret("secret-a")}
	must(f.t, f.db.CreateToken(f.a, r.tok))
	return r
}

func testIsolationReads(t *testing.T, f *fixture) {
	r := f.seedA()
	b := f.b
	notFound := map[string]func() error{
		"FindManufacturer": func() error { _, err := f.db.FindManufacturer(b, r.m.ID); return err },
		"UpdateManufacturer": func() error {
			_, err := f.db.UpdateManufacturer(b, r.m.ID, inventory.ManufacturerUpdate{Name: ptr("x")})
			return err
		},
		"DeleteManufacturer": func() error { return f.db.DeleteManufacturer(b, r.m.ID) },
		"FindProduct":        func() error { _, err := f.db.FindProduct(b, r.p.ID); return err },
		"UpdateProduct": func() error {
			_, err := f.db.UpdateProduct(b, r.p.ID, inventory.ProductUpdate{Model: ptr("x")})
			return err
		},
		"DeleteProduct": func() error { return f.db.DeleteProduct(b, r.p.ID) },
		"FindVersion":   func() error { _, err := f.db.FindVersion(b, r.v.ID); return err },
		"UpdateVersion": func() error {
			_, err := f.db.UpdateVersion(b, r.v.ID, inventory.VersionUpdate{ReleaseDate: ptr("2020-01-01")})
			return err
		},
		"DeleteVersion": func() error { return f.db.DeleteVersion(b, r.v.ID) },
		"FindDevice":    func() error { _, err := f.db.FindDevice(b, r.d.ID); return err },
		"UpdateDevice": func() error {
			_, err := f.db.UpdateDevice(b, r.d.ID, inventory.DeviceUpdate{Room: ptr("x")})
			return err
		},
		"DeleteDevice": func() error { return f.db.DeleteDevice(b, r.d.ID) },
		"FindUser":     func() error { _, err := f.db.FindUser(b, r.u.ID); return err },
		"UpdateUser": func() error {
			_, err := f.db.UpdateUser(b, r.u.ID, auth.UserUpdate{Disabled: ptr(true)})
			return err
		},
		"RevokeToken": func() error { return f.db.RevokeToken(b, r.tok.ID) },
	}
	for name, fn := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), airtight.ENotFound) })
	}
	empty := map[string]func() (int, error){
		"ListManufacturers": func() (int, error) { l, err := f.db.ListManufacturers(b); return len(l), err },
		"ListProducts": func() (int, error) {
			l, err := f.db.ListProducts(b, inventory.ProductFilter{ManufacturerID: r.m.ID})
			return len(l), err
		},
		"ListVersions": func() (int, error) { l, err := f.db.ListVersions(b, r.p.ID); return len(l), err },
		"ListDevices": func() (int, error) {
			p, err := f.db.ListDevices(b, inventory.DeviceFilter{VersionID: r.v.ID})
			return len(p.Devices), err
		},
		"ListDevicesQuery": func() (int, error) {
			p, err := f.db.ListDevices(b, inventory.DeviceFilter{Query: "shared"})
			return len(p.Devices), err
		},
		"ExportDevices": func() (int, error) {
			n := 0
			err := f.db.ExportDevices(b, inventory.DeviceFilter{}, func(*inventory.Device) error { n++; return nil })
			return n, err
		},
		"Summarize":  func() (int, error) { s, err := f.db.Summarize(b); return s.Total, err },
		"ListUsers":  func() (int, error) { l, err := f.db.ListUsers(b); return len(l), err },
		"ListTokens": func() (int, error) { l, err := f.db.ListTokens(b); return len(l), err },
		"ListGrants": func() (int, error) { l, err := f.db.ListGrants(b); return len(l), err },
		"InstalledBaseB": func() (int, error) {
			p, err := f.db.ListInstalledBase(b, inventory.DeviceFilter{})
			return len(p.Devices), err
		},
		"InstalledBaseM": func() (int, error) {
			p, err := f.db.ListInstalledBase(f.maker, inventory.DeviceFilter{})
			return len(p.Devices), err
		},
	}
	for name, fn := range empty {
		t.Run(name, func(t *testing.T) {
			n, err := fn()
			must(t, err)
			if n != 0 {
				t.Errorf("org B sees %d of org A's records", n)
			}
		})
	}
	// Nothing of org A changed.
	d, err := f.db.FindDevice(f.a, r.d.ID)
	must(t, err)
	if diff := cmp.Diff(r.d, d); diff != "" {
		t.Errorf("org A's device changed (-before +after):\n%s", diff)
	}
	if u, _ := f.db.FindUser(f.a, r.u.ID); u == nil || u.DisabledAt != nil {
		t.Errorf("org A's user changed: %+v", u)
	}
	if tok, err := f.db.FindTokenByHash(f.a, r.tok.Hash); err != nil || tok.RevokedAt != nil {
		t.Errorf("org A's token changed: %v", err)
	}
}

func testIsolationWrites(t *testing.T, f *fixture) {
	r := f.seedA()
	b := f.b
	_, _, vb := f.chain(b, "Bravo")
	db := f.device(b, vb.ID, "B-1")
	invalid := map[string]func() error{
		"CreateProduct": func() error {
			return f.db.CreateProduct(b, &inventory.Product{ManufacturerID: r.m.ID, Model: "x", Kind: "ct-scanner", Criticality: inventory.Diagnostic})
		},
		"CreateVersion": func() error { return f.db.CreateVersion(b, &inventory.ProductVersion{ProductID: r.p.ID, Version: "9"}) },
		"CreateDevice": func() error {
			return f.db.CreateDevice(b, &inventory.Device{ProductVersionID: r.v.ID, AssetTag: "B-2"})
		},
		"UpdateDevice": func() error {
			_, err := f.db.UpdateDevice(b, db.ID, inventory.DeviceUpdate{ProductVersionID: &r.v.ID})
			return err
		},
		"CreateGrant": func() error {
			return f.db.CreateGrant(b, &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: r.m.ID})
		},
		"CreateSession": func() error {
			return f.db.CreateSession(b, &auth.Session{UserID: r.u.ID, Hash: "h", CSRFToken: "c"})
		},
	}
	for name, fn := range invalid {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), airtight.EInvalid) })
	}
	// The same asset tag in another organization is another device.
	res, err := f.db.ImportDevices(b, []inventory.Record{{Manufacturer: "Acme", Model: r.p.Model, Kind: "ct-scanner",
		Criticality: inventory.Diagnostic, Device: inventory.Device{AssetTag: "SHARED-TAG", Department: "B dept"}}})
	must(t, err)
	if res.Created != 1 || res.Updated != 0 {
		t.Errorf("import in org B = %+v; want one created", res)
	}
	d, err := f.db.FindDevice(f.a, r.d.ID)
	must(t, err)
	if diff := cmp.Diff(r.d, d); diff != "" {
		t.Errorf("org A's device changed by org B (-before +after):\n%s", diff)
	}
	ms, _ := f.db.ListManufacturers(f.a)
	if len(ms) != 1 {
		t.Errorf("org A has %d manufacturers after org B's import; want 1", len(ms))
	}
}

func testNoActor(t *testing.T, f *fixture) {
	ctx := t.Context()
	_, err := f.db.ListDevices(ctx, inventory.DeviceFilter{})
	wantCode(t, err, airtight.EUnauthorized)
	wantCode(t, f.db.CreateManufacturer(ctx, &inventory.Manufacturer{Name: "x"}), airtight.EUnauthorized)
	_, err = f.db.ImportDevices(ctx, records(1, "N"))
	wantCode(t, err, airtight.EUnauthorized)
	_, err = f.db.ListUsers(ctx)
	wantCode(t, err, airtight.EUnauthorized)
	wantCode(t, f.db.CreateGrant(ctx, &inventory.Grant{GranteeOrgID: 1, ManufacturerID: 1}), airtight.EUnauthorized)
}
