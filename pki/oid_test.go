package pki_test

import (
	"testing"

	"github.com/airtight/airtight/pki"
)

func TestParseOID(t *testing.T) {
	for _, s := range []string{"1.3.6.1.4.1.32473.1", "2.5.29.37", "0.9.2342"} {
		oid, err := pki.ParseOID(s)
		if err != nil || oid.String() != s {
			t.Errorf("ParseOID(%q) = %v, %v", s, oid, err)
		}
	}
	for _, s := range []string{"", "1", "1.", ".1", "1..2", "3.1", "1.40", "1.03", "1.-2", "1.2.x", "1.2.9999999999", "1.2 .3"} {
		if _, err := pki.ParseOID(s); err == nil {
			t.Errorf("ParseOID(%q) accepted", s)
		}
	}
}

func FuzzParseOID(f *testing.F) {
	f.Add("1.3.6.1.4.1.32473.1")
	f.Add("2.999.1")
	f.Fuzz(func(t *testing.T, s string) {
		oid, err := pki.ParseOID(s)
		if err == nil && oid.String() != s {
			t.Fatalf("ParseOID(%q) round-trips to %q", s, oid.String())
		}
	})
}
