//go:build pkcs11 && cgo

package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The CA's keys generated in a SoftHSM2 token by 'ca init --hsm' sign a
// device certificate through 'ca issue', which verifies against the chain,
// and the key files directory holds no CA key.
func TestCLICAInHSM(t *testing.T) {
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Skip("softhsm2-util not found")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command(util, "--init-token", "--free", "--label", "ca", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	vars := map[string]string{"AIRTIGHT_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "AIRTIGHT_PKCS11_TOKEN": "ca", "AIRTIGHT_PKCS11_PIN": "1234"}
	data := t.TempDir()
	runHSM := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		e := &env{ctx: context.Background(), stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return vars[k] }}
		if err := e.run(append(args, "--data", data)); err != nil {
			t.Fatalf("airtight %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	runHSM("org", "create", "--slug", "h", "--name", "H")
	runHSM("device", "import", "--org", "h", writeFile(t, "d.csv", estCSV))
	runHSM("ca", "init", "--org", "h", "--hsm")
	if keys, _ := filepath.Glob(filepath.Join(data, caKeyDir, "*")); len(keys) != 0 {
		t.Errorf("CA keys written as files: %v", keys)
	}
	certPEM := runHSM("ca", "issue", "--org", "h", "--csr", writeCSR(t, data), "--profile", "device-ldevid", "--device", "RGH-0002")
	chain := runHSM("ca", "chain", "--org", "h")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(chain))
	blk, _ := pem.Decode([]byte(certPEM))
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("certificate signed by the HSM key does not verify: %v", err)
	}
}
