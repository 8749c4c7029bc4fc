package pkcs11

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefString(t *testing.T) {
	tests := []struct {
		name string
		ref  Ref
		want string
	}{
		{"plain", Ref{Token: "airtight", ID: []byte{0x3a, 0x9f, 0x00}, Object: "org1-issuing"},
			"pkcs11:token=airtight;id=%3A%9F%00;object=org1-issuing"},
		{"escaped", Ref{Token: "HSM #1", ID: []byte{1}, Object: "a;b/c?d=é"},
			"pkcs11:token=HSM%20%231;id=%01;object=a%3Bb%2Fc%3Fd%3D%C3%A9"},
		{"no object", Ref{Token: "t", ID: []byte{0xff}}, "pkcs11:token=t;id=%FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.ref.String()
			if got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			back, err := ParseRef(got)
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", got, err)
			}
			if diff := cmp.Diff(tt.ref, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		want     Ref
	}{
		{"lowercase hex", "pkcs11:token=t;id=%ab%cd", Ref{Token: "t", ID: []byte{0xab, 0xcd}}},
		{"any order, type", "pkcs11:object=k;type=private;id=%01;token=t", Ref{Token: "t", ID: []byte{1}, Object: "k"}},
		{"reserved chars allowed unencoded", "pkcs11:token=a:b@c(1)+&;id=%01", Ref{Token: "a:b@c(1)+&", ID: []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRef(tt.in)
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefRejects(t *testing.T) {
	const ok = "pkcs11:token=t;id=%01"
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"file ref", "file:issuing"},
		{"scheme only", "pkcs11:"},
		{"uppercase scheme", "PKCS11:token=t;id=%01"},
		{"no token", "pkcs11:id=%01"},
		{"no id", "pkcs11:token=t"},
		{"unknown attribute", ok + ";slot-id=0"},
		{"vendor attribute", ok + ";x-vendor=1"},
		{"attribute without value", ok + ";object"},
		{"trailing semicolon", ok + ";"},
		{"repeated token", ok + ";token=u"},
		{"repeated id", ok + ";id=%02"},
		{"pin in query", ok + "?pin-value=1234"},
		{"module in query", ok + "?module-path=/tmp/evil.so"},
		{"fragment", ok + "#x"},
		{"type public", ok + ";type=public"},
		{"id not percent-encoded", "pkcs11:token=t;id=01"},
		{"id literal chars", "pkcs11:token=t;id=abc"},
		{"id bad hex", "pkcs11:token=t;id=%zz"},
		{"id short escape", "pkcs11:token=t;id=%0"},
		{"id empty", "pkcs11:token=t;id="},
		{"id too long", "pkcs11:token=t;id=" + strings.Repeat("%01", maxIDLen+1)},
		{"token empty", "pkcs11:token=;id=%01"},
		{"token bad escape", "pkcs11:token=a%g1;id=%01"},
		{"token truncated escape", "pkcs11:token=a%4;id=%01"},
		{"token space", "pkcs11:token=a b;id=%01"},
		{"token slash", "pkcs11:token=a/b;id=%01"},
		{"token not UTF-8", "pkcs11:token=%FF;id=%01"},
		{"object control char", ok + ";object=a%0Ab"},
		{"object too long", ok + ";object=" + strings.Repeat("a", maxLabelLen+1)},
		{"too long", ok + ";object=" + strings.Repeat("%41", maxRefLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRef(tt.in)
			if !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("ParseRef(%q) = %+v, %v; want ErrInvalidRef", tt.in, r, err)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Errorf("error %q echoes the query", err)
			}
		})
	}
}
