package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/emersion/go-smtp"
)

// session is one SMTP transaction at a time on one connection.
type session struct {
	g      *Gateway
	remote string
	from   string
	utf8   bool
	rcpts  []string
}

func (s *session) Reset()        { s.from, s.utf8, s.rcpts = "", false, nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > s.g.cfg.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	if opts != nil && opts.Size > 0 && !s.g.mem.Fits(opts.Size) {
		s.g.log.Warn("message buffer budget exhausted, deferring declared message",
			"size", opts.Size, "sender_domain", domainOf(from), "buffered", s.g.mem.InUse())
		return errStorage
	}
	s.from = from
	s.utf8 = opts != nil && opts.UTF8
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if domainOf(to) == "" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Recipient must be a full address"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data reads the whole message, scans it and acts on the verdict. The
// returned error becomes the reply to the end of DATA.
func (s *session) Data(r io.Reader) error {
	start := s.g.cfg.Now()
	res := s.g.mem.Reserve()
	defer res.Done()
	msg, err := readMessage(r, res, s.g.cfg.MaxMessageBytes)
	if errors.Is(err, errBudget) {
		// Nothing of it is kept; read the rest so that the reply says
		// why this message failed (too large, line too long) if it did.
		_, err = io.Copy(io.Discard, r)
		if err == nil {
			s.g.log.Warn("message buffer budget exhausted, deferring message",
				"sender_domain", domainOf(s.from), "rcpt_domains", domains(s.rcpts), "buffered", s.g.mem.InUse())
			return errStorage
		}
	}
	if err != nil {
		return s.readError(err)
	}
	t := &transaction{g: s.g, id: newMessageID(), from: s.from, rcpts: slices.Clone(s.rcpts), utf8: s.utf8,
		buf: msg, msg: msg[headroom:], mem: res}
	reply := t.run(context.Background())
	t.logResult(reply, s.g.cfg.Now().Sub(start))
	t.record(context.Background(), reply)
	return reply
}

// readError is the reply to DATA that could not be read.
func (s *session) readError(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se // 552 too large
	}
	if errors.Is(err, smtp.ErrTooLongLine) {
		return &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2},
			Message: fmt.Sprintf("Line longer than %d bytes", s.g.cfg.MaxLineLength)}
	}
	return tempFail("4.4.2", "Connection problem while receiving the message")
}

// transaction is the processing of one received message.
type transaction struct {
	g     *Gateway
	id    string
	from  string
	rcpts []string
	utf8  bool
	buf   []byte       // headroom, then msg (see framed)
	msg   []byte       // the message as received
	mem   *reservation // buf's share of MaxBufferedBytes

	report *dlp.Report
	groups []group
	action dlp.Action // overall, for logs
	vault  string

	redacted     []byte           // the rewritten message for redact groups
	redactTypes  map[dlp.Type]int // findings replaced in it
	redactFailed string           // why redaction fell back to block
}

// group is recipients that share a destination kind and a decision.
type group struct {
	rcpts    []string
	external bool
	decision dlp.Decision
}

func (t *transaction) run(ctx context.Context) error {
	rep, err := t.scan(ctx)
	if err != nil {
		t.g.log.Warn("dlp scan failed, deferring message", "msg_id", t.id, "error", err.Error())
		return tempFail("4.3.0", "Message could not be checked for patient data now; try again later")
	}
	t.report = rep
	t.decide()
	if err := t.redact(ctx); err != nil {
		return err
	}
	switch t.action {
	case dlp.ActionBlock:
		return t.reject()
	case dlp.ActionQuarantine:
		return t.quarantine(ctx)
	}
	return t.deliver(ctx)
}

// scan runs the scanner with a deadline; a scanner that ignores its
// context is abandoned when the deadline passes (the message is deferred,
// never passed unscanned).
func (t *transaction) scan(ctx context.Context) (*dlp.Report, error) {
	t.mem.Hold() // a scanner abandoned at the deadline still holds msg
	rep, err := bounded(ctx, t.g.cfg.ScanTimeout, func(ctx context.Context) (*dlp.Report, error) {
		defer t.mem.Done()
		return t.g.cfg.Scanner.ScanContent(ctx, "message.eml", bytes.NewReader(t.msg))
	})
	if err == nil && rep == nil {
		err = errors.New("scanner returned no report")
	}
	return rep, err
}

// errPanicked is returned by bounded when f panicked.
var errPanicked = errors.New("scanner panicked")

// bounded runs f with a deadline; an f that ignores its context is
// abandoned when the deadline passes, and a panic becomes errPanicked.
func bounded[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: errPanicked}
			}
		}()
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("scan: %w", ctx.Err())
	}
}

