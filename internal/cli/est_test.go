package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/internal/testtool"
)

const estCSV = `asset_tag,manufacturer,model,kind,criticality,version,serial_number,department,ip
RGH-0002,BD,Alaris 8015 PC Unit,infusion-pump,life-sustaining,12.1.2,BD8015-77031,ICU,10.2.0.11
`

// The wired server enrolls a device over EST with a one-time token on the
// main port, and re-enrolls it with its new certificate on the EST port,
// which asks for client certificates; the token works once.
func TestServeESTEndToEnd(t *testing.T) {
	openssl := testtool.Path(t, "openssl")
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General", "--kind", "hospital")
	mustRun(t, data, "", "device", "import", "--org", "riverside", writeFile(t, "d.csv", estCSV))
	mustRun(t, data, "", "ca", "init", "--org", "riverside")
	out := mustRun(t, data, "", "ca", "enroll-token", "--org", "riverside", "--device", "RGH-0002")
	token := regexp.MustCompile(`aet_[a-z2-7]+`).FindString(out)
	if token == "" {
		t.Fatalf("no token printed: %s", out)
	}

	s := start(t, data, "serve", "--est-addr", "127.0.0.1:0")
	url := s.url(t)
	estAddr := waitFor(t, s, regexp.MustCompile(`serving EST with client certificates.*addr=(127\.0\.0\.1:\d+)`))
	caPool := x509.NewCertPool()
	caPool.AppendCertsFromPEM(must(os.ReadFile(filepath.Join(data, "tls", "cert.pem"))))

	key, csr := newCSR(t, "RGH-0002")
	main := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool}}}
	first := estPost(t, main, url+"/.well-known/est/riverside/simpleenroll", csr, token)
	if first.status != 200 || !strings.HasPrefix(first.contentType, "application/pkcs7-mime") {
		t.Fatalf("simpleenroll: %d %s %s", first.status, first.contentType, first.body)
	}
	if again := estPost(t, main, url+"/.well-known/est/riverside/simpleenroll", csr, token); again.status != 401 {
		t.Errorf("second use of the token: %d, want 401", again.status)
	}
	certPEM := certsFromPKCS7(t, openssl, first.body)

	clientCert, err := tls.X509KeyPair(certPEM, keyPEM(t, key))
	if err != nil {
		t.Fatal(err)
	}
	var asked bool
	estClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool, ServerName: "localhost",
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { asked = true; return &clientCert, nil }}}}
	// RFC 7030 4.2.2: a renewal repeats the current certificate's subject.
	leaf, err := x509.ParseCertificate(clientCert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	reCSR, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{RawSubject: leaf.RawSubject}, key)
	if err != nil {
		t.Fatal(err)
	}
	re := estPost(t, estClient, "https://"+estAddr+"/.well-known/est/riverside/simplereenroll", reCSR, "")
	if !asked || re.status != 200 {
		t.Fatalf("simplereenroll on the EST port: asked for a certificate=%v, %d %s", asked, re.status, re.body)
	}
	if got := string(certsFromPKCS7(t, openssl, re.body)); got == string(certPEM) {
		t.Error("re-enrollment returned the old certificate")
	}
	list := mustRun(t, data, "", "ca", "list", "--org", "riverside", "-o", "json")
	if strings.Count(list, `"device_id"`) < 2 {
		t.Errorf("the two device certificates are not both linked to the device:\n%s", list)
	}
}

// waitFor waits until the server's log matches re and returns the first group.
func waitFor(t *testing.T, s *server, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(s.errOut.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("log never matched %s:\n%s", re, s.errOut.String())
	return ""
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func newCSR(t *testing.T, cn string) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, der
}

func keyPEM(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

type estReply struct {
	status      int
	contentType string
	body        []byte
}

func estPost(t *testing.T, c *http.Client, url string, csr []byte, token string) estReply {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(base64.StdEncoding.EncodeToString(csr)))
	req.Header.Set("Content-Type", "application/pkcs10")
	req.Header.Set("Content-Transfer-Encoding", "base64")
	if token != "" {
		req.SetBasicAuth("device", token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return estReply{resp.StatusCode, resp.Header.Get("Content-Type"), body}
}

// certsFromPKCS7 decodes a base64 certs-only PKCS#7 with openssl.
func certsFromPKCS7(t *testing.T, openssl string, b64 []byte) []byte {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b64)), ""))
	if err != nil {
		t.Fatalf("PKCS#7 is not base64: %v", err)
	}
	cmd := exec.Command(openssl, "pkcs7", "-inform", "DER", "-print_certs")
	cmd.Stdin = bytes.NewReader(der)
	out, err := cmd.Output()
	if err != nil || !bytes.Contains(out, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("openssl pkcs7: %v\n%s", err, out)
	}
	var pemOnly []byte
	for rest := out; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			return pemOnly
		}
		pemOnly = append(pemOnly, pem.EncodeToMemory(blk)...)
	}
}
