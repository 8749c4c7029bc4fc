package sqlstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/pki"
	"github.com/google/go-cmp/cmp"
)

// testPKI runs the PKI conformance subtests, each on a fresh database.
func testPKI(t *testing.T, open func(t *testing.T) *DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"CAs", testCAs},
		{"Certificates", testCertificates},
		{"CertificateIsolation", testCertificateIsolation},
		{"Revocation", testRevocation},
		{"WalkRevoked", testWalkRevoked},
		{"WalkRevokedSince", testWalkRevokedSince},
		{"ListCertificates", testListCertificates},
		{"ExpiringCertificates", testExpiringCertificates},
		{"EnrollmentTokens", testEnrollmentTokens},
		{"EnrollmentTokenSingleUse", testEnrollmentTokenSingleUse},
		{"CertificateSpendingToken", testCertificateSpendingToken},
		{"TrustAnchors", testTrustAnchors},
		{"PKIAudit", testPKIAudit},
		{"PKINoActor", testPKINoActor},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newFixture(t, open(t))) })
	}
}

// pkiOrg is one organization's CAs and a device.
type pkiOrg struct {
	root, issuing *pki.CA
	deviceID      int64
}

func (f *fixture) pkiOrg(ctx context.Context, prefix string) *pkiOrg {
	f.t.Helper()
	_, _, v := f.chain(ctx, prefix+" Maker")
	o := &pkiOrg{deviceID: f.device(ctx, v.ID, prefix+"-DEV").ID}
	o.root = &pki.CA{Name: prefix + " Root", Kind: pki.RootCA, CertDER: []byte("root-der-" + prefix), Offline: true,
		NotAfter: f.now.AddDate(20, 0, 0)}
	must(f.t, f.db.CreateCA(ctx, o.root))
	o.issuing = &pki.CA{Name: prefix + " Issuing", Kind: pki.IssuingCA, ParentID: o.root.ID, CertDER: []byte("issuing-der-" + prefix),
		KeyRef: "pkcs11:token=hsm;object=issuing;pin-value=1234", NotAfter: f.now.AddDate(10, 0, 0)}
	must(f.t, f.db.CreateCA(ctx, o.issuing))
	return o
}

// cert returns an unsaved certificate of the CA.
func (f *fixture) cert(caID int64, serial string, deviceID int64) *pki.Certificate {
	return &pki.Certificate{Serial: serial, CAID: caID, DeviceID: deviceID, Profile: pki.ProfileDeviceLDevID,
		Subject: "CN=dev,serialNumber=" + serial, NotBefore: f.now, NotAfter: f.now.AddDate(1, 0, 0), DER: []byte("cert-der-" + serial)}
}

func (f *fixture) issue(ctx context.Context, caID int64, serial string, deviceID int64) *pki.Certificate {
	f.t.Helper()
	c := f.cert(caID, serial, deviceID)
	must(f.t, f.db.CreateCertificate(ctx, c))
	return c
}

func testCAs(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	got, err := f.db.FindCA(f.a, o.issuing.ID)
	must(t, err)
	if diff := cmp.Diff(o.issuing, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	if got.OrgID != f.orgA.ID || !got.CreatedAt.Equal(f.now) || got.ParentID != o.root.ID || got.Offline {
		t.Errorf("issuing CA = %+v", got)
	}
	un, err := f.db.FindCAUnscoped(t.Context(), o.root.ID)
	must(t, err)
	if diff := cmp.Diff(o.root, un); diff != "" || !un.Offline || un.KeyRef != "" {
		t.Errorf("find unscoped (-created +found):\n%s", diff)
	}
	list, err := f.db.ListCAs(f.a)
	must(t, err)
	if len(list) != 2 || list[0].ID != o.root.ID || list[1].ID != o.issuing.ID {
		t.Errorf("list = %v", list)
	}
	_, err = f.db.FindCAUnscoped(t.Context(), 999)
	wantCode(t, err, airtight.ENotFound)
	for name, ca := range map[string]*pki.CA{
		"unknown kind":      {Name: "X", Kind: "intermediate", CertDER: []byte("x")},
		"root with parent":  {Name: "X", Kind: pki.RootCA, ParentID: o.root.ID, CertDER: []byte("x")},
		"no certificate":    {Name: "X", Kind: pki.RootCA},
		"no name":           {Name: " ", Kind: pki.RootCA, CertDER: []byte("x")},
		"control character": {Name: "X\x1b[2J", Kind: pki.RootCA, CertDER: []byte("x")},
		"unknown parent":    {Name: "X", Kind: pki.IssuingCA, ParentID: 999, CertDER: []byte("x")},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, f.db.CreateCA(f.a, ca), airtight.EInvalid) })
	}
	wantCode(t, f.db.CreateCA(f.a, &pki.CA{Name: "A Root", Kind: pki.RootCA, CertDER: []byte("x")}), airtight.EConflict)
	// Another organization may use the name.
	must(t, f.db.CreateCA(f.b, &pki.CA{Name: "A Root", Kind: pki.RootCA, CertDER: []byte("x")}))
}

