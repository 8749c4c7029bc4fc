package extract

import (
	"bytes"
	"html"
	"io"
)

// htmlText converts HTML written to it into text written to out: tags are
// removed (block elements end a line, cells a field), script and style
// contents and comments dropped, character references decoded. It works
// byte by byte, so a tag or reference cut between writes is handled.
type htmlText struct {
	out     io.Writer
	state   int
	name    []byte // tag name so far, lower case
	closing bool
	quote   byte   // open attribute quote
	skip    string // "script" or "style" while inside one
	ref     []byte // character reference so far
	dashes  int    // comments: "-" seen in a row
	buf     []byte
}

const (
	htmlData = iota
	htmlTagName
	htmlTagRest
	htmlComment
	htmlRef
)

// blockTags end a line of text.
var blockTags = map[string]string{
	"p": "\n", "br": "\n", "div": "\n", "tr": "\n", "li": "\n", "h1": "\n", "h2": "\n", "h3": "\n",
	"h4": "\n", "h5": "\n", "h6": "\n", "table": "\n", "hr": "\n", "title": "\n", "pre": "\n",
	"blockquote": "\n", "dt": "\n", "dd": "\n", "td": "\t", "th": "\t",
}

func (h *htmlText) Write(p []byte) (int, error) {
	h.buf = h.buf[:0]
	for _, c := range p {
		h.step(c)
	}
	if len(h.buf) > 0 {
		if _, err := h.out.Write(h.buf); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (h *htmlText) emit(b ...byte) {
	if h.skip == "" {
		h.buf = append(h.buf, b...)
	}
}

func (h *htmlText) step(c byte) {
	switch h.state {
	case htmlData:
		h.data(c)
	case htmlTagName:
		h.tagName(c)
	case htmlTagRest:
		switch {
		case h.quote != 0:
			if c == h.quote {
				h.quote = 0
			}
		case c == '"' || c == '\'':
			h.quote = c
		case c == '>':
			h.endTag()
		}
	case htmlComment:
		switch {
		case c == '>' && h.dashes >= 2:
			h.state = htmlData
		case c == '-':
			h.dashes++
		default:
			h.dashes = 0
		}
	case htmlRef:
		h.reference(c)
	}
}

func (h *htmlText) data(c byte) {
	switch c {
	case '<':
		h.state, h.name, h.closing, h.quote = htmlTagName, h.name[:0], false, 0
	case '&':
		if h.skip == "" {
			h.state, h.ref = htmlRef, append(h.ref[:0], c)
		}
	default:
		h.emit(c)
	}
}

func (h *htmlText) tagName(c byte) {
	if len(h.name) == 0 && !h.closing && !isTagStart(c) && c != '/' && c != '!' {
		h.state = htmlData // a lone "<" in text
		h.emit('<')
		h.data(c)
		return
	}
	switch {
	case c == '/' && len(h.name) == 0:
		h.closing = true
	case c == '!' && len(h.name) == 0:
		h.name = append(h.name, c)
	case bytes.Equal(h.name, []byte("!-")) && c == '-':
		h.state, h.dashes = htmlComment, 0
	case c == '>':
		h.endTag()
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/':
		h.state = htmlTagRest
	case len(h.name) < 16:
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h.name = append(h.name, c)
	}
}

func isTagStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (h *htmlText) endTag() {
	h.state = htmlData
	name := string(h.name)
	if h.skip != "" {
		if h.closing && name == h.skip {
			h.skip = ""
		}
		return
	}
	if !h.closing && (name == "script" || name == "style") {
		h.skip = name
		return
	}
	if sep, ok := blockTags[name]; ok {
		h.emit([]byte(sep)...)
	}
}

func (h *htmlText) reference(c byte) {
	if c == ';' || len(h.ref) >= 32 || !(isTagStart(c) || c >= '0' && c <= '9' || c == '#') {
		if c == ';' {
			h.ref = append(h.ref, c)
		}
		h.emit(unescape(h.ref)...)
		h.state = htmlData
		if c != ';' {
			h.step(c)
		}
		return
	}
	h.ref = append(h.ref, c)
}

// unescape decodes a character reference; a no-break space becomes a
// space, which the engine reads as a word break.
func unescape(ref []byte) []byte {
	s := html.UnescapeString(string(ref))
	if s == "\u00a0" {
		s = " "
	}
	return []byte(s)
}

// Close writes a reference left open at the end.
func (h *htmlText) Close() error {
	if h.state == htmlRef {
		h.buf = append(h.buf[:0], unescape(h.ref)...)
		_, err := h.out.Write(h.buf)
		return err
	}
	return nil
}

// scanHTML scans the text of an HTML part.
func (st *run) scanHTML(p partCtx, r io.Reader) error {
	sink := st.newTextSink(p.path, "")
	h := &htmlText{out: sink}
	_, err := io.Copy(h, r)
	h.Close()
	sink.Close()
	return err
}
