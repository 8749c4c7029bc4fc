package pki

import (
	"github.com/airtight/airtight"

	"bytes"
	"context"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

func TestAppendSerialMatchesASN1(t *testing.T) {
	for _, s := range []string{"0", "1", "7f", "80", "ff", "100", "0abc", "00ff", "8000000000000000000000000000000000000001", "7fffffffffffffffffffffffffffffffffffffff"} {
		got, err := appendSerial(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		n, _ := new(big.Int).SetString(s, 16)
		want, _ := asn1.Marshal(n)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: % x, want % x", s, got, want)
		}
	}
	for _, bad := range []string{"xyz", "123456789012345678901234567890123456789012"} {
		if _, err := appendSerial(nil, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAppendTimeMatchesASN1(t *testing.T) {
	for _, tm := range []time.Time{time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), time.Date(2051, 1, 2, 3, 4, 5, 0, time.UTC)} {
		want, _ := asn1.Marshal(tm)
		if got := appendTime(nil, tm); !bytes.Equal(got, want) {
			t.Errorf("%s: %q, want %q", tm, got, want)
		}
	}
	for _, n := range []int{0, 127, 128, 255, 256, 65535, 65536, 50_000_000} {
		if h := appendHeader(nil, 0x30, n); len(h) != headerLen(n) {
			t.Errorf("headerLen(%d) = %d, header is %d bytes", n, headerLen(n), len(h))
		}
	}
}

// notFoundStore knows no CA at all.
type notFoundStore struct{ Store }

func (notFoundStore) FindCAUnscoped(context.Context, int64) (*CA, error) {
	return nil, airtight.Errorf(airtight.ENotFound, "CA not found")
}

// Anonymous CRL requests for CA IDs that do not exist answer not found and
// leave no cache state behind (the map would otherwise grow without bound).
func TestUnknownCAsLeaveNoCRLState(t *testing.T) {
	a := NewAuthority(notFoundStore{}, nil)
	for id := int64(1); id <= 100; id++ {
		if _, err := a.CRL(context.Background(), id); airtight.ErrorCode(err) != airtight.ENotFound {
			t.Fatalf("CRL(%d) = %v, want not found", id, err)
		}
	}
	if n := len(a.crls); n != 0 {
		t.Errorf("%d CRL cache entries for unknown CAs", n)
	}
}