func testCertificates(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	c := f.issue(f.a, o.issuing.ID, "00AbC123", o.deviceID)
	if c.Serial != "abc123" || c.OrgID != f.orgA.ID || c.Status != pki.StatusGood || !c.CreatedAt.Equal(f.now) {
		t.Errorf("created = %+v", c)
	}
	for _, s := range []string{"abc123", "ABC123", "0000abc123"} {
		got, err := f.db.FindCertificate(f.a, s)
		must(t, err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("find %q (-created +found):\n%s", s, diff)
		}
	}
	got, err := f.db.FindCertificateUnscoped(t.Context(), o.issuing.ID, "abc123")
	must(t, err)
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("find unscoped (-created +found):\n%s", diff)
	}
	for _, s := range []string{"abc124", "", "xyz", "-1", "0", strings.Repeat("f", 41)} {
		_, err := f.db.FindCertificate(f.a, s)
		wantCode(t, err, airtight.ENotFound)
	}
	_, err = f.db.FindCertificateUnscoped(t.Context(), o.root.ID, "abc123")
	wantCode(t, err, airtight.ENotFound)

	// The largest serial RFC 5280 allows round-trips; FormatSerial agrees.
	maxSerial := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 159), big.NewInt(1))
	largest := f.issue(f.a, o.issuing.ID, pki.FormatSerial(maxSerial), 0)
	if got, err := f.db.FindCertificate(f.a, largest.Serial); err != nil || got.SerialNumber().Cmp(maxSerial) != 0 || got.DeviceID != 0 {
		t.Errorf("max serial = %+v, %v", got, err)
	}

	wantCode(t, f.db.CreateCertificate(f.a, f.cert(o.issuing.ID, "ABC123", 0)), airtight.EConflict)
	wantCode(t, f.db.CreateCertificate(f.a, f.cert(o.root.ID, "abc123", 0)), airtight.EConflict)
	bad := map[string]*pki.Certificate{
		"bad serial":     f.cert(o.issuing.ID, "xyz", 0),
		"zero serial":    f.cert(o.issuing.ID, "0", 0),
		"long serial":    f.cert(o.issuing.ID, strings.Repeat("1", 41), 0),
		"no CA":          f.cert(0, "1", 0),
		"unknown CA":     f.cert(999, "1", 0),
		"unknown device": f.cert(o.issuing.ID, "1", 999),
		"no profile":     {Serial: "1", CAID: o.issuing.ID, NotAfter: f.now.Add(time.Hour), DER: []byte("x")},
		"no DER":         {Serial: "1", CAID: o.issuing.ID, Profile: "p", NotAfter: f.now.Add(time.Hour)},
		"inverted":       {Serial: "1", CAID: o.issuing.ID, Profile: "p", NotBefore: f.now, NotAfter: f.now, DER: []byte("x")},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) { wantCode(t, f.db.CreateCertificate(f.a, c), airtight.EInvalid) })
	}

	// Deleting the device keeps its certificate, unlinked.
	must(t, f.db.DeleteDevice(f.a, o.deviceID))
	got, err = f.db.FindCertificate(f.a, "abc123")
	must(t, err)
	if got.DeviceID != 0 {
		t.Errorf("certificate of a deleted device links to %d", got.DeviceID)
	}
}

