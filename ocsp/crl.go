package ocsp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// crlInfo is what the CRL endpoint reads from a CRL without parsing its
// (possibly million-entry) list of revoked certificates.
type crlInfo struct {
	thisUpdate time.Time
	etag       string // over the signature: a new CRL has a new one
}

// pemCache keeps the PEM form of each CA's latest full and delta CRLs,
// keyed by their ETag, so a large CRL is encoded once per version rather
// than once per request.
type pemCache struct {
	mu sync.Mutex
	m  map[crlFile]pemEntry
}

// crlFile names one of a CA's CRLs.
type crlFile struct {
	caID  int64
	delta bool
}

type pemEntry struct {
	etag string
	pem  []byte
}

func (c *pemCache) get(f crlFile, etag string, der []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[f]; ok && e.etag == etag {
		return e.pem
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
	if c.m == nil {
		c.m = make(map[crlFile]pemEntry)
	}
	c.m[f] = pemEntry{etag: etag, pem: p}
	return p
}

// deltaSuffix ends the base name of a CA's delta CRL: {caID}-delta.crl.
const deltaSuffix = "-delta"

// parseCRLName parses {caID}.crl, {caID}.pem, {caID}-delta.crl and
// {caID}-delta.pem.
func parseCRLName(name string) (f crlFile, pemForm, ok bool) {
	base, ext, _ := strings.Cut(name, ".")
	if ext != "crl" && ext != "pem" {
		return f, false, false
	}
	base, f.delta = strings.CutSuffix(base, deltaSuffix)
	f.caID, ok = parseID(base)
	return f, ext == "pem", ok
}

// handleCRL serves GET /pki/crl/{caID}.crl (DER) and {caID}.pem, and the
// delta CRL as {caID}-delta.crl and {caID}-delta.pem, with ETag and
// Last-Modified for conditional requests.
func (r *Responder) handleCRL(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("file")
	f, pemForm, ok := parseCRLName(name)
	if !ok {
		http.NotFound(w, req)
		return
	}
	get := r.cfg.CRLs.CRL
	if f.delta {
		get = r.cfg.CRLs.DeltaCRL
	}
	der, err := get(req.Context(), f.caID)
	if err != nil {
		r.crlError(w, req, f.caID, err)
		return
	}
	info, err := readCRLInfo(der)
	if err != nil {
		r.crlError(w, req, f.caID, err)
		return
	}
	body, etag, ctype := der, info.etag, "application/pkix-crl"
	if pemForm {
		etag = strings.TrimSuffix(etag, `"`) + `-pem"`
		body, ctype = r.pems.get(f, etag, der), "application/x-pem-file"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, no-cache") // revalidate each time: a revocation changes the CRL at once
	http.ServeContent(w, req, name, info.thisUpdate, bytes.NewReader(body))
}

func (r *Responder) crlError(w http.ResponseWriter, req *http.Request, caID int64, err error) {
	switch airtight.ErrorCode(err) {
	case airtight.ENotFound, airtight.EInvalid:
		http.NotFound(w, req)
	default:
		r.log.ErrorContext(req.Context(), "crl failed", "ca_id", caID, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// readCRLInfo reads thisUpdate and the signature of a DER CRL (RFC 5280
// section 5.1) in constant time, whatever the number of entries.
func readCRLInfo(der []byte) (crlInfo, error) {
	in := cryptobyte.String(der)
	var crl, tbs, sig cryptobyte.String
	if !in.ReadASN1(&crl, cbasn1.SEQUENCE) || !crl.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!crl.SkipASN1(cbasn1.SEQUENCE) || !crl.ReadASN1(&sig, cbasn1.BIT_STRING) {
		return crlInfo{}, errors.New("ocsp: malformed CRL")
	}
	if !tbs.SkipOptionalASN1(cbasn1.INTEGER) || !tbs.SkipASN1(cbasn1.SEQUENCE) || !tbs.SkipASN1(cbasn1.SEQUENCE) {
		return crlInfo{}, errors.New("ocsp: malformed CRL header")
	}
	this, err := readTime(&tbs)
	if err != nil {
		return crlInfo{}, err
	}
	sum := sha256.Sum256(sig)
	return crlInfo{thisUpdate: this, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

func readTime(s *cryptobyte.String) (time.Time, error) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, errors.New("ocsp: malformed CRL thisUpdate")
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, errors.New("ocsp: malformed CRL thisUpdate")
		}
	default:
		return t, errors.New("ocsp: CRL without thisUpdate")
	}
	return t, nil
}

// WriteCRLFiles writes the current full and delta CRLs of each CA in cas
// to dir as {caID}.crl (DER), {caID}.pem, {caID}-delta.crl and
// {caID}-delta.pem, the names the CRL endpoint serves, for hospitals that
// mirror them on an isolated network (the full CRL rarely, the delta
// often). Each file is written to a temporary file, synced and renamed, so
// a mirror never reads a partial CRL; the full CRL is written first. The
// delta files are left out when the service has no delta CRLs
// (pki.ErrNoDeltaCRL). Offline CAs (whose key the server does not hold)
// are skipped. It returns the files written; a CA that fails does not stop
// the others.
func WriteCRLFiles(ctx context.Context, svc CRLService, cas []*pki.CA, dir string) ([]string, error) {
	var written []string
	var errs []error
	for _, ca := range cas {
		if ca.Offline {
			continue
		}
		files, err := writeCRLs(ctx, svc, ca.ID, dir)
		written = append(written, files...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return written, errors.Join(errs...)
}

// writeCRLs writes the CA's full CRL, then its delta CRL.
func writeCRLs(ctx context.Context, svc CRLService, caID int64, dir string) ([]string, error) {
	base := filepath.Join(dir, strconv.FormatInt(caID, 10))
	der, err := svc.CRL(ctx, caID)
	if err != nil {
		return nil, fmt.Errorf("ocsp: crl of ca %d: %w", caID, err)
	}
	written, err := writeCRL(base, der)
	if err != nil {
		return written, err
	}
	der, err = svc.DeltaCRL(ctx, caID)
	if errors.Is(err, pki.ErrNoDeltaCRL) {
		return written, nil
	}
	if err != nil {
		return written, fmt.Errorf("ocsp: delta crl of ca %d: %w", caID, err)
	}
	files, err := writeCRL(base+deltaSuffix, der)
	return append(written, files...), err
}

// writeCRL writes der as base.crl and base.pem.
func writeCRL(base string, der []byte) ([]string, error) {
	if err := writeAtomic(base+".crl", der); err != nil {
		return nil, err
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
	if err := writeAtomic(base+".pem", p); err != nil {
		return []string{base + ".crl"}, err
	}
	return []string{base + ".crl", base + ".pem"}, nil
}

// writeAtomic replaces path with data: temporary file, fsync, rename.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("ocsp: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("ocsp: write %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("ocsp: chmod %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("ocsp: sync %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("ocsp: close %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("ocsp: rename %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ocsp: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ocsp: sync %s: %w", dir, err)
	}
	return nil
}
