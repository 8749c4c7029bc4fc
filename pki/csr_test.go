package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/pki"
)

// rawCSR returns a DER CSR for key with the template.
func rawCSR(t testing.TB, key crypto.Signer, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	if tmpl == nil {
		tmpl = &x509.CertificateRequest{Subject: pkix.Name{CommonName: "device"}}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func mustKey(t testing.TB, alg string) crypto.Signer {
	t.Helper()
	k, err := genKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseCSREncodings(t *testing.T) {
	der := rawCSR(t, mustKey(t, "ecdsa-p256"), nil)
	b64 := base64.StdEncoding.EncodeToString(der)
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 64 {
		wrapped.WriteString(b64[i:min(i+64, len(b64))] + "\r\n")
	}
	inputs := map[string][]byte{
		"DER":             der,
		"PEM":             pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
		"PEM (NEW)":       pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der}),
		"base64":          []byte(b64),
		"base64 wrapped":  []byte(wrapped.String()),
		"ed25519 DER":     rawCSR(t, mustKey(t, "ed25519"), nil),
		"P-384 DER":       rawCSR(t, mustKey(t, "ecdsa-p384"), nil),
		"RSA-3072 DER":    rawCSR(t, mustKey(t, "rsa-3072"), nil),
		"leading newline": append([]byte("\n"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})...),
	}
	for name, in := range inputs {
		if _, err := pki.ParseCSR(in); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseCSRRejects(t *testing.T) {
	p256 := mustKey(t, "ecdsa-p256")
	good := rawCSR(t, p256, nil)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-5] ^= 0x01
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	bc, _ := asn1.Marshal(struct{ IsCA bool }{true})
	ku, _ := asn1.Marshal(asn1.BitString{Bytes: []byte{0x04}, BitLength: 6}) // keyCertSign
	var many []pkix.Extension
	for i := range 33 {
		many = append(many, pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 2, i}, Value: []byte{5, 0}})
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"garbage", []byte("hello, CA"), "neither DER, PEM nor base64"},
		{"bad DER", []byte{0x30, 0x03, 0x02, 0x01}, "not a valid PKCS#10"},
		{"PEM certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good}), "not a CERTIFICATE REQUEST"},
		{"too large", make([]byte, pki.MaxCSRSize+1), "larger than 16 KiB"},
		{"wrong signature", flipped, "signature does not verify"},
		{"RSA-1024", rawCSR(t, rsa1024, nil), "RSA key of 1024 bits"},
		{"P-224", rawCSR(t, p224, nil), "curve P-224"},
		{"CA request", rawCSR(t, p256, &x509.CertificateRequest{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: bc}}}), "cA=true"},
		{"CA key usage", rawCSR(t, p256, &x509.CertificateRequest{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Value: ku}}}), "CA key usages"},
		{"huge extension", rawCSR(t, p256, &x509.CertificateRequest{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 3}, Value: append([]byte{0x04, 0x82, 0x27, 0x10}, make([]byte, 10000)...)}}}), "at most 4096"},
		{"too many extensions", rawCSR(t, p256, &x509.CertificateRequest{ExtraExtensions: many}), "33 extensions"},
		{"too many SANs", rawCSR(t, p256, &x509.CertificateRequest{DNSNames: strings.Fields(strings.Repeat("a.example ", 21))}), "more than 20 names"},
		{"long CN", rawCSR(t, p256, &x509.CertificateRequest{Subject: pkix.Name{CommonName: strings.Repeat("x", 300)}}), "longer than 255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pki.ParseCSR(tc.in)
			checkCSRError(t, err, tc.want)
		})
	}
}

func checkCSRError(t *testing.T, err error, want string) {
	t.Helper()
	var ae *airtight.Error
	if !errors.As(err, &ae) || ae.Code != airtight.EInvalid {
		t.Fatalf("err = %v, want an EInvalid *airtight.Error", err)
	}
	if !strings.HasPrefix(ae.Message, "csr: ") || !strings.Contains(ae.Message, want) {
		t.Errorf("message %q, want it to mention %q", ae.Message, want)
	}
}

// DSA keys come from openssl: Go no longer generates them.
func TestParseCSRRejectsDSA(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	dir := t.TempDir()
	key := filepath.Join(dir, "dsa.key")
	if out, err := exec.Command(openssl, "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", key+".params").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := exec.Command(openssl, "genpkey", "-paramfile", key+".params", "-out", key).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := exec.Command(openssl, "req", "-new", "-key", key, "-subj", "/CN=dsa", "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	_, err = pki.ParseCSR(out)
	checkCSRError(t, err, "unsupported key type")
}

func FuzzParseCSR(f *testing.F) {
	for _, alg := range []string{"ecdsa-p256", "ed25519"} {
		key := mustKey(f, alg)
		der := rawCSR(f, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "pump", SerialNumber: "SN1"},
			DNSNames: []string{"pump.example"}})
		f.Add(der)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		f.Add([]byte(base64.StdEncoding.EncodeToString(der)))
	}
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := pki.ParseCSR(data)
		if err != nil {
			var ae *airtight.Error
			if !errors.As(err, &ae) || ae.Code != airtight.EInvalid {
				t.Fatalf("error is not an EInvalid airtight error: %v", err)
			}
			return
		}
		if err := pki.CheckCSR(csr); err != nil {
			t.Fatalf("parsed CSR fails CheckCSR: %v", err)
		}
	})
}
