package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/testtool"
	"github.com/airtight/airtight/pki"
)

// runEnv runs the CLI with environment variables.
func runEnv(t *testing.T, data string, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return vars[k] }}
	err := e.run(append(args, "--data", data))
	return out.String(), errOut.String(), err
}

const caDevicesCSV = `asset_tag,manufacturer,model,kind,criticality,serial_number,udi
RGH-0002,BD,Alaris 8015 PC Unit,infusion-pump,life-sustaining,12734592,(01)00884521062169
`

func writeCSR(t *testing.T, dir string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "pump"},
		DNSNames: []string{"pump-2.biomed.example"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "pump.csr")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), 0o600)
	return p
}

func TestCLICertificateAuthority(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General")
	csv := filepath.Join(data, "devices.csv")
	os.WriteFile(csv, []byte(caDevicesCSV), 0o600)
	mustRun(t, data, "", "device", "import", "--org", "riverside", csv)

	out := mustRun(t, data, "", "ca", "init", "--org", "riverside", "-o", "json", "--public-url", "https://ca.riverside.example")
	var cas []pki.CA
	if err := json.Unmarshal([]byte(out), &cas); err != nil || len(cas) != 2 || cas[0].Kind != pki.IssuingCA || cas[0].Name != "Riverside General Device CA" {
		t.Fatalf("ca init: %v\n%s", err, out)
	}
	checkMode(t, filepath.Join(data, caPassphraseFile), 0o600)
	checkMode(t, filepath.Join(data, caKeyDir), 0o700)
	if _, _, err := run(t, data, "", "ca", "init", "--org", "riverside"); err == nil {
		t.Error("second ca init succeeded")
	}

	chain := mustRun(t, data, "", "ca", "chain", "--org", "riverside")
	if n := strings.Count(chain, "BEGIN CERTIFICATE"); n != 2 {
		t.Fatalf("ca chain printed %d certificates", n)
	}
	certPEM := mustRun(t, data, "", "ca", "issue", "--org", "riverside", "--csr", writeCSR(t, data),
		"--profile", "device-ldevid", "--device", "RGH-0002", "--public-url", "https://ca.riverside.example")
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatalf("ca issue printed no certificate:\n%s", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || cert.Subject.SerialNumber != "12734592" || len(cert.URIs) != 1 || len(cert.DNSNames) != 1 {
		t.Fatalf("issued certificate: %v %+v", err, cert)
	}
	if !strings.HasPrefix(cert.CRLDistributionPoints[0], "https://ca.riverside.example/pki/crl/") {
		t.Errorf("CRL DP %v", cert.CRLDistributionPoints)
	}
	serial := pki.FormatSerial(cert.SerialNumber)

	out = mustRun(t, data, "", "ca", "list", "--org", "riverside", "--expiring", "400d", "-o", "json")
	var certs []pki.Certificate
	if err := json.Unmarshal([]byte(out), &certs); err != nil || len(certs) != 1 || certs[0].Serial != serial || certs[0].DeviceID == 0 {
		t.Fatalf("ca list --expiring 400d: %v\n%s", err, out)
	}
	if out := mustRun(t, data, "", "ca", "list", "--org", "riverside", "--expiring", "30d"); strings.Contains(out, serial) {
		t.Errorf("a one-year certificate expires within 30 days:\n%s", out)
	}

	verifyWithOpenSSL(t, data, chain, certPEM, "OK")
	out = mustRun(t, data, "", "ca", "revoke", "--org", "riverside", strings.ToUpper(serial), "--reason", "keyCompromise")
	if !strings.Contains(out, "revoked "+serial) {
		t.Errorf("ca revoke: %s", out)
	}
	verifyWithOpenSSL(t, data, chain, certPEM, "certificate revoked")

	der := mustRun(t, data, "", "ca", "crl", "--org", "riverside")
	crl, err := x509.ParseRevocationList([]byte(der))
	if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].ReasonCode != 1 {
		t.Fatalf("ca crl (DER): %v", err)
	}
	der = mustRun(t, data, "", "ca", "crl", "--org", "riverside", "--delta")
	delta, err := x509.ParseRevocationList([]byte(der))
	if err != nil || delta.Number.Cmp(crl.Number) <= 0 {
		t.Fatalf("ca crl --delta: %v", err)
	}
	indicator := false
	for _, e := range delta.Extensions {
		indicator = indicator || e.Id.String() == "2.5.29.27" && e.Critical
	}
	if !indicator || delta.NextUpdate.Sub(delta.ThisUpdate) != pki.DefaultDeltaCRLValidity {
		t.Errorf("ca crl --delta: indicator %v, validity %s", indicator, delta.NextUpdate.Sub(delta.ThisUpdate))
	}
	out = mustRun(t, data, "", "ca", "crl", "--org", "riverside", "--delta", "--pem")
	if !strings.HasPrefix(out, "-----BEGIN X509 CRL-----") {
		t.Errorf("ca crl --delta --pem: %.40q", out)
	}

	// crl-files writes a consistent full + delta pair per online CA.
	mirror := filepath.Join(data, "mirror")
	out = mustRun(t, data, "", "ca", "crl-files", "--org", "riverside", mirror)
	id := strconv.FormatInt(cas[0].ID, 10)
	full, err := x509.ParseRevocationList(mustRead(t, filepath.Join(mirror, id+".crl")))
	if err != nil || len(full.RevokedCertificateEntries) != 1 {
		t.Fatalf("crl-files full CRL: %v\n%s", err, out)
	}
	d, err := x509.ParseRevocationList(mustRead(t, filepath.Join(mirror, id+"-delta.crl")))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range d.Extensions {
		if e.Id.String() == "2.5.29.27" { // DeltaCRLIndicator: the base is the full CRL written beside it
			found = true
			var base *big.Int
			if _, err := asn1.Unmarshal(e.Value, &base); err != nil || base.Cmp(full.Number) != 0 {
				t.Errorf("delta's base %v, full CRL number %v", base, full.Number)
			}
		}
	}
	if !found {
		t.Error("crl-files wrote a delta CRL without a DeltaCRLIndicator")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCLICAErrors(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General")
	if _, errOut, err := run(t, data, "", "ca", "chain", "--org", "riverside"); err == nil || !strings.Contains(errOut, "no CA passphrase") {
		t.Errorf("chain before init: %v %s", err, errOut)
	}
	mustRun(t, data, "", "ca", "init", "--org", "riverside", "--algorithm", "ecdsa-p384")
	csr := writeCSR(t, data)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ca", "issue", "--org", "riverside", "--csr", csr, "--profile", "device-ldevid"}, "device_serial"},
		{[]string{"ca", "issue", "--org", "riverside", "--csr", csr, "--profile", "root"}, "unknown profile"},
		{[]string{"ca", "issue", "--org", "riverside", "--csr", csr, "--profile", "device-idevid", "--serial", "S1"}, "does not take DNS names"},
		{[]string{"ca", "issue", "--org", "riverside", "--csr", csr, "--profile", "device-ldevid", "--device", "NOPE"}, "no device with asset tag"},
		{[]string{"ca", "issue", "--org", "riverside", "--csr", filepath.Join(data, caPassphraseFile), "--profile", "server"}, "csr:"},
		{[]string{"ca", "revoke", "--org", "riverside", "abc", "--reason", "bored"}, "unknown revocation reason"},
		{[]string{"ca", "revoke", "--org", "riverside", "abc"}, "not found"},
		{[]string{"ca", "list", "--org", "riverside", "--expiring", "soon"}, "--expiring"},
		{[]string{"ca", "init", "--org", "riverside", "--offline-root", filepath.Join(data, "root.key")}, "AIRTIGHT_OFFLINE_ROOT_PASSPHRASE"},
	}
	for _, tc := range tests {
		_, errOut, err := run(t, data, "", tc.args...)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("airtight %s: err=%v, stderr %q, want %q", strings.Join(tc.args, " "), err, errOut, tc.want)
		}
	}
}

