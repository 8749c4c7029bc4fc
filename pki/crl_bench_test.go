package pki_test

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/pki"
)

// fillRevoked adds n revoked entries (random 128-bit serials, mixed
// reasons) to the CA in the fake store.
func fillRevoked(f *fixture, caID int64, n int) {
	buf := make([]byte, 16*n)
	rand.Read(buf)
	rs := make([]pki.Revoked, n)
	at := time.Now().UTC().Truncate(time.Second)
	for i := range rs {
		b := buf[16*i : 16*i+16]
		b[0] |= 0x01 // no leading zero byte: serials stay 128-bit, like issued ones
		rs[i] = pki.Revoked{Serial: hex.EncodeToString(b), RevokedAt: at.Add(-time.Duration(i) * time.Second), Reason: pki.Reason(i % 6)}
	}
	slices.SortFunc(rs, func(a, b pki.Revoked) int { return strings.Compare(a.Serial, b.Serial) })
	f.store.bulk[caID] = rs
}

func TestLargeCRLParses(t *testing.T) {
	f := newFixture(t, "ecdsa-p256")
	fillRevoked(f, f.issuing.ID, 20000)
	der, err := f.auth.CRL(f.ctx, f.issuing.ID)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(f.issuingC); err != nil {
		t.Fatal(err)
	}
	if n := len(crl.RevokedCertificateEntries); n != 20000 {
		t.Fatalf("%d entries", n)
	}
	want := f.store.bulk[f.issuing.ID]
	for i, e := range crl.RevokedCertificateEntries {
		w := want[i]
		if pki.FormatSerial(e.SerialNumber) != strings.TrimLeft(w.Serial, "0") || e.ReasonCode != int(w.Reason) || !e.RevocationTime.Equal(w.RevokedAt) {
			t.Fatalf("entry %d: %s %d %s, want %+v", i, e.SerialNumber.Text(16), e.ReasonCode, e.RevocationTime, w)
		}
	}
}

// BenchmarkCRL1M builds (and signs) the full CRL of a CA with 1,000,000
// revoked certificates, streamed from the fake store. Each iteration
// bypasses the cache by revoking through the CA's generation counter.
func BenchmarkCRL1M(b *testing.B) {
	for _, alg := range []string{"ecdsa-p256", "rsa-3072"} {
		b.Run(alg, func(b *testing.B) {
			f := newFixture(b, alg, pki.WithCRLRefresh(time.Nanosecond))
			fillRevoked(f, f.issuing.ID, 1_000_000)
			runtime.GC()
			b.ResetTimer()
			var size int
			for b.Loop() {
				der, err := f.auth.CRL(f.ctx, f.issuing.ID)
				if err != nil {
					b.Fatal(err)
				}
				size = len(der)
			}
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}
