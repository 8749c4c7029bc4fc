package dicom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp"
)

// Detectors of DICOM findings.
const (
	DetectorTag      = "dicom-tag"       // PHI by attribute meaning
	DetectorPrivate  = "dicom-private"   // engine finding in a private attribute
	DetectorBurnedIn = "dicom-burned-in" // Burned In Annotation is YES
	tagConf          = 0.99
)

// Reasons for Unscannable records: fixed, safe text.
const (
	ReasonBurnedIn = "pixel data carries burned-in text; not scanned"
	reasonTooLarge = "value larger than the scan limit; not scanned"
)

// ctxEvery is how many tokens pass between checks of the context.
const ctxEvery = 1024

// Scan reads a Part 10 file from r and reports its PHI by attribute
// meaning: patient names, IDs, birth date, ages over 89, addresses and
// telephone numbers; institution, physician and operator names; accession
// and order numbers; dates (every DA and DT attribute) and the study,
// series, acquisition and content times; device serial numbers. Free-text
// attributes (descriptions, comments, SR TextValue) and text in private
// attributes go through eng; a nil eng skips them. UIDs are not reported:
// they identify objects, not persons, and Deidentify replaces them.
//
// Offsets are byte offsets of values in the file (for deflated data sets,
// in the inflated stream). On malformed input Scan returns what it found
// before the fault, an Unscannable record and the error.
func Scan(ctx context.Context, r io.Reader, eng *dlp.Engine, lim Limits) ([]dlp.Located, []dlp.Unscannable, error) {
	f, err := Open(r, lim)
	if err != nil {
		return nil, []dlp.Unscannable{{Reason: "not a readable DICOM file: " + err.Error()}}, err
	}
	s := &scanner{eng: eng, dec: f.Decoder, creators: []map[Tag]bool{{}}}
	err = s.run(ctx)
	if err != nil {
		s.bad = append(s.bad, dlp.Unscannable{Reason: "malformed DICOM: " + err.Error()})
	}
	return s.out, s.bad, err
}

type scanner struct {
	eng      *dlp.Engine
	dec      *Decoder
	out      []dlp.Located
	bad      []dlp.Unscannable
	creators []map[Tag]bool // private creator blocks seen, per open item
	burned   bool
}

func (s *scanner) run(ctx context.Context) error {
	for n := 0; ; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
		}
		t, err := s.dec.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.token(t)
	}
}

func (s *scanner) token(t Token) {
	switch t.Kind {
	case KindItemStart:
		s.creators = append(s.creators, map[Tag]bool{})
	case KindItemEnd:
		if len(s.creators) > 1 {
			s.creators = s.creators[:len(s.creators)-1]
		}
	case KindElement:
		s.element(t)
	}
}

func (s *scanner) field(t Tag) string {
	name := Name(t)
	if name == "" {
		name = "Unknown"
	}
	return s.dec.Path() + t.String() + " " + name
}

func (s *scanner) element(t Token) {
	if t.Tag == TagBurnedIn {
		s.burnedIn(t)
		return
	}
	if t.Tag.PrivateCreator() {
		s.creators[len(s.creators)-1][t.Tag] = true
		return
	}
	if t.Tag.Private() {
		s.private(t)
		return
	}
	t.VR = meaningVR(t.Tag, t.VR)
	r, ok := ruleFor(t.Tag, t.VR)
	if !ok || r.kind == kUID {
		return
	}
	if t.Value == nil && t.Len > 0 {
		s.bad = append(s.bad, dlp.Unscannable{Part: s.field(t.Tag), Reason: reasonTooLarge})
		return
	}
	switch r.kind {
	case kText:
		s.text(t, DetectorTag, s.field(t.Tag))
	case kAge:
		s.age(t)
	default:
		s.values(t, r.typ)
	}
}

// values reports each non-empty value of a multi-valued attribute.
func (s *scanner) values(t Token, typ dlp.Type) {
	field := s.field(t.Tag)
	for _, sp := range valueSpans(t.Value, t.VR) {
		s.add(t, sp, typ, DetectorTag, field)
	}
}

