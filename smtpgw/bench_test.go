package smtpgw

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/emersion/go-smtp"
)

// passSession relays every message unchanged: the baseline the gateway's
// cost is measured against (same server library, same relay code).
type passSession struct {
	relay *SMTPRelay
	from  string
	to    []string
}

func (p *passSession) Reset()                                   { p.from, p.to = "", nil }
func (p *passSession) Logout() error                            { return nil }
func (p *passSession) Mail(f string, _ *smtp.MailOptions) error { p.from = f; return nil }
func (p *passSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	p.to = append(p.to, to)
	return nil
}
func (p *passSession) Data(r io.Reader) error {
	msg, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return p.relay.Relay(context.Background(), Envelope{From: p.from, To: p.to}, msg)
}

func startPassthrough(b *testing.B, next string) string {
	relay := &SMTPRelay{Addr: next, Hostname: "pass.test"}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &passSession{relay: relay}, nil }))
	s.ErrorLog = discardLog{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(l)
	b.Cleanup(func() { l.Close(); s.Close() })
	return l.Addr().String()
}

// BenchmarkRelay sends messages one connection each through a plain relay
// and through the gateway (scan, policy, header, relay) to the same sink.
func BenchmarkRelay(b *testing.B) {
	clean, phi := readFile(b, "testdata/clean.eml"), readFile(b, "testdata/phi.eml")
	e := newEnv(b, nil)
	pass := startPassthrough(b, e.sink.addr)
	cases := []struct {
		name, addr string
		to         string
		msg        []byte
	}{
		{"passthrough", pass, "team@elsewhere.example", clean},
		{"gateway-clean", e.addr, "team@elsewhere.example", clean},
		{"gateway-phi-internal", e.addr, "lab@hospital.example", phi},
		{"gateway-phi-rejected", e.addr, "x@elsewhere.example", phi},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				sendGo(b, c.addr, "dr.house@hospital.example", []string{c.to}, c.msg)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			e.sink.reset()
		})
	}
}
