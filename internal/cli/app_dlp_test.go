package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var icapAddrRE = regexp.MustCompile(`serving icap server" addr=(127\.0\.0\.1:\d+)`)

// TestServeICAPS: with --icap-tls on, the ICAP server answers over TLS with
// the server's certificate, as a proxy configured for ICAPS connects.
func TestServeICAPS(t *testing.T) {
	data := t.TempDir()
	s := start(t, data, "demo", "--devices", "20", "--tls", "auto", "--icap-addr", "127.0.0.1:0", "--icap-tls", "on")
	s.url(t)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := icapAddrRE.FindStringSubmatch(s.errOut.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("no ICAP listener logged:\n%s", s.errOut.String())
	}
	pemBytes, err := os.ReadFile(filepath.Join(data, "tls", "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: cert.DNSNames[0]})
	if err != nil {
		t.Fatalf("ICAPS handshake: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("OPTIONS icap://" + addr + "/reqmod ICAP/1.0\r\nHost: " + addr + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "ICAP/1.0 200") {
		t.Errorf("OPTIONS over TLS: %q %v", status, err)
	}
}
