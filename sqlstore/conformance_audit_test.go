package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/inventory"
)

// entries returns every audit entry of the database.
func (f *fixture) entries() []*audit.Entry {
	f.t.Helper()
	var out []*audit.Entry
	must(f.t, f.db.WalkAll(context.Background(), func(e *audit.Entry) error { out = append(out, e); return nil }))
	return out
}

// secrets must never appear in an audit summary.
var secrets = []string{"$argon2id$h1", "$argon2id$h2", "csrf-secret", "atk_secretprefix", auth.HashSecret("tok"), auth.HashSecret("sess")}

func testAuditEveryChange(t *testing.T, f *fixture) {
	var m *inventory.Manufacturer
	var p *inventory.Product
	var v *inventory.ProductVersion
	var d *inventory.Device
	var g *inventory.Grant
	var u *auth.User
	var tok *auth.Token
	steps := []struct {
		action string
		ctx    context.Context
		fn     func() error
	}{
		{"manufacturer.create", f.a, func() error { m = &inventory.Manufacturer{Name: "Acme"}; return f.db.CreateManufacturer(f.a, m) }},
		{"manufacturer.update", f.a, func() error {
			_, err := f.db.UpdateManufacturer(f.a, m.ID, inventory.ManufacturerUpdate{Website: ptr("https://a.example")})
			return err
		}},
		{"product.create", f.a, func() error {
			p = &inventory.Product{ManufacturerID: m.ID, Model: "M", Kind: "ventilator", Criticality: inventory.LifeSustaining}
			return f.db.CreateProduct(f.a, p)
		}},
		{"product.update", f.a, func() error {
			_, err := f.db.UpdateProduct(f.a, p.ID, inventory.ProductUpdate{Model: ptr("M2")})
			return err
		}},
		{"version.create", f.a, func() error {
			v = &inventory.ProductVersion{ProductID: p.ID, Version: "1"}
			return f.db.CreateVersion(f.a, v)
		}},
		{"version.update", f.a, func() error {
			_, err := f.db.UpdateVersion(f.a, v.ID, inventory.VersionUpdate{ReleaseDate: ptr("2024-01-01")})
			return err
		}},
		{"device.create", f.a, func() error {
			d = &inventory.Device{ProductVersionID: v.ID, AssetTag: "T"}
			return f.db.CreateDevice(f.a, d)
		}},
		{"device.update", f.a, func() error {
			_, err := f.db.UpdateDevice(f.a, d.ID, inventory.DeviceUpdate{Room: ptr("R")})
			return err
		}},
		{"device.import", f.a, func() error { _, err := f.db.ImportDevices(f.a, records(3, "I")); return err }},
		{"device.delete", f.a, func() error { return f.db.DeleteDevice(f.a, d.ID) }},
		{"grant.create", f.a, func() error {
			g = &inventory.Grant{GranteeOrgID: f.orgM.ID, ManufacturerID: m.ID}
			return f.db.CreateGrant(f.a, g)
		}},
		{"grant.revoke", f.a, func() error { return f.db.RevokeGrant(f.a, g.ID) }},
		{"version.delete", f.a, func() error { return f.db.DeleteVersion(f.a, v.ID) }},
		{"product.delete", f.a, func() error { return f.db.DeleteProduct(f.a, p.ID) }},
		{"user.create", f.a, func() error {
			u = &auth.User{Email: "u@example.com", Name: "U", Role: airtight.RoleBiomed, PasswordHash: "$argon2id$h1"}
			return f.db.CreateUser(f.a, u)
		}},
		{"user.update", f.a, func() error {
			_, err := f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{PasswordHash: ptr("$argon2id$h2")})
			return err
		}},
		{"user.login", f.a, func() error { return f.db.RecordLogin(context.Background(), u.ID, "192.0.2.3") }},
		{"token.create", f.a, func() error {
			tok = &auth.Token{Name: "t", Role: airtight.RoleAnalyst, Prefix: "atk_secretprefix", Hash: auth.HashSecret("tok")}
			return f.db.CreateToken(f.a, tok)
		}},
		{"token.revoke", f.a, func() error { return f.db.RevokeToken(f.a, tok.ID) }},
		{"session.create", f.a, func() error {
			return f.db.CreateSession(f.a, &auth.Session{UserID: u.ID, Hash: auth.HashSecret("sess"), CSRFToken: "csrf-secret"})
		}},
		{"session.delete", f.a, func() error { return f.db.DeleteSession(context.Background(), auth.HashSecret("sess")) }},
	}
	for _, s := range steps {
		n := len(f.entries())
		if err := s.fn(); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		es := f.entries()
		if len(es) != n+1 {
			t.Fatalf("%s appended %d audit entries; want 1", s.action, len(es)-n)
		}
		if e := es[n]; e.Action != s.action || e.OrgID != f.orgA.ID || e.Hash == "" {
			t.Errorf("%s: entry = %+v", s.action, e)
		}
	}
	for _, e := range f.entries() {
		for _, s := range secrets {
			if strings.Contains(string(e.Summary), s) {
				t.Errorf("%s summary %s holds a secret", e.Action, e.Summary)
			}
		}
	}
	if p, n, err := f.db.VerifyAudit(context.Background()); err != nil || p != nil || n != int64(len(f.entries())) {
		t.Errorf("verify = %v, %d, %v", p, n, err)
	}
	// A failed change appends nothing.
	n := len(f.entries())
	wantCode(t, f.db.CreateManufacturer(f.a, &inventory.Manufacturer{Name: "ACME"}), airtight.EConflict)
	if len(f.entries()) != n {
		t.Error("a failed change left an audit entry")
	}
}

