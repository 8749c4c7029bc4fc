package extract

import (
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/airtight/airtight/dlp"
)

// textSink scans text written to it in chunks of lim.ChunkSize bytes. The
// last lim.Overlap bytes of a chunk (at least) are scanned again at the
// start of the next one, so that an identifier cut by the chunk boundary
// is found whole, with the words before it for context; findings that
// start in the overlap are left to the next chunk, and a finding that
// overlaps one already reported is dropped. Offsets are absolute within
// the text written.
type textSink struct {
	st      *run
	part    string
	field   string
	buf     []byte
	base    int   // offset of buf[0] in the text
	emitted int   // end of the last finding reported
	n       int64 // bytes written
	stop    bool  // context ended: discard the rest
}

func (st *run) newTextSink(part, field string) *textSink {
	return &textSink{st: st, part: part, field: field, buf: make([]byte, 0, min(st.s.lim.ChunkSize, 64<<10))}
}

// Write buffers p and scans every full chunk.
func (t *textSink) Write(p []byte) (int, error) {
	n := len(p)
	chunk := t.st.s.lim.ChunkSize
	for len(p) > 0 && !t.stop {
		take := min(chunk-len(t.buf), len(p))
		t.buf = append(t.buf, p[:take]...)
		p = p[take:]
		t.n += int64(take)
		if len(t.buf) == chunk {
			t.flush(false)
		}
	}
	return n, nil
}

// WriteString is Write for strings.
func (t *textSink) WriteString(s string) (int, error) {
	return t.Write([]byte(s))
}

// Close scans what is left.
func (t *textSink) Close() error {
	if !t.stop && len(t.buf) > 0 {
		t.flush(true)
	}
	t.buf = nil
	return nil
}

// flush scans the buffered chunk. Unless final, the chunk ends after its
// last line break in its second half (or at its end), and what follows
// the cut, with Overlap bytes before it, starts the next chunk.
func (t *textSink) flush(final bool) {
	if t.st.ctx.Err() != nil {
		t.stop = true
		return
	}
	end := len(t.buf)
	keepFrom := end
	if !final {
		end = cutPoint(t.buf)
		keepFrom = end - t.st.s.lim.Overlap
	}
	for _, f := range t.st.s.eng.Scan(t.buf[:end]) {
		if f.Start >= keepFrom && !final {
			continue // found again, whole, in the next chunk
		}
		f.Start += t.base
		f.End += t.base
		if f.Start < t.emitted {
			continue
		}
		t.emitted = f.End
		t.st.rep.Findings = append(t.st.rep.Findings, dlp.Located{Finding: f, Part: t.part, Field: t.field})
	}
	if final {
		t.base += end
		t.buf = t.buf[:0]
		return
	}
	rest := copy(t.buf, t.buf[keepFrom:])
	t.buf = t.buf[:rest]
	t.base += keepFrom
}

// cutPoint is where a full chunk is cut: after the last line break in its
// second half, or else its end.
func cutPoint(b []byte) int {
	if i := bytes.LastIndexByte(b[len(b)/2:], '\n'); i >= 0 {
		return len(b)/2 + i + 1
	}
	return len(b)
}

// isUTF16 returns the UTF-16 encoding of head, from its byte order mark
// or its shape (ASCII text with every other byte zero); nil when head is
// not UTF-16.
func isUTF16(head []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	n := min(len(head), 512) &^ 1
	if n < 16 {
		return nil
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			zeroEven++
		}
		if head[i+1] == 0 {
			zeroOdd++
		}
	}
	switch half := n / 2; {
	case zeroOdd*10 >= half*9 && zeroEven*10 < half:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case zeroEven*10 >= half*9 && zeroOdd*10 < half:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return nil
}

// decodeText returns r as UTF-8, judged from head (its first bytes): a
// UTF-8 byte order mark is dropped, UTF-16 is converted, and text that is
// not valid UTF-8 is read as Windows-1252 (a superset of Latin-1 in its
// printable range).
func decodeText(r io.Reader, head []byte) io.Reader {
	if enc := isUTF16(head); enc != nil {
		return transform.NewReader(r, enc.NewDecoder())
	}
	if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = io.ReadFull(r, make([]byte, 3))
		return r
	}
	cut := max(0, len(head)-utf8.UTFMax)
	if utf8.Valid(head[:cut]) {
		return r
	}
	return transform.NewReader(r, charmap.Windows1252.NewDecoder())
}
