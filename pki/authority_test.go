package pki_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

func TestInitHierarchy(t *testing.T) {
	for _, alg := range pki.KeyAlgorithms {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			r, i := f.rootC, f.issuingC
			if !r.IsCA || r.MaxPathLen != 1 || !bytes.Equal(r.RawIssuer, r.RawSubject) {
				t.Errorf("root: IsCA=%v pathlen=%d", r.IsCA, r.MaxPathLen)
			}
			if !i.IsCA || i.MaxPathLen != 0 || !i.MaxPathLenZero {
				t.Errorf("issuing: IsCA=%v pathlen=%d zero=%v", i.IsCA, i.MaxPathLen, i.MaxPathLenZero)
			}
			if err := i.CheckSignatureFrom(r); err != nil {
				t.Errorf("issuing not signed by root: %v", err)
			}
			if len(i.SubjectKeyId) == 0 || !bytes.Equal(i.AuthorityKeyId, r.SubjectKeyId) {
				t.Errorf("AKI/SKI: aki=%x root ski=%x", i.AuthorityKeyId, r.SubjectKeyId)
			}
			wantCRL := fmt.Sprintf("%s/pki/crl/%d.crl", testURL, f.root.ID)
			if len(i.CRLDistributionPoints) != 1 || i.CRLDistributionPoints[0] != wantCRL {
				t.Errorf("CRL DP = %v, want %s", i.CRLDistributionPoints, wantCRL)
			}
			if f.issuing.ParentID != f.root.ID || f.issuing.Kind != pki.IssuingCA {
				t.Errorf("issuing CA record: %+v", f.issuing)
			}
			chain, err := f.auth.Chain(f.ctx, 0)
			if err != nil || len(chain) != 2 || !chain[0].Equal(i) || !chain[1].Equal(r) {
				t.Fatalf("Chain: %v (%d certificates)", err, len(chain))
			}
			// The issuing CA's certificate is recorded under the root, so it can be revoked.
			rec, err := f.store.FindCertificate(f.ctx, pki.FormatSerial(i.SerialNumber))
			if err != nil || rec.CAID != f.root.ID || rec.Profile != pki.ProfileIssuingCA {
				t.Errorf("issuing certificate record: %+v, %v", rec, err)
			}
		})
	}
}

func TestInitTwiceConflicts(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	_, _, err := f.auth.Init(f.ctx, pki.InitOptions{})
	if airtight.ErrorCode(err) != airtight.EConflict {
		t.Fatalf("second Init: %v, want conflict", err)
	}
}

func TestInitOptionsRejected(t *testing.T) {
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(1, "test"))
	tests := map[string]pki.InitOptions{
		"unknown algorithm":      {Algorithm: "dsa-1024"},
		"offline root no sink":   {OfflineRoot: true, OfflineRootPassphrase: []byte("correct horse battery")},
		"issuing outlives root":  {RootLife: time.Hour, IssuingLife: 2 * time.Hour},
		"name too long for a CN": {Name: strings.Repeat("x", 80)},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			a := pki.NewAuthority(newMemStore(), newMemKeys())
			if _, _, err := a.Init(ctx, o); airtight.ErrorCode(err) != airtight.EInvalid {
				t.Fatalf("Init: %v, want invalid", err)
			}
		})
	}
	a := pki.NewAuthority(newMemStore(), newMemKeys())
	if _, _, err := a.Init(context.Background(), pki.InitOptions{}); airtight.ErrorCode(err) != airtight.EUnauthorized {
		t.Fatalf("Init without actor: %v", err)
	}
}

