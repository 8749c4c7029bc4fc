package vault

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
)

const (
	blobMagic  = "ATV1"
	keyMagic   = "ATK1"
	headerSize = len(blobMagic) + 4
	nonceSize  = 12
	tagSize    = 16
)

// keyAAD binds a wrapped data key to its item.
func keyAAD(id string) []byte { return []byte("airtight vault key v1 " + id) }

// segAAD binds segments to the blob header and the item.
func segAAD(header []byte, id string) []byte {
	return append(append([]byte(nil), header...), id...)
}

// segNonce is an 11-byte big-endian segment counter and a final flag.
func segNonce(i uint64, final bool) []byte {
	n := make([]byte, nonceSize)
	binary.BigEndian.PutUint64(n[3:11], i)
	if final {
		n[11] = 1
	}
	return n
}

// Put stores the content of r encrypted under a fresh data key and returns
// its metadata. Nothing is visible under the item's id until every file is
// written and synced; on error nothing is left behind.
func (v *Vault) Put(ctx context.Context, info Info, r io.Reader) (Meta, error) {
	id, err := newID()
	if err != nil {
		return Meta{}, err
	}
	dataKey := make([]byte, KeySize)
	if _, err := rand.Read(dataKey); err != nil {
		return Meta{}, fmt.Errorf("vault: data key: %w", err)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return Meta{}, err
	}
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	h := sha256.New()
	blobTmp, size, err := v.writeTemp(func(w io.Writer) error {
		return v.seal(ctx, w, aead, id, io.TeeReader(r, h))
	})
	temps = append(temps, blobTmp)
	if err != nil {
		return Meta{}, err
	}
	keyTmp, _, err := v.writeTemp(func(w io.Writer) error { return v.wrapKey(w, dataKey, id) })
	temps = append(temps, keyTmp)
	if err != nil {
		return Meta{}, err
	}
	meta := Meta{ID: id, Created: v.now().UTC(), Size: size, SHA256: hex.EncodeToString(h.Sum(nil)),
		Kind: info.Kind, Channel: info.Channel, Rule: info.Rule, Types: info.Types}
	metaTmp, _, err := v.writeTemp(func(w io.Writer) error { return json.NewEncoder(w).Encode(meta) })
	temps = append(temps, metaTmp)
	if err != nil {
		return Meta{}, err
	}
	if err := v.publish(id, blobTmp, keyTmp, metaTmp); err != nil {
		return Meta{}, err
	}
	temps = nil
	return meta, nil
}

// publish renames the temporary files into place, metadata last: an item
// is listed only once its blob and key exist.
func (v *Vault) publish(id, blobTmp, keyTmp, metaTmp string) error {
	for _, mv := range []struct{ from, to string }{
		{blobTmp, v.path(id, ".blob")}, {keyTmp, v.path(id, ".key")}, {metaTmp, v.path(id, ".json")},
	} {
		if err := os.Rename(mv.from, mv.to); err != nil {
			for _, ext := range []string{".blob", ".key"} {
				os.Remove(v.path(id, ext))
			}
			return fmt.Errorf("vault: publish %s: %w", id, err)
		}
	}
	return syncDir(v.dir)
}

// writeTemp writes a new 0600 temporary file with fill, syncs it and
// returns its name and the plaintext size counted by seal (for the blob).
func (v *Vault) writeTemp(fill func(io.Writer) error) (string, int64, error) {
	f, err := os.CreateTemp(v.dir, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("vault: create temporary file: %w", err)
	}
	name := f.Name()
	cw := &countWriter{w: f}
	err = fill(cw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("vault: close: %w", cerr)
	}
	return name, cw.plain, err
}

type countWriter struct {
	w     io.Writer
	plain int64 // plaintext bytes, set by seal
}

func (c *countWriter) Write(p []byte) (int, error) { return c.w.Write(p) }

func (v *Vault) wrapKey(w io.Writer, dataKey []byte, id string) error {
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("vault: nonce: %w", err)
	}
	out := append([]byte(keyMagic), nonce...)
	out = v.master.Seal(out, nonce, dataKey, keyAAD(id))
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("vault: write key: %w", err)
	}
	return nil
}

// seal writes the blob header and the sealed segments of r. It reads one
// segment ahead so that the last one, and only it, carries the final flag.
func (v *Vault) seal(ctx context.Context, w io.Writer, aead cipher.AEAD, id string, r io.Reader) error {
	header := make([]byte, headerSize)
	copy(header, blobMagic)
	binary.BigEndian.PutUint32(header[len(blobMagic):], uint32(v.segSize))
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("vault: write blob: %w", err)
	}
	aad := segAAD(header, id)
	cur, next := make([]byte, v.segSize), make([]byte, v.segSize)
	out := make([]byte, 0, v.segSize+tagSize)
	n, err := readSegment(r, cur)
	if err != nil {
		return err
	}
	var total int64
	for i := uint64(0); ; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("vault: put: %w", err)
		}
		m := 0
		if n == len(cur) {
			if m, err = readSegment(r, next); err != nil {
				return err
			}
		}
		final := n < len(cur) || m == 0
		out = aead.Seal(out[:0], segNonce(i, final), cur[:n], aad)
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("vault: write blob: %w", err)
		}
		total += int64(n)
		if final {
			break
		}
		cur, next, n = next, cur, m
	}
	if cw, ok := w.(*countWriter); ok {
		cw.plain = total
	}
	return nil
}

