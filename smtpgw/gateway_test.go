package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/internal/testtool"
)

// sender sends a message through the gateway and returns the reply code
// and text at the end of DATA.
// The third result is the message as the client transmitted it.
type sender func(t *testing.T, addr, from string, to []string, file string) (int, string, []byte)

func goSender(t *testing.T, addr, from string, to []string, file string) (int, string, []byte) {
	msg := readFile(t, file)
	c, text := sendGo(t, addr, from, to, msg)
	return c, text, crlf(msg)
}

var swaksReply = regexp.MustCompile(`(?m)^(?:<-|<\*\*)\s+(\d{3})[ -](.*)$`)

// swaksSender runs swaks, a real SMTP client, and returns the last reply.
func swaksSender(t *testing.T, addr, from string, to []string, file string) (int, string, []byte) {
	bin := testtool.Path(t, "swaks")
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(bin, "--server", host, "--port", port, "--from", from, "--to", strings.Join(to, ","),
		"--helo", "client.test", "--data", "@"+file, "--timeout", "20")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("swaks: %v", err)
	}
	m := swaksReply.FindAllStringSubmatch(string(out), -1)
	// The reply to the message is the one before the reply to QUIT (221).
	for i := len(m) - 1; i >= 0; i-- {
		if m[i][1] != "221" {
			c, _ := strconv.Atoi(m[i][1])
			if (c == 250) != (err == nil) {
				t.Fatalf("swaks exit %v with reply %s:\n%s", err, m[i][0], out)
			}
			// swaks ends the data with one more line break of its own.
			return c, m[i][2], append(crlf(readFile(t, file)), "\r\n"...)
		}
	}
	t.Fatalf("no reply in swaks output:\n%s", out)
	return 0, "", nil
}

var senders = []struct {
	name string
	send sender
}{{"go-smtp", goSender}, {"swaks", swaksSender}}

// crlf normalizes line ends as SMTP clients do.
func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func TestGateway(t *testing.T) {
	const house = "dr.house@hospital.example"
	tests := []struct {
		name  string
		file  string
		to    []string
		code  int
		text  string // substring of the reply
		check func(t *testing.T, e *env, orig []byte)
	}{
		{"clean mail to external delivered unchanged", "testdata/clean.eml", []string{"team@elsewhere.example"}, 250, "",
			func(t *testing.T, e *env, orig []byte) {
				got := onlyMessage(t, e)
				hdr, rest, _ := bytes.Cut(got.data, []byte("\r\n"))
				if !bytes.Equal(rest, orig) {
					t.Errorf("relayed message differs beyond the added header:\n%q\nwant\n%q", rest, orig)
				}
				if !regexp.MustCompile(`^X-Airtight-DLP: log; rule=default; id=[0-9a-f]{18}$`).Match(hdr) {
					t.Errorf("header = %q", hdr)
				}
			}},
		{"phi to external rejected", "testdata/phi.eml", []string{"someone@elsewhere.example"}, 550,
			"5.7.1 Message contains patient data (", func(t *testing.T, e *env, _ []byte) {
				if n := len(e.sink.received()); n != 0 {
					t.Errorf("next hop got %d messages", n)
				}
			}},
		{"phi internal allowed and logged", "testdata/phi.eml", []string{"lab@icu.hospital.example"}, 250, "",
			func(t *testing.T, e *env, orig []byte) {
				got := onlyMessage(t, e)
				if !bytes.HasPrefix(got.data, []byte("X-Airtight-DLP: log; rule=phi-internal;")) || !bytes.HasSuffix(got.data, orig) {
					t.Errorf("relayed %q", got.data[:80])
				}
			}},
		{"phi to partner becomes secure delivery", "testdata/phi.eml", []string{"p.partner@partner.example"}, 250, "",
			func(t *testing.T, e *env, orig []byte) { checkSecure(t, e, orig, "p.partner@partner.example", nil) }},
		{"mixed: internal gets mail, partner the portal", "testdata/phi.eml",
			[]string{"lab@hospital.example", "p.partner@partner.example"}, 250, "",
			func(t *testing.T, e *env, orig []byte) {
				checkSecure(t, e, orig, "p.partner@partner.example", []string{"lab@hospital.example"})
			}},
		{"mixed with a blocked external recipient rejects all", "testdata/phi.eml",
			[]string{"lab@hospital.example", "x@elsewhere.example"}, 550, "external recipients", nil},
		{"quarantine", "testdata/phi.eml", []string{"q@review.example"}, 250, "held for review as quarantine",
			func(t *testing.T, e *env, _ []byte) {
				if n := len(e.sink.received()); n != 0 {
					t.Errorf("quarantined message relayed (%d)", n)
				}
				select {
				case q := <-e.quarants:
					if q.Rule != "review-quarantine" || q.Types[dlp.SSN] != 1 || q.RecipientDomains[0] != "review.example" {
						t.Errorf("event %+v", q)
					}
					if _, err := e.vault.Stat(q.VaultID); err != nil {
						t.Errorf("vault item: %v", err)
					}
				default:
					t.Error("no quarantine callback")
				}
			}},
	}
	for _, s := range senders {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				e := newEnv(t, nil)
				code, text, sent := s.send(t, e.addr, house, tt.to, tt.file)
				if code != tt.code || !strings.Contains(text, tt.text) {
					t.Fatalf("reply %d %q, want %d containing %q", code, text, tt.code, tt.text)
				}
				if tt.check != nil {
					tt.check(t, e, sent)
				}
				checkLogs(t, e.logs.String())
			})
		}
	}
}

