package syslog

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/internal/ingesttest"
	"github.com/airtight/airtight/internal/testtool"
)

// startServer runs a server on 127.0.0.1:0 for the test's lifetime.
func startServer(t *testing.T, s *Server, network string, cfg *tls.Config) (*ingesttest.Collector, string) {
	t.Helper()
	c := ingesttest.NewCollector()
	s.Parser, s.Sink = newTestParser(), c
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var addr string
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr().String()
		wg.Go(func() { s.ServeUDP(ctx, pc) })
	default:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		if cfg != nil {
			wg.Go(func() { s.ServeTLS(ctx, ln, cfg) })
		} else {
			wg.Go(func() { s.ServeTCP(ctx, ln) })
		}
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return c, addr
}

// waitEvents waits until c holds n events; the deadline only guards
// against a hang.
func waitEvents(t *testing.T, c *ingesttest.Collector, n int) []detect.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if ev := c.Events(); len(ev) >= n {
			return ev
		}
		select {
		case <-c.Notify():
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(c.Events()), n)
		}
	}
}

func TestLoggerTransports(t *testing.T) {
	logger := testtool.Path(t, "logger")
	for _, tt := range []struct {
		name    string
		network string
		flags   []string
	}{
		{"udp", "udp", []string{"--udp"}},
		{"tcp newline", "tcp", []string{"--tcp"}},
		{"tcp octet counting", "tcp", []string{"--tcp", "--octet-count"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			c, addr := startServer(t, s, tt.network, nil)
			host, port, _ := net.SplitHostPort(addr)
			args := append([]string{"--server", host, "--port", port, "--rfc5424",
				"-t", "Microsoft-Windows-Security-Auditing", "--msgid", "4625",
				"--sd-id", "win@32473", "--sd-param", `TargetUserName="bob"`, "--sd-param", `IpAddress="10.20.9.77"`},
				tt.flags...)
			for i := range 3 {
				out, err := exec.Command(logger, append(args, fmt.Sprintf("An account failed to log on (%d).", i))...).CombinedOutput()
				if err != nil {
					t.Fatalf("logger: %v: %s", err, out)
				}
			}
			events := waitEvents(t, c, 3)
			for _, e := range events {
				if e.Class != detect.ClassAuthentication || e.Status != "failure" || e.User != "bob" || e.Fields["syslog_peer"] != "127.0.0.1" {
					t.Errorf("event = %+v", e)
				}
			}
			if st := s.Stats(); st.Received != 3 || st.Bad != 0 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	s := &Server{}
	c, addr := startServer(t, s, "tcp", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := []string{
		"<38>1 2024-02-01T10:00:00Z h sshd 1 - - Failed password for root from 10.0.0.9 port 2222 ssh2",
		"<38>1 2024-02-01T10:00:01Z h sshd 1 - - Accepted password for alice from 10.0.0.8 port 2223 ssh2",
	}
	frame := strconv.Itoa(len(msgs[0])) + " " + msgs[0] + msgs[1] + "\n" // octet counting, then newline framing
	if _, err := conn.Write([]byte(frame)); err != nil {
		t.Fatal(err)
	}
	events := waitEvents(t, c, 2)
	if events[0].Status != "failure" || events[1].User != "alice" {
		t.Errorf("events = %+v", events)
	}
}

func TestFramingLimits(t *testing.T) {
	s := &Server{MaxMessage: 128}
	c, addr := startServer(t, s, "tcp", nil)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	good := "<13>1 2024-02-01T10:00:00Z h app - - - ok"
	// An over-long newline message is dropped and the stream goes on; an
	// over-long octet count closes the connection.
	fmt.Fprintf(conn, "%s\n%s\n%s\n999 ", good, strings.Repeat("x", 500), good)
	waitEvents(t, c, 2)
	buf := make([]byte, 1)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(buf); err == nil {
		t.Error("connection still open after an over-long octet count")
	}
	if st := s.Stats(); st.Received != 4 || st.Bad != 2 {
		t.Errorf("stats = %+v, want 4 received, 2 bad", st)
	}
}

func TestMaxConns(t *testing.T) {
	s := &Server{MaxConns: 1}
	c, addr := startServer(t, s, "tcp", nil)
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprintf(first, "<13>1 2024-02-01T10:00:00Z h app - - - one\n")
	waitEvents(t, c, 1) // the first connection holds the only slot
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("second connection was served")
	}
	if st := s.Stats(); st.Refused != 1 {
		t.Errorf("refused = %d, want 1", st.Refused)
	}
}

func TestUDPOversize(t *testing.T) {
	s := &Server{MaxMessage: 64}
	c, addr := startServer(t, s, "udp", nil)
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("<13>1 2024-02-01T10:00:00Z h app - - - " + strings.Repeat("y", 100)))
	conn.Write([]byte("<13>1 2024-02-01T10:00:00Z h app - - - small"))
	events := waitEvents(t, c, 1)
	if events[0].Message != "small" {
		t.Errorf("message = %q", events[0].Message)
	}
	if st := s.Stats(); st.Bad != 1 {
		t.Errorf("stats = %+v, want 1 bad", st)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}
