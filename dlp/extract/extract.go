// Package extract turns content of any supported format into text and
// fields for the PHI engine of package dlp: plain text in any common
// charset, CSV and TSV, JSON, FHIR R4 JSON and HL7 v2 (through dlp/fhir and
// dlp/hl7), MIME mail, Office Open XML documents (DOCX, XLSX, PPTX), PDF,
// ZIP, tar and gzip archives. Containers are opened recursively and every
// part is scanned by its own type; DICOM and other formats can be plugged
// in through Options.Parts.
//
// # Part names
//
// A finding's Part names where it is, outermost first, joined by "/":
//
//	attachment[2]:report.docx/word/document.xml   a mail attachment's document body
//	body[1]:html                                  a mail's first leaf, an HTML body
//	attachment[3]:fwd.eml/body[1]:plain           the body of a forwarded mail
//	export.zip/notes.txt                          an archive member (top-level name first)
//
// Mail leaves are numbered from 1 in depth-first order; leaves with a file
// name are "attachment[N]:name", others "body[N]:subtype" of their media
// type. Archive and
// document parts carry the top-level name the caller passed in; a mail's
// own headers and bodies do not (Part is empty for the top-level content).
// Names from the content have "/" and control characters replaced.
//
// # Offsets
//
// Offsets (Start, End) are byte offsets into the decoded text of the part,
// and Field gives the structured path where there is one:
//
//   - plain text, mail bodies: bytes of the body decoded to UTF-8 (transfer
//     encoding and charset undone; UTF-16 and Latin-1 converted).
//   - HTML: bytes of the text after tags are removed and entities decoded.
//   - mail headers: bytes of the decoded header value (RFC 2047 words
//     decoded); Field is the header name ("Subject", "From").
//   - CSV/TSV: bytes of one cell's value; Field is "row N, column NAME",
//     rows counted from 1 with the header as row 1, NAME from the header.
//   - JSON: bytes of one decoded string (or number) value; Field is its
//     path ("patients[0].name.family").
//   - FHIR and HL7 v2: bytes of the raw message, as dlp/fhir and dlp/hl7
//     report them; Field is the element path or HL7 field ("PID-5.1").
//   - Office documents: bytes of the text extracted from one XML member
//     (paragraphs and rows end with a line break, cells with a tab); the
//     member is the last step of Part. Metadata (docProps/core.xml) is
//     reported per field ("dc:creator").
//   - PDF: bytes of the text extracted from all content streams, in file
//     order, one line per text line; Info dictionary strings per field
//     ("Info.Author").
//
// # Limits
//
// Text, CSV, JSON, HTML and XML are scanned as streams in bounded chunks
// (Limits.ChunkSize, with Limits.Overlap bytes scanned twice so that
// identifiers across a chunk boundary are found once). ZIP and Office
// files need random access and are spooled: in memory up to
// Limits.SpoolMemory, then in a temporary file removed when the part is
// done. HL7, FHIR and PDF are parsed in memory up to Limits.MaxStructured.
// Decoded bytes per part and per scan, the decompression ratio, archive
// members, parts and nesting depth are bounded; where a limit is reached,
// reading stops and an Unscannable with a fixed, content-free reason is
// reported. Malformed input never panics: it yields an Unscannable for the
// broken part, and everything read before the damage is still scanned.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/airtight/airtight/dlp"
)

// PartScanner scans one part of a format this package does not parse
// itself (DICOM). Located parts and Unscannable parts it returns are
// relative to the part: the caller prefixes the part's name.
type PartScanner func(ctx context.Context, r io.Reader) ([]dlp.Located, []dlp.Unscannable, error)

// Options configure a Scanner.
type Options struct {
	// Engine scans free text; nil means dlp.New with default options.
	Engine *dlp.Engine
	// Limits bound the work of one scan; zero fields take DefaultLimits.
	Limits Limits
	// Parts scan formats by an outside parser, keyed by format; an entry
	// replaces this package's own handling of that format. FormatDICOM has
	// no built-in handling: without an entry, DICOM parts are reported as
	// Unscannable.
	Parts map[Format]PartScanner
	// TempDir holds spooled archives larger than Limits.SpoolMemory; ""
	// means os.TempDir().
	TempDir string
	// Logger receives debug records about unscannable parts (reasons and
	// formats only, never names or content); nil discards them.
	Logger *slog.Logger
}

// Limits bound the work one scan may cause.
type Limits struct {
	MaxPartSize   int64 // decoded bytes of one part
	MaxTotalSize  int64 // decoded bytes of all parts of one scan together
	MaxRatio      int64 // decompressed bytes per compressed byte (checked past RatioGrace)
	RatioGrace    int64 // decompressed bytes always allowed before the ratio is checked
	MaxDepth      int   // nesting of containers: multiparts, mails, archives, documents
	MaxParts      int   // parts of one scan, containers included
	MaxMembers    int   // members of one archive
	MaxStructured int64 // HL7, FHIR and PDF parts, parsed in memory
	SpoolMemory   int64 // archives up to this size are spooled in memory, larger ones to a file
	ChunkSize     int   // text scanned per engine call
	Overlap       int   // bytes at the end of a chunk scanned again with the next
}

