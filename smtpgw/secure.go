package smtpgw

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight/dlp"
)

// SecureRecord is one recipient's access to a secure message. The message
// itself is in the vault; the access code is kept only as a hash.
type SecureRecord struct {
	ID             string // in the link: <public_url>/secure/<id>
	VaultID        string
	Sender         string
	Recipient      string
	CodeHash       []byte
	Created        time.Time
	Expires        time.Time
	Revoked        bool
	FailedAttempts int
	MaxDownloads   int
	Downloads      []Download
}

// Download is one audited retrieval of a secure message.
type Download struct {
	At         time.Time
	RemoteAddr string
	UserAgent  string
}

// ErrSecureNotFound is returned for unknown secure records.
var ErrSecureNotFound = errors.New("smtpgw: secure message not found")

// ErrSecureUnavailable is returned by RecordDownload when the record may
// no longer be downloaded: revoked, expired at the download's time,
// locked by wrong codes or out of downloads.
var ErrSecureUnavailable = errors.New("smtpgw: secure message not available")

// SecureStore keeps secure message records. The lead backs it with the
// database; MemoryStore serves tests and single-process setups.
type SecureStore interface {
	CreateSecure(ctx context.Context, rec SecureRecord) error
	GetSecure(ctx context.Context, id string) (SecureRecord, error)
	// RecordFailedAttempt counts a wrong code and returns the new count.
	RecordFailedAttempt(ctx context.Context, id string) (int, error)
	// RecordDownload appends an audited download. It checks the record's
	// limits in the same atomic step and returns ErrSecureUnavailable
	// when one is reached, so that parallel downloads (also from several
	// processes) cannot go past MaxDownloads.
	RecordDownload(ctx context.Context, id string, d Download) error
	RevokeSecure(ctx context.Context, id string) error
}

// MemoryStore is an in-memory SecureStore.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]*SecureRecord
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{recs: map[string]*SecureRecord{}} }

var _ SecureStore = (*MemoryStore)(nil)

// CreateSecure implements SecureStore.
func (m *MemoryStore) CreateSecure(_ context.Context, rec SecureRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs[rec.ID]; ok {
		return fmt.Errorf("smtpgw: secure record %s exists", rec.ID)
	}
	r := rec
	m.recs[rec.ID] = &r
	return nil
}

// GetSecure implements SecureStore.
func (m *MemoryStore) GetSecure(_ context.Context, id string) (SecureRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return SecureRecord{}, ErrSecureNotFound
	}
	out := *r
	out.Downloads = append([]Download(nil), r.Downloads...)
	return out, nil
}

// RecordFailedAttempt implements SecureStore.
func (m *MemoryStore) RecordFailedAttempt(_ context.Context, id string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return 0, ErrSecureNotFound
	}
	r.FailedAttempts++
	return r.FailedAttempts, nil
}

// RecordDownload implements SecureStore.
func (m *MemoryStore) RecordDownload(_ context.Context, id string, d Download) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return ErrSecureNotFound
	}
	if !r.downloadable(d.At) {
		return ErrSecureUnavailable
	}
	r.Downloads = append(r.Downloads, d)
	return nil
}

// downloadable reports whether the record may be downloaded at t.
func (r *SecureRecord) downloadable(t time.Time) bool {
	max := r.MaxDownloads
	if max == 0 {
		max = DefaultMaxDownloads
	}
	return !r.Revoked && t.Before(r.Expires) && r.FailedAttempts < MaxAttempts && len(r.Downloads) < max
}

// RevokeSecure implements SecureStore.
func (m *MemoryStore) RevokeSecure(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return ErrSecureNotFound
	}
	r.Revoked = true
	return nil
}

// Access codes: 8 characters from an alphabet without look-alikes (40
// bits), shown as XXXX-XXXX. Online guessing is bounded by MaxAttempts.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// MaxAttempts is the number of wrong codes after which a secure message
// is locked.
const MaxAttempts = dlp.SecureMaxAttempts

// DefaultMaxDownloads is how often a recipient may download a message.
const DefaultMaxDownloads = dlp.SecureDefaultDownloads

func newCode() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("smtpgw: random code: %w", err)
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)] // 256 is a multiple of 32: no bias
	}
	return string(b[:4]) + "-" + string(b[4:]), nil
}

// normalizeCode accepts lower case, spaces and dashes.
func normalizeCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// hashCode binds the code to the record id.
func hashCode(id, code string) []byte {
	h := sha256.Sum256([]byte("airtight secure code v1\x00" + id + "\x00" + normalizeCode(code)))
	return h[:]
}

func checkCode(rec SecureRecord, code string) bool {
	return subtle.ConstantTimeCompare(hashCode(rec.ID, code), rec.CodeHash) == 1
}

func newSecureID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("smtpgw: random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// outgoing is a notification mail to relay.
type outgoing struct {
	from, to string
	msg      []byte
}

// secure stores the message once and creates one record, one link mail
// and one code mail per recipient.
func (t *transaction) secure(ctx context.Context, rcpts []string) ([]outgoing, error) {
	var d dlp.Decision
	for _, g := range t.groups {
		if g.decision.Action == dlp.ActionSecure {
			d = g.decision
		}
	}
	vid, err := t.store(ctx, "secure", d, nil)
	if err != nil {
		return nil, err
	}
	now := t.g.cfg.Now()
	var out []outgoing
	for _, rcpt := range rcpts {
		id, err := newSecureID()
		if err != nil {
			return nil, tempFail("4.3.0", "Secure delivery unavailable now; try again later")
		}
		code, err := newCode()
		if err != nil {
			return nil, tempFail("4.3.0", "Secure delivery unavailable now; try again later")
		}
		rec := SecureRecord{ID: id, VaultID: vid, Sender: t.from, Recipient: rcpt, CodeHash: hashCode(id, code),
			Created: now, Expires: now.Add(t.g.cfg.SecureTTL), MaxDownloads: DefaultMaxDownloads}
		if err := t.g.cfg.Secure.CreateSecure(ctx, rec); err != nil {
			t.g.log.Error("secure record failed, deferring message", "msg_id", t.id, "error", err.Error())
			return nil, tempFail("4.3.0", "Secure delivery unavailable now; try again later")
		}
		out = append(out, t.g.notifications(rec, code)...)
	}
	return out, nil
}
