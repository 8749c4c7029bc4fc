package pki_test

import (
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/pki"
)

// TestOpenSSLEndToEnd: openssl makes the key and CSR, airtight issues, and
// openssl verifies the chain with -crl_check before and after revocation.
func TestOpenSSLEndToEnd(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	for _, alg := range []string{"ecdsa-p256", "rsa-3072"} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			dir := t.TempDir()
			ossl := func(args ...string) (string, error) {
				out, err := exec.Command(openssl, args...).CombinedOutput()
				return string(out), err
			}
			csrPath, keyPath := filepath.Join(dir, "dev.csr"), filepath.Join(dir, "dev.key")
			if out, err := ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
				"-keyout", keyPath, "-out", csrPath, "-subj", "/CN=pump-7", "-addext", "subjectAltName=DNS:pump-7.biomed.example"); err != nil {
				t.Fatalf("openssl req: %v\n%s", err, out)
			}
			data, _ := os.ReadFile(csrPath)
			csr, err := pki.ParseCSR(data)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: "12734592"})
			if err != nil {
				t.Fatal(err)
			}
			write := func(name, typ string, der []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			cert := write("dev.pem", "CERTIFICATE", rec.DER)
			root := write("root.pem", "CERTIFICATE", f.root.CertDER)
			issuing := write("issuing.pem", "CERTIFICATE", f.issuing.CertDER)
			verify := func(crl []byte) (string, error) {
				p := write("ca.crl", "X509 CRL", crl)
				return ossl("verify", "-CAfile", root, "-untrusted", issuing, "-crl_check", "-CRLfile", p, "-purpose", "sslclient", cert)
			}
			crl, err := f.auth.CRL(f.ctx, f.issuing.ID)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := verify(crl); err != nil || !strings.Contains(out, ": OK") {
				t.Fatalf("openssl verify before revocation: %v\n%s", err, out)
			}
			if _, err := f.auth.Revoke(f.ctx, rec.Serial, pki.ReasonKeyCompromise); err != nil {
				t.Fatal(err)
			}
			if crl, err = f.auth.CRL(f.ctx, f.issuing.ID); err != nil {
				t.Fatal(err)
			}
			out, err := verify(crl)
			if err == nil || !strings.Contains(out, "certificate revoked") {
				t.Fatalf("openssl verify after revocation: %v\n%s", err, out)
			}
			crlPath := write("check.crl", "X509 CRL", crl)
			text, err := ossl("crl", "-in", crlPath, "-noout", "-text")
			if err != nil || !strings.Contains(text, "Key Compromise") || !strings.Contains(strings.ToUpper(text), strings.ToUpper(rec.Serial)) {
				t.Errorf("openssl crl -text: %v\n%s", err, text)
			}
		})
	}
}

// TestOpenSSLDeltaCRL: A is revoked before the full CRL, B after it; with
// -use_deltas openssl finds B revoked through the delta CRL (and A through
// the full one), while the full CRL alone still passes B.
func TestOpenSSLDeltaCRL(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	// The clock starts in the past so that no CRL is from the future for
	// openssl, which reads the real time.
	f, clock := newClockFixture(t, time.Now().Add(-10*time.Minute))
	dir := t.TempDir()
	ossl := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}
	write := func(name string, blocks ...*pem.Block) string {
		var data []byte
		for _, b := range blocks {
			data = append(data, pem.EncodeToMemory(b)...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPEM := func(der []byte) *pem.Block { return &pem.Block{Type: "CERTIFICATE", Bytes: der} }
	crlPEM := func(der []byte, err error) *pem.Block {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return &pem.Block{Type: "X509 CRL", Bytes: der}
	}
	chain := write("chain.pem", certPEM(f.issuing.CertDER), certPEM(f.root.CertDER))
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	var certs []string
	var serials []string
	for i := range 2 {
		c, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: csr, DeviceSerial: fmt.Sprint("SN", i)})
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, write(fmt.Sprintf("dev%d.pem", i), certPEM(c.DER)))
		serials = append(serials, c.Serial)
	}
	f.revoke(t, serials[0])
	clock.add(2 * time.Minute)
	full := write("full.pem", crlPEM(f.auth.CRL(f.ctx, f.issuing.ID)))
	clock.add(time.Minute)
	f.revoke(t, serials[1])
	delta := write("delta.pem", crlPEM(f.auth.DeltaCRL(f.ctx, f.issuing.ID)))

	// -extended_crl as well: without it, OpenSSL's CRL selection
	// (get_crl_score) does not set deltas aside and, of two CRLs that
	// score alike, takes the one with the later thisUpdate as the complete
	// CRL, the delta, and then misses what only the full CRL lists (A).
	verify := func(cert string, crls ...string) (string, error) {
		args := []string{"verify", "-crl_check", "-use_deltas", "-extended_crl", "-CAfile", chain}
		for _, c := range crls {
			args = append(args, "-CRLfile", c)
		}
		return ossl(append(args, cert)...)
	}
	if out, err := verify(certs[1], full); err != nil || !strings.Contains(out, ": OK") {
		t.Errorf("B with the full CRL alone: %v\n%s", err, out)
	}
	for i, name := range []string{"A", "B"} {
		if out, err := verify(certs[i], full, delta); err == nil || !strings.Contains(out, "certificate revoked") {
			t.Errorf("%s with full and delta CRLs: %v\n%s", name, err, out)
		}
	}
	for path, want := range map[string][]string{
		full:  {"Freshest CRL", fmt.Sprintf("%s/pki/crl/%d-delta.crl", testURL, f.issuing.ID)},
		delta: {"Delta CRL Indicator", "critical", strings.ToUpper(serials[1])},
	} {
		text, err := ossl("crl", "-in", path, "-noout", "-text")
		for _, w := range want {
			if err != nil || !strings.Contains(strings.ToUpper(text), strings.ToUpper(w)) {
				t.Errorf("openssl crl -text %s: want %q: %v\n%s", filepath.Base(path), w, err, text)
			}
		}
	}
}