func (s *scanner) add(t Token, sp span, typ dlp.Type, det, field string) {
	s.out = append(s.out, dlp.Located{Finding: dlp.Finding{Type: typ, Start: int(t.Offset) + sp.start,
		End: int(t.Offset) + sp.end, Confidence: tagConf, Detector: det}, Field: field})
}

// age reports an age string (nnnY) above 89 years.
func (s *scanner) age(t Token) {
	for _, sp := range valueSpans(t.Value, t.VR) {
		a := t.Value[sp.start:sp.end]
		if len(a) < 2 || (a[len(a)-1] != 'Y' && a[len(a)-1] != 'y') {
			continue
		}
		if n, err := strconv.Atoi(string(a[:len(a)-1])); err == nil && n > 89 {
			s.add(t, sp, dlp.Age, DetectorTag, s.field(t.Tag))
		}
	}
}

// text runs the engine over a free-text value.
func (s *scanner) text(t Token, det, field string) {
	if s.eng == nil || len(t.Value) == 0 {
		return
	}
	for _, f := range s.eng.Scan(t.Value) {
		f.Start += int(t.Offset)
		f.End += int(t.Offset)
		if det != DetectorTag {
			f.Detector = det + "+" + f.Detector
		}
		s.out = append(s.out, dlp.Located{Finding: f, Field: field})
	}
}

// private scans a private attribute's value when it reads as text.
func (s *scanner) private(t Token) {
	if t.Value == nil || !(textVR(t.VR) || t.VR == "UN") || !looksText(t.Value) {
		return
	}
	field := s.dec.Path() + t.Tag.String() + " private tag may contain PHI"
	if !s.hasCreator(t.Tag) {
		field += " (no private creator)"
	}
	s.text(t, DetectorPrivate, field)
}

// hasCreator reports whether t's block (gggg,00xx) was reserved in the
// current item.
func (s *scanner) hasCreator(t Tag) bool {
	block := NewTag(t.Group(), t.Element()>>8)
	return s.creators[len(s.creators)-1][block]
}

func (s *scanner) burnedIn(t Token) {
	if s.burned || trimValue(t.Value) != "YES" {
		return
	}
	s.burned = true
	s.add(t, span{0, len(trimValue(t.Value))}, dlp.Biometric, DetectorBurnedIn, s.field(t.Tag))
	s.bad = append(s.bad, dlp.Unscannable{Part: "(7FE0,0010) PixelData", Reason: ReasonBurnedIn})
}

// span is a value's place inside an element value.
type span struct{ start, end int }

// valueSpans splits a text value at backslashes (the value multiplicity
// separator; not for the single-valued text VRs LT, ST, UT, UR) and trims
// padding and spaces. Empty values are left out.
func valueSpans(v []byte, vr VR) []span {
	var out []span
	single := vr == "LT" || vr == "ST" || vr == "UT" || vr == "UR"
	for i := 0; i <= len(v); {
		j := len(v)
		if !single {
			if k := bytes.IndexByte(v[i:], '\\'); k >= 0 {
				j = i + k
			}
		}
		a, b := i, j
		for a < b && (v[a] == ' ' || v[a] == 0) {
			a++
		}
		for b > a && (v[b-1] == ' ' || v[b-1] == 0) {
			b--
		}
		if b > a {
			out = append(out, span{a, b})
		}
		i = j + 1
	}
	return out
}

// looksText reports whether v is mostly printable text.
func looksText(v []byte) bool {
	if len(v) == 0 || !utf8.Valid(bytes.TrimRight(v, "\x00")) {
		return false
	}
	printable := 0
	for _, c := range v {
		if c >= 0x20 && c != 0x7F || c == '\n' || c == '\r' || c == '\t' || c == 0 {
			printable++
		}
	}
	return printable*10 >= len(v)*9
}