// readSegment fills buf as far as r allows; a short count means the end.
func readSegment(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("vault: read content: %w", err)
	}
	return n, nil
}

// Open returns the decrypted content of item id and its metadata. Every
// segment is authenticated before its bytes are returned; truncation,
// reordering or appended data make Read fail, and at the end the size and
// SHA-256 are checked against the metadata. A reader that returned an
// error must be treated as having delivered garbage.
func (v *Vault) Open(id string) (io.ReadCloser, Meta, error) {
	meta, err := v.Stat(id)
	if err != nil {
		return nil, Meta{}, err
	}
	aead, err := v.unwrapKey(id)
	if err != nil {
		return nil, Meta{}, err
	}
	f, err := os.Open(v.path(id, ".blob"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Meta{}, ErrNotFound
	}
	if err != nil {
		return nil, Meta{}, fmt.Errorf("vault: open blob: %w", err)
	}
	header := make([]byte, headerSize)
	if _, err := io.ReadFull(f, header); err != nil || string(header[:len(blobMagic)]) != blobMagic {
		f.Close()
		return nil, Meta{}, fmt.Errorf("vault: blob header of %s: %w", id, ErrCorrupt)
	}
	seg := int(binary.BigEndian.Uint32(header[len(blobMagic):]))
	if seg < 1 || seg > MaxSegmentSize {
		f.Close()
		return nil, Meta{}, fmt.Errorf("vault: segment size of %s: %w", id, ErrCorrupt)
	}
	return &reader{f: f, aead: aead, aad: segAAD(header, id), buf: make([]byte, seg+tagSize+1), pbuf: make([]byte, 0, seg),
		meta: meta, hash: sha256.New()}, meta, nil
}

func (v *Vault) unwrapKey(id string) (cipher.AEAD, error) {
	data, err := os.ReadFile(v.path(id, ".key"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("vault: read key: %w", err)
	}
	if len(data) != len(keyMagic)+nonceSize+KeySize+tagSize || string(data[:len(keyMagic)]) != keyMagic {
		return nil, fmt.Errorf("vault: key of %s: %w", id, ErrCorrupt)
	}
	nonce := data[len(keyMagic) : len(keyMagic)+nonceSize]
	dataKey, err := v.master.Open(nil, nonce, data[len(keyMagic)+nonceSize:], keyAAD(id))
	if err != nil {
		return nil, fmt.Errorf("vault: unwrap key of %s (wrong master key or tampered key): %w", id, ErrCorrupt)
	}
	return newGCM(dataKey)
}

// reader decrypts a blob segment by segment.
type reader struct {
	f     *os.File
	aead  cipher.AEAD
	aad   []byte
	buf   []byte // one sealed segment plus one byte of look-ahead
	have  int    // bytes of buf holding read-ahead data
	pbuf  []byte // decrypted segment
	plain []byte // decrypted bytes not yet returned
	i     uint64
	done  bool
	err   error
	meta  Meta
	hash  hash.Hash
	size  int64
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			r.err = r.finish()
			if r.err == nil {
				r.err = io.EOF
			}
			return 0, r.err
		}
		if err := r.next(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens one segment. It reads a full segment plus one byte:
// the byte tells whether more follow, hence whether this one must be final.
func (r *reader) next() error {
	n, err := io.ReadFull(r.f, r.buf[r.have:])
	n += r.have
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("vault: read blob: %w", err)
	}
	segLen, final := n, true
	if n == len(r.buf) {
		segLen, final = n-1, false
	}
	if segLen < tagSize {
		return fmt.Errorf("vault: %s is truncated: %w", r.meta.ID, ErrCorrupt)
	}
	out, err := r.aead.Open(r.pbuf[:0], segNonce(r.i, final), r.buf[:segLen], r.aad)
	if err != nil {
		return fmt.Errorf("vault: segment %d of %s: %w", r.i, r.meta.ID, ErrCorrupt)
	}
	if !final {
		r.buf[0] = r.buf[segLen]
		r.have = 1
	}
	r.i++
	r.done = final
	r.plain = out
	r.hash.Write(out)
	r.size += int64(len(out))
	return nil
}

func (r *reader) finish() error {
	if r.size != r.meta.Size || hex.EncodeToString(r.hash.Sum(nil)) != r.meta.SHA256 {
		return fmt.Errorf("vault: %s does not match its metadata: %w", r.meta.ID, ErrCorrupt)
	}
	return nil
}

func (r *reader) Close() error { return r.f.Close() }
