package auth_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

// wantInvalid asserts err is an invalid-input application error whose message
// starts with field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want invalid %s", field)
	}
	if code := airtight.ErrorCode(err); code != airtight.EInvalid {
		t.Fatalf("error %v has code %q, want %q", err, code, airtight.EInvalid)
	}
	if msg := airtight.ErrorMessage(err); !strings.HasPrefix(msg, field+":") {
		t.Errorf("message %q does not start with %q", msg, field+":")
	}
}

func TestUserValidate(t *testing.T) {
	valid := func() auth.User {
		return auth.User{OrgID: 1, Email: "nurse@hospital.example", Name: "Alex Nurse", Role: airtight.RoleBiomed}
	}
	tests := []struct {
		name      string
		edit      func(u *auth.User)
		wantField string // "" means valid
		wantEmail string // the normalised email, when valid
	}{
		{name: "valid", edit: func(u *auth.User) {}, wantEmail: "nurse@hospital.example"},
		{name: "email lowercased", edit: func(u *auth.User) { u.Email = "Nurse@Hospital.EXAMPLE" }, wantEmail: "nurse@hospital.example"},
		{name: "email trimmed", edit: func(u *auth.User) { u.Email = "  nurse@hospital.example\t" }, wantEmail: "nurse@hospital.example"},
		{name: "email empty", edit: func(u *auth.User) { u.Email = "" }, wantField: "email"},
		{name: "email no at", edit: func(u *auth.User) { u.Email = "nurse.hospital.example" }, wantField: "email"},
		{name: "email display name", edit: func(u *auth.User) { u.Email = `"A" <a@b.c>` }, wantField: "email"},
		{name: "email angle brackets", edit: func(u *auth.User) { u.Email = "<a@b.c>" }, wantField: "email"},
		{name: "email bare display name", edit: func(u *auth.User) { u.Email = "Alex <a@b.c>" }, wantField: "email"},
		{name: "email list", edit: func(u *auth.User) { u.Email = "a@b.c, d@e.f" }, wantField: "email"},
		{name: "email comment", edit: func(u *auth.User) { u.Email = "a@b.c (Alex)" }, wantField: "email"},
		{name: "email 254 bytes", edit: func(u *auth.User) { u.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 184) + ".test" }, wantEmail: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 184) + ".test"},
		{name: "email 255 bytes", edit: func(u *auth.User) { u.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".test" }, wantField: "email"},
		{name: "name empty", edit: func(u *auth.User) { u.Name = "" }, wantField: "name"},
		{name: "name 200 bytes", edit: func(u *auth.User) { u.Name = strings.Repeat("n", 200) }, wantEmail: "nurse@hospital.example"},
		{name: "name 201 bytes", edit: func(u *auth.User) { u.Name = strings.Repeat("n", 201) }, wantField: "name"},
		{name: "name invalid UTF-8", edit: func(u *auth.User) { u.Name = "Alex \xff" }, wantField: "name"},
		{name: "role empty", edit: func(u *auth.User) { u.Role = "" }, wantField: "role"},
		{name: "role unknown", edit: func(u *auth.User) { u.Role = "superuser" }, wantField: "role"},
		{name: "role wrong case", edit: func(u *auth.User) { u.Role = "Admin" }, wantField: "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := valid()
			tt.edit(&u)
			err := u.Validate()
			if tt.wantField != "" {
				wantInvalid(t, err, tt.wantField)
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if u.Email != tt.wantEmail {
				t.Errorf("Email = %q, want %q", u.Email, tt.wantEmail)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{name: "empty", pw: "", ok: false},
		{name: "11 ASCII", pw: strings.Repeat("a", 11), ok: false},
		{name: "12 ASCII", pw: strings.Repeat("a", 12), ok: true},
		{name: "12 two-byte runes", pw: strings.Repeat("é", 12), ok: true},
		{name: "11 two-byte runes (22 bytes)", pw: strings.Repeat("é", 11), ok: false},
		{name: "11 four-byte runes (44 bytes)", pw: strings.Repeat("🔒", 11), ok: false},
		{name: "12 four-byte runes", pw: strings.Repeat("🔒", 12), ok: true},
		{name: "256 bytes", pw: strings.Repeat("a", 256), ok: true},
		{name: "257 bytes", pw: strings.Repeat("a", 257), ok: false},
		{name: "65 four-byte runes (260 bytes)", pw: strings.Repeat("🔒", 65), ok: false},
		{name: "64 four-byte runes (256 bytes)", pw: strings.Repeat("🔒", 64), ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.CheckPassword(tt.pw)
			if tt.ok {
				if err != nil {
					t.Errorf("CheckPassword = %v, want nil", err)
				}
				return
			}
			wantInvalid(t, err, "password")
			if msg := airtight.ErrorMessage(err); strings.Contains(msg, tt.pw) && tt.pw != "" {
				t.Errorf("message %q contains the password", msg)
			}
		})
	}
}

