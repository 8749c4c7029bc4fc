package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
)

// partCtx says where a part is.
type partCtx struct {
	path  string // Part of findings in this part; "" at the top level
	name  string // file name: for detection, and as prefix of a top-level archive's members
	ctype string // media type from a mail header; "" when unknown
	depth int    // containers around this part
	top   bool
}

// member returns the context of a member of the container p, labelled
// label. A top-level archive's members are prefixed with its name; a
// top-level mail's parts are not (ownName false).
func (p partCtx) member(label, name string, ownName bool) partCtx {
	prefix := p.path
	if p.top && ownName {
		prefix = cleanName(p.name)
	}
	return partCtx{path: join(prefix, label), name: name, depth: p.depth + 1}
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}

// cleanName makes a name from content safe as a step of a part path: no
// "/" (the step separator), no control characters, at most 128 bytes.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/':
			return '_'
		case unicode.IsControl(r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	if len(s) > 128 {
		s = s[:128]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// contentError is malformed content; its text is a fixed, content-free
// reason.
type contentError struct{ reason string }

func (e *contentError) Error() string { return e.reason }

func malformed(reason string) error { return &contentError{reason} }

// part scans one part of any format.
func (st *run) part(p partCtx, r io.Reader) {
	if st.stopped() {
		return
	}
	st.parts++
	if st.parts > st.s.lim.MaxParts {
		st.unscannable(p.path, fmt.Sprintf("more than %d parts", st.s.lim.MaxParts))
		return
	}
	if p.depth > st.s.lim.MaxDepth {
		st.unscannable(p.path, tooDeep(st.s.lim.MaxDepth))
		return
	}
	g := st.guard(r, p.path, nil)
	g.total = p.top
	br := bufio.NewReaderSize(g, sniffSize)
	head, _ := br.Peek(sniffSize)
	f := detect(head, p.name, p.ctype)
	hits := st.hits
	err := st.format(p, f, br, head)
	if st.hits == hits {
		st.report(p.path, err)
	}
}

// report turns the error of a part's parser into an Unscannable, unless a
// guard has reported it already.
func (st *run) report(path string, err error) {
	if err == nil || st.stopped() {
		return
	}
	var le *limitError
	var ce *contentError
	switch {
	case errors.As(err, &le):
	case errors.As(err, &ce):
		st.unscannable(path, ce.reason)
	default:
		st.unscannable(path, "unreadable content")
	}
}

// format scans a part of format f.
func (st *run) format(p partCtx, f Format, br *bufio.Reader, head []byte) error {
	if ps, ok := st.s.parts[f]; ok {
		st.rep.Parts++
		return st.external(p, f, ps, br)
	}
	switch f {
	case FormatMedia:
		// A media magic number is four bytes anyone can put in front of
		// text, and real images carry text too (EXIF, XMP, ID3, comments):
		// the printable runs are scanned like those of unknown binaries.
		st.rep.Parts++
		return st.scanBinary(p, br)
	case FormatDICOM:
		return malformed("DICOM not supported")
	}
	st.rep.Parts++
	switch f {
	case FormatCSV:
		return st.scanCSV(p, decodeText(br, head), ',')
	case FormatTSV:
		return st.scanCSV(p, decodeText(br, head), '\t')
	case FormatJSON:
		return st.scanJSON(p, decodeText(br, head))
	case FormatFHIR:
		return st.scanFHIR(p, br)
	case FormatHL7:
		return st.scanHL7(p, br)
	case FormatMIME:
		return st.scanMail(p, br)
	case FormatHTML:
		return st.scanHTML(p, decodeText(br, head))
	case FormatXML:
		return st.scanXML(p, br, genericXML, p.path)
	case FormatZIP:
		return st.scanZIP(p, br)
	case FormatGzip:
		return st.scanGzip(p, br)
	case FormatTar:
		return st.scanTar(p, br)
	case FormatPDF:
		return st.scanPDF(p, br)
	case FormatBinary:
		if bytes.HasPrefix(head, []byte(ole2Magic)) {
			return st.scanOLE2(p, br)
		}
		return st.scanBinary(p, br)
	}
	return st.scanText(p.path, "", decodeText(br, head))
}

// scanText scans r as plain text.
func (st *run) scanText(part, field string, r io.Reader) error {
	sink := st.newTextSink(part, field)
	_, err := io.Copy(sink, r)
	sink.Close()
	return err
}

// scanFHIR scans FHIR JSON by element meaning, in memory; a document
// larger than Limits.MaxStructured or one dlp/fhir rejects is scanned as
// plain JSON instead.
func (st *run) scanFHIR(p partCtx, br *bufio.Reader) error {
	data, err := readLimited(br, st.s.lim.MaxStructured)
	var ce *contentError
	if errors.As(err, &ce) {
		return st.scanJSON(p, io.MultiReader(bytes.NewReader(data), br))
	}
	if err != nil {
		return err
	}
	fs, err := fhir.Scan(data, st.s.eng)
	if err != nil {
		if errors.Is(err, fhir.ErrLimit) {
			st.unscannable(p.path, "FHIR document nested too deeply")
		}
		return st.scanJSON(p, bytes.NewReader(data))
	}
	for _, f := range fs {
		st.rep.Findings = append(st.rep.Findings, locate(f.Finding, p.path, f.Path))
	}
	return nil
}

// scanHL7 scans HL7 v2 by field meaning, in memory; a message larger than
// Limits.MaxStructured or one dlp/hl7 cannot parse is scanned as text.
func (st *run) scanHL7(p partCtx, br *bufio.Reader) error {
	limit := min(st.s.lim.MaxStructured, int64(hl7.DefaultLimits.MaxSize))
	data, err := readLimited(br, limit)
	var ce *contentError
	if errors.As(err, &ce) {
		return st.scanText(p.path, "", io.MultiReader(bytes.NewReader(data), br))
	}
	if err != nil {
		return err
	}
	fs, err := hl7.Scan(data, st.s.eng)
	if err != nil {
		return st.scanText(p.path, "", bytes.NewReader(data))
	}
	for _, f := range fs {
		st.rep.Findings = append(st.rep.Findings, locate(f.Finding, p.path, f.Path))
	}
	return nil
}

// external scans a part with an outside parser.
func (st *run) external(p partCtx, f Format, ps PartScanner, r io.Reader) error {
	found, unscannable, err := ps(st.ctx, r)
	for _, l := range found {
		l.Part = join(p.path, l.Part)
		st.rep.Findings = append(st.rep.Findings, l)
	}
	for _, u := range unscannable {
		st.unscannable(join(p.path, u.Part), u.Reason)
	}
	if err != nil && !st.stopped() {
		return malformed(fmt.Sprintf("%s part unreadable", f))
	}
	return nil
}
