package extract

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/hex"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// PDF bounds.
const (
	maxPDFStreams = 100_000 // streams looked at in one file
	maxPDFDepth   = 32      // nesting of arrays and dictionaries
	maxPDFString  = 1 << 20 // bytes of one string
)

// pdfInfoKeys are the document information entries scanned.
var pdfInfoKeys = []string{"Author", "Title", "Subject", "Keywords"}

// scanPDF scans the text of a PDF: the text operators of every content
// stream (found by scanning the file for streams, without the cross
// reference table), and the document information strings. Fonts without
// a simple encoding (CID fonts with ToUnicode maps) yield no useful text.
func (st *run) scanPDF(p partCtx, r io.Reader) error {
	data, err := readLimited(r, st.s.lim.MaxStructured)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\t\r\n "), []byte("%PDF-")) &&
		!bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return malformed("malformed PDF")
	}
	if pdfEncrypted(data) {
		return malformed("encrypted PDF")
	}
	b := st.newBatch()
	st.pdfInfo(b, p.path, data)
	sink := st.newTextSink(p.path, "")
	defer sink.Close()
	var broken int
	for off, n := 0, 0; n < maxPDFStreams && !st.stopped(); n++ {
		dict, body, next, ok := nextStream(data, off)
		if !ok {
			break
		}
		off = next
		if err := st.pdfStream(p, b, sink, dict, body); err != nil {
			if isLimit(err) {
				return err
			}
			broken++
		}
	}
	b.flush()
	if broken > 0 {
		return malformed("malformed PDF stream")
	}
	return nil
}

// pdfEncrypted reports whether a trailer (or cross-reference stream)
// names an encryption dictionary.
func pdfEncrypted(data []byte) bool {
	key := []byte("/Encrypt")
	for off := 0; ; {
		i := bytes.Index(data[off:], key)
		if i < 0 {
			return false
		}
		off += i + len(key)
		rest := bytes.TrimLeft(data[off:min(len(data), off+32)], " \t\r\n")
		if len(rest) > 0 && (rest[0] >= '0' && rest[0] <= '9' || rest[0] == '<') {
			return true
		}
	}
}

// nextStream finds the next stream from off: its dictionary, its raw
// bytes, and where to look for the next one.
func nextStream(data []byte, off int) (dict pdfDict, body []byte, next int, ok bool) {
	for {
		i := bytes.Index(data[off:], []byte("stream"))
		if i < 0 {
			return nil, nil, 0, false
		}
		kw := off + i
		off = kw + len("stream")
		if kw >= 3 && bytes.HasSuffix(data[:kw], []byte("end")) {
			continue // "endstream"
		}
		start, ok := streamStart(data, off)
		if !ok {
			continue
		}
		dictEnd := bytes.LastIndex(data[:kw], []byte(">>"))
		objAt := bytes.LastIndex(data[:kw], []byte("obj"))
		if dictEnd < 0 || objAt < 0 || objAt > dictEnd {
			continue
		}
		lx := &pdfLexer{data: data[objAt+3 : dictEnd+2]}
		d, _ := lx.value(0).(pdfDict)
		end := streamEnd(data, start, d)
		return d, data[start:end], end, true
	}
}

// streamStart is where a stream's data begins, after the end of line that
// follows the keyword.
func streamStart(data []byte, off int) (int, bool) {
	switch {
	case bytes.HasPrefix(data[off:], []byte("\r\n")):
		return off + 2, true
	case bytes.HasPrefix(data[off:], []byte("\n")), bytes.HasPrefix(data[off:], []byte("\r")):
		return off + 1, true
	}
	return 0, false
}

// streamEnd is where a stream's data ends: after /Length bytes where
// "endstream" follows them, else at the next "endstream".
func streamEnd(data []byte, start int, d pdfDict) int {
	if n, ok := d["Length"].(float64); ok && n >= 0 && start+int(n) <= len(data) && int(n) >= 0 {
		end := start + int(n)
		if bytes.HasPrefix(bytes.TrimLeft(data[end:], "\r\n \t"), []byte("endstream")) {
			return end
		}
	}
	if i := bytes.Index(data[start:], []byte("endstream")); i >= 0 {
		end := start + i
		for end > start && (data[end-1] == '\n' || data[end-1] == '\r') {
			end--
		}
		return end
	}
	return len(data)
}

