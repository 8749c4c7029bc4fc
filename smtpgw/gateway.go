// Package smtpgw is an outbound SMTP filter that keeps patient data from
// leaving by mail. It receives mail with github.com/emersion/go-smtp,
// scans each whole message (MIME, attachments) with a dlp.ContentScanner,
// asks a DLP policy what to do per recipient group (internal, external)
// and then relays, rejects, quarantines or converts the message to secure
// delivery through the SecurePortal. For the redact action it relays a
// rewritten copy: text parts and the Subject Safe-Harbor redacted, other
// attachments removed (see redactMessage); what it cannot rewrite safely
// it blocks.
//
// It runs in two ways, with the same code:
//
//   - as a smarthost: mail clients or servers send to it, it relays to the
//     next hop (the organization's outbound server);
//
//   - as a Postfix after-queue content filter: Postfix hands every message
//     to it and it re-injects accepted mail into a second Postfix smtpd
//     that has no filter. In master.cf:
//
//     127.0.0.1:10026 inet n - n - - smtpd
//     -o content_filter=
//     -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks
//     -o smtpd_authorized_xforward_hosts=127.0.0.0/8
//     -o mynetworks=127.0.0.0/8
//
//     and in main.cf: content_filter = smtp:[127.0.0.1]:10025, with the
//     gateway listening on 127.0.0.1:10025 and NextHop 127.0.0.1:10026.
//
// Mail is never lost: when scanning, the vault or the next hop fails or
// times out, the gateway answers 451 and the sending server keeps the
// message and retries. It answers 250 only after the next hop accepted
// the message (or the vault stored it).
//
// Logs carry the gateway's message id, the verdict, the rule, identifier
// counts and the recipients' domains: never content, subjects or the
// local parts of addresses, which often are people's names.
package smtpgw

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/emersion/go-smtp"
)

// Decider is the policy the gateway asks; *policy.Policy implements it.
type Decider interface {
	Decide(report *dlp.Report, dst dlp.Destination) dlp.Decision
	IsInternal(domainOrAddress string) bool
}

// Vault stores quarantined and secure messages; *vault.Vault implements it.
type Vault interface {
	Put(ctx context.Context, info vault.Info, r io.Reader) (vault.Meta, error)
	Open(id string) (io.ReadCloser, vault.Meta, error)
	Delete(id string) error
}

// QuarantineEvent tells the operator a message was held. It carries no
// content and no addresses' local parts.
type QuarantineEvent struct {
	MessageID        string // the gateway's id (also in logs)
	VaultID          string
	Rule             string
	Reason           string
	Types            map[dlp.Type]int
	SenderDomain     string
	RecipientDomains []string
}

// Config configures a Gateway. Scanner, Policy and NextHop (or Relay) are
// required; Vault is required for the quarantine and secure actions, and
// Secure and PublicURL for the secure action: without them those actions
// fall back to a rejection (fail closed).
type Config struct {
	Hostname string // announced in the greeting and to the next hop
	NextHop  string // host:port to relay to (Postfix re-injection or outbound server)
	Relay    Relayer
	// TLS, when set, offers STARTTLS to senders (the server's certificate),
	// so that mail with patient data is not read on the way to the filter.
	TLS *tls.Config
	// NextHopTLS, when set, makes the relay use STARTTLS to the next hop
	// (verified with this configuration); a next hop that does not offer
	// it is a temporary failure, never a silent downgrade.
	NextHopTLS *tls.Config

	Scanner dlp.ContentScanner
	Policy  Decider
	Vault   Vault

	Secure       SecureStore
	PublicURL    string        // base URL of the SecurePortal, e.g. https://mail-secure.hospital.example
	NotifyFrom   string        // sender address of notification mails
	CodeTo       CodeDelivery  // who receives the access code
	SecureTTL    time.Duration // link lifetime, default 14 days
	Contact      string        // appended to rejections, e.g. "the privacy office at x1234"
	OnQuarantine func(context.Context, QuarantineEvent)
	// OnEvent records every decision, one event per recipient group; q is
	// set when the message was quarantined. Its signature matches
	// dlp.EventService.RecordDLPEvent. Errors are logged; mail flow does
	// not depend on them.
	OnEvent func(ctx context.Context, e *dlp.Event, q *dlp.Quarantined) error

	MaxConnections  int   // open SMTP connections; beyond it new ones get 421; default 200
	MaxMessageBytes int64 // default 25 MiB (SIZE extension)
	// MaxBufferedBytes bounds the memory all sessions together hold for
	// message data, default 512 MiB. A message reserves from it as it is
	// read, for its redacted copy and for the copy relayed with the
	// verdict header; when it is spent the sender gets 452 4.3.1 and
	// retries later. It must be at least 3*MaxMessageBytes+128 KiB (the
	// default grows to that).
	MaxBufferedBytes int64
	MaxRecipients    int           // default 100
	MaxLineLength    int           // default 2000
	ReadTimeout      time.Duration // per command, default 5 min
	WriteTimeout     time.Duration // default 1 min
	ScanTimeout      time.Duration // default 1 min
	RelayTimeout     time.Duration // default 2 min

	Logger *slog.Logger
	Now    func() time.Time
}

// CodeDelivery says who receives the access code of a secure message.
type CodeDelivery string

// Code deliveries.
const (
	CodeToRecipient CodeDelivery = "recipient" // a second, separate mail to the recipient
	CodeToSender    CodeDelivery = "sender"    // the sender passes it on by phone
)

