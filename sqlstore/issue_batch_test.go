package sqlstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// Concurrent issuances share transactions; a refusal inside a batch (here a
// duplicate serial and a token already spent) fails that issuance alone,
// and every other certificate is recorded with its audit entry.
func TestIssueBatchIsolatesFailures(t *testing.T) {
	f := newFixture(t, openSQLiteDB(t))
	o := f.pkiOrg(f.a, "A")
	f.token(f.a, o.deviceID, "once", f.now.Add(time.Hour))
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			serial := fmt.Sprintf("a%03d", i)
			if i == 7 {
				serial = "a006" // the same serial as issuance 6
			}
			c := f.cert(o.issuing.ID, serial, o.deviceID)
			if i%10 == 3 {
				errs[i] = f.db.CreateCertificateSpendingToken(f.a, c, "once") // four try one token
				return
			}
			errs[i] = f.db.CreateCertificate(f.a, c)
		}()
	}
	close(start)
	wg.Wait()
	var conflicts, spent, refused, ok int
	for i, err := range errs {
		switch code := airtight.ErrorCode(err); {
		case err == nil:
			ok++
			if i%10 == 3 {
				spent++
			}
		case code == airtight.EConflict && (i == 6 || i == 7):
			conflicts++
		case code == airtight.EUnauthorized && i%10 == 3:
			refused++
		default:
			t.Errorf("issuance %d: %v", i, err)
		}
	}
	if conflicts != 1 || spent != 1 || refused != 3 || ok != n-4 {
		t.Fatalf("ok=%d conflicts=%d spent=%d refused=%d", ok, conflicts, spent, refused)
	}
	certs, _, err := f.db.ListCertificates(f.a, pki.CertificateFilter{DeviceID: o.deviceID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != ok {
		t.Errorf("%d certificates recorded, %d issuances succeeded", len(certs), ok)
	}
	if p, _, err := f.db.VerifyAudit(t.Context()); err != nil || p != nil {
		t.Errorf("audit chain after batched issuance: %v %v", p, err)
	}
}

// Closing the store while issuances are in flight answers every caller:
// recorded, or refused because the store closed; none blocks.
func TestIssueQueueClose(t *testing.T) {
	db := openSQLiteDB(t)
	f := newFixture(t, db)
	o := f.pkiOrg(f.a, "A")
	const n = 30
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- db.CreateCertificate(f.a, f.cert(o.issuing.ID, fmt.Sprintf("c%03d", i), o.deviceID)) }()
	}
	time.Sleep(time.Millisecond)
	db.stopIssueLoop()
	for range n {
		select {
		case err := <-errs:
			if err != nil && err != errStoreClosed {
				t.Errorf("unexpected error: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("an issuance caller blocked after the store closed")
		}
	}
	if err := db.CreateCertificate(f.a, f.cert(o.issuing.ID, "dd", o.deviceID)); err != errStoreClosed {
		t.Errorf("after close: %v, want the store-closed error", err)
	}
}
