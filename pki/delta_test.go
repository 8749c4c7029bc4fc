package pki_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidFreshestCRL       = asn1.ObjectIdentifier{2, 5, 29, 46}
)

// testClock is a settable clock shared by the Authority and the fake store.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newClockFixture is a fixture whose Authority and store read one clock,
// which starts at start.
func newClockFixture(t testing.TB, start time.Time, opts ...pki.Option) (*fixture, *testClock) {
	t.Helper()
	c := &testClock{t: start.UTC().Truncate(time.Second)}
	f := newFixture(t, "ecdsa-p256", append([]pki.Option{pki.WithClock(c.now)}, opts...)...)
	f.store.now = c.now
	return f, c
}

// issueN issues n device certificates and returns their serials.
func (f *fixture) issueN(t testing.TB, n int) []string {
	t.Helper()
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	var serials []string
	for range n {
		c, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"})
		if err != nil {
			t.Fatal(err)
		}
		serials = append(serials, c.Serial)
	}
	return serials
}

func (f *fixture) revoke(t testing.TB, serial string) {
	t.Helper()
	if _, err := f.auth.Revoke(f.ctx, serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
}

// parseCRL parses and checks a CRL of the issuing CA.
func (f *fixture) parseCRL(t testing.TB, der []byte, err error) *x509.RevocationList {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("parse CRL: %v", err)
	}
	if err := crl.CheckSignatureFrom(f.issuingC); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	return crl
}

func (f *fixture) full(t testing.TB) *x509.RevocationList {
	t.Helper()
	der, err := f.auth.CRL(f.ctx, f.issuing.ID)
	return f.parseCRL(t, der, err)
}

func (f *fixture) delta(t testing.TB) *x509.RevocationList {
	t.Helper()
	der, err := f.auth.DeltaCRL(f.ctx, f.issuing.ID)
	return f.parseCRL(t, der, err)
}

