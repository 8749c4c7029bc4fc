package demo

import (
	"context"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/expiry"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
)

func TestSeedPKI(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Seed(ctx, db, Options{Devices: 200, Params: argon2id.Fast}); err != nil {
		t.Fatal(err)
	}
	keys, err := keyfile.New(t.TempDir(), []byte("demo passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	newAuth := func(clock func() time.Time) *pki.Authority {
		return pki.NewAuthority(db, keys, pki.WithClock(clock), pki.WithPublicURL("http://127.0.0.1:8080"))
	}
	res, err := SeedPKI(ctx, db, newAuth, now, 40)
	if err != nil {
		t.Fatal(err)
	}
	if res.Certificates != 40 || res.Revoked != 1 {
		t.Fatalf("result = %+v", res)
	}
	again, err := SeedPKI(ctx, db, newAuth, now, 40)
	if err != nil || !again.AlreadySeeded {
		t.Fatalf("second run: %+v %v", again, err)
	}
	// The spread reaches every stage of the expiry watch.
	h, err := db.FindOrganizationBySlug(ctx, HospitalSlug)
	if err != nil {
		t.Fatal(err)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(h.ID, "test"))
	certs, _, err := db.ListCertificates(hctx, pki.CertificateFilter{Status: pki.StatusGood, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[int]int{}
	for _, c := range certs {
		if c.DeviceID == 0 {
			continue // the issuing CA's own certificate
		}
		if d, _, ok := expiry.Stage(c.NotAfter, now); ok {
			stages[d]++
		}
	}
	for _, want := range []int{3, 30, 90} {
		if stages[want] == 0 {
			t.Errorf("no certificate at the %d-day stage: %v", want, stages)
		}
	}
	if stages[0]+stages[-3]+stages[-7]+stages[-30]+stages[-60] == 0 {
		t.Errorf("no expired certificate: %v", stages)
	}
}