// pdfStream decodes one stream and scans its text: content streams
// through the text operators, object streams for information strings.
func (st *run) pdfStream(p partCtx, b *fieldBatch, sink *textSink, d pdfDict, raw []byte) error {
	typ, _ := d["Type"].(pdfName)
	sub, _ := d["Subtype"].(pdfName)
	switch {
	case typ == "XRef", typ == "Metadata", sub == "Image", d["Length1"] != nil, d["Length2"] != nil,
		sub == "Type1C", sub == "CIDFontType0C", sub == "OpenType":
		return nil
	}
	data, err := st.pdfDecode(p, d["Filter"], raw)
	if err != nil || data == nil {
		return err
	}
	if typ == "ObjStm" {
		st.pdfInfo(b, p.path, data)
		return nil
	}
	text := pdfText(data)
	if len(text) > 0 {
		sink.Write(text)
		sink.Write([]byte("\n"))
	}
	return nil
}

// pdfDecode undoes a stream's filters; nil data (and no error) for
// filters this package does not decode (images).
func (st *run) pdfDecode(p partCtx, filter any, raw []byte) ([]byte, error) {
	var filters []pdfName
	switch f := filter.(type) {
	case pdfName:
		filters = []pdfName{f}
	case []any:
		for _, x := range f {
			if n, ok := x.(pdfName); ok {
				filters = append(filters, n)
			}
		}
	}
	data := raw
	for _, f := range filters {
		var err error
		switch f {
		case "FlateDecode", "Fl":
			data, err = st.inflate(p, data)
		case "ASCIIHexDecode", "AHx":
			data, err = asciiHex(data)
		case "ASCII85Decode", "A85":
			data, err = ascii85Decode(data)
		default:
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// inflate decompresses a Flate stream under the ratio, part and total
// limits. A stream cut short yields what was decoded before the damage.
func (st *run) inflate(p partCtx, raw []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, malformed("malformed PDF stream")
	}
	n := int64(len(raw))
	g := st.guard(zr, p.path, func() int64 { return n })
	out, err := io.ReadAll(g)
	if err != nil && (isLimit(err) || len(out) == 0) {
		if isLimit(err) {
			return nil, err
		}
		return nil, malformed("malformed PDF stream")
	}
	return out, nil
}

func asciiHex(data []byte) ([]byte, error) {
	if i := bytes.IndexByte(data, '>'); i >= 0 {
		data = data[:i]
	}
	clean := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '\f' || r == 0 {
			return -1
		}
		return r
	}, data)
	if len(clean)%2 == 1 {
		clean = append(clean, '0')
	}
	out := make([]byte, len(clean)/2)
	if _, err := hex.Decode(out, clean); err != nil {
		return nil, malformed("malformed PDF stream")
	}
	return out, nil
}

func ascii85Decode(data []byte) ([]byte, error) {
	if i := bytes.Index(data, []byte("~>")); i >= 0 {
		data = data[:i]
	}
	out, err := io.ReadAll(ascii85.NewDecoder(bytes.NewReader(data)))
	if err != nil && len(out) == 0 {
		return nil, malformed("malformed PDF stream")
	}
	return out, nil
}

// pdfInfo queues the document information strings found in data (the
// file, or a decoded object stream): "/Author (...)" and the like.
func (st *run) pdfInfo(b *fieldBatch, part string, data []byte) {
	for _, key := range pdfInfoKeys {
		k := []byte("/" + key)
		for off := 0; ; {
			i := bytes.Index(data[off:], k)
			if i < 0 {
				break
			}
			off += i + len(k)
			if off < len(data) && isPDFRegular(data[off]) {
				continue // "/Authors", another name
			}
			lx := &pdfLexer{data: data[off:min(len(data), off+maxPDFString)]}
			if s, ok := lx.value(0).(pdfString); ok {
				b.add(fieldSpan{part: part, field: "Info." + key}, key, pdfDecodeString(s))
			}
		}
	}
}

// pdfDecodeString turns a PDF text string into UTF-8: UTF-16BE with a
// byte order mark, else PDFDocEncoding read as Latin-1.
func pdfDecodeString(s pdfString) []byte {
	if len(s) >= 2 && s[0] == 0xFE && s[1] == 0xFF {
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return []byte(string(utf16.Decode(u)))
	}
	out := make([]byte, 0, len(s))
	for _, c := range s {
		switch {
		case c == '\n' || c == '\t':
			out = append(out, c)
		case c < 0x20:
		case c < 0x80:
			out = append(out, c)
		default:
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}
