package argon2id

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple", Fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	for _, tc := range []struct {
		name, pw string
		want     bool
	}{
		{"right", "correct horse battery staple", true},
		{"wrong", "correct horse battery stapl", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(tc.pw, h)
			if err != nil || ok != tc.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	h2, _ := Hash("correct horse battery staple", Fast)
	if h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, s := range []string{
		"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, err := Verify("x", s); err == nil {
			t.Errorf("Verify(%q) accepted a malformed hash", s)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := Hash("pw", Fast)
	f.Add(h)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Verify("pw", s) // must not panic or allocate without bound
	})
}