// entries returns the serials a CRL lists, sorted.
func entries(crl *x509.RevocationList) []string {
	var out []string
	for _, e := range crl.RevokedCertificateEntries {
		out = append(out, pki.FormatSerial(e.SerialNumber))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func findExt(t testing.TB, crl *x509.RevocationList, oid asn1.ObjectIdentifier) (value []byte, critical, ok bool) {
	t.Helper()
	for _, e := range crl.Extensions {
		if e.Id.Equal(oid) {
			return e.Value, e.Critical, true
		}
	}
	return nil, false, false
}

// baseNumber returns a delta CRL's DeltaCRLIndicator, checking it is critical.
func baseNumber(t testing.TB, crl *x509.RevocationList) *big.Int {
	t.Helper()
	v, critical, ok := findExt(t, crl, oidDeltaCRLIndicator)
	if !ok || !critical {
		t.Fatalf("delta CRL indicator present %v, critical %v", ok, critical)
	}
	n := new(big.Int)
	if rest, err := asn1.Unmarshal(v, &n); err != nil || len(rest) != 0 {
		t.Fatalf("delta CRL indicator %x: %v", v, err)
	}
	return n
}

// freshestURLs decodes a full CRL's FreshestCRL extension.
func freshestURLs(t testing.TB, crl *x509.RevocationList) []string {
	t.Helper()
	v, critical, ok := findExt(t, crl, oidFreshestCRL)
	if !ok {
		return nil
	}
	if critical {
		t.Error("FreshestCRL is critical")
	}
	var dps []struct {
		Name struct {
			FullName []asn1.RawValue `asn1:"optional,tag:0"`
		} `asn1:"optional,tag:0"`
	}
	if rest, err := asn1.Unmarshal(v, &dps); err != nil || len(rest) != 0 {
		t.Fatalf("FreshestCRL %x: %v", v, err)
	}
	var urls []string
	for _, dp := range dps {
		for _, n := range dp.Name.FullName {
			if n.Class == asn1.ClassContextSpecific && n.Tag == 6 {
				urls = append(urls, string(n.Bytes))
			}
		}
	}
	return urls
}

// TestDeltaCRL follows a delta across revocations before and after its
// base, a full CRL rebuilt by a revocation, and the base moving on.
func TestDeltaCRL(t *testing.T) {
	f, clock := newClockFixture(t, time.Now())
	s := f.issueN(t, 4)
	f.revoke(t, s[0])
	clock.add(2 * time.Minute)
	base := f.full(t)
	if got := entries(base); !slices.Equal(got, []string{s[0]}) {
		t.Fatalf("base entries %v", got)
	}
	wantURL := fmt.Sprintf("%s/pki/crl/%d-delta.crl", testURL, f.issuing.ID)
	if urls := freshestURLs(t, base); !slices.Equal(urls, []string{wantURL}) {
		t.Errorf("FreshestCRL %v, want %s", urls, wantURL)
	}
	if _, _, ok := findExt(t, base, oidDeltaCRLIndicator); ok {
		t.Error("full CRL has a delta CRL indicator")
	}

	clock.add(time.Minute)
	f.revoke(t, s[1])
	d1 := f.delta(t)
	if got := entries(d1); !slices.Equal(got, []string{s[1]}) {
		t.Fatalf("delta entries %v, want only %s (revoked after the base)", got, s[1])
	}
	if n := baseNumber(t, d1); n.Cmp(base.Number) != 0 {
		t.Errorf("delta indicator %v, base number %v", n, base.Number)
	}
	if d1.Number.Cmp(base.Number) <= 0 {
		t.Errorf("delta number %v not above base %v", d1.Number, base.Number)
	}
	if v := d1.NextUpdate.Sub(d1.ThisUpdate); v != pki.DefaultDeltaCRLValidity {
		t.Errorf("delta validity %s", v)
	}
	if _, _, ok := findExt(t, d1, oidFreshestCRL); ok {
		t.Error("delta CRL has FreshestCRL")
	}
	if !bytes.Equal(d1.AuthorityKeyId, f.issuingC.SubjectKeyId) {
		t.Error("delta AKI")
	}

	// The revocation rebuilds the full CRL, but the delta keeps its base,
	// the full CRL mirrors may hold; it also works with the newer one.
	full2 := f.full(t)
	if got := entries(full2); !slices.Equal(got, sorted(s[0], s[1])) || full2.Number.Cmp(d1.Number) <= 0 {
		t.Fatalf("full CRL after the revocation: %v, number %v (delta %v)", got, full2.Number, d1.Number)
	}
	clock.add(time.Minute)
	f.revoke(t, s[2])
	d2 := f.delta(t)
	if got := entries(d2); !slices.Equal(got, sorted(s[1], s[2])) {
		t.Fatalf("second delta entries %v", got)
	}
	if n := baseNumber(t, d2); n.Cmp(base.Number) != 0 || d2.Number.Cmp(full2.Number) <= 0 {
		t.Errorf("second delta: indicator %v (base %v), number %v (last full %v)", n, base.Number, d2.Number, full2.Number)
	}

	// Once the base is older than the refresh period, the delta moves to a
	// new full CRL, which lists everything so far.
	clock.add(4 * 24 * time.Hour)
	d3 := f.delta(t)
	full3 := f.full(t)
	if n := baseNumber(t, d3); n.Cmp(full3.Number) != 0 || n.Cmp(d2.Number) <= 0 {
		t.Fatalf("after the refresh period: indicator %v, full CRL %v, previous delta %v", n, full3.Number, d2.Number)
	}
	if got := entries(full3); !slices.Equal(got, sorted(s[0], s[1], s[2])) || len(d3.RevokedCertificateEntries) != 0 {
		t.Errorf("new base %v, delta %v", got, entries(d3))
	}
	if d3.Number.Cmp(full3.Number) <= 0 {
		t.Errorf("delta number %v not above its base %v", d3.Number, full3.Number)
	}
	clock.add(time.Minute)
	f.revoke(t, s[3])
	if got := entries(f.delta(t)); !slices.Equal(got, []string{s[3]}) {
		t.Errorf("delta on the new base: %v", got)
	}
}

// TestDeltaCRLOverlap: a certificate revoked just before the base's
// thisUpdate (within the overlap) is listed by the delta too.
func TestDeltaCRLOverlap(t *testing.T) {
	f, _ := newClockFixture(t, time.Now())
	s := f.issueN(t, 2)
	f.revoke(t, s[0])
	base := f.full(t) // same instant: s[0] is in the base and, to be safe, in the delta
	f.revoke(t, s[1])
	d := f.delta(t)
	if got := entries(d); !slices.Equal(got, sorted(s[0], s[1])) || baseNumber(t, d).Cmp(base.Number) != 0 {
		t.Errorf("delta entries %v", got)
	}
}

func TestDeltaCRLCache(t *testing.T) {
	f, clock := newClockFixture(t, time.Now(), pki.WithDeltaCRLValidity(20*time.Minute))
	s := f.issueN(t, 1)
	a, err := f.auth.DeltaCRL(f.ctx, f.issuing.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.parseCRL(t, a, nil).RevokedCertificateEntries) != 0 {
		t.Error("empty delta has entries")
	}
	clock.add(9 * time.Minute)
	if b, _ := f.auth.DeltaCRL(f.ctx, f.issuing.ID); !bytes.Equal(a, b) {
		t.Error("delta rebuilt without cause")
	}
	clock.add(2 * time.Minute) // past half the delta's validity
	b, _ := f.auth.DeltaCRL(f.ctx, f.issuing.ID)
	if bytes.Equal(a, b) {
		t.Fatal("delta not rebuilt after half its validity")
	}
	if v := f.parseCRL(t, b, nil); v.NextUpdate.Sub(v.ThisUpdate) != 20*time.Minute {
		t.Errorf("delta validity %s", v.NextUpdate.Sub(v.ThisUpdate))
	}
	f.revoke(t, s[0])
	c := f.delta(t)
	if got := entries(c); !slices.Equal(got, s) {
		t.Errorf("revocation did not invalidate the cached delta: %v", got)
	}
}

func TestDeltaCRLPublicAndScoped(t *testing.T) {
	f, _ := newClockFixture(t, time.Now())
	if _, err := f.auth.DeltaCRL(context.Background(), f.issuing.ID); err != nil {
		t.Errorf("anonymous delta CRL: %v", err)
	}
	if _, err := f.auth.DeltaCRL(f.ctx, 999); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("unknown CA: %v", err)
	}
}

func TestDeltaCRLNeedsDeltaStore(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	auth := pki.NewAuthority(struct{ pki.Store }{f.store}, f.keys)
	_, err := auth.DeltaCRL(f.ctx, f.issuing.ID)
	if !errors.Is(err, pki.ErrNoDeltaCRL) || airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("store without WalkRevokedSince: %v", err)
	}
	if _, err := auth.CRL(f.ctx, f.issuing.ID); err != nil {
		t.Errorf("full CRL: %v", err)
	}
}

func TestFullCRLWithoutPublicURLNamesNoDelta(t *testing.T) {
	f := newFixture(t, "ecdsa-p256", pki.WithPublicURL(""))
	if _, _, ok := findExt(t, f.full(t), oidFreshestCRL); ok {
		t.Error("FreshestCRL without a public URL")
	}
}
