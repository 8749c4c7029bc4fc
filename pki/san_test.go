package pki_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/pki"
)

func TestSANRoundTrip(t *testing.T) {
	in := &pki.SubjectAltName{
		DNSNames:        []string{"pump-7.biomed.example"},
		EmailAddresses:  []string{"biomed@riverside.example"},
		IPAddresses:     []net.IP{net.ParseIP("10.2.0.11").To4(), net.ParseIP("fd00::11")},
		URIs:            []string{pki.UDIURI("+H123PUMP8015/$$3271231LOT42")},
		HardwareModules: []pki.HardwareModuleName{{Type: pki.DefaultHardwareType, Serial: []byte("12734592")}},
		OtherNames:      []pki.OtherName{{Type: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 9}, Value: []byte{0x0c, 0x02, 'h', 'i'}}},
	}
	ext, err := in.Extension(false)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pki.ParseSubjectAltName(ext.Value)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("round trip (-in +out):\n%s", d)
	}
	// crypto/x509 reads the names it knows from our encoding.
	cert := selfSigned(t, ext)
	if len(cert.DNSNames) != 1 || len(cert.IPAddresses) != 2 || len(cert.URIs) != 1 || len(cert.EmailAddresses) != 1 {
		t.Errorf("x509 parsed DNS %v IP %v URI %v email %v", cert.DNSNames, cert.IPAddresses, cert.URIs, cert.EmailAddresses)
	}
}

func TestSANRejects(t *testing.T) {
	tests := map[string]*pki.SubjectAltName{
		"empty":          {},
		"non-ASCII DNS":  {DNSNames: []string{"pümp.example"}},
		"long URI":       {URIs: []string{"urn:x:" + strings.Repeat("a", 300)}},
		"too many names": {DNSNames: strings.Fields(strings.Repeat("a.example ", 21))},
	}
	for name, s := range tests {
		if _, err := s.Extension(false); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	for name, der := range map[string][]byte{
		"garbage":          {0x01, 0x02},
		"trailing data":    {0x30, 0x00, 0x00},
		"directory name":   {0x30, 0x02, 0xa4, 0x00},
		"bad IP length":    {0x30, 0x04, 0x87, 0x02, 1, 2},
		"otherName no [0]": {0x30, 0x07, 0xa0, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04},
	} {
		if _, err := pki.ParseSubjectAltName(der); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestUDIURI(t *testing.T) {
	for _, udi := range []string{"(01)00884521062169(17)271231(10)LOT 42", "+H123PUMP8015/$$3271231LOT42", "=/A9999XYZ100T0944=,000025=A99971312345600=>014032=}013032&,1000000000000XYZ123"} {
		u := pki.UDIURI(udi)
		if !strings.HasPrefix(u, "urn:udi:") || strings.ContainsAny(u[8:], "()/$=+ ,&{}>") {
			t.Errorf("UDIURI(%q) = %q", udi, u)
		}
		if got, ok := pki.ParseUDIURI(u); !ok || got != udi {
			t.Errorf("ParseUDIURI(%q) = %q, %v", u, got, ok)
		}
	}
	if _, ok := pki.ParseUDIURI("https://example.com"); ok {
		t.Error("non-UDI URI accepted")
	}
}

func selfSigned(t *testing.T, exts ...pkix.Extension) *x509.Certificate {
	t.Helper()
	key, _ := genKey("ecdsa-p256")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), ExtraExtensions: exts}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenSSLShowsHardwareModuleName(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	f := newFixture(t, "ecdsa-p256")
	csr, _ := csrFor(t, "ecdsa-p256", nil)
	rec, err := f.auth.Issue(f.ctx, pki.IssueRequest{Profile: pki.ProfileDeviceIDevID, CSR: csr, DeviceSerial: "12734592", UDI: "(01)00884521062169"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cert.pem")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rec.DER}), 0o600)
	out, err := exec.Command(openssl, "x509", "-in", path, "-noout", "-text").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl x509: %v\n%s", err, out)
	}
	text := strings.ReplaceAll(string(out), " = ", "=") // OpenSSL 3.0 writes "serialNumber = …"
	for _, want := range []string{"othername:", "1.3.6.1.5.5.7.8.4", "URI:urn:udi:%2801%2900884521062169",
		"serialNumber=12734592", "Not After : Dec 31 23:59:59 9999 GMT", "TLS Web Client Authentication"} {
		if !strings.Contains(text, want) && !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("openssl output lacks %q:\n%s", want, text)
		}
	}
}
