package sqlstore

import (
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/auth"
	"github.com/google/go-cmp/cmp"
)

func (f *fixture) user(email string) *auth.User {
	f.t.Helper()
	u := &auth.User{Email: email, Name: "User " + email, Role: airtight.RoleAnalyst, PasswordHash: "$argon2id$v=19$secret-hash"}
	must(f.t, f.db.CreateUser(f.a, u))
	return u
}

func testUsers(t *testing.T, f *fixture) {
	u := &auth.User{Email: " Alice@Example.COM ", Name: "Alice", Role: airtight.RoleAdmin, PasswordHash: "$argon2id$h1"}
	must(t, f.db.CreateUser(f.a, u))
	if u.Email != "alice@example.com" || u.OrgID != f.orgA.ID {
		t.Errorf("created = %+v", u)
	}
	got, err := f.db.FindUser(f.a, u.ID)
	must(t, err)
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	byEmail, err := f.db.FindUserByEmail(t.Context(), "ALICE@example.com")
	must(t, err)
	if byEmail.ID != u.ID {
		t.Errorf("by email = %+v", byEmail)
	}
	_, err = f.db.FindUserByEmail(t.Context(), "nobody@example.com")
	wantCode(t, err, airtight.ENotFound)
	wantCode(t, f.db.CreateUser(f.b, &auth.User{Email: "alice@example.com", Name: "A", Role: airtight.RoleAdmin, PasswordHash: "x"}), airtight.EConflict)
	wantCode(t, f.db.CreateUser(f.a, &auth.User{Email: "not-an-email", Name: "A", Role: airtight.RoleAdmin, PasswordHash: "x"}), airtight.EInvalid)
	wantCode(t, f.db.CreateUser(f.a, &auth.User{Email: "r@example.com", Name: "A", Role: "root", PasswordHash: "x"}), airtight.EInvalid)

	up, err := f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Disabled: ptr(true), Role: ptr(airtight.RoleAuditor), PasswordHash: ptr("$argon2id$h2")})
	must(t, err)
	if up.DisabledAt == nil || !up.DisabledAt.Equal(f.now) || up.Role != airtight.RoleAuditor || up.PasswordHash != "$argon2id$h2" {
		t.Errorf("update = %+v", up)
	}
	got, _ = f.db.FindUser(f.a, u.ID)
	if diff := cmp.Diff(up, got); diff != "" {
		t.Errorf("after update (-returned +found):\n%s", diff)
	}
	up, err = f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Disabled: ptr(false)})
	must(t, err)
	if up.DisabledAt != nil {
		t.Errorf("enabled user has disabled_at %v", up.DisabledAt)
	}
	f.user("bob@example.com")
	list, err := f.db.ListUsers(f.a)
	must(t, err)
	if len(list) != 2 {
		t.Errorf("list = %d users; want 2", len(list))
	}
	must(t, f.db.RecordLogin(t.Context(), u.ID, "198.51.100.7"))
	got, _ = f.db.FindUser(f.a, u.ID)
	if got.LastLoginAt == nil || !got.LastLoginAt.Equal(f.now) {
		t.Errorf("last login = %v", got.LastLoginAt)
	}
	es, err := f.db.ListEntries(f.a, audit.Filter{Action: "user.login"})
	must(t, err)
	if len(es) != 1 || es[0].ActorID != u.ID || es[0].ActorKind != "user" || es[0].RemoteAddr != "198.51.100.7" {
		t.Errorf("login entries = %+v", es)
	}
	wantCode(t, f.db.RecordLogin(t.Context(), 987654, ""), airtight.ENotFound)
}