func testAuditTamper(t *testing.T, open func(t *testing.T) *DB) {
	for _, tc := range []struct {
		name    string
		stmts   []string
		wantSeq func(last int64) int64
		reason  string
	}{
		{"edited", []string{`UPDATE audit_log SET actor_name = 'x' WHERE seq = 3`}, func(int64) int64 { return 3 }, "edited"},
		{"deleted", []string{`DELETE FROM audit_log WHERE seq = 3`}, func(int64) int64 { return 3 }, "missing"},
		{"swapped", []string{`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 4`,
			`UPDATE audit_log SET seq = 4 WHERE seq = -3`}, func(int64) int64 { return 3 }, "edited"},
		{"last deleted", []string{`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`}, func(last int64) int64 { return last }, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, open(t))
			f.importAll(records(5, "A"))
			f.chain(f.b, "Bravo")
			ctx := context.Background()
			p, last, err := f.db.VerifyAudit(ctx)
			if err != nil || p != nil || last < 6 {
				t.Fatalf("untouched log: %v, %d entries, %v", p, last, err)
			}
			for _, s := range tc.stmts {
				if _, err := f.db.db.ExecContext(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			p, _, err = f.db.VerifyAudit(ctx)
			if err != nil || p == nil {
				t.Fatalf("tampered log verifies: %v, %v", p, err)
			}
			if p.Seq != tc.wantSeq(last) || !strings.Contains(p.Reason, tc.reason) {
				t.Errorf("problem = %+v; want entry %d (%s)", p, tc.wantSeq(last), tc.reason)
			}
		})
	}
}

// ListEntries shows one organization's entries, oldest or newest first, and
// pages both ways.
func testAuditListing(t *testing.T, f *fixture) {
	for i := range 5 {
		must(t, f.db.CreateManufacturer(f.a, &inventory.Manufacturer{Name: fmt.Sprintf("A-%d", i)}))
		must(t, f.db.CreateManufacturer(f.b, &inventory.Manufacturer{Name: fmt.Sprintf("B-%d", i)}))
	}
	seqs := func(es []*audit.Entry) []int64 {
		var out []int64
		for _, e := range es {
			if e.OrgID != f.orgA.ID {
				t.Errorf("entry %d of org %d listed for org A", e.Seq, e.OrgID)
			}
			out = append(out, e.Seq)
		}
		return out
	}
	all, err := f.db.ListEntries(f.a, audit.Filter{Action: "manufacturer.create"})
	must(t, err)
	asc := seqs(all)
	if len(asc) != 5 || !slices.IsSorted(asc) {
		t.Fatalf("oldest first = %v", asc)
	}
	newest, err := f.db.ListEntries(f.a, audit.Filter{Action: "manufacturer.create", Newest: true, Limit: 2})
	must(t, err)
	if got := seqs(newest); !slices.Equal(got, []int64{asc[4], asc[3]}) {
		t.Errorf("newest 2 = %v, want %v", got, []int64{asc[4], asc[3]})
	}
	older, err := f.db.ListEntries(f.a, audit.Filter{Action: "manufacturer.create", Newest: true, BeforeSeq: asc[3], Limit: 2})
	must(t, err)
	if got := seqs(older); !slices.Equal(got, []int64{asc[2], asc[1]}) {
		t.Errorf("next page = %v, want %v", got, []int64{asc[2], asc[1]})
	}
	after, err := f.db.ListEntries(f.a, audit.Filter{Action: "manufacturer.create", AfterSeq: asc[2]})
	must(t, err)
	if got := seqs(after); !slices.Equal(got, asc[3:]) {
		t.Errorf("after %d = %v, want %v", asc[2], got, asc[3:])
	}
}
