package sqlstore

import (
	"context"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

func testGrants(t *testing.T, f *fixture) {
	// Hospital A has devices of Acme (granted) and Other; hospital B has
	// Acme devices too (never granted).
	acme, _, va := f.chain(f.a, "Acme")
	_, _, vo := f.chain(f.a, "Other")
	_, _, vb := f.chain(f.b, "Acme")
	var want []int64
	for _, tag := range []string{"A1", "A2", "A3"} {
		want = append(want, f.device(f.a, va.ID, tag).ID)
	}
	f.device(f.a, vo.ID, "O1")
	f.device(f.b, vb.ID, "B1")
	base := func() []int64 {
		return walk(t, func(flt inventory.DeviceFilter) (*inventory.DevicePage, error) {
			return f.db.ListInstalledBase(f.maker, flt)
		}, inventory.DeviceFilter{Limit: 2})
	}
	if got := base(); len(got) != 0 {
		t.Fatalf("installed base before any grant = %v", got)
	}

	g := &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: acme.ID, Note: "service contract"}
	must(t, f.db.CreateGrant(f.a, g))
	if g.OrgID != f.orgA.ID || g.CreatedBy == "" || g.ManufacturerName != "Acme" || g.RevokedAt != nil {
		t.Errorf("created grant = %+v", g)
	}
	wantCode(t, f.db.CreateGrant(f.a, &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: acme.ID}), airtight.EConflict)
	if diff := cmp.Diff(want, base()); diff != "" {
		t.Errorf("installed base (-want +got):\n%s", diff)
	}
	page, err := f.db.ListInstalledBase(f.maker, inventory.DeviceFilter{Query: "a2", Kind: "ct-scanner"})
	must(t, err)
	if len(page.Devices) != 1 || page.Devices[0].OrgID != f.orgA.ID || page.Devices[0].Manufacturer != "Acme" {
		t.Errorf("filtered installed base = %+v", page.Devices)
	}
	if p, _ := f.db.ListInstalledBase(f.mk2, inventory.DeviceFilter{}); len(p.Devices) != 0 {
		t.Errorf("another maker sees %d devices", len(p.Devices))
	}
	// The maker's own inventory and the grant are separate things.
	if p, _ := f.db.ListDevices(f.maker, inventory.DeviceFilter{}); len(p.Devices) != 0 {
		t.Errorf("ListDevices of the maker shows %d granted devices", len(p.Devices))
	}

	for name, c := range map[string]context.Context{"granter": f.a, "grantee": f.maker} {
		got, err := f.db.FindGrant(c, g.ID)
		must(t, err)
		if diff := cmp.Diff(g, got); diff != "" {
			t.Errorf("%s: find (-created +found):\n%s", name, diff)
		}
		list, err := f.db.ListGrants(c)
		must(t, err)
		if len(list) != 1 || list[0].GranteeOrgName != f.orgM.Name || list[0].OrgName != f.orgA.Name {
			t.Errorf("%s: list = %+v", name, list)
		}
	}
	_, err = f.db.FindGrant(f.b, g.ID)
	wantCode(t, err, airtight.ENotFound)
	_, err = f.db.FindGrant(f.mk2, g.ID)
	wantCode(t, err, airtight.ENotFound)
	wantCode(t, f.db.RevokeGrant(f.maker, g.ID), airtight.EForbidden)
	wantCode(t, f.db.RevokeGrant(f.b, g.ID), airtight.ENotFound)

	must(t, f.db.RevokeGrant(f.a, g.ID))
	if got := base(); len(got) != 0 {
		t.Errorf("installed base after revoke = %v", got)
	}
	got, err := f.db.FindGrant(f.maker, g.ID)
	must(t, err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(f.now) || got.Active() {
		t.Errorf("revoked grant = %+v", got)
	}
	// A new grant after the revoke works again.
	must(t, f.db.CreateGrant(f.a, &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: acme.ID}))
	if got := base(); len(got) != 3 {
		t.Errorf("installed base after a new grant = %v", got)
	}
	wantCode(t, f.db.DeleteManufacturer(f.a, acme.ID), airtight.EConflict)
}

func testGrantValidation(t *testing.T, f *fixture) {
	m := f.manufacturer(f.a, "Acme")
	for _, tc := range []struct {
		name string
		g    inventory.Grant
		code airtight.Code
	}{
		{"to a hospital", inventory.Grant{GranteeOrgID: f.orgB.ID, ManufacturerID: m.ID}, airtight.EInvalid},
		{"to itself", inventory.Grant{GranteeOrgID: f.orgA.ID, ManufacturerID: m.ID}, airtight.EInvalid},
		{"no such org", inventory.Grant{GranteeOrgID: 987654, ManufacturerID: m.ID}, airtight.EInvalid},
		{"no such manufacturer", inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: 987654}, airtight.EInvalid},
		{"missing grantee", inventory.Grant{ManufacturerID: m.ID}, airtight.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, f.db.CreateGrant(f.a, &tc.g), tc.code) })
	}
	if l, _ := f.db.ListGrants(f.a); len(l) != 0 {
		t.Errorf("%d grants stored after invalid requests", len(l))
	}
}