func TestTokenValidate(t *testing.T) {
	tests := []struct {
		name      string
		tok       auth.Token
		wantField string
	}{
		{name: "valid", tok: auth.Token{Name: "scanner", Role: airtight.RoleDevice}},
		{name: "name 100 bytes", tok: auth.Token{Name: strings.Repeat("t", 100), Role: airtight.RoleAnalyst}},
		{name: "name empty", tok: auth.Token{Role: airtight.RoleDevice}, wantField: "name"},
		{name: "name 101 bytes", tok: auth.Token{Name: strings.Repeat("t", 101), Role: airtight.RoleDevice}, wantField: "name"},
		{name: "name invalid UTF-8", tok: auth.Token{Name: "scan\xc3", Role: airtight.RoleDevice}, wantField: "name"},
		{name: "role empty", tok: auth.Token{Name: "scanner"}, wantField: "role"},
		{name: "role unknown", tok: auth.Token{Name: "scanner", Role: "robot"}, wantField: "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tok.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			wantInvalid(t, err, tt.wantField)
		})
	}
}

func TestTokenUsable(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	tests := []struct {
		name string
		tok  auth.Token
		want bool
	}{
		{name: "no expiry", tok: auth.Token{}, want: true},
		{name: "expires in the future", tok: auth.Token{ExpiresAt: at(time.Hour)}, want: true},
		{name: "expires in one nanosecond", tok: auth.Token{ExpiresAt: at(time.Nanosecond)}, want: true},
		{name: "expires exactly now", tok: auth.Token{ExpiresAt: at(0)}, want: false},
		{name: "expired", tok: auth.Token{ExpiresAt: at(-time.Second)}, want: false},
		{name: "revoked", tok: auth.Token{RevokedAt: at(-time.Hour)}, want: false},
		{name: "revoked in the future still unusable", tok: auth.Token{RevokedAt: at(time.Hour)}, want: false},
		{name: "revoked and not expired", tok: auth.Token{RevokedAt: at(-time.Minute), ExpiresAt: at(time.Hour)}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tok.Usable(now); got != tt.want {
				t.Errorf("Usable(now) = %v, want %v", got, tt.want)
			}
		})
	}
}

var (
	secretBodyRE = regexp.MustCompile(`^[a-z2-7]{52}$`) // 32 bytes, unpadded base32, lowercase
	hexHashRE    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func TestNewSecret(t *testing.T) {
	const n = 1000
	seenSecrets := make(map[string]bool, n)
	seenHashes := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		secret, hash := auth.NewSecret(auth.TokenPrefix)
		body, ok := strings.CutPrefix(secret, auth.TokenPrefix)
		if !ok {
			t.Fatalf("secret %q lacks prefix %q", secret, auth.TokenPrefix)
		}
		if !secretBodyRE.MatchString(body) {
			t.Fatalf("secret body %q is not 52 lowercase base32 characters", body)
		}
		if !hexHashRE.MatchString(hash) {
			t.Fatalf("hash %q is not 64 lowercase hex characters", hash)
		}
		if want := auth.HashSecret(secret); hash != want {
			t.Fatalf("hash = %q, want HashSecret(secret) = %q", hash, want)
		}
		if seenSecrets[secret] || seenHashes[hash] {
			t.Fatalf("duplicate secret or hash after %d draws", i)
		}
		seenSecrets[secret], seenHashes[hash] = true, true
	}
}

func TestNewSecretOtherPrefix(t *testing.T) {
	secret, hash := auth.NewSecret("")
	if !secretBodyRE.MatchString(secret) {
		t.Errorf("secret %q is not 52 lowercase base32 characters", secret)
	}
	if hash != auth.HashSecret(secret) {
		t.Error("hash does not match HashSecret(secret)")
	}
	// The prefix is part of what is hashed.
	if auth.HashSecret("atk_"+secret) == hash {
		t.Error("HashSecret ignores the prefix")
	}
}

func TestHashSecret(t *testing.T) {
	// SHA-256 test vector: the stored form must not change between releases.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := auth.HashSecret("abc"); got != want {
		t.Errorf("HashSecret(abc) = %q, want %q", got, want)
	}
	if auth.HashSecret("abc") == auth.HashSecret("abd") {
		t.Error("different secrets hash alike")
	}
}