// DefaultLimits are used for zero fields of Limits.
var DefaultLimits = Limits{
	MaxPartSize:   256 << 20,
	MaxTotalSize:  1 << 30,
	MaxRatio:      100,
	RatioGrace:    1 << 20,
	MaxDepth:      8,
	MaxParts:      10_000,
	MaxMembers:    5_000,
	MaxStructured: 64 << 20,
	SpoolMemory:   8 << 20,
	ChunkSize:     1 << 20,
	Overlap:       256,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick64(&l.MaxPartSize, d.MaxPartSize)
	pick64(&l.MaxTotalSize, d.MaxTotalSize)
	pick64(&l.MaxRatio, d.MaxRatio)
	pick64(&l.RatioGrace, d.RatioGrace)
	pick(&l.MaxDepth, d.MaxDepth)
	pick(&l.MaxParts, d.MaxParts)
	pick(&l.MaxMembers, d.MaxMembers)
	pick64(&l.MaxStructured, d.MaxStructured)
	pick64(&l.SpoolMemory, d.SpoolMemory)
	pick(&l.ChunkSize, d.ChunkSize)
	pick(&l.Overlap, d.Overlap)
	return l
}

// ErrInvalidOptions is returned by New for options it cannot use.
var ErrInvalidOptions = errors.New("extract: invalid options")

// Scanner scans content of every supported format. It is immutable after
// New and safe for concurrent use.
type Scanner struct {
	eng   *dlp.Engine
	lim   Limits
	parts map[Format]PartScanner
	temp  string
	log   *slog.Logger
}

var _ dlp.ContentScanner = (*Scanner)(nil)

// New returns a Scanner for opts.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{eng: opts.Engine, lim: opts.Limits.withDefaults(), temp: opts.TempDir, log: opts.Logger}
	if s.lim.ChunkSize < 4*s.lim.Overlap {
		return nil, fmt.Errorf("chunk size %d below 4 × overlap %d: %w", s.lim.ChunkSize, s.lim.Overlap, ErrInvalidOptions)
	}
	if s.eng == nil {
		eng, err := dlp.New(dlp.Options{})
		if err != nil {
			return nil, fmt.Errorf("default engine: %w", err)
		}
		s.eng = eng
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.parts = make(map[Format]PartScanner, len(opts.Parts))
	for f, p := range opts.Parts {
		if p == nil {
			return nil, fmt.Errorf("nil part scanner for %s: %w", f, ErrInvalidOptions)
		}
		s.parts[f] = p
	}
	return s, nil
}

// ScanContent scans the content r, named name (a file name, or "" when
// unknown; it helps to detect the format and starts archive part names).
// Broken, encrypted, oversized or too deeply nested parts are reported in
// Report.Unscannable. The error is non-nil only when r fails or ctx ends;
// the report then holds what was found so far.
func (s *Scanner) ScanContent(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
	src := &sourceReader{r: r}
	st := &run{s: s, ctx: ctx, src: src, rep: &dlp.Report{Findings: []dlp.Located{}}}
	st.part(partCtx{name: name, top: true}, src)
	st.rep.Bytes = src.n
	switch {
	case src.err != nil:
		return st.rep, fmt.Errorf("extract: read content: %w", src.err)
	case ctx.Err() != nil:
		st.unscannable("", "scan stopped before the end: time limit")
		return st.rep, fmt.Errorf("extract: %w", ctx.Err())
	}
	return st.rep, nil
}

// sourceReader counts the caller's bytes and keeps the caller's read
// error apart from errors in the content.
type sourceReader struct {
	r   io.Reader
	n   int64
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// run is the state of one ScanContent call.
type run struct {
	s     *Scanner
	ctx   context.Context
	src   *sourceReader
	rep   *dlp.Report
	total int64 // decoded bytes of all parts
	parts int   // parts entered
	hits  int   // limits reached by guards
	bomb  bool  // a decompression bomb was found: open no more archive members
}

// stopped reports whether the scan must end: the context is done or the
// caller's reader failed.
func (st *run) stopped() bool {
	return st.ctx.Err() != nil || st.src.err != nil
}

// unscannable records that part could not be (fully) scanned.
func (st *run) unscannable(part, reason string) {
	for _, u := range st.rep.Unscannable {
		if u.Part == part && u.Reason == reason {
			return
		}
	}
	st.rep.Unscannable = append(st.rep.Unscannable, dlp.Unscannable{Part: part, Reason: reason})
	st.s.log.Debug("dlp content not scannable", "reason", reason)
}

func locate(f dlp.Finding, part, field string) dlp.Located {
	return dlp.Located{Finding: f, Part: part, Field: field}
}
