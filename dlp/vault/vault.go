// Package vault keeps quarantined content and secure messages encrypted at
// rest with envelope encryption: every item has its own random AES-256
// data key, and the data key is stored wrapped (AES-256-GCM) by a master
// key, with the item id as additional data so a wrapped key cannot be
// moved to another item.
//
// Items are files in one directory:
//
//	<id>.blob  "ATV1", segment size (uint32), then AES-256-GCM segments
//	<id>.key   "ATK1", nonce, the wrapped data key
//	<id>.json  metadata: id, created, size, SHA-256 of the plaintext,
//	           channel, identifier types and counts, never content
//
// Content is streamed in segments (64 KiB by default) so large attachments
// are never held in memory. Segment i is sealed with the nonce
// counter(i)||final, final being 1 on the last segment only, and the blob
// header and item id as additional data: reordering, dropping, truncating
// or extending segments fails authentication (the STREAM construction of
// Hoang, Reyhanitabar, Rogaway and Vizár). Delete removes the wrapped key
// first (crypto-shredding): without it the blob cannot be decrypted even
// if a copy of it survives on disk or in backups.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/airtight/airtight/dlp"
)

// KeySize is the size of master and data keys (AES-256).
const KeySize = 32

// DefaultSegmentSize is the plaintext size of one sealed segment.
const DefaultSegmentSize = 64 << 10

// MaxSegmentSize bounds the segment size read from a blob header, so a
// forged header cannot make Open allocate without limit.
const MaxSegmentSize = 4 << 20

// Errors.
var (
	ErrNotFound = errors.New("vault: item not found")
	ErrCorrupt  = errors.New("vault: item is corrupt or was tampered with")
	ErrBadKey   = errors.New("vault: bad master key")
)

// Meta describes a stored item. It never holds content.
type Meta struct {
	ID      string           `json:"id"`
	Created time.Time        `json:"created"`
	Size    int64            `json:"size"`   // plaintext bytes
	SHA256  string           `json:"sha256"` // of the plaintext, hex
	Kind    string           `json:"kind,omitempty"`
	Channel dlp.Channel      `json:"channel,omitempty"`
	Rule    string           `json:"rule,omitempty"`
	Types   map[dlp.Type]int `json:"types,omitempty"`
}

// Info is what the caller tells Put about an item.
type Info struct {
	Kind    string // "quarantine", "secure"
	Channel dlp.Channel
	Rule    string
	Types   map[dlp.Type]int
}

// Vault stores items in a directory. It is safe for concurrent use.
type Vault struct {
	dir     string
	master  cipher.AEAD
	segSize int
	now     func() time.Time
}

// Option configures a Vault.
type Option func(*Vault)

// WithSegmentSize sets the plaintext segment size of new items (tests use
// small segments to exercise many of them).
func WithSegmentSize(n int) Option { return func(v *Vault) { v.segSize = n } }

// WithClock sets the clock used for creation times.
func WithClock(now func() time.Time) Option { return func(v *Vault) { v.now = now } }

// New returns a vault in dir (created 0700 if missing) with masterKey.
func New(dir string, masterKey []byte, opts ...Option) (*Vault, error) {
	if len(masterKey) != KeySize {
		return nil, fmt.Errorf("master key is %d bytes, want %d: %w", len(masterKey), KeySize, ErrBadKey)
	}
	aead, err := newGCM(masterKey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create vault directory: %w", err)
	}
	v := &Vault{dir: dir, master: aead, segSize: DefaultSegmentSize, now: time.Now}
	for _, o := range opts {
		o(v)
	}
	if v.segSize < 1 || v.segSize > MaxSegmentSize {
		return nil, fmt.Errorf("vault: segment size %d out of range 1..%d", v.segSize, MaxSegmentSize)
	}
	return v, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: gcm: %w", err)
	}
	return aead, nil
}

// LoadOrCreateKey reads the master key from path (64 hex digits), or
// creates the file with a new random key, mode 0600, when it does not
// exist. A key file readable by group or others is refused.
func LoadOrCreateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("stat master key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key %s is accessible to group or others (mode %v), want 0600: %w", path, st.Mode().Perm(), ErrBadKey)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("master key %s: want %d hex digits: %w", path, 2*KeySize, ErrBadKey)
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create master key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create master key: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write master key: %w", werr)
	}
	return key, nil
}

var idRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidID reports whether id has the form of a vault id (32 hex digits).
func ValidID(id string) bool { return idRE.MatchString(id) }

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("vault: random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (v *Vault) path(id, ext string) string { return filepath.Join(v.dir, id+ext) }

// Stat returns the metadata of item id.
func (v *Vault) Stat(id string) (Meta, error) {
	if !ValidID(id) {
		return Meta{}, ErrNotFound
	}
	data, err := os.ReadFile(v.path(id, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, ErrNotFound
	}
	if err != nil {
		return Meta{}, fmt.Errorf("vault: read metadata: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil || m.ID != id {
		return Meta{}, fmt.Errorf("vault: metadata of %s: %w", id, ErrCorrupt)
	}
	return m, nil
}

// List returns the metadata of every item, oldest first.
func (v *Vault) List() ([]Meta, error) {
	names, err := filepath.Glob(filepath.Join(v.dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("vault: list: %w", err)
	}
	out := make([]Meta, 0, len(names))
	for _, n := range names {
		id := strings.TrimSuffix(filepath.Base(n), ".json")
		if !ValidID(id) {
			continue
		}
		m, err := v.Stat(id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Delete crypto-shreds item id: the wrapped data key goes first, then the
// blob and the metadata.
func (v *Vault) Delete(id string) error {
	if !ValidID(id) {
		return ErrNotFound
	}
	if _, err := os.Stat(v.path(id, ".json")); errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	for _, ext := range []string{".key", ".blob", ".json"} {
		if err := os.Remove(v.path(id, ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("vault: delete %s%s: %w", id, ext, err)
		}
	}
	return syncDir(v.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("vault: open directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("vault: sync directory: %w", err)
	}
	return nil
}
