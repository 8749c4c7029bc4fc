package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/alert"
)

// Webhook POSTs each alert as JSON. With a Secret, the body is signed:
// header X-Airtight-Signature: sha256=<hex HMAC-SHA256 of the body>.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client // nil: a client with a 10 s timeout
}

// Name names the sender in logs (never the URL, which may hold a token).
func (w *Webhook) Name() string { return "webhook" }

// Send posts the alert; any status other than 2xx is an error.
func (w *Webhook) Send(ctx context.Context, a *alert.Alert) error {
	if w.URL == "" {
		return ErrNotConfigured
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("webhook: encode alert: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "airtight-notify")
	if len(w.Secret) > 0 {
		req.Header.Set("X-Airtight-Signature", "sha256="+Sign(w.Secret, body))
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post: %w", redactURL(err))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: receiver answered %d", resp.StatusCode)
	}
	return nil
}

// Sign is the webhook signature of body under secret (hex HMAC-SHA256).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// redactURL drops the URL from net/http errors: webhook URLs often carry
// a token in their path or query.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Syslog sends each alert as one CEF message (ArcSight Common Event Format)
// inside an RFC 5424 syslog message, over UDP, TCP or TLS (octet counting
// on streams, RFC 6587).
type Syslog struct {
	Network string      // "udp", "tcp" or "tls"
	Addr    string      // host:port
	TLS     *tls.Config // for "tls"
	Host    string      // HOSTNAME field; "" = "airtight"
	Version string      // product version in the CEF header
}

// Name names the sender in logs.
func (s *Syslog) Name() string { return "syslog-cef" }

// Send dials, writes one message and closes. A SIEM connection per alert
// keeps the sender simple and stateless; alert rates are low.
func (s *Syslog) Send(ctx context.Context, a *alert.Alert) error {
	if s.Addr == "" {
		return ErrNotConfigured
	}
	msg := s.message(a)
	var d net.Dialer
	var conn net.Conn
	var err error
	switch s.Network {
	case "udp", "tcp":
		conn, err = d.DialContext(ctx, s.Network, s.Addr)
	case "tls":
		td := tls.Dialer{NetDialer: &d, Config: s.TLS}
		conn, err = td.DialContext(ctx, "tcp", s.Addr)
	default:
		return fmt.Errorf("syslog: network %q: must be udp, tcp or tls", s.Network)
	}
	if err != nil {
		return fmt.Errorf("syslog: dial: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if s.Network != "udp" {
		msg = strconv.Itoa(len(msg)) + " " + msg
	}
	if _, err := io.WriteString(conn, msg); err != nil {
		return fmt.Errorf("syslog: write: %w", err)
	}
	return nil
}

// cefSeverity maps alert severities onto CEF's 0-10 scale.
var cefSeverity = map[alert.Severity]int{alert.Info: 1, alert.Low: 3, alert.Medium: 5, alert.High: 8, alert.Critical: 10}

// syslogSeverity maps them onto syslog severities (RFC 5424).
var syslogSeverity = map[alert.Severity]int{alert.Info: 6, alert.Low: 5, alert.Medium: 4, alert.High: 3, alert.Critical: 2}

// message renders the RFC 5424 syslog message carrying the CEF record.
func (s *Syslog) message(a *alert.Alert) string {
	host := s.Host
	if host == "" {
		host = "airtight"
	}
	version := s.Version
	if version == "" {
		version = "dev"
	}
	const facility = 13 // "log audit" (RFC 5424, table 1)
	pri := facility*8 + syslogSeverity[a.Severity]
	ext := []string{
		"rt=" + strconv.FormatInt(a.LastSeen.UnixMilli(), 10),
		"cnt=" + strconv.Itoa(a.Count),
		"externalId=" + strconv.FormatInt(a.ID, 10),
		"cat=" + cefExt(a.Source),
		"msg=" + cefExt(a.Summary),
		"act=" + cefExt(a.Action),
	}
	if a.DeviceID != 0 {
		ext = append(ext, "cs1Label=deviceId", "cs1="+strconv.FormatInt(a.DeviceID, 10))
	}
	if a.Technique != "" {
		ext = append(ext, "cs2Label=mitreAttack", "cs2="+cefExt(a.Technique))
	}
	if a.Subject != "" {
		ext = append(ext, "cs3Label=subject", "cs3="+cefExt(a.Subject))
	}
	cef := fmt.Sprintf("CEF:0|airtight|airtight|%s|%s|%s|%d|%s", cefHeader(version), cefHeader(a.Kind),
		cefHeader(a.Title), cefSeverity[a.Severity], strings.Join(ext, " "))
	return fmt.Sprintf("<%d>1 %s %s airtight - alert - %s\n", pri, a.LastSeen.UTC().Format(time.RFC3339Nano), host, cef)
}

// cefHeader escapes a CEF header field: backslash and pipe.
func cefHeader(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return oneLine(s)
}

// cefExt escapes a CEF extension value: backslash, equals and line breaks.
func cefExt(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "=", `\=`)
	s = strings.ReplaceAll(s, "\r\n", `\n`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return strings.ReplaceAll(s, "\r", `\r`)
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// Mail e-mails each alert through an SMTP relay (STARTTLS when offered).
type Mail struct {
	Addr string // relay host:port
	From string
	To   []string
	Auth smtp.Auth // optional
	URL  string    // dashboard base URL for the link, optional
}

// Name names the sender in logs.
func (m *Mail) Name() string { return "mail" }

// Send mails the alert.
func (m *Mail) Send(ctx context.Context, a *alert.Alert) error {
	if m.Addr == "" || m.From == "" || len(m.To) == 0 {
		return ErrNotConfigured
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(m.Addr, m.Auth, m.From, m.To, m.body(a)) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mail: %w", ctx.Err())
	}
}

func (m *Mail) body(a *alert.Alert) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", m.From, strings.Join(m.To, ", "))
	fmt.Fprintf(&b, "Subject: [airtight %s] %s\r\n", strings.ToUpper(string(a.Severity)), oneLine(a.Title))
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n", time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n")
	fmt.Fprintf(&b, "%s\r\n\r\nWhy it matters:\r\n%s\r\n\r\nWhat to do now:\r\n%s\r\n", oneLine(a.Title), a.Summary, a.Action)
	if a.Technique != "" {
		fmt.Fprintf(&b, "\r\nMITRE ATT&CK: %s\r\n", a.Technique)
	}
	fmt.Fprintf(&b, "\r\nSeen %d time(s), first %s, last %s.\r\n", a.Count, a.FirstSeen.UTC().Format(time.RFC3339), a.LastSeen.UTC().Format(time.RFC3339))
	if m.URL != "" {
		fmt.Fprintf(&b, "\r\n%s/alerts/%d\r\n", strings.TrimRight(m.URL, "/"), a.ID)
	}
	return []byte(strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n"))
}
