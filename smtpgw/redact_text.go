package smtpgw

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/emersion/go-message"
)

// redactText replaces the findings in body, decoded UTF-8 text. The part
// is scanned on its own, as text, so that offsets point into body; HTML
// is scanned as its text (see htmlText), whose offsets map back into the
// markup.
func (r *redaction) redactText(body []byte, html bool) ([]byte, error) {
	if !html {
		fs, err := r.findings(body)
		if err != nil {
			return nil, err
		}
		return deid.Text(body, fs, r.subs), nil
	}
	text, at := htmlText(body)
	fs, err := r.findings(text)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		fs[i].Start, fs[i].End = at[fs[i].Start].start, at[fs[i].End-1].end
	}
	return deid.Text(body, fs, r.subs), nil
}

// redactField redacts a header value; the label gives the engine the
// context a header has in a scanned mail ("Subject: ...").
func (r *redaction) redactField(label, v string) (string, error) {
	prefix := label + ": "
	fs, err := r.findings([]byte(prefix + v))
	if err != nil {
		return "", err
	}
	var in []dlp.Finding
	for _, f := range fs {
		f.Start, f.End = max(f.Start-len(prefix), 0), f.End-len(prefix)
		if f.End > f.Start {
			in = append(in, f)
		}
	}
	return string(deid.Text([]byte(v), in, r.subs)), nil
}

// findings scans text as a plain text file and returns its findings,
// counted in r.types. Content the scanner reads as a structured format
// (HL7, FHIR pasted into a mail) has offsets into fields, not into the
// text, and cannot be redacted here.
func (r *redaction) findings(text []byte) ([]dlp.Finding, error) {
	rep, err := r.scan.ScanContent(r.ctx, "part.txt", bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("scan text part: %w", err)
	}
	if rep == nil || len(rep.Unscannable) > 0 {
		return nil, cannot("text part could not be scanned")
	}
	out := make([]dlp.Finding, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		if f.Field != "" {
			return nil, cannot("structured content in a text part")
		}
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			return nil, cannot("finding outside its text part")
		}
		out = append(out, f.Finding)
		r.types[f.Type]++
	}
	return out, nil
}

// span is the range of the markup a byte of htmlText's text comes from.
type span struct{ start, end int }

// htmlText returns the text of an HTML document for scanning and, for
// each of its bytes, the range of the document it comes from. Tags,
// comments, script and style contents are dropped (block elements end a
// line), character references decoded and no-break spaces made spaces,
// so that names split by markup ("<b>John</b>&nbsp;Smith") read as the
// engine expects them.
func htmlText(in []byte) ([]byte, []span) {
	lower := asciiLower(in)
	text := make([]byte, 0, len(in))
	at := make([]span, 0, len(in))
	emit := func(b []byte, sp span) {
		for _, c := range b {
			text = append(text, c)
			at = append(at, sp)
		}
	}
	for i := 0; i < len(in); {
		end, out := markupEnd(lower, i)
		if end == i {
			end, out = i+1, in[i:i+1]
			if in[i] == '&' {
				end, out = charRef(in, i)
			}
		}
		emit(out, span{i, end})
		i = end
	}
	return text, at
}

