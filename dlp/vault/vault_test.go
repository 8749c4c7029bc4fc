package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
)

const marker = "Patient Jane Quimby SSN 123-45-6789 MRN 00424242"

func newVault(t *testing.T, seg int) (*Vault, []byte, string) {
	t.Helper()
	dir := t.TempDir()
	key := make([]byte, KeySize)
	rand.Read(key)
	v, err := New(filepath.Join(dir, "vault"), key, WithSegmentSize(seg))
	if err != nil {
		t.Fatal(err)
	}
	return v, key, filepath.Join(dir, "vault")
}

// content returns n bytes repeating the marker, so every segment holds
// recognizable plaintext.
func content(n int) []byte {
	return []byte(strings.Repeat(marker+"\n", n/(len(marker)+1)+1)[:n])
}

func put(t *testing.T, v *Vault, data []byte) Meta {
	t.Helper()
	m, err := v.Put(context.Background(), Info{Kind: "quarantine", Channel: dlp.ChannelSMTP, Rule: "r",
		Types: map[dlp.Type]int{dlp.SSN: 1}}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readAll(v *Vault, id string) ([]byte, error) {
	rc, _, err := v.Open(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestRoundTrip(t *testing.T) {
	const seg = 64
	v, _, _ := newVault(t, seg)
	for _, n := range []int{0, 1, seg - 1, seg, seg + 1, 2 * seg, 5*seg + 7, 3000} {
		data := content(n)
		m := put(t, v, data)
		if m.Size != int64(n) || !ValidID(m.ID) {
			t.Fatalf("meta %+v for %d bytes", m, n)
		}
		got, err := readAll(v, m.ID)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: round trip differs", n)
		}
	}
}

func TestDefaultSegmentsLarge(t *testing.T) {
	v, _, _ := newVault(t, DefaultSegmentSize)
	data := make([]byte, 3*DefaultSegmentSize+123)
	rand.Read(data)
	m := put(t, v, data)
	got, err := readAll(v, m.ID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip of %d bytes: err %v, equal %v", len(data), err, bytes.Equal(got, data))
	}
}

func TestTamperDetection(t *testing.T) {
	const seg = 64
	v, _, dir := newVault(t, seg)
	data := content(4*seg + 10)
	m := put(t, v, data)
	blob := filepath.Join(dir, m.ID+".blob")
	orig, _ := os.ReadFile(blob)
	sealed := seg + tagSize
	cases := []struct {
		name   string
		mutate func([]byte) []byte
	}{
		{"flip header", func(b []byte) []byte { b[5] ^= 1; return b }},
		{"flip first segment", func(b []byte) []byte { b[headerSize+3] ^= 0x80; return b }},
		{"flip tag of last", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{"truncate last segment", func(b []byte) []byte { return b[:len(b)-5] }},
		{"drop last segment", func(b []byte) []byte { return b[:headerSize+4*sealed] }},
		{"cut inside a segment", func(b []byte) []byte { return b[:headerSize+sealed+10] }},
		{"append junk", func(b []byte) []byte { return append(b, 0) }},
		{"append segment", func(b []byte) []byte { return append(b, b[headerSize:headerSize+sealed]...) }},
		{"swap segments", func(b []byte) []byte {
			s1 := append([]byte(nil), b[headerSize:headerSize+sealed]...)
			copy(b[headerSize:], b[headerSize+sealed:headerSize+2*sealed])
			copy(b[headerSize+sealed:], s1)
			return b
		}},
		{"empty", func(b []byte) []byte { return nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(blob, tc.mutate(append([]byte(nil), orig...)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := readAll(v, m.ID)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read of tampered blob: err = %v, want ErrCorrupt", err)
			}
		})
	}
	os.WriteFile(blob, orig, 0o600)
	if _, err := readAll(v, m.ID); err != nil {
		t.Fatalf("restored blob: %v", err)
	}
}

func TestKeyTamperAndSwap(t *testing.T) {
	v, _, dir := newVault(t, 64)
	a, b := put(t, v, content(100)), put(t, v, content(200))
	keyA, _ := os.ReadFile(filepath.Join(dir, a.ID+".key"))
	// A wrapped key moved to another item fails: the item id is bound.
	os.WriteFile(filepath.Join(dir, b.ID+".key"), keyA, 0o600)
	if _, err := readAll(v, b.ID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("swapped key: err = %v, want ErrCorrupt", err)
	}
	keyA[len(keyA)-3] ^= 4
	os.WriteFile(filepath.Join(dir, a.ID+".key"), keyA, 0o600)
	if _, err := readAll(v, a.ID); !errors.Is(err, ErrCorrupt) {
		t.Errorf("flipped key: err = %v, want ErrCorrupt", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	v, key, dir := newVault(t, 64)
	m := put(t, v, content(500))
	other := append([]byte(nil), key...)
	other[0] ^= 1
	w, err := New(dir, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(w, m.ID); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong master key: err = %v, want ErrCorrupt", err)
	}
	if _, err := New(dir, key[:16]); !errors.Is(err, ErrBadKey) {
		t.Errorf("short key: err = %v", err)
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	v, key, dir := newVault(t, 128)
	m := put(t, v, content(10000))
	needles := [][]byte{[]byte("Quimby"), []byte("123-45-6789"), []byte("00424242"), key}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("vault holds %d files, want 3 (no temporary files left)", len(entries))
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("%s contains plaintext or the master key", e.Name())
			}
		}
		st, _ := os.Stat(filepath.Join(dir, e.Name()))
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), st.Mode().Perm())
		}
	}
	meta, _ := os.ReadFile(filepath.Join(dir, m.ID+".json"))
	for _, want := range []string{`"sha256"`, `"SSN":1`, `"channel":"smtp"`} {
		if !bytes.Contains(meta, []byte(want)) {
			t.Errorf("metadata %s lacks %s", meta, want)
		}
	}
}

func TestDeleteAndList(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	dir := t.TempDir()
	key := make([]byte, KeySize)
	v, err := New(dir, key, WithClock(func() time.Time { now = now.Add(time.Second); return now }))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := put(t, v, content(10)), put(t, v, content(20)), put(t, v, content(30))
	if err := v.Delete(b.ID); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".key", ".blob", ".json"} {
		if _, err := os.Stat(filepath.Join(dir, b.ID+ext)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s%s survives Delete", b.ID, ext)
		}
	}
	if _, err := readAll(v, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open after Delete: %v", err)
	}
	if err := v.Delete(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	list, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID {
		t.Fatalf("List = %+v, want a then c", list)
	}
	for _, bad := range []string{"../etc/passwd", "", strings.Repeat("g", 32), strings.ToUpper(a.ID)} {
		if _, _, err := v.Open(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", bad, err)
		}
	}
}

func TestShreddedKeyMakesBlobUseless(t *testing.T) {
	v, _, dir := newVault(t, 64)
	m := put(t, v, content(300))
	os.Remove(filepath.Join(dir, m.ID+".key"))
	if _, err := readAll(v, m.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open without key: %v", err)
	}
}

func TestPutFailureLeavesNothing(t *testing.T) {
	v, _, dir := newVault(t, 64)
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(bytes.NewReader(content(200)), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, errors.New("disk on fire")
	}))
	if _, err := v.Put(ctx, Info{}, r); err == nil {
		t.Fatal("Put succeeded with a failing reader")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("failed Put left %d files", len(entries))
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "vault.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) || len(k1) != KeySize {
		t.Fatalf("reload: %v, equal %v", err, bytes.Equal(k1, k2))
	}
	os.Chmod(path, 0o644)
	if _, err := LoadOrCreateKey(path); !errors.Is(err, ErrBadKey) {
		t.Errorf("world-readable key: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("abcd\n"), 0o600)
	if _, err := LoadOrCreateKey(path); !errors.Is(err, ErrBadKey) {
		t.Errorf("short key: %v", err)
	}
}

func BenchmarkPutOpen(b *testing.B) {
	dir := b.TempDir()
	v, _ := New(dir, make([]byte, KeySize))
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := v.Put(context.Background(), Info{}, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		rc, _, _ := v.Open(m.ID)
		io.Copy(io.Discard, rc)
		rc.Close()
		v.Delete(m.ID)
	}
}