// testCertificateIsolation: organization B never sees, uses or changes
// organization A's CAs, certificates, devices, tokens or anchors.
func testCertificateIsolation(t *testing.T, f *fixture) {
	oa, ob := f.pkiOrg(f.a, "A"), f.pkiOrg(f.b, "B")
	ca := f.issue(f.a, oa.issuing.ID, "a1", oa.deviceID)
	f.issue(f.a, oa.issuing.ID, "a2", 0)
	_, err := f.db.RevokeCertificate(f.a, "a2", pki.ReasonSuperseded)
	must(t, err)
	tok := &pki.EnrollmentToken{DeviceID: oa.deviceID, Profile: pki.ProfileDeviceLDevID, Hash: "hash-a", ExpiresAt: f.now.Add(time.Hour)}
	must(t, f.db.CreateEnrollmentToken(f.a, tok))
	must(t, f.db.AddTrustAnchor(f.a, &pki.TrustAnchor{Name: "Maker IDevID", CertDER: []byte("anchor")}))
	b := f.b

	notFound := map[string]func() error{
		"FindCA":            func() error { _, err := f.db.FindCA(b, oa.issuing.ID); return err },
		"FindCertificate":   func() error { _, err := f.db.FindCertificate(b, "a1"); return err },
		"RevokeCertificate": func() error { _, err := f.db.RevokeCertificate(b, "a1", pki.ReasonKeyCompromise); return err },
		"WalkRevoked": func() error {
			return f.db.WalkRevoked(b, oa.issuing.ID, func(pki.Revoked) error { t.Error("walked A's CRL"); return nil })
		},
	}
	for name, fn := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), airtight.ENotFound) })
	}
	invalid := map[string]func() error{
		"CreateCA with A's parent": func() error {
			return f.db.CreateCA(b, &pki.CA{Name: "Sub", Kind: pki.IssuingCA, ParentID: oa.root.ID, CertDER: []byte("x")})
		},
		"CreateCertificate with A's CA":     func() error { return f.db.CreateCertificate(b, f.cert(oa.issuing.ID, "b9", 0)) },
		"CreateCertificate with A's device": func() error { return f.db.CreateCertificate(b, f.cert(ob.issuing.ID, "b9", oa.deviceID)) },
		"CreateEnrollmentToken for A's device": func() error {
			return f.db.CreateEnrollmentToken(b, &pki.EnrollmentToken{DeviceID: oa.deviceID, Profile: pki.ProfileDeviceLDevID, Hash: "h-b", ExpiresAt: f.now.Add(time.Hour)})
		},
	}
	for name, fn := range invalid {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), airtight.EInvalid) })
	}
	empty := map[string]func() (int, error){
		"ListCAs": func() (int, error) { l, err := f.db.ListCAs(b); return len(l) - 2, err },
		"ListCertificates": func() (int, error) {
			l, _, err := f.db.ListCertificates(b, pki.CertificateFilter{})
			return len(l), err
		},
		"ListCertificates by A's CA": func() (int, error) {
			l, _, err := f.db.ListCertificates(b, pki.CertificateFilter{CAID: oa.issuing.ID})
			return len(l), err
		},
		"ListCertificates by A's device": func() (int, error) {
			l, _, err := f.db.ListCertificates(b, pki.CertificateFilter{DeviceID: oa.deviceID})
			return len(l), err
		},
		"ListCertificates expiring": func() (int, error) {
			l, _, err := f.db.ListCertificates(b, pki.CertificateFilter{ExpiringWithin: 1000 * 24 * time.Hour})
			return len(l), err
		},
		"CountCertificates": func() (int, error) { return f.db.CountCertificates(b, pki.CertificateFilter{}) },
		"ListTrustAnchors":  func() (int, error) { l, err := f.db.ListTrustAnchors(b, f.orgB.ID); return len(l), err },
	}
	for name, fn := range empty {
		t.Run(name, func(t *testing.T) {
			if n, err := fn(); err != nil || n != 0 {
				t.Errorf("B sees %d of A's records (err %v)", n, err)
			}
		})
	}
	// Serials are per organization: B may have its own a1; A's is untouched.
	bc := f.issue(b, ob.issuing.ID, "a1", ob.deviceID)
	got, err := f.db.FindCertificate(f.a, "a1")
	must(t, err)
	if diff := cmp.Diff(ca, got); diff != "" || bc.OrgID != f.orgB.ID {
		t.Errorf("A's certificate after B's (-want +got):\n%s", diff)
	}
	if _, err := f.db.FindCertificateUnscoped(t.Context(), ob.issuing.ID, "a2"); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("B's CA finds A's certificate: %v", err)
	}
}

func testRevocation(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	f.issue(f.a, o.issuing.ID, "1f", o.deviceID)
	n := len(f.entries())
	revokedAt := f.now
	r, err := f.db.RevokeCertificate(f.a, "1F", pki.ReasonKeyCompromise)
	must(t, err)
	if r.Status != pki.StatusRevoked || r.RevokedAt == nil || !r.RevokedAt.Equal(revokedAt) || r.Reason != pki.ReasonKeyCompromise || r.Serial != "1f" {
		t.Errorf("revoked = %+v", r)
	}
	f.now = f.now.Add(time.Hour)
	again, err := f.db.RevokeCertificate(f.a, "1f", pki.ReasonSuperseded)
	must(t, err)
	if diff := cmp.Diff(r, again); diff != "" {
		t.Errorf("second revocation changed the certificate (-first +second):\n%s", diff)
	}
	if got := len(f.entries()) - n; got != 1 {
		t.Errorf("two revocations appended %d audit entries; want 1", got)
	}
	found, err := f.db.FindCertificate(f.a, "1f")
	must(t, err)
	if diff := cmp.Diff(r, found); diff != "" {
		t.Errorf("find after revoke (-revoked +found):\n%s", diff)
	}
	_, err = f.db.RevokeCertificate(f.a, "2f", pki.ReasonKeyCompromise)
	wantCode(t, err, airtight.ENotFound)
	_, err = f.db.RevokeCertificate(f.a, "not-hex", pki.ReasonKeyCompromise)
	wantCode(t, err, airtight.ENotFound)
	for _, reason := range []pki.Reason{-1, 7, 11} {
		_, err = f.db.RevokeCertificate(f.a, "1f", reason)
		wantCode(t, err, airtight.EInvalid)
	}
}

// bulkCert describes one row for insertCerts.
type bulkCert struct {
	serial   string // domain form
	notAfter time.Time
	revoked  bool
	reason   pki.Reason
}