func TestOfflineRoot(t *testing.T) {
	store, keys := newMemStore(), newMemKeys()
	a := pki.NewAuthority(store, keys, pki.WithPublicURL(testURL))
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(1, "test"))
	var sealed []byte
	root, issuing, err := a.Init(ctx, pki.InitOptions{OfflineRoot: true, OfflineRootPassphrase: []byte("correct horse battery"),
		OfflineRootSink: func(b []byte) error { sealed = b; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !root.Offline || root.KeyRef != "" || len(sealed) == 0 {
		t.Fatalf("root: offline=%v ref=%q sealed=%d bytes", root.Offline, root.KeyRef, len(sealed))
	}
	if len(keys.keys) != 1 {
		t.Fatalf("key store holds %d keys, want only the issuing key", len(keys.keys))
	}
	if _, _, err := a.OCSPSigner(ctx, root.ID); airtight.ErrorCode(err) != airtight.EInvalid {
		t.Errorf("OCSPSigner(offline root): %v", err)
	}
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	c, err := a.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"})
	if err != nil || c.CAID != issuing.ID {
		t.Fatalf("Issue under offline root: %v", err)
	}

	// A failing sink leaves nothing behind.
	store2, keys2 := newMemStore(), newMemKeys()
	a2 := pki.NewAuthority(store2, keys2)
	_, _, err = a2.Init(ctx, pki.InitOptions{OfflineRoot: true, OfflineRootPassphrase: []byte("correct horse battery"),
		OfflineRootSink: func([]byte) error { return fmt.Errorf("disk full") }})
	if err == nil || len(store2.cas) != 0 || len(keys2.keys) != 0 {
		t.Fatalf("failed sink: err=%v, %d CAs, %d keys", err, len(store2.cas), len(keys2.keys))
	}
}

func TestIssueScoping(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	other := airtight.NewContext(context.Background(), airtight.SystemActor(2, "other"))
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	req := pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"}
	if _, err := f.auth.Issue(other, req); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("org without CA: %v, want not found", err)
	}
	req.CAID = f.issuing.ID
	if _, err := f.auth.Issue(f.ctx, req); err != nil {
		t.Fatalf("own CA: %v", err) // loads the CA into the cache
	}
	if _, err := f.auth.Issue(other, req); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Errorf("another organization's CA: %v, want not found", err)
	}
	req.CAID = f.root.ID
	if _, err := f.auth.Issue(f.ctx, req); airtight.ErrorCode(err) != airtight.EInvalid {
		t.Errorf("issuing from the root: %v, want invalid", err)
	}
	if _, err := f.auth.Issue(context.Background(), req); airtight.ErrorCode(err) != airtight.EUnauthorized {
		t.Errorf("no actor: %v", err)
	}
}

func TestSerialsRandomAndUnique(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	seen := map[string]bool{}
	for range 50 {
		c, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceShort, CSR: csr, DeviceSerial: "SN1"})
		if err != nil {
			t.Fatal(err)
		}
		n := c.SerialNumber()
		if seen[c.Serial] || n.Sign() <= 0 || n.BitLen() > 128 || n.BitLen() < 64 {
			t.Fatalf("serial %s: repeated or out of range (%d bits)", c.Serial, n.BitLen())
		}
		seen[c.Serial] = true
	}
}

func TestRevokeAndCRL(t *testing.T) {
	for _, alg := range pki.KeyAlgorithms {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			csr, _ := csrFor(t, "ecdsa-p256", nil)
			var serials []string
			for range 3 {
				c, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"})
				if err != nil {
					t.Fatal(err)
				}
				serials = append(serials, c.Serial)
			}
			crl1 := f.crl(t, 0)
			if _, err := f.auth.Revoke(f.ctx, strings.ToUpper(serials[0]), pki.ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			if _, err := f.auth.Revoke(f.ctx, "0x00"+serials[1], pki.ReasonUnspecified); err != nil {
				t.Fatal(err)
			}
			crl2 := f.crl(t, 2)
			if crl2.Number.Cmp(crl1.Number) <= 0 {
				t.Errorf("CRL number did not grow: %v then %v", crl1.Number, crl2.Number)
			}
			got := map[string]int{}
			for _, e := range crl2.RevokedCertificateEntries {
				got[pki.FormatSerial(e.SerialNumber)] = e.ReasonCode
			}
			if got[serials[0]] != int(pki.ReasonKeyCompromise) || got[serials[1]] != 0 {
				t.Errorf("CRL entries = %v", got)
			}
			if _, ok := got[serials[2]]; ok {
				t.Error("good certificate listed")
			}
		})
	}
}

