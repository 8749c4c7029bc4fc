package smtpgw

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp/vault"
)

func TestSecurePortal(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v, err := vault.New(filepath.Join(t.TempDir(), "v"), make([]byte, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("Subject: x\r\n\r\nPatient John Smith\r\n")
	meta, err := v.Put(context.Background(), vault.Info{Kind: "secure"}, bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	setup := func(t *testing.T, mod func(*SecureRecord)) (*SecurePortal, string) {
		store := NewMemoryStore()
		rec := SecureRecord{ID: strings.Repeat("a", 32), VaultID: meta.ID, Recipient: "r@x.example",
			Created: now, Expires: now.Add(time.Hour)}
		rec.CodeHash = hashCode(rec.ID, "ABCD-EFGH")
		if mod != nil {
			mod(&rec)
		}
		store.CreateSecure(context.Background(), rec)
		events = nil
		return &SecurePortal{Store: store, Vault: v, Now: func() time.Time { return now },
			Audit: func(_ context.Context, e AuditEvent) { events = append(events, e.Kind) }}, rec.ID
	}
	tests := []struct {
		name   string
		mod    func(*SecureRecord)
		codes  []string
		status int // of the last request
		body   bool
	}{
		{"right code", nil, []string{"abcd efgh"}, 200, true},
		{"expired", func(r *SecureRecord) { r.Expires = now }, []string{"ABCD-EFGH"}, 404, false},
		{"revoked", func(r *SecureRecord) { r.Revoked = true }, []string{"ABCD-EFGH"}, 404, false},
		{"locked after wrong codes", nil, []string{"A", "B", "C", "D", "E", "ABCD-EFGH"}, 404, false},
		{"four wrong codes still allow", nil, []string{"A", "B", "C", "D", "ABCD-EFGH"}, 200, true},
		{"download limit", func(r *SecureRecord) { r.MaxDownloads = 1 }, []string{"ABCD-EFGH", "ABCD-EFGH"}, 404, false},
		{"missing vault item", func(r *SecureRecord) { r.VaultID = strings.Repeat("b", 32) }, []string{"ABCD-EFGH"}, 404, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, id := setup(t, tt.mod)
			var w *httptest.ResponseRecorder
			for _, c := range tt.codes {
				w = post(t, p, id, c)
			}
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if got := bytes.Equal(w.Body.Bytes(), msg); got != tt.body {
				t.Errorf("body is the message: %v, want %v", got, tt.body)
			}
			if tt.body && w.Header().Get("Content-Type") != "message/rfc822" {
				t.Errorf("content type %q", w.Header().Get("Content-Type"))
			}
			for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"} {
				if w.Header().Get(h) == "" {
					t.Errorf("missing %s", h)
				}
			}
		})
	}
	t.Run("audit trail", func(t *testing.T) {
		p, id := setup(t, nil)
		post(t, p, id, "nope")
		post(t, p, id, "ABCD-EFGH")
		if strings.Join(events, ",") != "secure.code_failed,secure.download" {
			t.Errorf("events %v", events)
		}
		rec, _ := p.Store.GetSecure(context.Background(), id)
		if len(rec.Downloads) != 1 || rec.Downloads[0].RemoteAddr == "" {
			t.Errorf("downloads %+v", rec.Downloads)
		}
	})
	t.Run("form", func(t *testing.T) {
		p, id := setup(t, nil)
		for path, want := range map[string]int{"/secure/" + id: 200, "/secure/" + strings.Repeat("c", 32): 404, "/secure/": 404} {
			w := httptest.NewRecorder()
			p.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if w.Code != want {
				t.Errorf("GET %s = %d, want %d", path, w.Code, want)
			}
			if strings.Contains(w.Body.String(), "John") || strings.Contains(w.Body.String(), "r@x.example") {
				t.Errorf("page leaks content or recipient")
			}
		}
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest("GET", "/secure/"+id, nil))
		if !strings.Contains(w.Body.String(), `<form method="post">`) {
			t.Errorf("no form")
		}
	})
	t.Run("revoke", func(t *testing.T) {
		p, id := setup(t, nil)
		p.Store.RevokeSecure(context.Background(), id)
		if w := post(t, p, id, "ABCD-EFGH"); w.Code != http.StatusNotFound {
			t.Errorf("after revoke: %d", w.Code)
		}
	})
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 9 || c[4] != '-' || strings.ContainsAny(c, "01IO") {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Errorf("only %d distinct codes of 200", len(seen))
	}
	rec := SecureRecord{ID: "x"}
	rec.CodeHash = hashCode("x", "ABCD-EFGH")
	for code, want := range map[string]bool{"ABCD-EFGH": true, "abcdefgh": true, " abcd - efgh ": true, "ABCD-EFGX": false, "": false} {
		if checkCode(rec, code) != want {
			t.Errorf("checkCode(%q) != %v", code, want)
		}
	}
	if checkCode(SecureRecord{ID: "y", CodeHash: rec.CodeHash}, "ABCD-EFGH") {
		t.Error("a code hash must be bound to its record id")
	}
}
