package notify

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

type mailSink struct {
	mu   sync.Mutex
	from string
	to   []string
	data string
}

type mailSession struct{ s *mailSink }

func (m mailSession) Reset()        {}
func (m mailSession) Logout() error { return nil }
func (m mailSession) Mail(f string, _ *smtp.MailOptions) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.from = f
	return nil
}
func (m mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.to = append(m.s.to, to)
	return nil
}
func (m mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.data = string(b)
	return err
}

// TestMailSendsPlainLanguage: the alert goes to every recipient through
// the relay with its title in the subject, what it means, what to do and
// a link to the dashboard; header values stay on one line.
func TestMailSendsPlainLanguage(t *testing.T) {
	sink := &mailSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return mailSession{sink}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "relay.test", true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	a := sample()
	a.Title = "EternalBlue-style SMB exploit\r\nBcc: everyone@example.org"
	m := &Mail{Addr: ln.Addr().String(), From: "airtight@hospital.example", To: []string{"soc@hospital.example", "biomed@hospital.example"},
		URL: "https://airtight.hospital.example/"}
	if err := m.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.from != m.From || len(sink.to) != 2 {
		t.Errorf("envelope %q %v", sink.from, sink.to)
	}
	for _, want := range []string{"Subject: [airtight CRITICAL] EternalBlue-style SMB exploit  Bcc: everyone@example.org\r\n",
		"What to do now:\r\nUnplug it.", "MITRE ATT&CK: T1210", "https://airtight.hospital.example/alerts/7"} {
		if !strings.Contains(sink.data, want) {
			t.Errorf("mail lacks %q:\n%s", want, sink.data)
		}
	}
	if strings.Contains(sink.data, "\r\nBcc:") {
		t.Errorf("a header was injected through the title")
	}
	bad := &Mail{Addr: "127.0.0.1:1", From: "a@b.example", To: []string{"c@d.example"}}
	if err := bad.Send(context.Background(), a); err == nil {
		t.Error("an unreachable relay reported success")
	}
	if err := (&Mail{}).Send(context.Background(), a); err != ErrNotConfigured {
		t.Errorf("unconfigured: %v", err)
	}
}