// crl fetches, parses and checks the issuing CA's CRL.
func (f *fixture) crl(t *testing.T, wantEntries int) *x509.RevocationList {
	t.Helper()
	der, err := f.auth.CRL(f.ctx, f.issuing.ID)
	if err != nil {
		t.Fatalf("CRL: %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("parse CRL: %v", err)
	}
	if err := crl.CheckSignatureFrom(f.issuingC); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != wantEntries {
		t.Fatalf("CRL has %d entries, want %d", len(crl.RevokedCertificateEntries), wantEntries)
	}
	if !bytes.Equal(crl.AuthorityKeyId, f.issuingC.SubjectKeyId) || crl.NextUpdate.Sub(crl.ThisUpdate) != 7*24*time.Hour {
		t.Errorf("CRL AKI %x, validity %s", crl.AuthorityKeyId, crl.NextUpdate.Sub(crl.ThisUpdate))
	}
	return crl
}

func TestCRLCache(t *testing.T) {
	now := time.Now()
	f := newFixture(t, "ecdsa-p256", pki.WithClock(func() time.Time { return now }))
	a, _ := f.auth.CRL(f.ctx, f.issuing.ID)
	b, _ := f.auth.CRL(f.ctx, f.issuing.ID)
	if !bytes.Equal(a, b) {
		t.Error("CRL rebuilt without cause")
	}
	now = now.Add(4 * 24 * time.Hour) // past half the validity
	c, _ := f.auth.CRL(f.ctx, f.issuing.ID)
	if bytes.Equal(b, c) {
		t.Error("CRL not rebuilt after half its validity")
	}
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	cert, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Revoke(f.ctx, cert.Serial, pki.ReasonSuperseded); err != nil {
		t.Fatal(err)
	}
	if crl := f.crl(t, 1); crl.RevokedCertificateEntries[0].ReasonCode != int(pki.ReasonSuperseded) {
		t.Error("revocation did not invalidate the cached CRL")
	}
}

func TestRevokeRejects(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	tests := []struct {
		serial string
		reason pki.Reason
		code   airtight.Code
	}{
		{"zz", pki.ReasonKeyCompromise, airtight.EInvalid},
		{"01", pki.ReasonRemoveFromCRL, airtight.EInvalid},
		{"01", 7, airtight.EInvalid},
		{"0abc", pki.ReasonKeyCompromise, airtight.ENotFound},
	}
	for _, tc := range tests {
		if _, err := f.auth.Revoke(f.ctx, tc.serial, tc.reason); airtight.ErrorCode(err) != tc.code {
			t.Errorf("Revoke(%q, %v) = %v, want %s", tc.serial, tc.reason, err, tc.code)
		}
	}
}

func TestOCSPSignerAndExpiring(t *testing.T) {
	now := time.Now()
	f := newFixture(t, "ecdsa-p256", pki.WithClock(func() time.Time { return now }))
	f.store.now = func() time.Time { return now }
	signer, cert, err := f.auth.OCSPSigner(context.Background(), f.issuing.ID) // unscoped
	if err != nil || !cert.Equal(f.issuingC) || signer == nil {
		t.Fatalf("OCSPSigner: %v", err)
	}
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	short, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceShort, CSR: csr, DeviceSerial: "SN1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "SN1"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.auth.Expiring(f.ctx, 30*24*time.Hour)
	if err != nil || len(got) != 1 || got[0].Serial != short.Serial {
		t.Fatalf("Expiring(30d) = %d certificates, %v; want the short-lived one", len(got), err)
	}
}

func TestChainOfAnotherOrg(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	other := airtight.NewContext(context.Background(), airtight.SystemActor(2, "other"))
	if _, err := f.auth.Chain(other, f.issuing.ID); airtight.ErrorCode(err) != airtight.ENotFound {
		t.Fatalf("Chain of another org's CA: %v", err)
	}
}

func TestConcurrentIssueRevokeCRL(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	errs := make(chan error, 40)
	for range 4 {
		go func() {
			for range 10 {
				c, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "S"})
				if err == nil {
					_, err = f.auth.Revoke(f.ctx, c.Serial, pki.ReasonSuperseded)
				}
				if err == nil {
					_, err = f.auth.CRL(f.ctx, f.issuing.ID)
				}
				errs <- err
			}
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	f.crl(t, 40) // every revocation is on the CRL served afterwards
}
