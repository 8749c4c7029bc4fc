package sqlstore

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

// Secure messages are created in the sender's organization, read by id
// alone (recipients are not users), and every failed code, download and
// revocation is audited in that organization.
func testSecureMessages(t *testing.T, f *fixture) {
	m := &dlp.SecureMessage{ID: "s-1", VaultID: "v-9", Sender: "dr.who@st-mary.example", Recipient: "pat@gmail.com",
		CodeHash: []byte{1, 2, 3}, Created: f.now, Expires: f.now.Add(14 * 24 * time.Hour), MaxDownloads: 3}
	must(t, f.db.CreateSecureMessage(f.a, m))
	wantCode(t, f.db.CreateSecureMessage(f.a, m), airtight.EConflict)
	anon := context.Background()
	got, err := f.db.FindSecureMessage(anon, "s-1")
	must(t, err)
	if !bytes.Equal(got.CodeHash, m.CodeHash) || got.Recipient != m.Recipient || !got.Expires.Equal(m.Expires) || got.OrgID == 0 {
		t.Fatalf("stored = %+v", got)
	}
	n, err := f.db.SecureFailedAttempt(anon, "s-1")
	must(t, err)
	if n != 1 {
		t.Errorf("failed attempts = %d", n)
	}
	must(t, f.db.RecordSecureDownload(anon, "s-1", dlp.SecureDownload{At: f.now, RemoteAddr: "198.51.100.7", UserAgent: "curl"}))
	got, err = f.db.FindSecureMessage(anon, "s-1")
	must(t, err)
	if len(got.Downloads) != 1 || got.Downloads[0].RemoteAddr != "198.51.100.7" || got.FailedAttempts != 1 {
		t.Errorf("after download: %+v", got)
	}
	// Another organization cannot revoke it.
	wantCode(t, f.db.RevokeSecureMessage(f.b, "s-1"), airtight.ENotFound)
	must(t, f.db.RevokeSecureMessage(f.a, "s-1"))
	if got, _ = f.db.FindSecureMessage(anon, "s-1"); !got.Revoked {
		t.Error("not revoked")
	}
	wantCode(t, errOf(f.db.FindSecureMessage(anon, "nope")), airtight.ENotFound)
	var actions []string
	for _, e := range f.entries() {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"dlp.secure.create", "dlp.secure.code_failed", "dlp.secure.download", "dlp.secure.revoke"} {
		if !slices.Contains(actions, want) {
			t.Errorf("no %s audit entry in org a", want)
		}
	}
}

// Downloads stop at the message's limit, even when they arrive together.
func testSecureDownloadLimit(t *testing.T, f *fixture) {
	m := &dlp.SecureMessage{ID: "s-lim", VaultID: "v-lim", Sender: "a@st-mary.example", Recipient: "b@gmail.com",
		CodeHash: []byte{9}, Created: f.now, Expires: f.now.Add(time.Hour), MaxDownloads: 2}
	must(t, f.db.CreateSecureMessage(f.a, m))
	anon := context.Background()
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			errs <- f.db.RecordSecureDownload(anon, "s-lim", dlp.SecureDownload{At: f.now, RemoteAddr: "198.51.100.9"})
		}()
	}
	ok := 0
	for range 6 {
		if err := <-errs; err == nil {
			ok++
		} else if airtight.ErrorCode(err) != airtight.EConflict {
			t.Errorf("download: %v", err)
		}
	}
	if ok != 2 {
		t.Errorf("%d downloads recorded, want 2", ok)
	}
	wantCode(t, f.db.RecordSecureDownload(anon, "s-lim", dlp.SecureDownload{At: f.now.Add(2 * time.Hour)}), airtight.EConflict)
}
