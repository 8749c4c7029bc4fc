package ocsp

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

func TestCRLEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	cert := e.ca.issue(t, 11)
	e.ca.revoke(cert.SerialNumber, time.Now().Add(-time.Minute).Truncate(time.Second), pki.ReasonKeyCompromise)

	w := get(e.h, "/pki/crl/1.crl")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pkix-crl" {
		t.Fatalf("DER: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	crl, err := x509.ParseRevocationList(w.Body.Bytes())
	if err != nil || crl.CheckSignatureFrom(e.ca.cert) != nil || len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("CRL: %v", err)
	}
	if lm := w.Header().Get("Last-Modified"); lm != crl.ThisUpdate.UTC().Format(http.TimeFormat) {
		t.Errorf("Last-Modified %q, thisUpdate %v", lm, crl.ThisUpdate)
	}
	etag := w.Header().Get("ETag")
	if w := get(e.h, "/pki/crl/1.crl", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if w := get(e.h, "/pki/crl/1.crl", "If-Modified-Since", time.Now().UTC().Format(http.TimeFormat)); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", w.Code)
	}

	p := get(e.h, "/pki/crl/1.pem")
	block, _ := pem.Decode(p.Body.Bytes())
	if p.Code != http.StatusOK || block == nil || block.Type != "X509 CRL" || p.Header().Get("ETag") == etag {
		t.Fatalf("PEM: %d, block %v, etag %q", p.Code, block != nil, p.Header().Get("ETag"))
	}
	if w := get(e.h, "/pki/crl/1.pem", "If-None-Match", p.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Errorf("PEM If-None-Match: %d", w.Code)
	}
	// A new revocation makes a new CRL: the old ETag no longer matches.
	e.ca.revoke(e.ca.issue(t, 12).SerialNumber, time.Now(), pki.ReasonSuperseded)
	if w := get(e.h, "/pki/crl/1.crl", "If-None-Match", etag); w.Code != http.StatusOK {
		t.Errorf("after a revocation, old ETag: %d", w.Code)
	}
}

func TestCRLEndpointErrors(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/pki/crl/99.crl", "/pki/crl/1.der", "/pki/crl/abc.crl", "/pki/crl/1", "/pki/crl/-1.crl"} {
		if w := get(e.h, path); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	broken := newEnv(t, func(c *Config) {
		c.CRLs = &fakeService{crl: func(context.Context, int64) ([]byte, error) { return []byte("not a crl"), nil }}
	})
	if w := get(broken.h, "/pki/crl/1.crl"); w.Code != http.StatusInternalServerError || bytes.Contains(w.Body.Bytes(), []byte("not a crl")) {
		t.Errorf("broken CRL: %d %q", w.Code, w.Body.String())
	}
}

func TestWriteCRLFiles(t *testing.T) {
	e := newEnv(t, nil)
	e.ca.revoke(e.ca.issue(t, 21).SerialNumber, time.Now(), pki.ReasonKeyCompromise)
	_, svc := fakes(e.ca, e.other)
	dir := t.TempDir()
	cas := []*pki.CA{{ID: 1}, {ID: 2}, {ID: 3, Offline: true}}
	files, err := WriteCRLFiles(context.Background(), svc, cas, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1-delta.crl", "1-delta.pem", "1.crl", "1.pem", "2-delta.crl", "2-delta.pem", "2.crl", "2.pem"}
	if names := dirNames(t, dir); !slices.Equal(names, want) || len(files) != 8 {
		t.Fatalf("files %v (returned %v), want %v", names, files, want)
	}
	der, _ := os.ReadFile(filepath.Join(dir, "1.crl"))
	if crl, err := x509.ParseRevocationList(der); err != nil || len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("1.crl: %v", err)
	}
	der, _ = os.ReadFile(filepath.Join(dir, "1-delta.crl"))
	if crl, err := x509.ParseRevocationList(der); err != nil || len(crl.RevokedCertificateEntries) != 1 || !hasDeltaIndicator(crl) {
		t.Fatalf("1-delta.crl: %v", err)
	}
	p, _ := os.ReadFile(filepath.Join(dir, "1-delta.pem"))
	if block, _ := pem.Decode(p); block == nil || block.Type != "X509 CRL" || !bytes.Equal(block.Bytes, der) {
		t.Fatal("1-delta.pem is not the delta CRL")
	}
	// Rewriting replaces files; a failing CA does not stop the others.
	cas = append(cas, &pki.CA{ID: 99})
	files, err = WriteCRLFiles(context.Background(), svc, cas, dir)
	if airtight.ErrorCode(err) != airtight.ENotFound || len(files) != 8 {
		t.Fatalf("with a missing CA: files %v, err %v", files, err)
	}
	if _, err := WriteCRLFiles(context.Background(), svc, cas[:1], filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing directory: no error")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestReadCRLInfoRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0x30}, {0x30, 0x00}, {0x30, 0x03, 0x30, 0x01, 0x00}} {
		if _, err := readCRLInfo(b); err == nil {
			t.Errorf("%x: no error", b)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range entries {
		names = append(names, de.Name())
	}
	return names
}

func hasDeltaIndicator(crl *x509.RevocationList) bool {
	for _, e := range crl.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 27}) && e.Critical {
			return true
		}
	}
	return false
}