// decide asks the policy once per recipient group (internal, external)
// and derives the overall action: block and quarantine apply to the whole
// message, allow and secure per group.
func (t *transaction) decide() {
	var internal, external []string
	for _, r := range t.rcpts {
		if t.g.cfg.Policy.IsInternal(r) {
			internal = append(internal, r)
		} else {
			external = append(external, r)
		}
	}
	t.action = dlp.ActionAllow
	for _, g := range []group{{rcpts: internal}, {rcpts: external, external: true}} {
		if len(g.rcpts) == 0 {
			continue
		}
		dst := dlp.Destination{Channel: dlp.ChannelSMTP, Sender: t.from, Recipients: g.rcpts, External: g.external}
		g.decision = t.g.cfg.Policy.Decide(t.report, dst)
		g.decision.Action = t.g.effective(g.decision.Action)
		t.action = policy.Stronger(t.action, g.decision.Action)
		t.groups = append(t.groups, g)
	}
}

// effective maps actions the gateway cannot carry out to stronger ones:
// quarantine or secure delivery without their stores fail closed.
// Redaction is always possible to attempt; messages it cannot rewrite
// safely are blocked later (see transaction.redact).
func (g *Gateway) effective(a dlp.Action) dlp.Action {
	switch a {
	case dlp.ActionAllow, dlp.ActionLog, dlp.ActionBlock, dlp.ActionRedact:
		return a
	case dlp.ActionSecure:
		if g.cfg.Vault != nil && g.cfg.Secure != nil && g.cfg.PublicURL != "" {
			return a
		}
	case dlp.ActionQuarantine:
		if g.cfg.Vault != nil {
			return a
		}
	}
	return dlp.ActionBlock
}

// deciding returns the group whose decision set the overall action.
func (t *transaction) deciding() group {
	for _, g := range t.groups {
		if g.decision.Action == t.action {
			return g
		}
	}
	return group{}
}

func (t *transaction) reject() error {
	g := t.deciding()
	counts := policy.FormatCounts(t.report.Counts())
	var what string
	switch {
	case counts != "":
		what = fmt.Sprintf("Message contains patient data (%s)", counts)
	default:
		what = fmt.Sprintf("Message contains content that could not be checked (%d unscannable parts)", len(t.report.Unscannable))
	}
	to := "internal recipients"
	if g.external {
		to = "external recipients"
	}
	text := fmt.Sprintf("%s and cannot be sent to %s (rule %s)", what, to, g.decision.Rule)
	if t.redactFailed != "" {
		text += "; it could not be redacted (" + t.redactFailed + ")"
	}
	if t.g.effective(dlp.ActionSecure) == dlp.ActionSecure {
		text += "; use secure send"
	}
	if t.g.cfg.Contact != "" {
		text += "; contact " + t.g.cfg.Contact
	}
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: text}
}

func (t *transaction) quarantine(ctx context.Context) error {
	g := t.deciding()
	id, err := t.store(ctx, "quarantine", g.decision, envelopeHeader(t.from, t.rcpts))
	if err != nil {
		return err
	}
	if t.g.cfg.OnQuarantine != nil {
		t.g.cfg.OnQuarantine(ctx, QuarantineEvent{MessageID: t.id, VaultID: id, Rule: g.decision.Rule,
			Reason: g.decision.Reason, Types: g.decision.Types, SenderDomain: domainOf(t.from), RecipientDomains: domains(t.rcpts)})
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 6, 0},
		Message: fmt.Sprintf("Message held for review as quarantine %s (patient data); it was not delivered", id)}
}

// store puts the message into the vault; failures defer the message.
// prefix (the envelope of quarantined mail, for release) goes first.
func (t *transaction) store(ctx context.Context, kind string, d dlp.Decision, prefix []byte) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.g.cfg.ScanTimeout)
	defer cancel()
	meta, err := t.g.cfg.Vault.Put(ctx, vaultInfo(kind, d), io.MultiReader(bytes.NewReader(prefix), bytes.NewReader(t.msg)))
	if err != nil {
		t.g.log.Error("vault store failed, deferring message", "msg_id", t.id, "error", err.Error())
		return "", tempFail("4.3.0", "Message could not be stored now; try again later")
	}
	t.vault = meta.ID
	return meta.ID, nil
}

