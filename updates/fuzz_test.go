package updates

import (
	"testing"
)

// FuzzUpdateTargetMeta feeds the device's parser of custom target metadata,
// the one piece of outside input this package parses itself (go-tuf parses
// the metadata envelopes). It must never panic, and what it accepts must be
// a valid, self-consistent release.
func FuzzUpdateTargetMeta(f *testing.F) {
	f.Add([]byte(`{"product_line":"acme-infusion-pumps","model":"Plum 360","version":"4.2.0","min_version":"4.0.0","released":"2026-03-01T12:00:00Z"}`))
	f.Add([]byte(`{"product_line":"a","model":"m","version":"1","min_version":"2","released":"x"}`))
	f.Add([]byte(`{"product_line":"a","model":"m","version":"1","min_version":"1","released":"2026-03-01T12:00:00Z","extra":1}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseTargetMeta(data)
		if err != nil {
			return
		}
		v, err1 := ParseVersion(m.Version)
		floor, err2 := ParseVersion(m.MinVersion)
		if err1 != nil || err2 != nil || floor.Compare(v) > 0 {
			t.Fatalf("accepted inconsistent release %+v", m)
		}
		if ValidProductLine(m.ProductLine) != nil {
			t.Fatalf("accepted product line %q", m.ProductLine)
		}
	})
}

// FuzzUpdateVersion checks that parsing never panics and that comparison is
// antisymmetric on what parses.
func FuzzUpdateVersion(f *testing.F) {
	for _, s := range []string{"4.2.0", "1", "0.0.0.0.1", "4294967295.1", "1..", "99999999999"} {
		f.Add(s, "4.2")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err1 := ParseVersion(a)
		vb, err2 := ParseVersion(b)
		if err1 != nil || err2 != nil {
			return
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("Compare(%q, %q) is not antisymmetric", a, b)
		}
	})
}
