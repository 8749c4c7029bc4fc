package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
)

// addressHeaders are header fields that name the sender and recipients.
// The redacted message keeps them (it must still reach its recipients),
// so findings in them do not count as patient data left behind.
var addressHeaders = map[string]bool{"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"sender": true, "return-path": true, "delivered-to": true, "x-original-to": true, "resent-from": true,
	"resent-to": true, "resent-cc": true, "disposition-notification-to": true}

// redact rewrites the message when a recipient group's decision is
// redact and the message is not blocked or held as a whole anyway. A
// message that cannot be redacted safely, or that still shows patient
// data when scanned again after redaction, is blocked for those groups:
// it is never sent unredacted.
func (t *transaction) redact(ctx context.Context) error {
	if t.action != dlp.ActionRedact && !(t.action == dlp.ActionSecure && t.has(dlp.ActionRedact)) {
		return nil
	}
	t.mem.Hold() // a redaction abandoned at the deadline still holds msg
	out, err := bounded(ctx, t.g.cfg.ScanTimeout, func(ctx context.Context) (*redacted, error) {
		defer t.mem.Done()
		return t.rewrite(ctx)
	})
	if errors.Is(err, errPanicked) {
		err = cannot("internal error")
	}
	if reason, ok := isUnredactable(err); ok {
		t.g.log.Warn("message cannot be redacted, blocking it", "msg_id", t.id, "reason", reason)
		t.redactFailed = reason
		t.blockRedacted()
		return nil
	}
	if err != nil {
		t.g.log.Warn("redaction failed, deferring message", "msg_id", t.id, "error", err.Error())
		return tempFail("4.3.0", "Message could not be redacted now; try again later")
	}
	if !t.mem.Grow(int64(len(out.msg))) {
		t.g.log.Warn("message buffer budget exhausted, deferring redacted message", "msg_id", t.id, "buffered", t.g.mem.InUse())
		return errStorage
	}
	t.redacted, t.redactTypes = out.msg, out.types
	return nil
}

// redacted is a rewritten message and the findings replaced in it.
type redacted struct {
	msg   []byte
	types map[dlp.Type]int
}

// rewrite redacts the message and checks the result with a second scan.
func (t *transaction) rewrite(ctx context.Context) (*redacted, error) {
	msg, types, err := redactMessage(ctx, t.g.cfg.Scanner, t.g.subs, t.msg)
	if err != nil {
		return nil, err
	}
	rep, err := t.g.cfg.Scanner.ScanContent(ctx, "message.eml", bytes.NewReader(msg))
	if err != nil {
		return nil, fmt.Errorf("rescan redacted message: %w", err)
	}
	if err := leftover(rep); err != nil {
		return nil, err
	}
	return &redacted{msg, types}, nil
}

// leftover checks the scan of a redacted message: anything unscannable
// or any finding outside the address headers fails the redaction.
func leftover(rep *dlp.Report) error {
	if rep == nil || len(rep.Unscannable) > 0 {
		return cannot("redacted message could not be scanned")
	}
	for _, f := range rep.Findings {
		if !addressHeaders[strings.ToLower(f.Field)] {
			return cannot("patient data left after redaction")
		}
	}
	return nil
}

// has reports whether some group's decision is a.
func (t *transaction) has(a dlp.Action) bool {
	for _, g := range t.groups {
		if g.decision.Action == a {
			return true
		}
	}
	return false
}

// blockRedacted turns the redact decisions into blocks.
func (t *transaction) blockRedacted() {
	t.action = dlp.ActionAllow
	for i := range t.groups {
		if t.groups[i].decision.Action == dlp.ActionRedact {
			t.groups[i].decision.Action = dlp.ActionBlock
		}
		t.action = policy.Stronger(t.action, t.groups[i].decision.Action)
	}
}

// redactHeader is the verdict header of redacted mail: the rule, the
// types replaced and the attachments removed; no PHI.
func (t *transaction) redactHeader(d dlp.Decision) string {
	h := fmt.Sprintf("X-Airtight-DLP: redacted; rule=%s", d.Rule)
	if types := sortedTypes(t.redactTypes); len(types) > 0 {
		h += "; types=" + strings.Join(types, ",")
	}
	return h + "; id=" + t.id + "\r\n"
}
