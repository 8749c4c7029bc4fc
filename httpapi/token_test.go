package httpapi_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/auth"
)

// TestTokenShownOnce: the secret is in the creation response only, and the
// database holds its hash, never the secret.
func TestTokenShownOnce(t *testing.T) {
	e := newEnv(t)
	w := e.do(request{method: "POST", path: "/api/v1/tokens", token: e.a.tokens["admin"], body: `{"name":"prometheus","role":"auditor"}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var resp struct {
		Token  auth.Token `json:"token"`
		Secret string     `json:"secret"`
	}
	decode(t, w, &resp)
	if !strings.HasPrefix(resp.Secret, auth.TokenPrefix) || !strings.HasPrefix(resp.Secret, resp.Token.Prefix) || resp.Token.ExpiresAt == nil {
		t.Fatalf("token %+v secret %q", resp.Token, resp.Secret)
	}
	if w := e.do(request{method: "GET", path: "/metrics", token: resp.Secret}); w.Code != http.StatusOK {
		t.Errorf("new token does not work: %d", w.Code)
	}
	list := e.do(request{method: "GET", path: "/api/v1/tokens", token: e.a.tokens["admin"]})
	if strings.Contains(list.Body.String(), resp.Secret) || strings.Contains(list.Body.String(), auth.HashSecret(resp.Secret)) {
		t.Errorf("token list shows the secret or its hash")
	}
	checkStoredOnlyHash(t, e.path, resp.Secret)
}

func checkStoredOnlyHash(t *testing.T, path, secret string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tokens WHERE hash = ?`, auth.HashSecret(secret)).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("stored hash: %d, %v", n, err)
	}
	err = db.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM tokens WHERE hash = ?1 OR prefix = ?1 OR name = ?1 OR created_by = ?1`, secret).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("secret stored in clear: %d, %v", n, err)
	}
}

func TestTokenUnusable(t *testing.T) {
	e := newEnv(t)
	past := time.Now().Add(-time.Hour)
	expired, _ := e.seedToken(sysCtx(e.a.org), "expired", "admin", func(t *auth.Token) { t.ExpiresAt = &past })
	revoked, id := e.seedToken(sysCtx(e.a.org), "revoked", "admin", nil)
	if w := e.do(request{method: "DELETE", path: "/api/v1/tokens/" + itoa(id), token: e.a.tokens["admin"]}); w.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	for name, secret := range map[string]string{
		"expired": expired, "revoked": revoked, "unknown": auth.TokenPrefix + "aaaaaaaaaaaaaaaaaaaa",
		"wrong prefix": "ats_" + strings.Repeat("a", 52), "too long": auth.TokenPrefix + strings.Repeat("a", 500),
	} {
		w := e.do(request{method: "GET", path: "/api/v1/me", token: secret})
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s token: %d", name, w.Code)
		}
	}
	w := e.do(request{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Basic YTpi"}})
	if w.Code != http.StatusUnauthorized {
		t.Errorf("basic auth: %d", w.Code)
	}
}
