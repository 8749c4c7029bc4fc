package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzOpenCorruptBlob: whatever bytes stand in a blob's place on disk,
// reading it back yields the original plaintext or ErrCorrupt — never a
// panic and never other bytes.
func FuzzOpenCorruptBlob(f *testing.F) {
	dir := f.TempDir()
	v, err := New(dir, bytes.Repeat([]byte{7}, 32), WithSegmentSize(64))
	if err != nil {
		f.Fatal(err)
	}
	plain := bytes.Repeat([]byte("patient DOE^JANE 123-45-6789 "), 9)
	meta, err := v.Put(context.Background(), Info{Kind: "quarantine"}, bytes.NewReader(plain))
	if err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(v.path(meta.ID, ".blob"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, blob []byte) {
		if err := os.WriteFile(v.path(meta.ID, ".blob"), blob, 0o600); err != nil {
			t.Fatal(err)
		}
		rc, _, err := v.Open(meta.ID)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v", err)
			}
			return
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read: %v", err)
			}
			return
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("a corrupt blob read back as other bytes")
		}
	})
}
