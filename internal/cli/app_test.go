package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/sqlstore"
)

// wired builds the real App (store, API, dashboard) on a fresh SQLite file
// and returns it with one API token per role in a hospital organization.
func wired(t testing.TB) (*App, *httptest.Server, map[airtight.Role]string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	org := &airtight.Organization{Slug: "h", Name: "H", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	actx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "test"))
	tokens := map[airtight.Role]string{}
	for _, role := range airtight.Roles {
		secret, hash := auth.NewSecret(auth.TokenPrefix)
		tok := &auth.Token{Name: string(role), Role: role, Hash: hash, Prefix: secret[:10], CreatedBy: "test"}
		if err := db.CreateToken(actx, tok); err != nil {
			t.Fatal(err)
		}
		tokens[role] = secret
	}
	app, err := newApp(db, slog.New(slog.NewTextHandler(io.Discard, nil)), appOptions{Passwords: argon2id.Fast})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.API.Handler())
	t.Cleanup(func() { srv.Close(); db.Close() })
	return app, srv, tokens
}

// Every route the wired server mounts — API and dashboard pages alike — is
// walked with no credentials and with every role: each gets exactly what the
// route's policy says.
func TestWiredRoutePolicy(t *testing.T) {
	app, srv, tokens := wired(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	routes := app.API.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes mounted", len(routes))
	}
	for _, rt := range routes {
		path := strings.NewReplacer("{id}", "999999", "{$}", "", "/static/", "/static/app.css").Replace(rt.Pattern)
		t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
			if !rt.Public && len(rt.Roles) == 0 {
				t.Fatal("route has no policy: list its roles")
			}
			code := do(t, client, rt.Method, srv.URL+path, "")
			switch {
			case rt.Public:
				if code == 401 || code == 403 {
					t.Errorf("public route answered %d", code)
				}
			case rt.Page && code != http.StatusSeeOther:
				t.Errorf("page without a session: %d, want 303 to /login", code)
			case !rt.Page && code != http.StatusUnauthorized:
				t.Errorf("no credentials: %d, want 401", code)
			}
			for _, role := range airtight.Roles {
				code := do(t, client, rt.Method, srv.URL+path, tokens[role])
				allowed := rt.Allows(role)
				if allowed && (code == 401 || code == 403) {
					t.Errorf("%s is allowed but got %d", role, code)
				}
				if !allowed && code != 403 {
					t.Errorf("%s is not allowed but got %d", role, code)
				}
			}
		})
	}
}

func do(t *testing.T, c *http.Client, method, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// A role that may not open a dashboard page gets the dashboard's HTML error
// page, not the API's JSON.
func TestWiredPageForbiddenIsHTML(t *testing.T) {
	_, srv, tokens := wired(t)
	req, _ := http.NewRequest("GET", srv.URL+"/grants", nil)
	req.Header.Set("Authorization", "Bearer "+tokens[airtight.RoleAuditor])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "Not allowed") {
		t.Errorf("auditor on /grants: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