func onlyMessage(t *testing.T, e *env) sunk {
	t.Helper()
	got := e.sink.received()
	if len(got) != 1 {
		t.Fatalf("next hop got %d messages, want 1", len(got))
	}
	return got[0]
}

// checkSecure verifies the secure delivery to rcpt: two notification
// mails without PHI, a record, and a portal that returns the original.
func checkSecure(t *testing.T, e *env, orig []byte, rcpt string, plain []string) {
	t.Helper()
	var link, codeMail []byte
	for _, m := range e.sink.received() {
		switch {
		case len(m.to) == 1 && m.to[0] == rcpt && bytes.Contains(m.data, []byte("/secure/")):
			link = m.data
		case len(m.to) == 1 && m.to[0] == rcpt && bytes.Contains(m.data, []byte("access code for the secure")):
			codeMail = m.data
		case fmt.Sprint(m.to) == fmt.Sprint(plain):
			if !bytes.HasSuffix(m.data, orig) {
				t.Errorf("internal copy altered")
			}
		default:
			t.Errorf("unexpected mail to %v", m.to)
		}
	}
	if link == nil || codeMail == nil {
		t.Fatalf("missing notification mails: link %v, code %v", link != nil, codeMail != nil)
	}
	for _, m := range [][]byte{link, codeMail} {
		for _, phi := range []string{"John", "Smith", "4471823", "123-45-6789", "Referral", "1962"} {
			if bytes.Contains(m, []byte(phi)) {
				t.Errorf("notification contains %q", phi)
			}
		}
	}
	id := regexp.MustCompile(`https://secure\.hospital\.example/secure/([0-9a-f]{32})`).FindSubmatch(link)
	code := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}`).Find(codeMail)
	if id == nil || code == nil {
		t.Fatalf("no link or code in\n%s\n%s", link, codeMail)
	}
	portal := &SecurePortal{Store: e.store, Vault: e.vault}
	if got := post(t, portal, string(id[1]), "WRONG-CODE"); got.Code != http.StatusForbidden {
		t.Errorf("wrong code: %d", got.Code)
	}
	got := post(t, portal, string(id[1]), strings.ToLower(string(code)))
	if got.Code != http.StatusOK || !bytes.Equal(got.Body.Bytes(), orig) {
		t.Fatalf("download: %d, equal %v", got.Code, bytes.Equal(got.Body.Bytes(), orig))
	}
	rec, _ := e.store.GetSecure(context.Background(), string(id[1]))
	if len(rec.Downloads) != 1 || rec.FailedAttempts != 1 || rec.Recipient != rcpt {
		t.Errorf("record %+v", rec)
	}
}

func post(t *testing.T, p *SecurePortal, id, code string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/secure/"+id, strings.NewReader(url.Values{"code": {code}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	p.ServeHTTP(w, req)
	return w
}

// checkLogs asserts that logs hold no PHI, subjects or local parts.
func checkLogs(t *testing.T, logs string) {
	t.Helper()
	if !strings.Contains(logs, `"msg":"smtp message"`) {
		t.Errorf("no message log line in %s", logs)
	}
	for _, bad := range []string{"John", "Smith", "4471823", "123-45-6789", "Referral", "Lunch", "dr.house", "p.partner", "someone@", "lab@"} {
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q:\n%s", bad, logs)
		}
	}
}

func TestFailuresDefer(t *testing.T) {
	const from = "dr.house@hospital.example"
	failing := scannerFunc(func(context.Context, string, io.Reader) (*dlp.Report, error) {
		return nil, errors.New("extractor crashed")
	})
	hang := scannerFunc(func(ctx context.Context, _ string, r io.Reader) (*dlp.Report, error) {
		time.Sleep(5 * time.Second) // ignores its context
		return &dlp.Report{}, nil
	})
	panics := scannerFunc(func(context.Context, string, io.Reader) (*dlp.Report, error) { panic("boom") })
	for _, s := range senders {
		t.Run(s.name+"/scanner error then retry delivers", func(t *testing.T) {
			e := newEnv(t, nil)
			e.scanner.set(failing)
			if c, text, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 451 || !strings.Contains(text, "4.3.0") {
				t.Fatalf("reply %d %s, want 451 4.3.0", c, text)
			}
			if n := len(e.sink.received()); n != 0 {
				t.Fatalf("relayed unscanned mail (%d)", n)
			}
			e.scanner.set(newEngineScanner(t))
			if c, _, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 250 {
				t.Fatalf("retry: %d", c)
			}
			onlyMessage(t, e)
		})
		t.Run(s.name+"/scanner timeout", func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.ScanTimeout = 100 * time.Millisecond })
			e.scanner.set(hang)
			if c, _, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 451 {
				t.Fatalf("reply %d, want 451", c)
			}
		})
		t.Run(s.name+"/scanner panic", func(t *testing.T) {
			e := newEnv(t, nil)
			e.scanner.set(panics)
			if c, _, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 451 {
				t.Fatalf("reply %d, want 451", c)
			}
		})
		t.Run(s.name+"/next hop down", func(t *testing.T) {
			e := newEnv(t, nil)
			e.sink.stop()
			if c, text, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 451 || !strings.Contains(text, "4.4.1") {
				t.Fatalf("reply %d %s, want 451 4.4.1", c, text)
			}
		})
		t.Run(s.name+"/next hop temporary failure", func(t *testing.T) {
			e := newEnv(t, nil)
			e.sink.setFail(&smtpErr452)
			if c, _, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 451 {
				t.Fatalf("reply %d, want 451", c)
			}
		})
		t.Run(s.name+"/next hop permanent failure", func(t *testing.T) {
			e := newEnv(t, nil)
			e.sink.setFail(&smtpErr554)
			if c, text, _ := s.send(t, e.addr, from, []string{"team@elsewhere.example"}, "testdata/clean.eml"); c != 550 || strings.Contains(text, "team") {
				t.Fatalf("reply %d %q, want 550 without the address", c, text)
			}
		})
		t.Run(s.name+"/vault failure defers quarantine", func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Vault = failingVault{} })
			if c, _, _ := s.send(t, e.addr, from, []string{"q@review.example"}, "testdata/phi.eml"); c != 451 {
				t.Fatalf("reply %d, want 451", c)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxMessageBytes = 300; c.MaxRecipients = 2 })
	big := append(readFile(t, "testdata/clean.eml"), bytes.Repeat([]byte("x\r\n"), 200)...)
	if c, _ := sendGo(t, e.addr, "a@hospital.example", []string{"b@hospital.example"}, big); c != 552 {
		t.Errorf("oversized message: %d, want 552", c)
	}
	if c, _ := sendGo(t, e.addr, "a@hospital.example", []string{"b@h.example", "c@h.example", "d@h.example"}, []byte("x\r\n")); c/100 != 4 && c/100 != 5 {
		t.Errorf("too many recipients: %d", c)
	}
	long := []byte("Subject: x\r\n\r\n" + strings.Repeat("y", 250) + "\r\n")
	e2 := newEnv(t, func(c *Config) { c.MaxLineLength = 200 })
	if c, _ := sendGo(t, e2.addr, "a@hospital.example", []string{"b@hospital.example"}, long); c/100 != 5 {
		t.Errorf("over-long line: %d, want 5xx", c)
	}
	if n := len(e2.sink.received()); n != 0 {
		t.Errorf("over-long line relayed")
	}
	if c, _ := sendGo(t, e.addr, "a@hospital.example", []string{"postmaster"}, []byte("x\r\n")); c/100 != 5 {
		t.Errorf("recipient without domain: %d", c)
	}
}

func TestSecureCodeToSender(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CodeTo = CodeToSender })
	if c, _ := sendGo(t, e.addr, "dr.house@hospital.example", []string{"p@partner.example"}, readFile(t, "testdata/phi.eml")); c != 250 {
		t.Fatalf("reply %d", c)
	}
	var toSender, toRcpt int
	for _, m := range e.sink.received() {
		switch {
		case m.to[0] == "dr.house@hospital.example" && regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}`).Match(m.data):
			toSender++
		case m.to[0] == "p@partner.example" && bytes.Contains(m.data, []byte("/secure/")):
			toRcpt++
			if bytes.Contains(m.data, []byte("access code for")) || regexp.MustCompile(`\b[A-Z2-9]{4}-[A-Z2-9]{4}\b`).Match(m.data) {
				t.Error("the recipient got the code")
			}
		}
	}
	if toSender != 1 || toRcpt != 1 {
		t.Fatalf("code mails to sender %d, link mails to recipient %d", toSender, toRcpt)
	}
}

func TestFailClosedWithoutStores(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Vault, c.Secure = nil, nil })
	c, text := sendGo(t, e.addr, "dr.house@hospital.example", []string{"p@partner.example"}, readFile(t, "testdata/phi.eml"))
	if c != 550 || strings.Contains(text, "secure send") {
		t.Fatalf("secure without stores: %d %q, want 550 without the secure hint", c, text)
	}
}

type failingVault struct{}

func (failingVault) Put(context.Context, vaultInfoT, io.Reader) (vaultMetaT, error) {
	return vaultMetaT{}, errors.New("disk full")
}
func (failingVault) Open(string) (io.ReadCloser, vaultMetaT, error) {
	return nil, vaultMetaT{}, errors.New("gone")
}
func (failingVault) Delete(string) error { return errors.New("gone") }