// deliver relays the message to groups that are allowed and converts it
// to secure delivery for the others. Secure records are written before
// anything is relayed, so a relay failure (451, the sender retries) can
// at worst duplicate a notification, never lose the message.
func (t *transaction) deliver(ctx context.Context) error {
	var secure []string
	var plain []group
	for _, g := range t.groups {
		if g.decision.Action == dlp.ActionSecure {
			secure = append(secure, g.rcpts...)
		} else {
			plain = append(plain, g)
		}
	}
	var notes []outgoing
	if len(secure) > 0 {
		var err error
		if notes, err = t.secure(ctx, secure); err != nil {
			return err
		}
	}
	// Copies made to relay (a redacted message with its header, or a
	// header too long for the headroom) count against the budget; they
	// are reserved before anything is sent, so that a 452 never follows
	// a partial delivery. Relays are one after the other: one copy at a
	// time.
	var copySize int64
	for _, g := range plain {
		if hdr, body, inPlace := t.relayed(g); !inPlace {
			copySize = max(copySize, int64(len(hdr)+len(body)))
		}
	}
	if !t.mem.Grow(copySize) {
		t.g.log.Warn("message buffer budget exhausted, deferring scanned message", "msg_id", t.id, "buffered", t.g.mem.InUse())
		return errStorage
	}
	defer t.mem.Shrink(copySize)
	for _, g := range plain {
		hdr, body, inPlace := t.relayed(g)
		var msg []byte
		if inPlace {
			msg = t.framed(hdr)
		} else {
			msg = append([]byte(hdr), body...)
		}
		if err := t.relay(ctx, t.from, g.rcpts, msg); err != nil {
			return err
		}
	}
	for _, n := range notes {
		if err := t.relay(ctx, n.from, []string{n.to}, n.msg); err != nil {
			return err
		}
	}
	return nil
}

// relayed returns the verdict header and the message relayed to g, and
// whether the header can be put in place in front of the received
// message (see framed).
func (t *transaction) relayed(g group) (hdr string, body []byte, inPlace bool) {
	if g.decision.Action == dlp.ActionRedact {
		return t.redactHeader(g.decision), t.redacted, false
	}
	hdr = t.header(g.decision)
	return hdr, t.msg, len(hdr) <= len(t.buf)-len(t.msg)
}

// framed writes hdr into the headroom just before the message and
// returns both, without copying the message. The headroom is reused by
// the next group's relay; relays are one after the other and a Relayer
// keeps no reference to msg.
func (t *transaction) framed(hdr string) []byte {
	start := len(t.buf) - len(t.msg) - len(hdr)
	copy(t.buf[start:], hdr)
	return t.buf[start:]
}

// header is the verdict header added on top of relayed mail: no PHI.
func (t *transaction) header(d dlp.Decision) string {
	h := fmt.Sprintf("X-Airtight-DLP: %s; rule=%s; id=%s", d.Action, d.Rule, t.id)
	if c := policy.FormatCounts(d.Types); c != "" {
		h += "; found=" + c
	}
	if n := len(t.report.Unscannable); n > 0 {
		h += fmt.Sprintf("; unscannable=%d", n)
	}
	return h + "\r\n"
}

func (t *transaction) relay(ctx context.Context, from string, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, t.g.cfg.RelayTimeout)
	defer cancel()
	err := t.g.cfg.Relay.Relay(ctx, Envelope{From: from, To: to, UTF8: t.utf8}, msg)
	if err == nil {
		return nil
	}
	var re *RelayError
	if errors.As(err, &re) && re.Permanent {
		t.g.log.Warn("next hop rejected message", "msg_id", t.id, "code", re.Code, "enhanced", re.Enhanced)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 0, 0},
			Message: fmt.Sprintf("Next hop rejected the message (%d %s)", re.Code, re.Enhanced)}
	}
	t.g.log.Warn("relay failed, deferring message", "msg_id", t.id, "error", safeRelayError(err))
	return tempFail("4.4.1", "Next hop unavailable; try again later")
}

func tempFail(enhanced, text string) error {
	var ec smtp.EnhancedCode
	fmt.Sscanf(enhanced, "%d.%d.%d", &ec[0], &ec[1], &ec[2])
	return &smtp.SMTPError{Code: 451, EnhancedCode: ec, Message: text}
}

func (t *transaction) logResult(reply error, took time.Duration) {
	code := 250
	var se *smtp.SMTPError
	if errors.As(reply, &se) {
		code = se.Code
	}
	attrs := []any{"msg_id", t.id, "code", code, "bytes", len(t.msg), "sender_domain", domainOf(t.from),
		"rcpt_domains", domains(t.rcpts), "ms", took.Milliseconds()}
	if t.report != nil {
		attrs = append(attrs, "action", string(t.action), "found", policy.FormatCounts(t.report.Counts()),
			"unscannable", len(t.report.Unscannable))
		for _, g := range t.groups {
			attrs = append(attrs, groupKey(g)+"_rule", g.decision.Rule, groupKey(g)+"_action", string(g.decision.Action))
		}
	}
	if t.vault != "" {
		attrs = append(attrs, "vault_id", t.vault)
	}
	if t.redacted != nil {
		attrs = append(attrs, "redacted", policy.FormatCounts(t.redactTypes))
	}
	if t.redactFailed != "" {
		attrs = append(attrs, "redact_failed", t.redactFailed)
	}
	t.g.log.Info("smtp message", attrs...)
}

func groupKey(g group) string {
	if g.external {
		return "external"
	}
	return "internal"
}
