package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp/vault"
)

// gatedStore holds every GetSecure until n callers have read the record
// (or a short wait has passed), so that parallel requests all see the
// same counts: the window a racing attacker aims for.
type gatedStore struct {
	*MemoryStore
	n       int
	mu      sync.Mutex
	arrived int
	all     chan struct{}
}

func (g *gatedStore) GetSecure(ctx context.Context, id string) (SecureRecord, error) {
	rec, err := g.MemoryStore.GetSecure(ctx, id)
	g.mu.Lock()
	if g.arrived++; g.arrived == g.n {
		close(g.all)
	}
	g.mu.Unlock()
	select {
	case <-g.all:
	case <-time.After(50 * time.Millisecond):
	}
	return rec, err
}

func racePortal(t *testing.T, n int, mod func(*SecureRecord)) (*SecurePortal, *MemoryStore, string, []byte) {
	t.Helper()
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
	mem := NewMemoryStore()
	rec := SecureRecord{ID: strings.Repeat("a", 32), VaultID: meta.ID, Created: now, Expires: now.Add(time.Hour)}
	rec.CodeHash = hashCode(rec.ID, "ABCD-EFGH")
	if mod != nil {
		mod(&rec)
	}
	if err := mem.CreateSecure(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	store := &gatedStore{MemoryStore: mem, n: n, all: make(chan struct{})}
	return &SecurePortal{Store: store, Vault: v, Now: func() time.Time { return now }}, mem, rec.ID, msg
}

// TestPortalParallelGuessing checks that parallel wrong codes cannot go
// past MaxAttempts: before, every request that read the record before
// the first failure was counted got its guess checked.
func TestPortalParallelGuessing(t *testing.T) {
	const n = 20
	p, mem, id, _ := racePortal(t, n, nil)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(t, p, id, "WRNG-"+strings.Repeat(string(rune('A'+i)), 4))
		}()
	}
	wg.Wait()
	rec, _ := mem.GetSecure(context.Background(), id)
	if rec.FailedAttempts > MaxAttempts {
		t.Errorf("%d codes checked, want at most %d", rec.FailedAttempts, MaxAttempts)
	}
}

// TestPortalParallelDownloads checks that parallel downloads with the
// right code cannot go past MaxDownloads.
func TestPortalParallelDownloads(t *testing.T) {
	const n = 10
	p, mem, id, msg := racePortal(t, n, func(r *SecureRecord) { r.MaxDownloads = 1 })
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := post(t, p, id, "ABCD-EFGH")
			if w.Code == http.StatusOK && bytes.Equal(w.Body.Bytes(), msg) {
				mu.Lock()
				got++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rec, _ := mem.GetSecure(context.Background(), id)
	if got != 1 || len(rec.Downloads) != 1 {
		t.Errorf("%d downloads served, %d recorded; want 1", got, len(rec.Downloads))
	}
}

// TestMemoryStoreDownloadLimits checks that the store itself refuses a
// download past a limit (the guard for stores shared by processes).
func TestMemoryStoreDownloadLimits(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		mod  func(*SecureRecord)
		at   time.Time
		want error
	}{
		{"fresh", nil, now, nil},
		{"exhausted", func(r *SecureRecord) { r.MaxDownloads = 1; r.Downloads = []Download{{At: now}} }, now, ErrSecureUnavailable},
		{"default limit", func(r *SecureRecord) { r.Downloads = make([]Download, DefaultMaxDownloads) }, now, ErrSecureUnavailable},
		{"expired", nil, now.Add(time.Hour), ErrSecureUnavailable},
		{"revoked", func(r *SecureRecord) { r.Revoked = true }, now, ErrSecureUnavailable},
		{"locked", func(r *SecureRecord) { r.FailedAttempts = MaxAttempts }, now, ErrSecureUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemoryStore()
			rec := SecureRecord{ID: "r", Expires: now.Add(time.Hour)}
			if tt.mod != nil {
				tt.mod(&rec)
			}
			m.CreateSecure(context.Background(), rec)
			if err := m.RecordDownload(context.Background(), "r", Download{At: tt.at}); !errors.Is(err, tt.want) {
				t.Errorf("RecordDownload = %v, want %v", err, tt.want)
			}
		})
	}
}
