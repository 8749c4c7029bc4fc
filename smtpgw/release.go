package smtpgw

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/emersion/go-smtp"
)

// Quarantined mail is stored with its SMTP envelope in two header lines
// on top, so that it can be released to the original recipients. They
// are inside the encrypted item, never in metadata or logs.
const (
	envFrom = "X-Airtight-Envelope-From: "
	envTo   = "X-Airtight-Envelope-To: "
)

func envelopeHeader(from string, to []string) []byte {
	return []byte(envFrom + "<" + clean(from) + ">\r\n" + envTo + "<" + clean(strings.Join(to, ">, <")) + ">\r\n")
}

// splitEnvelope parses the envelope lines off a stored message.
func splitEnvelope(stored []byte) (from string, to []string, msg []byte, err error) {
	br := bufio.NewReader(bytes.NewReader(stored))
	l1, _ := br.ReadString('\n')
	l2, _ := br.ReadString('\n')
	if !strings.HasPrefix(l1, envFrom) || !strings.HasPrefix(l2, envTo) {
		return "", nil, nil, errors.New("smtpgw: stored message has no envelope")
	}
	from = strings.Trim(strings.TrimSpace(strings.TrimPrefix(l1, envFrom)), "<>")
	for _, r := range strings.Split(strings.TrimSpace(strings.TrimPrefix(l2, envTo)), ",") {
		if r = strings.Trim(strings.TrimSpace(r), "<>"); r != "" {
			to = append(to, r)
		}
	}
	if len(to) == 0 {
		return "", nil, nil, errors.New("smtpgw: stored message has no recipients")
	}
	return from, to, stored[len(l1)+len(l2):], nil
}

var _ dlp.Releaser = (*Gateway)(nil)

// Release delivers quarantined mail to its original recipients through the
// next hop, marked as released. The vault item is kept; Shred removes it.
func (g *Gateway) Release(ctx context.Context, q *dlp.Quarantined) error {
	if g.cfg.Vault == nil {
		return errors.New("smtpgw: no vault configured")
	}
	rc, _, err := g.cfg.Vault.Open(q.VaultID)
	if err != nil {
		return fmt.Errorf("smtpgw: open quarantined %s: %w", q.VaultID, err)
	}
	defer rc.Close()
	stored, err := io.ReadAll(io.LimitReader(rc, g.cfg.MaxMessageBytes+64<<10))
	if err != nil {
		return fmt.Errorf("smtpgw: read quarantined %s: %w", q.VaultID, err)
	}
	from, to, msg, err := splitEnvelope(stored)
	if err != nil {
		return err
	}
	hdr := fmt.Sprintf("X-Airtight-DLP: released; quarantine=%s\r\n", q.VaultID)
	ctx, cancel := context.WithTimeout(ctx, g.cfg.RelayTimeout)
	defer cancel()
	if err := g.cfg.Relay.Relay(ctx, Envelope{From: from, To: to}, append([]byte(hdr), msg...)); err != nil {
		return fmt.Errorf("smtpgw: release %s: %s", q.VaultID, safeRelayError(err))
	}
	g.log.Info("quarantine released", "vault_id", q.VaultID, "rcpt_domains", domains(to))
	return nil
}

// Shred deletes quarantined mail for good (crypto-shredding its key).
func (g *Gateway) Shred(_ context.Context, q *dlp.Quarantined) error {
	if g.cfg.Vault == nil {
		return errors.New("smtpgw: no vault configured")
	}
	if err := g.cfg.Vault.Delete(q.VaultID); err != nil {
		return fmt.Errorf("smtpgw: shred %s: %w", q.VaultID, err)
	}
	return nil
}

// record hands one event per decided recipient group to OnEvent.
func (t *transaction) record(ctx context.Context, reply error) {
	if t.g.cfg.OnEvent == nil || t.report == nil {
		return
	}
	for _, g := range t.groups {
		ev := &dlp.Event{Channel: dlp.ChannelSMTP, Actor: t.from, Destination: strings.Join(domains(g.rcpts), ","),
			External: g.external, Action: g.decision.Action, Rule: g.decision.Rule, Reason: g.decision.Reason,
			Types: g.decision.Types, Unscannable: len(t.report.Unscannable), Bytes: int64(len(t.msg)),
			Ref: t.vault, CreatedAt: t.g.cfg.Now().UTC()}
		var q *dlp.Quarantined
		if g.decision.Action == dlp.ActionQuarantine && t.vault != "" && isAccepted(reply) {
			q = &dlp.Quarantined{VaultID: t.vault, Channel: dlp.ChannelSMTP, Actor: t.from, Status: dlp.QuarantineHeld,
				Types: g.decision.Types, Bytes: int64(len(t.msg)), CreatedAt: ev.CreatedAt}
		}
		if g.decision.Action != t.action && policy.Strength(t.action) >= policy.Strength(dlp.ActionQuarantine) {
			// The whole message was blocked or held because of another group.
			ev.Action, ev.Reason = t.action, ev.Reason+" (message "+string(t.action)+" for another recipient group)"
		}
		if err := t.g.cfg.OnEvent(ctx, ev, q); err != nil {
			t.g.log.Error("record dlp event", "msg_id", t.id, "error", err.Error())
		}
	}
}

// isAccepted reports whether the reply to DATA was 250.
func isAccepted(reply error) bool {
	var se *smtp.SMTPError
	return reply == nil || (errors.As(reply, &se) && se.Code == 250)
}
