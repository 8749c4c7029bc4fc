package smtpgw

import (
	"fmt"
	"strings"
	"time"
)

// notifications builds the mails of one secure record: the link mail to
// the recipient, and the access code either in a separate mail to the
// recipient or to the sender, who passes it on by another channel. No
// mail carries content or the original subject.
func (g *Gateway) notifications(rec SecureRecord, code string) []outgoing {
	link := strings.TrimRight(g.cfg.PublicURL, "/") + "/secure/" + rec.ID
	expires := rec.Expires.UTC().Format("2 January 2006 15:04 MST")
	linkBody := fmt.Sprintf("%s sent you a message through the secure message service of %s.\r\n\r\n"+
		"Open it here:\r\n\r\n    %s\r\n\r\n"+
		"You need an access code, which %s.\r\n"+
		"The link expires on %s.\r\n", clean(rec.Sender), g.cfg.Hostname, link, codeHint(g.cfg.CodeTo), expires)
	out := []outgoing{{from: g.cfg.NotifyFrom, to: rec.Recipient,
		msg: g.compose(rec.Recipient, "Secure message from "+clean(rec.Sender), linkBody)}}
	switch g.cfg.CodeTo {
	case CodeToSender:
		body := fmt.Sprintf("Your message to %s contained patient data and was delivered through the secure message service.\r\n\r\n"+
			"Give the recipient this access code by phone or in person (not by e-mail):\r\n\r\n    %s\r\n\r\n"+
			"The link expires on %s.\r\n", clean(rec.Recipient), code, expires)
		out = append(out, outgoing{from: g.cfg.NotifyFrom, to: rec.Sender,
			msg: g.compose(rec.Sender, "Access code for your secure message", body)})
	default:
		body := fmt.Sprintf("Your access code for the secure message from %s:\r\n\r\n    %s\r\n\r\n"+
			"The link came in a separate mail. The code expires on %s.\r\n", clean(rec.Sender), code, expires)
		out = append(out, outgoing{from: g.cfg.NotifyFrom, to: rec.Recipient,
			msg: g.compose(rec.Recipient, "Access code for a secure message", body)})
	}
	return out
}

func codeHint(c CodeDelivery) string {
	if c == CodeToSender {
		return "the sender will give you by phone or in person"
	}
	return "comes in a separate mail"
}

// compose builds a plain-text RFC 5322 message.
func (g *Gateway) compose(to, subject, body string) []byte {
	now := g.cfg.Now().UTC()
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", clean(g.cfg.NotifyFrom))
	fmt.Fprintf(&b, "To: %s\r\n", clean(to))
	fmt.Fprintf(&b, "Subject: %s\r\n", clean(subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", newMessageID(), clean(g.cfg.Hostname))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n")
	b.WriteString("Auto-Submitted: auto-generated\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// clean removes characters that could break a header line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
