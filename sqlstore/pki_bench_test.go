package sqlstore

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airtight/airtight/internal/pgtest"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
)

// The PKI benchmarks. The 1,000,000-certificate ones run only when -bench
// selects them; see BENCHMARKS.md for the commands and figures.

// benchDER returns a realistic device certificate (ECDSA P-256, subject
// with serial number, a SAN), about the size EST issues.
func benchDER(b *testing.B) []byte {
	b.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).Lsh(big.NewInt(1), 150),
		Subject:      pkix.Name{CommonName: "infusion-pump-0042", SerialNumber: "SN-0042-ABCDEF", Organization: []string{"Riverside General"}},
		NotBefore:    time.Now(), NotAfter: time.Now().AddDate(1, 0, 0),
		DNSNames: []string{"infusion-pump-0042.devices.riverside.example"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	return der
}

// benchPKI opens a database at url with one organization, a root and an
// issuing CA and one device, and returns a context acting in it.
func benchPKI(b *testing.B, url string) (*DB, context.Context, *pki.CA, int64) {
	b.Helper()
	db, ctx := benchOrgAt(b, url)
	b.Cleanup(func() { db.Close() })
	root := &pki.CA{Name: "Root", Kind: pki.RootCA, CertDER: []byte("root"), Offline: true, NotAfter: time.Now().AddDate(20, 0, 0)}
	issuing := &pki.CA{Name: "Issuing", Kind: pki.IssuingCA, CertDER: []byte("issuing"), KeyRef: "file:issuing", NotAfter: time.Now().AddDate(10, 0, 0)}
	if err := db.CreateCA(ctx, root); err != nil {
		b.Fatal(err)
	}
	issuing.ParentID = root.ID
	if err := db.CreateCA(ctx, issuing); err != nil {
		b.Fatal(err)
	}
	res, err := db.ImportDevices(ctx, records(1, "P"))
	if err != nil || res.Created != 1 {
		b.Fatalf("import: %+v, %v", res, err)
	}
	page, err := db.ListDevices(ctx, inventory.DeviceFilter{})
	if err != nil {
		b.Fatal(err)
	}
	return db, ctx, issuing, page.Devices[0].ID
}

// randSerial returns a random 159-bit serial, as a CA draws them.
func randSerial(r *mrand.Rand) string {
	var buf [20]byte
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	buf[0] &= 0x7f
	buf[0] |= 0x40
	return pki.FormatSerial(new(big.Int).SetBytes(buf[:]))
}

