package smtpgw

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/vault"
	"github.com/emersion/go-smtp"
)

// Envelope is the SMTP envelope of a relayed message.
type Envelope struct {
	From string
	To   []string
	UTF8 bool // SMTPUTF8 was requested by the sender
}

// Relayer hands a message to the next hop. It returns a *RelayError for
// answers of the next hop; any other error is a temporary failure. It
// must not keep msg, or read it, after it returns.
type Relayer interface {
	Relay(ctx context.Context, env Envelope, msg []byte) error
}

// RelayError is a negative answer of the next hop. Its text is not kept:
// it often repeats recipient addresses.
type RelayError struct {
	Code      int
	Enhanced  string // "5.1.1"
	Permanent bool
}

func (e *RelayError) Error() string {
	return fmt.Sprintf("next hop answered %d %s", e.Code, e.Enhanced)
}

// SMTPRelay relays over plain SMTP with github.com/emersion/go-smtp; one
// connection per message (the next hop is local: Postfix's re-injection
// port or the organization's outbound server).
type SMTPRelay struct {
	Addr     string
	Hostname string
	Timeout  time.Duration
	// TLS, when set, requires STARTTLS with this configuration.
	TLS *tls.Config
}

// client greets the next hop, switching to TLS first when required (a
// next hop without STARTTLS is then a temporary failure).
func (r *SMTPRelay) client(conn net.Conn) (*smtp.Client, error) {
	if r.TLS != nil {
		c, err := smtp.NewClientStartTLS(conn, r.TLS)
		if err != nil {
			return nil, fmt.Errorf("next hop STARTTLS: %w", err)
		}
		return c, nil
	}
	c := smtp.NewClient(conn)
	if err := c.Hello(r.Hostname); err != nil {
		c.Close()
		return nil, relayErr(err)
	}
	return c, nil
}

// Relay implements Relayer.
func (r *SMTPRelay) Relay(ctx context.Context, env Envelope, msg []byte) (err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("dial next hop: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := r.client(conn)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if r.Timeout > 0 {
		c.CommandTimeout, c.SubmissionTimeout = r.Timeout, r.Timeout
	}
	if err := c.Mail(env.From, &smtp.MailOptions{Size: int64(len(msg)), UTF8: env.UTF8}); err != nil {
		return relayErr(err)
	}
	for _, to := range env.To {
		if err := c.Rcpt(to, nil); err != nil {
			return relayErr(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return relayErr(err)
	}
	if _, err := io.Copy(w, bytes.NewReader(msg)); err != nil {
		return relayErr(err)
	}
	if err := w.Close(); err != nil {
		return relayErr(err)
	}
	if err := c.Quit(); err != nil {
		// The message is accepted; a failed QUIT does not matter.
		return nil
	}
	return nil
}

func relayErr(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &RelayError{Code: se.Code, Enhanced: fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2]),
			Permanent: se.Code >= 500}
	}
	return fmt.Errorf("next hop: %w", err)
}

// safeRelayError describes a relay failure for logs without server text.
func safeRelayError(err error) string {
	var re *RelayError
	if errors.As(err, &re) {
		return re.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "network: " + oe.Op
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "connection failed"
}

func vaultInfo(kind string, d dlp.Decision) vault.Info {
	return vault.Info{Kind: kind, Channel: dlp.ChannelSMTP, Rule: d.Rule, Types: d.Types}
}
