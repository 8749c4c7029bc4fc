package ocsp

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
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
	want := []string{"1.crl", "1.pem", "2.crl", "2.pem"}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, de := range entries {
		names = append(names, de.Name())
	}
	if !slices.Equal(names, want) || len(files) != 4 {
		t.Fatalf("files %v (returned %v), want %v", names, files, want)
	}
	der, _ := os.ReadFile(filepath.Join(dir, "1.crl"))
	if crl, err := x509.ParseRevocationList(der); err != nil || len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("1.crl: %v", err)
	}
	// Rewriting replaces files; a failing CA does not stop the others.
	cas = append(cas, &pki.CA{ID: 99})
	files, err = WriteCRLFiles(context.Background(), svc, cas, dir)
	if airtight.ErrorCode(err) != airtight.ENotFound || len(files) != 4 {
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