// benchCreate measures CreateCertificate one at a time: one transaction and
// one audit entry per certificate, as EST issuance does.
func benchCreate(b *testing.B, url string) {
	db, ctx, ca, dev := benchPKI(b, url)
	der := benchDER(b)
	r := mrand.New(mrand.NewPCG(1, 2))
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := &pki.Certificate{Serial: randSerial(r), CAID: ca.ID, DeviceID: dev, Profile: pki.ProfileDeviceLDevID,
			Subject: "CN=infusion-pump-0042,serialNumber=SN-0042", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DER: der}
		if err := db.CreateCertificate(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkCreateCertificate: single-row issuance into SQLite (a file, WAL).
// Run with -benchtime=5000x.
func BenchmarkCreateCertificate(b *testing.B) {
	benchCreate(b, filepath.Join(b.TempDir(), "pki.db"))
}

// BenchmarkCreateCertificateParallel: the same from GOMAXPROCS goroutines,
// as concurrent EST requests would.
func BenchmarkCreateCertificateParallel(b *testing.B) {
	db, ctx, ca, dev := benchPKI(b, filepath.Join(b.TempDir(), "pki.db"))
	der := benchDER(b)
	var seed atomic.Uint64
	now := time.Now()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := mrand.New(mrand.NewPCG(seed.Add(1), 7))
		for pb.Next() {
			c := &pki.Certificate{Serial: randSerial(r), CAID: ca.ID, DeviceID: dev, Profile: pki.ProfileDeviceLDevID,
				Subject: "CN=d", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DER: der}
			if err := db.CreateCertificate(ctx, c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkCreateCertificatesBatch: group commit, several certificates (each
// with its audit entry) per transaction.
func BenchmarkCreateCertificatesBatch(b *testing.B) {
	for _, size := range []int{8, 32, 128} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			db, ctx, ca, dev := benchPKI(b, filepath.Join(b.TempDir(), "pki.db"))
			der := benchDER(b)
			r := mrand.New(mrand.NewPCG(5, 6))
			now := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i += size {
				batch := make([]*pki.Certificate, min(size, b.N-i))
				for j := range batch {
					batch[j] = &pki.Certificate{Serial: randSerial(r), CAID: ca.ID, DeviceID: dev, Profile: pki.ProfileDeviceLDevID,
						Subject: "CN=infusion-pump-0042,serialNumber=SN-0042", NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DER: der}
				}
				if err := db.CreateCertificates(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
		})
	}
}

// BenchmarkCreateCertificatePostgres: single-row issuance into PostgreSQL
// (skipped without PostgreSQL).
func BenchmarkCreateCertificatePostgres(b *testing.B) { benchCreate(b, pgtest.URL(b)) }

// seedMillion fills a fresh SQLite file with n certificates of one CA in
// batched INSERTs: random 159-bit serials, expiry spread evenly from 10 days
// ago to two years ahead, revokedEvery-th one revoked (0: none; 1: all). It
// reports the insert rate and the file's size per certificate.
func seedMillion(b *testing.B, n, revokedEvery int) (*DB, context.Context, *pki.CA, []string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "pki.db")
	db, ctx, ca, _ := benchPKI(b, path)
	der := benchDER(b)
	r := mrand.New(mrand.NewPCG(3, 4))
	now := db.Now()
	span := int64(730+10) * int64(24*time.Hour/time.Microsecond)
	var sample []string
	start := time.Now()
	insertCerts(b, db, ca.OrgID, ca.ID, der, n, func(i int) bulkCert {
		c := bulkCert{serial: randSerial(r), notAfter: now.Add(-10*24*time.Hour + time.Duration(r.Int64N(span))*time.Microsecond)}
		c.revoked = revokedEvery > 0 && i%revokedEvery == 0
		if i%(n/1000) == 0 {
			sample = append(sample, c.serial)
		}
		return c
	})
	took := time.Since(start)
	if _, err := db.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d certificates (DER %d bytes) in %v: %.0f certs/s; file %d bytes, %.0f bytes/certificate",
		n, len(der), took.Round(time.Millisecond), float64(n)/took.Seconds(), st.Size(), float64(st.Size())/float64(n))
	return db, ctx, ca, sample
}

// BenchmarkCertificates1M: queries over 1,000,000 certificates in SQLite
// (2% revoked). The seed's insert rate and file size are logged (-v).
func BenchmarkCertificates1M(b *testing.B) {
	db, ctx, ca, sample := seedMillion(b, 1_000_000, 50)
	expiring := pki.CertificateFilter{ExpiringWithin: 30 * 24 * time.Hour}
	n, err := db.CountCertificates(ctx, expiring)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d certificates expire within 30 days", n)
	b.Run("expiring-30d-first-page", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if l, _, err := db.ListCertificates(ctx, expiring); err != nil || len(l) != 50 {
				b.Fatal(len(l), err)
			}
		}
	})
	b.Run("expiring-30d-count", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.CountCertificates(ctx, expiring); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("find-unscoped", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.FindCertificateUnscoped(context.Background(), ca.ID, sample[i%len(sample)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("find", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := db.FindCertificate(ctx, sample[i%len(sample)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-first-page", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := db.ListCertificates(ctx, pki.CertificateFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	r := mrand.New(mrand.NewPCG(9, 9)) // shared: b.Run calls the function once per round
	b.Run("create-after-1M", func(b *testing.B) {
		now := time.Now()
		for i := 0; i < b.N; i++ {
			c := &pki.Certificate{Serial: randSerial(r), CAID: ca.ID, Profile: pki.ProfileDeviceLDevID, Subject: "CN=d",
				NotBefore: now, NotAfter: now.AddDate(1, 0, 0), DER: []byte("der")}
			if err := db.CreateCertificate(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
	})
}

// BenchmarkWalkRevoked1M: WalkRevoked over a CA with 1,000,000 revoked
// certificates in SQLite (the CRL target is under 10 s in all).
func BenchmarkWalkRevoked1M(b *testing.B) {
	db, ctx, ca, _ := seedMillion(b, 1_000_000, 1)
	b.Run("walk", func(b *testing.B) { // seeded once, whatever b.N
		for i := 0; i < b.N; i++ {
			n := 0
			if err := db.WalkRevoked(ctx, ca.ID, func(pki.Revoked) error { n++; return nil }); err != nil || n != 1_000_000 {
				b.Fatal(n, err)
			}
		}
		b.ReportMetric(1_000_000*float64(b.N)/b.Elapsed().Seconds(), "revoked/s")
	})
}
