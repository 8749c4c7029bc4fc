package inventory_test

import (
	"testing"

	"github.com/airtight/airtight/inventory"
)

func TestNormalizeKind(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want inventory.Kind
	}{
		{name: "words", in: "CT Scanner", want: "ct-scanner"},
		{name: "underscore", in: "ct_scanner", want: "ct-scanner"},
		{name: "already normal", in: "ct-scanner", want: "ct-scanner"},
		{name: "padding and double dash", in: "  Infusion--Pump ", want: "infusion-pump"},
		{name: "slash", in: "PET/CT scanner", want: "pet-ct-scanner"},
		{name: "digits", in: "12-lead ECG", want: "12-lead-ecg"},
		{name: "leading and trailing separators", in: "--x-ray--", want: "x-ray"},
		{name: "tabs and newlines", in: "patient\tmonitor\n", want: "patient-monitor"},
		{name: "punctuation runs", in: "C-arm (mobile)!", want: "c-arm-mobile"},
		{name: "latin accents", in: "Röntgen Gerät", want: "röntgen-gerät"},
		{name: "greek", in: "Αναλυτής Αερίων", want: "αναλυτής-αερίων"},
		{name: "cjk", in: "日本語 機器", want: "日本語-機器"},
		{name: "empty", in: "", want: ""},
		{name: "spaces only", in: "   ", want: ""},
		{name: "separators only", in: "-_/ .", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inventory.NormalizeKind(tt.in)
			if got != tt.want {
				t.Errorf("NormalizeKind(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := inventory.NormalizeKind(string(got)); again != got {
				t.Errorf("NormalizeKind is not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestNormalizeKindCombiningMarks(t *testing.T) {
	tests := []struct {
		in   string
		want inventory.Kind
	}{
		{in: "हिन्दी", want: "हिन्दी"},
		{in: "Gera\u0308t", want: "gera\u0308t"},
	}
	for _, tt := range tests {
		if got := inventory.NormalizeKind(tt.in); got != tt.want {
			t.Errorf("NormalizeKind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKnownKindsAreNormal(t *testing.T) {
	for k, name := range inventory.Kinds {
		if got := inventory.NormalizeKind(string(k)); got != k {
			t.Errorf("known kind %q normalises to %q", k, got)
		}
		if name == "" {
			t.Errorf("known kind %q has no display name", k)
		}
	}
}

func TestKindDisplayName(t *testing.T) {
	tests := []struct {
		kind inventory.Kind
		want string
	}{
		{kind: "ct-scanner", want: "CT scanner"},
		{kind: "pet-ct-scanner", want: "PET/CT scanner"},
		{kind: "infusion-pump", want: "Infusion pump"},
		{kind: "radiotherapy", want: "Radiotherapy system (linac)"},
		{kind: "robot-arm", want: "Robot arm"},
		{kind: "x", want: "X"},
		{kind: "3d-printer", want: "3d printer"},
		{kind: "ürün-tipi", want: "Ürün tipi"},
		{kind: "αναλυτής", want: "Αναλυτής"},
		{kind: "", want: "Unknown"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if got := tt.kind.DisplayName(); got != tt.want {
				t.Errorf("Kind(%q).DisplayName() = %q, want %q", tt.kind, got, tt.want)
			}
		})
	}
}

func FuzzNormalizeKind(f *testing.F) {
	for _, s := range []string{"CT Scanner", "ct_scanner", "  Infusion--Pump ", "日本語 機器", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := inventory.NormalizeKind(s)
		if again := inventory.NormalizeKind(string(k)); again != k {
			t.Errorf("NormalizeKind(%q) = %q, but NormalizeKind(%q) = %q", s, k, k, again)
		}
		_ = k.DisplayName() // must not panic
	})
}
