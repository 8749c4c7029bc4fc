package pki_test

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/pki"
)

// TestOpenSSLEndToEnd: openssl makes the key and CSR, airtight issues, and
// openssl verifies the chain with -crl_check before and after revocation.
func TestOpenSSLEndToEnd(t *testing.T) {
	openssl := needOpenSSL(t)
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
