package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/emersion/go-smtp"
)

// engineScanner is the test stand-in for the MIME content scanner: it
// scans the Subject and the body with the free-text engine (address
// headers are not content).
type engineScanner struct{ e *dlp.Engine }

func newEngineScanner(t testing.TB) *engineScanner {
	e, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &engineScanner{e}
}

func (s *engineScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	rep := &dlp.Report{Bytes: int64(len(data)), Parts: 1}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		rep.Unscannable = append(rep.Unscannable, dlp.Unscannable{Reason: "malformed message"})
		return rep, nil
	}
	body, _ := io.ReadAll(m.Body)
	text := append([]byte(m.Header.Get("Subject")+"\n"), body...)
	for _, f := range s.e.Scan(text) {
		rep.Findings = append(rep.Findings, dlp.Located{Finding: f})
	}
	return rep, ctx.Err()
}

// scannerFunc adapts a function to dlp.ContentScanner.
type scannerFunc func(ctx context.Context, name string, r io.Reader) (*dlp.Report, error)

func (f scannerFunc) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	return f(ctx, name, r)
}

// sink is the next hop: a Go SMTP server that records what it receives.
type sink struct {
	mu   sync.Mutex
	msgs []sunk
	fail *smtp.SMTPError // answer to DATA when set
	addr string
	srv  *smtp.Server
	l    net.Listener
}

// stop closes the next hop: connections to it are refused.
func (s *sink) stop() {
	s.l.Close()
	s.srv.Close()
}

type sunk struct {
	from string
	to   []string
	data []byte
}

func newSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "sink.test"
	s.srv.ErrorLog = discardLog{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr, s.l = l.Addr().String(), l
	go s.srv.Serve(l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *sink) received() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

func (s *sink) reset() {
	s.mu.Lock()
	s.msgs, s.fail = nil, nil
	s.mu.Unlock()
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (ss *sinkSession) Reset()                                   { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error                            { return nil }
func (ss *sinkSession) Mail(f string, _ *smtp.MailOptions) error { ss.from = f; return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.fail != nil {
		return ss.s.fail
	}
	ss.s.msgs = append(ss.s.msgs, sunk{ss.from, ss.to, b})
	return nil
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

// lockedBuffer collects log output from concurrent sessions.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is a running gateway with its next hop, vault and secure store.
type env struct {
	gw       *Gateway
	addr     string
	sink     *sink
	vault    *vault.Vault
	store    *MemoryStore
	logs     *lockedBuffer
	quarants chan QuarantineEvent
	scanner  *switchScanner
}

// switchScanner lets a test replace the scanner of a running gateway.
type switchScanner struct {
	mu sync.Mutex
	s  dlp.ContentScanner
}

func (w *switchScanner) set(s dlp.ContentScanner) { w.mu.Lock(); w.s = s; w.mu.Unlock() }
func (w *switchScanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	w.mu.Lock()
	s := w.s
	w.mu.Unlock()
	return s.ScanContent(ctx, name, r)
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	pol, err := policy.Load("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(filepath.Join(t.TempDir(), "vault"), bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sink: newSink(t), vault: v, store: NewMemoryStore(), logs: &lockedBuffer{},
		quarants: make(chan QuarantineEvent, 10), scanner: &switchScanner{s: newEngineScanner(t)}}
	cfg := Config{
		Hostname: "dlp.hospital.example", NextHop: e.sink.addr, Scanner: e.scanner, Policy: pol, Vault: v,
		Secure: e.store, PublicURL: "https://secure.hospital.example/", NotifyFrom: "secure@hospital.example",
		Contact: "the privacy office (x4242)", ScanTimeout: 2 * time.Second, RelayTimeout: 5 * time.Second,
		Logger:       slog.New(slog.NewJSONHandler(e.logs, nil)),
		OnQuarantine: func(_ context.Context, q QuarantineEvent) { e.quarants <- q },
	}
	if mod != nil {
		mod(&cfg)
	}
	gw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.gw, e.addr = gw, l.Addr().String()
	go gw.Serve(l)
	t.Cleanup(func() { gw.Close() })
	return e
}

// sendGo sends msg with the go-smtp client and returns the final reply
// code and text.
func sendGo(t testing.TB, addr, from string, to []string, msg []byte) (int, string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(from, nil); err != nil {
		return code(t, err)
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return code(t, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return code(t, err)
	}
	w.Write(msg)
	resp, err := w.CloseWithResponse()
	if err != nil {
		return code(t, err)
	}
	c.Quit()
	return 250, resp.StatusText
}

func code(t testing.TB, err error) (int, string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		ec := se.EnhancedCode
		return se.Code, fmt.Sprintf("%d.%d.%d %s", ec[0], ec[1], ec[2], se.Message)
	}
	t.Fatalf("not an SMTP reply: %v", err)
	return 0, ""
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	smtpErr452 = smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Insufficient system storage"}
	smtpErr554 = smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "<team@elsewhere.example>: rejected"}
)

func (s *sink) setFail(e *smtp.SMTPError) {
	s.mu.Lock()
	s.fail = e
	s.mu.Unlock()
}

type (
	vaultInfoT = vault.Info
	vaultMetaT = vault.Meta
)