// TestWriteCRLFilesWithoutDeltas: a service without delta CRLs gets the
// full CRL files only, and no error.
func TestWriteCRLFilesWithoutDeltas(t *testing.T) {
	e := newEnv(t, nil)
	_, svc := fakes(e.ca)
	svc.delta = nil
	dir := t.TempDir()
	files, err := WriteCRLFiles(context.Background(), svc, []*pki.CA{{ID: 1}}, dir)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v, err %v", files, err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"1.crl", "1.pem"}) {
		t.Errorf("files %v", names)
	}
	svc.delta = func(context.Context, int64) ([]byte, error) { return nil, errors.New("disk on fire") }
	if files, err := WriteCRLFiles(context.Background(), svc, []*pki.CA{{ID: 1}}, dir); err == nil || len(files) != 2 {
		t.Errorf("failing delta: files %v, err %v", files, err)
	}
}

func TestDeltaCRLEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	old := e.ca.issue(t, 31)
	e.ca.revoke(old.SerialNumber, time.Now().Add(-time.Hour).Truncate(time.Second), pki.ReasonKeyCompromise)
	e.ca.deltaSince = time.Now().Add(-30 * time.Minute)
	e.ca.revoke(e.ca.issue(t, 32).SerialNumber, time.Now().Truncate(time.Second), pki.ReasonSuperseded)

	w := get(e.h, "/pki/crl/1-delta.crl")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pkix-crl" {
		t.Fatalf("DER: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	crl, err := x509.ParseRevocationList(w.Body.Bytes())
	if err != nil || crl.CheckSignatureFrom(e.ca.cert) != nil || !hasDeltaIndicator(crl) {
		t.Fatalf("delta CRL: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Int64() != 32 {
		t.Fatalf("delta entries %+v", crl.RevokedCertificateEntries)
	}
	full := get(e.h, "/pki/crl/1.crl")
	etag := w.Header().Get("ETag")
	if etag == "" || etag == full.Header().Get("ETag") {
		t.Errorf("delta ETag %q, full %q", etag, full.Header().Get("ETag"))
	}
	if lm := w.Header().Get("Last-Modified"); lm != crl.ThisUpdate.UTC().Format(http.TimeFormat) {
		t.Errorf("Last-Modified %q, thisUpdate %v", lm, crl.ThisUpdate)
	}
	if w := get(e.h, "/pki/crl/1-delta.crl", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if w := get(e.h, "/pki/crl/1-delta.crl", "If-Modified-Since", time.Now().UTC().Format(http.TimeFormat)); w.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", w.Code)
	}

	p := get(e.h, "/pki/crl/1-delta.pem")
	block, _ := pem.Decode(p.Body.Bytes())
	if p.Code != http.StatusOK || block == nil || block.Type != "X509 CRL" || !bytes.Equal(block.Bytes, w.Body.Bytes()) {
		t.Fatalf("PEM: %d, block %v", p.Code, block != nil)
	}
	// The full CRL's PEM is cached apart from the delta's.
	fp := get(e.h, "/pki/crl/1.pem")
	if block, _ := pem.Decode(fp.Body.Bytes()); block == nil || !bytes.Equal(block.Bytes, full.Body.Bytes()) {
		t.Error("full PEM is not the full CRL")
	}
	if w := get(e.h, "/pki/crl/1-delta.pem", "If-None-Match", p.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Errorf("PEM If-None-Match: %d", w.Code)
	}
	// A new revocation makes a new delta.
	e.ca.revoke(e.ca.issue(t, 33).SerialNumber, time.Now(), pki.ReasonSuperseded)
	if w := get(e.h, "/pki/crl/1-delta.crl", "If-None-Match", etag); w.Code != http.StatusOK {
		t.Errorf("after a revocation, old ETag: %d", w.Code)
	}
}

func TestDeltaCRLEndpointErrors(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/pki/crl/99-delta.crl", "/pki/crl/1-delta.der", "/pki/crl/-delta.crl", "/pki/crl/1-delta",
		"/pki/crl/1-delta-delta.crl", "/pki/crl/1-deltas.crl", "/pki/crl/1.delta.crl"} {
		if w := get(e.h, path); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	none := newEnv(t, func(c *Config) {
		_, svc := fakes(newTestCA(t, 1, "CA"))
		svc.delta = nil
		c.CRLs = svc
	})
	if w := get(none.h, "/pki/crl/1-delta.crl"); w.Code != http.StatusNotFound {
		t.Errorf("without delta CRLs: %d", w.Code)
	}
	if w := get(none.h, "/pki/crl/1.crl"); w.Code != http.StatusOK {
		t.Errorf("full CRL without delta CRLs: %d", w.Code)
	}
}

func TestParseCRLName(t *testing.T) {
	for name, want := range map[string]struct {
		f       crlFile
		pemForm bool
	}{
		"7.crl":        {crlFile{caID: 7}, false},
		"7.pem":        {crlFile{caID: 7}, true},
		"7-delta.crl":  {crlFile{caID: 7, delta: true}, false},
		"12-delta.pem": {crlFile{caID: 12, delta: true}, true},
	} {
		f, pemForm, ok := parseCRLName(name)
		if !ok || f != want.f || pemForm != want.pemForm {
			t.Errorf("%s: %+v %v %v", name, f, pemForm, ok)
		}
	}
}