func testTokens(t *testing.T, f *fixture) {
	exp := f.now.Add(time.Hour)
	tok := &auth.Token{Name: "ci", Role: airtight.RoleAnalyst, Prefix: "atk_abcd", Hash: auth.HashSecret("s1"), ExpiresAt: &exp}
	must(t, f.db.CreateToken(f.a, tok))
	if tok.CreatedBy == "" || tok.OrgID != f.orgA.ID {
		t.Errorf("created = %+v", tok)
	}
	got, err := f.db.FindTokenByHash(t.Context(), tok.Hash)
	must(t, err)
	if diff := cmp.Diff(tok, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	wantCode(t, f.db.CreateToken(f.a, &auth.Token{Name: "dup", Role: airtight.RoleAnalyst, Prefix: "p", Hash: tok.Hash}), airtight.EConflict)
	wantCode(t, f.db.CreateToken(f.a, &auth.Token{Name: "nohash", Role: airtight.RoleAnalyst}), airtight.EInvalid)
	wantCode(t, f.db.CreateToken(f.a, &auth.Token{Name: "", Role: airtight.RoleAnalyst, Prefix: "p", Hash: "h"}), airtight.EInvalid)
	_, err = f.db.FindTokenByHash(t.Context(), auth.HashSecret("unknown"))
	wantCode(t, err, airtight.EUnauthorized)

	at := f.now.Add(time.Minute)
	must(t, f.db.TouchToken(t.Context(), tok.ID, at))
	list, err := f.db.ListTokens(f.a)
	must(t, err)
	if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(at) {
		t.Errorf("list after touch = %+v", list)
	}

	f.now = exp // expired at its expiry time
	_, err = f.db.FindTokenByHash(t.Context(), tok.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	f.now = exp.Add(-time.Second)
	_, err = f.db.FindTokenByHash(t.Context(), tok.Hash)
	must(t, err)
	must(t, f.db.RevokeToken(f.a, tok.ID))
	_, err = f.db.FindTokenByHash(t.Context(), tok.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	must(t, f.db.RevokeToken(f.a, tok.ID)) // again: nothing to do
	wantCode(t, f.db.RevokeToken(f.a, 987654), airtight.ENotFound)
}

func testSessions(t *testing.T, f *fixture) {
	u := f.user("carol@example.com")
	s := &auth.Session{UserID: u.ID, Hash: auth.HashSecret("cookie"), CSRFToken: "csrf", RemoteAddr: "192.0.2.9"}
	must(t, f.db.CreateSession(f.a, s))
	if !s.ExpiresAt.Equal(f.now.Add(auth.SessionTTL)) || s.OrgID != f.orgA.ID {
		t.Errorf("created = %+v", s)
	}
	got, err := f.db.FindSessionByHash(t.Context(), s.Hash)
	must(t, err)
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("find (-created +found):\n%s", diff)
	}
	_, err = f.db.FindSessionByHash(t.Context(), "unknown")
	wantCode(t, err, airtight.EUnauthorized)
	wantCode(t, f.db.CreateSession(f.a, &auth.Session{UserID: u.ID, Hash: s.Hash, CSRFToken: "c"}), airtight.EConflict)

	_, err = f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Disabled: ptr(true)})
	must(t, err)
	_, err = f.db.FindSessionByHash(t.Context(), s.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	_, err = f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Disabled: ptr(false)})
	must(t, err)
	_, err = f.db.FindSessionByHash(t.Context(), s.Hash)
	wantCode(t, err, airtight.EUnauthorized) // disabling ended it for good
	s = &auth.Session{UserID: u.ID, Hash: auth.HashSecret("cookie-again"), CSRFToken: "csrf2", RemoteAddr: "192.0.2.9"}
	must(t, f.db.CreateSession(f.a, s))

	short := &auth.Session{UserID: u.ID, Hash: auth.HashSecret("short"), CSRFToken: "c2", ExpiresAt: f.now.Add(time.Minute)}
	must(t, f.db.CreateSession(f.a, short))
	f.now = f.now.Add(time.Minute)
	_, err = f.db.FindSessionByHash(t.Context(), short.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	_, err = f.db.FindSessionByHash(t.Context(), s.Hash)
	must(t, err)
	n, err := f.db.DeleteExpiredSessions(t.Context(), f.now)
	must(t, err)
	if n != 1 {
		t.Errorf("deleted %d expired sessions; want 1", n)
	}
	must(t, f.db.DeleteSession(t.Context(), s.Hash))
	_, err = f.db.FindSessionByHash(t.Context(), s.Hash)
	wantCode(t, err, airtight.EUnauthorized)
	must(t, f.db.DeleteSession(t.Context(), s.Hash)) // already gone
}

// Changing a user's password or role ends all of that user's sessions;
// changing only the name does not.
func testSessionsEndOnCredentialChange(t *testing.T, f *fixture) {
	u := f.user("sessions-end@a.example")
	start := func(secret string) string {
		s := &auth.Session{UserID: u.ID, Hash: auth.HashSecret(secret), CSRFToken: "c-" + secret, RemoteAddr: "192.0.2.9"}
		must(t, f.db.CreateSession(f.a, s))
		return s.Hash
	}
	alive := func(h string) bool {
		_, err := f.db.FindSessionByHash(t.Context(), h)
		return err == nil
	}
	h1 := start("one")
	name := "Renamed"
	_, err := f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Name: &name})
	must(t, err)
	if !alive(h1) {
		t.Fatal("a name change ended the session")
	}
	pw := "$argon2id$v=19$m=64,t=1,p=1$bmV3c2FsdHNhbHQ$bmV3aGFzaG5ld2hhc2huZXdoYXNo"
	_, err = f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{PasswordHash: &pw})
	must(t, err)
	if alive(h1) {
		t.Error("session survived a password change")
	}
	h2 := start("two")
	role := airtight.RoleAuditor
	_, err = f.db.UpdateUser(f.a, u.ID, auth.UserUpdate{Role: &role})
	must(t, err)
	if alive(h2) {
		t.Error("session survived a role change")
	}
}