func TestCLIOfflineRoot(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "maker", "--name", "Pump Maker", "--kind", "manufacturer")
	vars := map[string]string{"AIRTIGHT_CA_PASSPHRASE": "ca passphrase from the environment",
		"AIRTIGHT_OFFLINE_ROOT_PASSPHRASE": "offline root passphrase"}
	rootFile := filepath.Join(data, "root.key")
	out, errOut, err := runEnv(t, data, vars, "ca", "init", "--org", "maker", "--offline-root", rootFile)
	if err != nil {
		t.Fatalf("ca init --offline-root: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "offline") {
		t.Errorf("ca init output:\n%s", out)
	}
	checkMode(t, rootFile, 0o600)
	if _, err := os.Stat(filepath.Join(data, caPassphraseFile)); err == nil {
		t.Error("passphrase file written although AIRTIGHT_CA_PASSPHRASE is set")
	}
	if keys, _ := os.ReadDir(filepath.Join(data, caKeyDir)); len(keys) != 1 {
		t.Errorf("key directory holds %d keys, want the issuing key only", len(keys))
	}
	sealed, _ := os.ReadFile(rootFile)
	if !bytes.Contains(sealed, []byte("AIRTIGHT ENCRYPTED PRIVATE KEY")) {
		t.Errorf("root key file:\n%s", sealed)
	}
	if _, _, err := runEnv(t, data, vars, "ca", "issue", "--org", "maker", "--csr", writeCSR(t, data),
		"--profile", "device-short", "--serial", "PM-1"); err != nil {
		t.Fatalf("issue under an offline root: %v", err)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != want {
		t.Errorf("%s: mode %v (%v), want %v", path, st.Mode().Perm(), err, want)
	}
}

// verifyWithOpenSSL runs openssl verify -crl_check on the issued
// certificate with the CRL 'ca crl --pem' writes.
func verifyWithOpenSSL(t *testing.T, data, chain, certPEM, want string) {
	t.Helper()
	openssl, ok := testtool.Optional(t, "openssl")
	if !ok {
		return
	}
	dir := t.TempDir()
	blocks := strings.SplitAfter(chain, "-----END CERTIFICATE-----\n")
	files := map[string]string{"issuing.pem": blocks[0], "root.pem": blocks[1], "cert.pem": certPEM,
		"ca.crl": mustRun(t, data, "", "ca", "crl", "--org", "riverside", "--pem")}
	for name, content := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
	}
	cmd := exec.Command(openssl, "verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "-crl_check", "-CRLfile", "ca.crl", "cert.pem")
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), want) {
		t.Errorf("openssl verify: want %q\n%s", want, out)
	}
}