// charRef decodes the character reference at in[i] ("&amp;", "&#111;");
// a lone '&' stands for itself.
func charRef(in []byte, i int) (int, []byte) {
	j := i + 1
	for j < len(in) && j-i < 32 && (isAlnum(in[j]) || in[j] == '#') {
		j++
	}
	if j >= len(in) || in[j] != ';' || j == i+1 {
		return i + 1, in[i : i+1]
	}
	ref := string(in[i : j+1])
	dec := html.UnescapeString(ref)
	if dec == ref {
		return i + 1, in[i : i+1]
	}
	if dec == "\u00a0" {
		dec = " "
	}
	return j + 1, []byte(dec)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// blockTags end a line of text.
var blockTags = map[string]bool{"p": true, "br": true, "div": true, "tr": true, "li": true, "td": true,
	"th": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true,
	"hr": true, "title": true, "pre": true, "blockquote": true, "ul": true, "ol": true}

// markupEnd returns the end of the markup starting at i in lower (an
// ASCII-lowered document) and the text it stands for, or i when no markup
// starts there.
func markupEnd(lower []byte, i int) (int, []byte) {
	rest := lower[i:]
	switch {
	case len(rest) < 2 || rest[0] != '<' || !isTagStart(rest[1]):
		return i, nil
	case bytes.HasPrefix(rest, []byte("<!--")):
		return closeAfter(lower, i+4, "-->"), nil
	}
	end := tagEnd(lower, i)
	name := tagName(rest[1:])
	switch {
	case name == "script" || name == "style":
		k := bytes.Index(lower[end:], []byte("</"+name))
		if k < 0 {
			return len(lower), nil
		}
		return tagEnd(lower, end+k), nil
	case blockTags[name]:
		return end, []byte("\n")
	}
	return end, nil
}

// tagName returns the element name after "<" or "</".
func tagName(s []byte) string {
	s = bytes.TrimPrefix(s, []byte("/"))
	n := 0
	for n < len(s) && isAlnum(s[n]) {
		n++
	}
	return string(s[:n])
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || (c >= 'a' && c <= 'z')
}

// tagEnd returns the index after the '>' that closes the tag at i,
// skipping quoted attribute values.
func tagEnd(s []byte, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return len(s)
}

// closeAfter returns the index after the first sep at or after i, or the
// end of s.
func closeAfter(s []byte, i int, sep string) int {
	if k := bytes.Index(s[i:], []byte(sep)); k >= 0 {
		return i + k + len(sep)
	}
	return len(s)
}

func asciiLower(in []byte) []byte {
	out := make([]byte, len(in))
	for i, c := range in {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// withNote puts the redacted header on top of root and, when attachments
// were removed, adds a note that lists them: appended to a multipart/mixed
// root, otherwise with the root in a new multipart/mixed.
func (r *redaction) withNote(top message.Header, root *node) *node {
	rest, _ := splitContent(top)
	switch {
	case root == nil:
		root = r.note()
	case len(r.removed) > 0 && root.mixed:
		root.parts = append(root.parts, r.note())
	case len(r.removed) > 0:
		_, content := splitContent(root.header)
		root.header = content
		mixed := message.Header{}
		mixed.SetContentType("multipart/mixed", nil)
		root = &node{header: mixed, multi: true, mixed: true, parts: []*node{root, r.note()}}
	}
	_, content := splitContent(root.header)
	for f := content.Fields(); f.Next(); {
		rest.Add(f.Key(), f.Value())
	}
	root.header = rest
	return root
}

// splitContent splits h into its MIME content fields (Content-*) and the
// others.
func splitContent(h message.Header) (rest, content message.Header) {
	rest = h.Copy()
	for f := rest.Fields(); f.Next(); {
		if strings.HasPrefix(strings.ToLower(f.Key()), "content-") {
			content.Add(f.Key(), f.Value())
			f.Del()
		}
	}
	return rest, content
}

// note is the text part that lists removed attachments by position, type
// and size: never by name, which may carry a patient's name.
func (r *redaction) note() *node {
	var b strings.Builder
	b.WriteString("The data loss prevention gateway removed attachments from this message.\r\n" +
		"They may contain patient data, and only plain text can be redacted reliably.\r\n\r\n")
	for i, p := range r.removed {
		if i == maxRedactNames {
			fmt.Fprintf(&b, "  - and %d more\r\n", len(r.removed)-i)
			break
		}
		fmt.Fprintf(&b, "  - part %d of the original message: %s, %s\r\n", p.index, safeMediaType(p.mediaType), humanSize(p.size))
	}
	b.WriteString("\r\nAsk the sender to use secure delivery for them.\r\n")
	h := message.Header{}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.Set("Content-Disposition", "inline")
	return &node{header: h, text: []byte(b.String())}
}

// safeMediaType returns a media type for the note: parsed types are
// lower-case tokens; anything long or odd is not shown.
func safeMediaType(t string) string {
	if t == "" || len(t) > 64 || strings.Count(t, "/") != 1 {
		return "unknown type"
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("/.+-_", c)) {
			return "unknown type"
		}
	}
	return t
}

func humanSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d MB", n>>20)
}

// writeNode writes n as a message.
func writeNode(w io.Writer, n *node) error {
	mw, err := message.CreateWriter(w, n.header)
	if err != nil {
		return err
	}
	if err := writeBody(mw, n); err != nil {
		return err
	}
	return mw.Close()
}

func writeBody(mw *message.Writer, n *node) error {
	if !n.multi {
		_, err := mw.Write(n.text)
		return err
	}
	for _, p := range n.parts {
		pw, err := mw.CreatePart(p.header)
		if err != nil {
			return err
		}
		if err := writeBody(pw, p); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return nil
}
