package smtpgw

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dlp.hospital.example"},
		DNSNames: []string{"dlp.hospital.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, pool
}

// TestSTARTTLS: senders can switch to TLS before handing over mail, and
// the mail is scanned and relayed as over plain SMTP.
func TestSTARTTLS(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	e := newEnv(t, func(c *Config) { c.TLS = srvTLS })
	c, err := smtp.DialStartTLS(e.addr, &tls.Config{RootCAs: pool, ServerName: "dlp.hospital.example"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg, _ := os.ReadFile("testdata/clean.eml")
	if err := c.SendMail("nurse@hospital.example", []string{"colleague@hospital.example"}, bytes.NewReader(msg)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}
	if state, ok := c.TLSConnectionState(); !ok || !state.HandshakeComplete {
		t.Fatal("the mail did not go over TLS")
	}
	if got := e.sink.received(); len(got) != 1 {
		t.Fatalf("relayed %d messages", len(got))
	}
}

// TestNextHopTLSRequired: with TLS required to the next hop, a next hop
// that does not offer STARTTLS is a temporary failure (451), never a
// silent downgrade; the sender keeps the mail and retries.
func TestNextHopTLSRequired(t *testing.T) {
	_, pool := selfSigned(t)
	e := newEnv(t, func(c *Config) { c.NextHopTLS = &tls.Config{RootCAs: pool} })
	msg, _ := os.ReadFile("testdata/clean.eml")
	code, _ := sendGo(t, e.addr, "nurse@hospital.example", []string{"colleague@hospital.example"}, msg)
	if code != 451 {
		t.Errorf("reply %d, want 451", code)
	}
	if got := e.sink.received(); len(got) != 0 {
		t.Errorf("relayed %d messages without TLS", len(got))
	}
}
