package sqlstore

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// testWalkRevokedSince: only certificates revoked strictly after the time,
// of that CA, in serial order across batches; scoped like WalkRevoked.
func testWalkRevokedSince(t *testing.T, f *fixture) {
	o := f.pkiOrg(f.a, "A")
	other := &pki.CA{Name: "Other", Kind: pki.IssuingCA, ParentID: o.root.ID, CertDER: []byte("o")}
	must(t, f.db.CreateCA(f.a, other))
	t0 := f.now
	insertCerts(t, f.db, f.orgA.ID, o.issuing.ID, []byte("der"), 50, func(i int) bulkCert {
		return bulkCert{serial: fmt.Sprintf("f%030x", i), notAfter: t0.Add(time.Hour), revoked: true} // before: not listed
	})
	t1 := t0.Add(time.Hour)
	f.now = t1
	n := walkBatch + 5
	var want []string
	insertCerts(t, f.db, f.orgA.ID, o.issuing.ID, []byte("der"), 2*n, func(i int) bulkCert {
		s := new(big.Int).Exp(big.NewInt(7), big.NewInt(int64(i%50)), nil)
		s.Add(s.Lsh(s, 16), big.NewInt(int64(i)))
		c := bulkCert{serial: pki.FormatSerial(s), notAfter: t1.Add(time.Hour), revoked: i%2 == 0}
		if c.revoked {
			want = append(want, c.serial)
		}
		return c
	})
	insertCerts(t, f.db, f.orgA.ID, other.ID, []byte("der"), 10, func(i int) bulkCert {
		return bulkCert{serial: fmt.Sprintf("ffff%d", i), notAfter: t1, revoked: true}
	})
	f.now = t1.Add(time.Minute)
	f.issue(f.a, o.issuing.ID, "abc", o.deviceID)
	_, err := f.db.RevokeCertificate(f.a, "abc", pki.ReasonKeyCompromise)
	must(t, err)
	want = append(want, "abc")
	slices.SortFunc(want, func(x, y string) int {
		a, _ := new(big.Int).SetString(x, 16)
		b, _ := new(big.Int).SetString(y, 16)
		return a.Cmp(b)
	})
	walk := func(since time.Time) []pki.Revoked {
		t.Helper()
		var got []pki.Revoked
		must(t, f.db.WalkRevokedSince(f.a, o.issuing.ID, since, func(r pki.Revoked) error {
			if _, err := f.db.FindCA(f.a, o.issuing.ID); err != nil { // the database is usable inside fn
				return err
			}
			got = append(got, r)
			return nil
		}))
		return got
	}
	got := walk(t0)
	var serials []string
	for _, r := range got {
		serials = append(serials, r.Serial)
	}
	if !slices.Equal(serials, want) {
		t.Errorf("since t0: %d entries, want %d in serial order; first %v", len(serials), len(want), serials[:min(5, len(serials))])
	}
	if got := walk(t1); len(got) != 1 || got[0].Serial != "abc" || got[0].Reason != pki.ReasonKeyCompromise || !got[0].RevokedAt.Equal(f.now) {
		t.Errorf("since t1 (strictly after): %+v", got)
	}
	if got := walk(t1.Add(-time.Microsecond)); len(got) != len(want) {
		t.Errorf("since just before t1: %d entries, want %d", len(got), len(want))
	}
	if got := walk(f.now); len(got) != 0 {
		t.Errorf("since the last revocation: %+v", got)
	}
	stop := fmt.Errorf("stop")
	calls := 0
	err = f.db.WalkRevokedSince(f.a, o.issuing.ID, t0, func(pki.Revoked) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("fn's error: %v after %d calls", err, calls)
	}
	wantCode(t, f.db.WalkRevokedSince(f.a, 999, t0, func(pki.Revoked) error { return nil }), airtight.ENotFound)
	wantCode(t, f.db.WalkRevokedSince(f.b, o.issuing.ID, t0, func(pki.Revoked) error {
		t.Error("walked A's delta")
		return nil
	}), airtight.ENotFound)
}

// TestPKIDeltaQueryPlan: a delta walk reads the range of recent
// revocations from certificates_revoked_since alone and sorts it, rather
// than every revoked certificate of the CA in serial order.
func TestPKIDeltaQueryPlan(t *testing.T) {
	db := openSQLiteDB(t)
	for _, after := range []string{"", "0000000000000000000000000000000000000abc"} {
		plan := explain(t, db, revokedSinceBatchQuery, 1, 5, after, 10)
		if !strings.Contains(plan, "COVERING INDEX certificates_revoked_since (ca_id=? AND revoked_at>?)") {
			t.Errorf("after %q: plan does not range over certificates_revoked_since:\n%s", after, plan)
		}
	}
}