// insertCerts writes certificates of the CA straight into the table, in
// multi-row INSERTs of up to 500 rows and transactions of up to 50,000,
// without audit entries: a fast seed for walks and benchmarks.
func insertCerts(tb testing.TB, db *DB, orgID, caID int64, der []byte, n int, gen func(i int) bulkCert) {
	tb.Helper()
	const rowsPerStmt, rowsPerTx = 500, 50_000
	ctx := context.Background()
	for start := 0; start < n; start += rowsPerTx {
		mustTB(tb, db.withTx(ctx, func(tx *Tx) error {
			for i := start; i < min(n, start+rowsPerTx); i += rowsPerStmt {
				var args []any
				k := min(rowsPerStmt, n-i, start+rowsPerTx-i)
				for j := i; j < i+k; j++ {
					c := gen(j)
					s, ok := storedSerial(c.serial)
					if !ok {
						return fmt.Errorf("bad serial %q", c.serial)
					}
					status, at := "good", any(nil)
					if c.revoked {
						status, at = "revoked", micros(tx.now)
					}
					args = append(args, s, orgID, caID, "device-ldevid", "CN=d", micros(tx.now), micros(c.notAfter), der, status, at, int(c.reason), micros(tx.now))
				}
				row := "(" + placeholders(12) + ")"
				q := `INSERT INTO certificates (serial, org_id, ca_id, profile, subject, not_before, not_after, der, status, revoked_at, reason, created_at) VALUES ` +
					strings.TrimSuffix(strings.Repeat(row+", ", k), ", ")
				if _, err := tx.exec(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

func mustTB(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func testWalkRevoked(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	other := &pki.CA{Name: "Other", Kind: pki.IssuingCA, ParentID: o.root.ID, CertDER: []byte("o")}
	must(t, f.db.CreateCA(f.a, other))
	// Serials of every length, so that text order and numeric order differ
	// unless the store pads them; more than two batches revoked.
	n := 2*walkBatch + 7
	var want []string
	insertCerts(t, f.db, f.orgA.ID, o.issuing.ID, []byte("der"), 3*n, func(i int) bulkCert {
		s := new(big.Int).Exp(big.NewInt(7), big.NewInt(int64(i%50)), nil)
		s.Add(s.Lsh(s, 16), big.NewInt(int64(i)))
		c := bulkCert{serial: pki.FormatSerial(s), notAfter: f.now.Add(time.Hour), revoked: i%3 == 0, reason: pki.Reason(i % 3)}
		if c.revoked {
			want = append(want, c.serial)
		}
		return c
	})
	insertCerts(t, f.db, f.orgA.ID, other.ID, []byte("der"), 10, func(i int) bulkCert {
		return bulkCert{serial: fmt.Sprintf("ffff%d", i), notAfter: f.now, revoked: true}
	})
	slices.SortFunc(want, func(x, y string) int {
		a, _ := new(big.Int).SetString(x, 16)
		b, _ := new(big.Int).SetString(y, 16)
		return a.Cmp(b)
	})
	var got []string
	must(t, f.db.WalkRevoked(f.a, o.issuing.ID, func(r pki.Revoked) error {
		if r.Reason != 0 || !r.RevokedAt.Equal(f.now) {
			t.Fatalf("entry %+v", r)
		}
		if _, err := f.db.FindCA(f.a, o.issuing.ID); err != nil { // the database is usable inside fn
			return err
		}
		got = append(got, r.Serial)
		return nil
	}))
	if len(got) != n || !slices.Equal(got, want) {
		t.Errorf("walk: %d entries, want %d in serial order; first %v", len(got), n, got[:min(5, len(got))])
	}
	stop := fmt.Errorf("stop")
	calls := 0
	err := f.db.WalkRevoked(f.a, o.issuing.ID, func(pki.Revoked) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("fn's error: %v after %d calls", err, calls)
	}
	wantCode(t, f.db.WalkRevoked(f.a, 999, func(pki.Revoked) error { return nil }), airtight.ENotFound)
}

func testListCertificates(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	other := &pki.CA{Name: "Other", Kind: pki.IssuingCA, ParentID: o.root.ID, CertDER: []byte("o")}
	must(t, f.db.CreateCA(f.a, other))
	var all []string
	for i := range 7 {
		ca, dev := o.issuing.ID, int64(0)
		if i%2 == 0 {
			dev = o.deviceID
		}
		if i == 6 {
			ca = other.ID
		}
		all = append(all, f.issue(f.a, ca, fmt.Sprintf("%x", 100-i), dev).Serial)
	}
	_, err := f.db.RevokeCertificate(f.a, all[1], pki.ReasonUnspecified)
	must(t, err)
	serials := func(f pki.CertificateFilter, db *DB, ctx context.Context) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			l, next, err := db.ListCertificates(ctx, f)
			must(t, err)
			for _, c := range l {
				out = append(out, c.Serial)
			}
			if next == "" || pages > 20 {
				return out
			}
			f.Cursor = next
		}
	}
	for _, tc := range []struct {
		name string
		f    pki.CertificateFilter
		want []string
	}{
		{"all", pki.CertificateFilter{}, all},
		{"paged", pki.CertificateFilter{Limit: 2}, all},
		{"CA", pki.CertificateFilter{CAID: other.ID}, all[6:]},
		{"device", pki.CertificateFilter{DeviceID: o.deviceID, Limit: 1}, []string{all[0], all[2], all[4], all[6]}},
		{"revoked", pki.CertificateFilter{Status: pki.StatusRevoked}, all[1:2]},
		{"good", pki.CertificateFilter{Status: pki.StatusGood, Limit: 3}, slices.Delete(slices.Clone(all), 1, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := serials(tc.f, f.db, f.a); !slices.Equal(got, tc.want) {
				t.Errorf("list = %v; want %v", got, tc.want)
			}
			n, err := f.db.CountCertificates(f.a, tc.f)
			if err != nil || n != len(tc.want) {
				t.Errorf("count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
	for name, fl := range map[string]pki.CertificateFilter{
		"negative limit": {Limit: -1}, "limit too large": {Limit: 501}, "bad status": {Status: "expired"},
		"bad cursor": {Cursor: "!!"}, "cursor not a number": {Cursor: base64.RawURLEncoding.EncodeToString([]byte("x"))},
		"expiring cursor on a plain list": {Cursor: base64.RawURLEncoding.EncodeToString([]byte("1.2"))},
		"negative expiry":                 {ExpiringWithin: -time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := f.db.ListCertificates(f.a, fl)
			wantCode(t, err, airtight.EInvalid)
		})
	}
	insertCerts(t, f.db, f.orgA.ID, o.issuing.ID, []byte("der"), 600, func(i int) bulkCert {
		return bulkCert{serial: fmt.Sprintf("1000%d", i), notAfter: f.now}
	})
	for limit, want := range map[int]int{0: 50, 500: 500} {
		l, next, err := f.db.ListCertificates(f.a, pki.CertificateFilter{Limit: limit})
		if err != nil || len(l) != want || next == "" {
			t.Errorf("limit %d: %d certificates, next %q, %v", limit, len(l), next, err)
		}
	}
}

// testExpiringCertificates: an expiring list holds good certificates whose
// NotAfter is strictly before now+within, expired ones included, soonest
// first, and pages through equal expiry times.
func testExpiringCertificates(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	const within = 30 * 24 * time.Hour
	mk := func(serial string, notAfter time.Time) *pki.Certificate {
		c := f.cert(o.issuing.ID, serial, 0)
		c.NotBefore, c.NotAfter = notAfter.Add(-365*24*time.Hour), notAfter
		must(t, f.db.CreateCertificate(f.a, c))
		return c
	}
	edge := f.now.Add(within)
	mk("a1", edge)                        // exactly at the boundary: out
	mk("a2", edge.Add(-time.Microsecond)) // just inside
	mk("a3", f.now.Add(-time.Hour))       // already expired: in
	mk("a4", edge.Add(time.Hour))         // later: out
	mk("a5", f.now.Add(time.Hour))        // in
	mk("a6", f.now.Add(time.Hour))        // same expiry as a5: in
	mk("a7", f.now.Add(2*time.Hour))      // revoked below: out
	mk("a8", edge.Add(-time.Microsecond)) // same expiry as a2: in
	_, err := f.db.RevokeCertificate(f.a, "a7", pki.ReasonSuperseded)
	must(t, err)
	want := []string{"a3", "a5", "a6", "a2", "a8"}
	for _, limit := range []int{0, 1, 2} {
		var got []string
		fl := pki.CertificateFilter{ExpiringWithin: within, Limit: limit}
		for range 10 {
			l, next, err := f.db.ListCertificates(f.a, fl)
			must(t, err)
			for _, c := range l {
				got = append(got, c.Serial)
			}
			if next == "" {
				break
			}
			fl.Cursor = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: expiring = %v; want %v", limit, got, want)
		}
	}
	n, err := f.db.CountCertificates(f.a, pki.CertificateFilter{ExpiringWithin: within})
	if err != nil || n != len(want) {
		t.Errorf("count = %d, %v; want %d", n, err, len(want))
	}
	// The window follows the store's clock.
	f.now = f.now.Add(time.Microsecond)
	n, _ = f.db.CountCertificates(f.a, pki.CertificateFilter{ExpiringWithin: within})
	if n != len(want)+1 {
		t.Errorf("a microsecond later: count = %d; want %d", n, len(want)+1)
	}
	_, _, err = f.db.ListCertificates(f.a, pki.CertificateFilter{ExpiringWithin: within, Cursor: base64.RawURLEncoding.EncodeToString([]byte("12"))})
	wantCode(t, err, airtight.EInvalid)
}

func (f *fixture) token(ctx context.Context, deviceID int64, hash string, expires time.Time) *pki.EnrollmentToken {
	f.t.Helper()
	tok := &pki.EnrollmentToken{DeviceID: deviceID, Profile: pki.ProfileDeviceLDevID, Hash: hash, ExpiresAt: expires}
	must(f.t, f.db.CreateEnrollmentToken(ctx, tok))
	return tok
}

func testEnrollmentTokens(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	tok := f.token(f.a, o.deviceID, "hash-1", f.now.Add(time.Hour))
	if tok.ID == 0 || tok.OrgID != f.orgA.ID || tok.CreatedBy != "admin@hospital-a" || tok.UsedAt != nil {
		t.Errorf("created = %+v", tok)
	}
	f.now = f.now.Add(time.Minute)
	used, err := f.db.UseEnrollmentToken(t.Context(), "hash-1")
	must(t, err)
	want := *tok
	want.UsedAt = ptr(f.now)
	if diff := cmp.Diff(&want, used); diff != "" {
		t.Errorf("used (-want +got):\n%s", diff)
	}
	_, err = f.db.UseEnrollmentToken(t.Context(), "hash-1") // unexpired, but used
	wantCode(t, err, airtight.EUnauthorized)
	f.token(f.a, o.deviceID, "hash-2", f.now.Add(time.Hour))
	f.now = f.now.Add(time.Hour) // hash-2 expires exactly now
	var msgs []string
	for _, h := range []string{"hash-1", "hash-2", "unknown", ""} {
		_, err := f.db.UseEnrollmentToken(t.Context(), h)
		wantCode(t, err, airtight.EUnauthorized)
		msgs = append(msgs, airtight.ErrorMessage(err))
	}
	if len(slices.Compact(slices.Clone(msgs))) != 1 {
		t.Errorf("refusals tell reasons apart: %q", msgs)
	}
	ldev := pki.ProfileDeviceLDevID
	for name, bad := range map[string]*pki.EnrollmentToken{
		"no device":          {Profile: ldev, Hash: "h", ExpiresAt: f.now.Add(time.Hour)},
		"unknown device":     {DeviceID: 999, Profile: ldev, Hash: "h", ExpiresAt: f.now.Add(time.Hour)},
		"no profile":         {DeviceID: o.deviceID, Hash: "h", ExpiresAt: f.now.Add(time.Hour)},
		"unknown profile":    {DeviceID: o.deviceID, Profile: "p", Hash: "h", ExpiresAt: f.now.Add(time.Hour)},
		"not device profile": {DeviceID: o.deviceID, Profile: pki.ProfileServer, Hash: "h", ExpiresAt: f.now.Add(time.Hour)},
		"no hash":            {DeviceID: o.deviceID, Profile: ldev, ExpiresAt: f.now.Add(time.Hour)},
		"past expiry":        {DeviceID: o.deviceID, Profile: ldev, Hash: "h", ExpiresAt: f.now},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, f.db.CreateEnrollmentToken(f.a, bad), airtight.EInvalid) })
	}
	wantCode(t, f.db.CreateEnrollmentToken(f.a, &pki.EnrollmentToken{DeviceID: o.deviceID, Profile: ldev, Hash: "hash-1",
		ExpiresAt: f.now.Add(time.Hour)}), airtight.EConflict)
	// Deleting the device deletes its tokens.
	f.token(f.a, o.deviceID, "hash-3", f.now.Add(time.Hour))
	must(t, f.db.DeleteDevice(f.a, o.deviceID))
	_, err = f.db.UseEnrollmentToken(t.Context(), "hash-3")
	wantCode(t, err, airtight.EUnauthorized)
}

// testEnrollmentTokenSingleUse: of two concurrent uses of one token,
// exactly one succeeds, round after round.
func testEnrollmentTokenSingleUse(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	for round := range 10 {
		hash := fmt.Sprintf("race-%d", round)
		f.token(f.a, o.deviceID, hash, f.now.Add(time.Hour))
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.db.UseEnrollmentToken(context.Background(), hash)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if airtight.ErrorCode(err) != airtight.EUnauthorized {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d of 2 concurrent uses succeeded", round, ok)
		}
	}
	es, err := f.db.ListEntries(f.a, audit.Filter{Action: "enrollment_token.use"})
	must(t, err)
	if len(es) != 10 {
		t.Errorf("%d use entries; want 10", len(es))
	}
}

func testTrustAnchors(t *testing.T, f *fixture) {
	x := &pki.TrustAnchor{Name: " Acme IDevID CA ", CertDER: []byte("anchor-der")}
	must(t, f.db.AddTrustAnchor(f.a, x))
	y := &pki.TrustAnchor{Name: "Bravo IDevID CA", CertDER: []byte("anchor-2")}
	must(t, f.db.AddTrustAnchor(f.a, y))
	if x.Name != "Acme IDevID CA" || x.OrgID != f.orgA.ID || !x.CreatedAt.Equal(f.now) {
		t.Errorf("added = %+v", x)
	}
	// Unscoped: listed by organization ID, whoever asks.
	got, err := f.db.ListTrustAnchors(t.Context(), f.orgA.ID)
	must(t, err)
	if diff := cmp.Diff([]*pki.TrustAnchor{x, y}, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	wantCode(t, f.db.AddTrustAnchor(f.a, &pki.TrustAnchor{Name: "Acme IDevID CA", CertDER: []byte("z")}), airtight.EConflict)
	wantCode(t, f.db.AddTrustAnchor(f.a, &pki.TrustAnchor{Name: "", CertDER: []byte("z")}), airtight.EInvalid)
	wantCode(t, f.db.AddTrustAnchor(f.a, &pki.TrustAnchor{Name: "N"}), airtight.EInvalid)
	must(t, f.db.AddTrustAnchor(f.b, &pki.TrustAnchor{Name: "Acme IDevID CA", CertDER: []byte("z")}))
	if l, _ := f.db.ListTrustAnchors(t.Context(), f.orgB.ID); len(l) != 1 || l[0].OrgID != f.orgB.ID {
		t.Errorf("B's anchors = %v", l)
	}
}

// testPKIAudit: every change appends one entry with its action, in the
// right organization, and no summary holds a DER, a key reference or a
// token hash.
func testPKIAudit(t *testing.T, f *fixture) {
	_, _, v := f.chain(f.a, "Acme")
	dev := f.device(f.a, v.ID, "D1")
	root := &pki.CA{Name: "Root", Kind: pki.RootCA, CertDER: []byte("SECRET-ROOT-DER"), KeyRef: "pkcs11:object=root;pin-value=SECRET-PIN",
		NotAfter: f.now.AddDate(10, 0, 0)}
	c := f.cert(0, "c0ffee", dev.ID)
	c.DER = []byte("SECRET-CERT-DER")
	tok := &pki.EnrollmentToken{DeviceID: dev.ID, Profile: pki.ProfileDeviceLDevID, Hash: "SECRET-TOKEN-HASH", ExpiresAt: f.now.Add(time.Hour)}
	steps := []struct {
		action, target string
		actor          string
		fn             func() error
	}{
		{"ca.create", "", "admin@hospital-a", func() error { return f.db.CreateCA(f.a, root) }},
		{"certificate.issue", "c0ffee", "admin@hospital-a", func() error { c.CAID = root.ID; return f.db.CreateCertificate(f.a, c) }},
		{"certificate.revoke", "c0ffee", "admin@hospital-a", func() error {
			_, err := f.db.RevokeCertificate(f.a, "C0FFEE", pki.ReasonKeyCompromise)
			return err
		}},
		{"enrollment_token.create", "", "admin@hospital-a", func() error { return f.db.CreateEnrollmentToken(f.a, tok) }},
		{"enrollment_token.use", "", "est", func() error { _, err := f.db.UseEnrollmentToken(context.Background(), tok.Hash); return err }},
		{"trust_anchor.add", "", "admin@hospital-a", func() error {
			return f.db.AddTrustAnchor(f.a, &pki.TrustAnchor{Name: "Maker", CertDER: []byte("SECRET-ANCHOR-DER")})
		}},
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
		e := es[n]
		if e.Action != s.action || e.OrgID != f.orgA.ID || e.ActorName != s.actor || (s.target != "" && e.TargetID != s.target) {
			t.Errorf("%s: entry = %+v", s.action, e)
		}
	}
	if e := f.entries(); e[len(e)-2].ActorKind != string(airtight.ActorSystem) {
		t.Errorf("token use attributed to %s", e[len(e)-2].ActorKind)
	}
	for _, e := range f.entries() {
		s := string(e.Summary)
		for _, secret := range []string{"SECRET", base64.StdEncoding.EncodeToString([]byte("SECRET-CERT-DER"))[:12], "pkcs11"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s summary %s holds a secret", e.Action, s)
			}
		}
	}
	issued := f.entries()[len(f.entries())-5]
	for _, k := range []string{`"serial":"c0ffee"`, `"profile":"device-ldevid"`, `"subject":`, fmt.Sprintf(`"device_id":%d`, dev.ID), `"not_after":`} {
		if !strings.Contains(string(issued.Summary), k) {
			t.Errorf("issue summary %s lacks %s", issued.Summary, k)
		}
	}
	// Failed changes append nothing.
	n := len(f.entries())
	wantCode(t, f.db.CreateCertificate(f.a, f.cert(root.ID, "C0FFEE", 0)), airtight.EConflict)
	_, err := f.db.UseEnrollmentToken(context.Background(), tok.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	if len(f.entries()) != n {
		t.Error("a failed change left an audit entry")
	}
	if p, n, err := f.db.VerifyAudit(context.Background()); err != nil || p != nil || n != int64(len(f.entries())) {
		t.Errorf("verify = %v, %d, %v", p, n, err)
	}
}

func testPKINoActor(t *testing.T, f *fixture) {
	ctx := t.Context()
	calls := map[string]func() error{
		"CreateCA":              func() error { return f.db.CreateCA(ctx, &pki.CA{Name: "x", Kind: pki.RootCA, CertDER: []byte("x")}) },
		"ListCAs":               func() error { _, err := f.db.ListCAs(ctx); return err },
		"FindCA":                func() error { _, err := f.db.FindCA(ctx, 1); return err },
		"CreateCertificate":     func() error { return f.db.CreateCertificate(ctx, f.cert(1, "1", 0)) },
		"FindCertificate":       func() error { _, err := f.db.FindCertificate(ctx, "1"); return err },
		"ListCertificates":      func() error { _, _, err := f.db.ListCertificates(ctx, pki.CertificateFilter{}); return err },
		"CountCertificates":     func() error { _, err := f.db.CountCertificates(ctx, pki.CertificateFilter{}); return err },
		"RevokeCertificate":     func() error { _, err := f.db.RevokeCertificate(ctx, "1", 0); return err },
		"WalkRevoked":           func() error { return f.db.WalkRevoked(ctx, 1, func(pki.Revoked) error { return nil }) },
		"WalkRevokedSince":      func() error { return f.db.WalkRevokedSince(ctx, 1, f.now, func(pki.Revoked) error { return nil }) },
		"CreateEnrollmentToken": func() error { return f.db.CreateEnrollmentToken(ctx, &pki.EnrollmentToken{}) },
		"AddTrustAnchor":        func() error { return f.db.AddTrustAnchor(ctx, &pki.TrustAnchor{Name: "x", CertDER: []byte("x")}) },
	}
	for name, fn := range calls {
		t.Run(name, func(t *testing.T) { wantCode(t, fn(), airtight.EUnauthorized) })
	}
}

// TestPKIQueryPlans checks that SQLite answers the PKI's hot queries from
// their indexes, with no sort, and walks revocations from the index alone.
func TestPKIQueryPlans(t *testing.T) {
	db := openSQLiteDB(t)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	list := func(f pki.CertificateFilter) (string, []any) {
		q, err := certConds(1, &f, now)
		must(t, err)
		must(t, q.cursor(f.Cursor))
		return q.sql(), append(q.c.args, 51)
	}
	expQ, expArgs := list(pki.CertificateFilter{ExpiringWithin: time.Hour})
	curQ, curArgs := list(pki.CertificateFilter{ExpiringWithin: time.Hour, Cursor: base64.RawURLEncoding.EncodeToString([]byte("5.7"))})
	devQ, devArgs := list(pki.CertificateFilter{DeviceID: 3})
	allQ, allArgs := list(pki.CertificateFilter{})
	for _, tc := range []struct {
		name, query string
		args        []any
		index       string
	}{
		{"expiring", expQ, expArgs, "INDEX certificates_expiry"},
		{"expiring after a cursor", curQ, curArgs, "INDEX certificates_expiry"},
		{"device", devQ, devArgs, "INDEX certificates_device"},
		{"all", allQ, allArgs, "INDEX certificates_org"},
		{"walk revoked", revokedBatchQuery, []any{1, "", 10}, "COVERING INDEX certificates_revoked ("},
		{"find", `SELECT ` + certCols + ` FROM certificates WHERE org_id = ? AND serial = ?`, []any{1, "a"}, "INDEX sqlite_autoindex_certificates_1"},
		{"find unscoped", `SELECT ` + certCols + ` FROM certificates WHERE org_id = (SELECT org_id FROM cas WHERE id = ?) AND serial = ? AND ca_id = ?`,
			[]any{1, "a", 1}, "INDEX sqlite_autoindex_certificates_1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := explain(t, db, tc.query, tc.args...)
			if !strings.Contains(plan, tc.index) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan does not use %s without a sort:\n%s", tc.index, plan)
			}
		})
	}
}

func explain(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.query(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
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

// testCertificateSpendingToken: a certificate is recorded together with the
// spending of its enrollment token, or not at all; of two concurrent
// issuances on one token exactly one is recorded; FindEnrollmentToken
// changes nothing.
func testCertificateSpendingToken(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	f.token(f.a, o.deviceID, "spend-1", f.now.Add(time.Hour))
	found, err := f.db.FindEnrollmentToken(t.Context(), "spend-1")
	must(t, err)
	if found.UsedAt != nil || found.DeviceID != o.deviceID {
		t.Fatalf("found = %+v", found)
	}
	if _, err := f.db.FindEnrollmentToken(t.Context(), "spend-1"); err != nil {
		t.Fatalf("looking a token up spent it: %v", err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := &pki.Certificate{Serial: fmt.Sprintf("5e%d", i), CAID: o.issuing.ID, DeviceID: o.deviceID, Profile: pki.ProfileDeviceLDevID,
				Subject: "CN=x", NotBefore: f.now, NotAfter: f.now.Add(time.Hour), DER: []byte{0x30, 0x00}}
			errs[i] = f.db.CreateCertificateSpendingToken(f.a, c, "spend-1")
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if airtight.ErrorCode(err) != airtight.EUnauthorized {
			t.Fatal(err)
		}
	}
	certs, _, err := f.db.ListCertificates(f.a, pki.CertificateFilter{DeviceID: o.deviceID})
	must(t, err)
	if ok != 1 || len(certs) != 1 {
		t.Fatalf("%d issuances succeeded, %d certificates recorded; want 1 and 1", ok, len(certs))
	}
	_, err = f.db.FindEnrollmentToken(t.Context(), "spend-1")
	wantCode(t, err, airtight.EUnauthorized)

	// Another organization cannot spend A's token, and nothing is recorded.
	ob := f.pkiOrg(f.b, "B")
	f.token(f.a, o.deviceID, "spend-2", f.now.Add(time.Hour))
	c := &pki.Certificate{Serial: "6f", CAID: ob.issuing.ID, DeviceID: ob.deviceID, Profile: pki.ProfileDeviceLDevID,
		Subject: "CN=y", NotBefore: f.now, NotAfter: f.now.Add(time.Hour), DER: []byte{0x30, 0x00}}
	wantCode(t, f.db.CreateCertificateSpendingToken(f.b, c, "spend-2"), airtight.EUnauthorized)
	if _, err := f.db.FindEnrollmentToken(t.Context(), "spend-2"); err != nil {
		t.Errorf("a refused issuance spent the token: %v", err)
	}
	if _, err := f.db.FindCertificate(f.b, "6f"); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("a refused issuance recorded its certificate: %v", err)
	}
}