// ca init --hsm needs an HSM: without AIRTIGHT_PKCS11_MODULE it says so,
// and with it in a binary built without PKCS#11 it says to rebuild; either
// way nothing is created.
func TestCLICAInitHSMRefusals(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General")
	_, errOut, err := run(t, data, "", "ca", "init", "--org", "riverside", "--hsm")
	if err == nil || !strings.Contains(errOut, "no HSM is configured") {
		t.Errorf("--hsm without an HSM: %v %s", err, errOut)
	}
	var out, eout bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &eout,
		getenv: func(k string) string {
			return map[string]string{"AIRTIGHT_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "AIRTIGHT_PKCS11_TOKEN": "t", "AIRTIGHT_PKCS11_PIN": "1234"}[k]
		}}
	if err := e.run([]string{"ca", "init", "--org", "riverside", "--hsm", "--data", data}); err == nil || !strings.Contains(eout.String(), "without PKCS#11 support") {
		t.Errorf("--hsm in a binary without PKCS#11: %v %s", err, eout.String())
	}
	if _, _, err := run(t, data, "", "ca", "init", "--org", "riverside", "--hsm", "--offline-root", filepath.Join(data, "root.key")); err == nil {
		t.Error("--hsm with --offline-root accepted")
	}
	if out := mustRun(t, data, "", "ca", "list", "--org", "riverside"); strings.Contains(out, "Device CA") {
		t.Errorf("a refused init created CAs:\n%s", out)
	}
}