// Gateway is the SMTP filter. Create it with New.
type Gateway struct {
	cfg    Config
	log    *slog.Logger
	server *smtp.Server
	subs   *deid.Surrogates // Safe Harbor replacements for the redact action
	mem    *budget          // message data held in memory (MaxBufferedBytes)
}

// New validates cfg, fills in defaults and returns a Gateway.
func New(cfg Config) (*Gateway, error) {
	if cfg.Scanner == nil || cfg.Policy == nil {
		return nil, errors.New("smtpgw: scanner and policy are required")
	}
	if cfg.Relay == nil {
		if cfg.NextHop == "" {
			return nil, errors.New("smtpgw: next hop is required")
		}
		if _, _, err := net.SplitHostPort(cfg.NextHop); err != nil {
			return nil, fmt.Errorf("smtpgw: next hop %q: %w", cfg.NextHop, err)
		}
	}
	setDefaults(&cfg)
	if cfg.MaxMessageBytes < 0 {
		return nil, fmt.Errorf("smtpgw: max message bytes %d: must not be negative", cfg.MaxMessageBytes)
	}
	if m := minBudget(cfg.MaxMessageBytes); cfg.MaxBufferedBytes < m {
		return nil, fmt.Errorf("smtpgw: max buffered bytes %d: must be at least %d (three times max message bytes %d, plus 128 KiB)",
			cfg.MaxBufferedBytes, m, cfg.MaxMessageBytes)
	}
	if cfg.Relay == nil {
		cfg.Relay = &SMTPRelay{Addr: cfg.NextHop, Hostname: cfg.Hostname, Timeout: cfg.RelayTimeout, TLS: cfg.NextHopTLS}
	}
	key := make([]byte, deid.MinKeySize) // Safe Harbor mode replaces by type; the key picks nothing
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("smtpgw: random key: %w", err)
	}
	subs, err := deid.NewSurrogates(key, deid.ModeSafeHarbor)
	if err != nil {
		return nil, fmt.Errorf("smtpgw: redaction: %w", err)
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, subs: subs, mem: newBudget(cfg.MaxBufferedBytes)}
	g.server = g.newServer()
	return g, nil
}

func setDefaults(cfg *Config) {
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.MaxBufferedBytes == 0 {
		cfg.MaxBufferedBytes = max(512<<20, minBudget(cfg.MaxMessageBytes))
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 200
	}
	if cfg.MaxRecipients == 0 {
		cfg.MaxRecipients = 100
	}
	if cfg.MaxLineLength == 0 {
		cfg.MaxLineLength = 2000
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.ReadTimeout, 5*time.Minute)
	def(&cfg.WriteTimeout, time.Minute)
	def(&cfg.ScanTimeout, time.Minute)
	def(&cfg.RelayTimeout, 2*time.Minute)
	def(&cfg.SecureTTL, 14*24*time.Hour)
	if cfg.CodeTo == "" {
		cfg.CodeTo = CodeToRecipient
	}
	if cfg.NotifyFrom == "" {
		cfg.NotifyFrom = "postmaster@" + cfg.Hostname
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

func (g *Gateway) newServer() *smtp.Server {
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{g: g, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	s.Domain = g.cfg.Hostname
	s.MaxMessageBytes = g.cfg.MaxMessageBytes
	s.MaxRecipients = g.cfg.MaxRecipients
	s.MaxLineLength = g.cfg.MaxLineLength
	s.ReadTimeout = g.cfg.ReadTimeout
	s.WriteTimeout = g.cfg.WriteTimeout
	s.EnableSMTPUTF8 = true
	s.TLSConfig = g.cfg.TLS
	s.ErrorLog = slogAdapter{g.log}
	return s
}

// Serve accepts SMTP connections on l until Shutdown or Close.
func (g *Gateway) Serve(l net.Listener) error {
	err := g.server.Serve(&limitListener{Listener: l, sem: make(chan struct{}, g.cfg.MaxConnections)})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for open sessions to end
// or ctx to expire.
func (g *Gateway) Shutdown(ctx context.Context) error { return g.server.Shutdown(ctx) }

// Close closes the listeners and every connection at once.
func (g *Gateway) Close() error { return g.server.Close() }

// BufferedBytes is the memory now reserved for message data, out of
// Config.MaxBufferedBytes (for metrics).
func (g *Gateway) BufferedBytes() int64 { return g.mem.InUse() }

// slogAdapter carries go-smtp's internal errors (connection level, no
// content) into the gateway's logger.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, v ...any) {
	a.l.Warn("smtp server", "detail", fmt.Sprintf(format, v...))
}
func (a slogAdapter) Println(v ...any) { a.l.Warn("smtp server", "detail", fmt.Sprint(v...)) }

func newMessageID() string {
	b := make([]byte, 9)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// domains returns the distinct domains of addresses, for logs.
func domains(addrs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range addrs {
		d := domainOf(a)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// limitListener bounds the open connections: go-smtp starts a goroutine
// and buffers for every connection it accepts, and each may idle for
// ReadTimeout, so without a bound slow clients exhaust the gateway.
// Connections beyond the bound are answered 421 and closed.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
		default:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(c, "421 4.3.2 Too many connections, try again later\r\n")
			c.Close()
		}
	}
}

// limitConn gives its slot back on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
