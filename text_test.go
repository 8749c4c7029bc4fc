package airtight_test

import (
	"testing"

	"github.com/airtight/airtight"
)

func TestSafeText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "Riverside General", true},
		{"accents and tab", "Dräger\tEvita", true},
		{"empty", "", true},
		{"newline", "a\nb", false},
		{"terminal escape", "a\x1b[31mb", false},
		{"DEL", "a\x7fb", false},
		{"C1 next line", "a\u0085b", false},
		{"bidi override", "abc\u202egpj.exe", false},
		{"bidi isolate", "a\u2066b", false},
		{"invalid UTF-8", "a\xffb", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := airtight.SafeText(tc.in); got != tc.want {
				t.Errorf("SafeText(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestOrganizationNameMustBeSafeText(t *testing.T) {
	for _, name := range []string{"  ", "Evil\nHospital", "Evil\x1b[2J", "a\xff"} {
		o := airtight.Organization{Slug: "ok", Name: name, Kind: airtight.OrgHospital}
		if err := o.Validate(); airtight.ErrorCode(err) != airtight.EInvalid {
			t.Errorf("name %q: %v, want invalid", name, err)
		}
	}
}
