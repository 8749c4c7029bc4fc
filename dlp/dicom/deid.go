package dicom

import (
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
)

// ErrBurnedIn is returned by Deidentify for a file whose Burned In
// Annotation is YES, unless DeidOptions.AllowBurnedIn is set: removing
// text from pixels is beyond attribute de-identification.
var ErrBurnedIn = errors.New("dicom: burned-in annotation: pixel data carries text; not de-identified")

// ErrOptions is returned for unusable options.
var ErrOptions = errors.New("dicom: invalid de-identification options")

// DeidOptions configure Deidentify.
type DeidOptions struct {
	// Surrogates holds the secret key: UIDs, pseudonyms and date shifts
	// are keyed hashes under it, consistent across files and runs that
	// share the key. Required.
	Surrogates *deid.Surrogates
	// PseudonymizePatient gives PatientName and PatientID keyed surrogates
	// (the same patient gets the same ones in every file) instead of empty
	// values.
	PseudonymizePatient bool
	// RetainLongitudinalDates shifts every date by the patient's keyed
	// offset instead of removing it, and keeps times of day: the Retain
	// Longitudinal Temporal Information with Modified Dates Option.
	RetainLongitudinalDates bool
	// RetainPatientCharacteristics keeps sex, age (above 89 as 090Y), size,
	// weight, ethnic group, smoking and pregnancy status.
	RetainPatientCharacteristics bool
	// RetainSafePrivate keeps private attributes whose values Engine finds
	// no PHI in (text) or that are short binary values; others are removed.
	// Without it every private attribute is removed, as the Basic Profile
	// requires.
	RetainSafePrivate bool
	Engine            *dlp.Engine
	// AllowBurnedIn de-identifies files with burned-in annotation too; the
	// pixel data is copied as it is.
	AllowBurnedIn bool
	Limits        Limits
}

// Summary counts what Deidentify did. It holds no values.
type Summary struct {
	TransferSyntax string
	Elements       int // tokens read
	Removed        int // attributes removed (X), private ones included
	PrivateRemoved int
	Emptied        int // set to zero length (Z)
	Dummies        int // set to dummy values (D)
	UIDs           int // UIDs replaced (U)
	DatesShifted   int // dates moved (longitudinal option)
	Pseudonyms     int // patient name and ID surrogates
	BurnedIn       bool
	Methods        []string // codes of DCM CID 7050 applied: 113100, 113107...
}

// deidentifier is the state of one Deidentify call.
type deidentifier struct {
	opts    DeidOptions
	s       *deid.Surrogates
	f       *File
	enc     *encoder
	sum     Summary
	buf     []Token // tokens read before the patient module was complete
	first   *Token  // first token after buf, read but not processed
	bufSize int64
	depth   int // open sequences (input side)
	skip    int // > 0: inside a removed sequence or pixel data
	patient struct{ id, name string }
	burned  bool
	inserts []insert
}

// insert is an attribute the profile adds at the top level.
type insert struct {
	tag   Tag
	write func(e *encoder)
}

// Deidentify reads a Part 10 file from r and writes it de-identified to w
// after the Basic Application Level Confidentiality Profile (PS3.15 E.1)
// and the options in opts, in the same transfer syntax. It sets
// PatientIdentityRemoved, DeidentificationMethod and its code sequence,
// gives the SOP instance (and every other instance UID) a keyed 2.25 UID,
// and recomputes the file meta group length. On error, w holds a partial
// file that must be discarded.
func Deidentify(r io.Reader, w io.Writer, opts DeidOptions) (Summary, error) {
	if opts.Surrogates == nil {
		return Summary{}, fmt.Errorf("no surrogates (key): %w", ErrOptions)
	}
	f, err := Open(r, opts.Limits)
	if err != nil {
		return Summary{}, err
	}
	d := &deidentifier{opts: opts, f: f}
	d.sum.TransferSyntax = f.TransferSyntax
	if err := d.bufferHead(); err != nil {
		return d.sum, err
	}
	d.sum.BurnedIn = d.burned
	if d.burned && !opts.AllowBurnedIn {
		return d.sum, ErrBurnedIn
	}
	key := d.patient.id
	if key == "" {
		key = d.patient.name
	}
	d.s = opts.Surrogates.ForPatient(key)
	return d.sum, d.write(w)
}

// bufferHead reads tokens until the top level passes BurnedInAnnotation
// (0028,0301): then the patient and the burned-in flag are known before
// anything is written.
func (d *deidentifier) bufferHead() error {
	for {
		t, err := d.f.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		d.sum.Elements++
		if d.depth == 0 && t.Tag > TagBurnedIn && t.Kind != KindSeqEnd && t.Kind != KindItemEnd {
			d.first = &t
			return nil
		}
		if err := d.load(&t); err != nil {
			return err
		}
		d.note(t)
		d.buf = append(d.buf, t)
	}
}

// load reads a large value into memory within Limits.MaxBuffer.
func (d *deidentifier) load(t *Token) error {
	if t.Value == nil && (t.Kind == KindElement || t.Kind == KindFragment) && t.Len > 0 {
		v, err := d.f.ReadValue(d.f.lim.MaxBuffer - d.bufSize)
		if err != nil {
			return err
		}
		t.Value = v
	}
	d.bufSize += int64(len(t.Value))
	return nil
}

// note tracks depth and records the patient and the burned-in flag.
func (d *deidentifier) note(t Token) {
	switch t.Kind {
	case KindSeqStart:
		d.depth++
	case KindSeqEnd:
		d.depth--
	case KindElement:
		if d.depth > 0 {
			return
		}
		switch t.Tag {
		case TagPatientID:
			d.patient.id = trimValue(t.Value)
		case TagPatientName:
			d.patient.name = trimValue(t.Value)
		case TagBurnedIn:
			d.burned = trimValue(t.Value) == "YES"
		}
	}
}

// write writes the new file: meta, buffered tokens, then the rest of the
// stream.
func (d *deidentifier) write(w io.Writer) error {
	if err := writeMeta(w, d.newMeta()); err != nil {
		return fmt.Errorf("write file meta: %w", err)
	}
	out, closeOut := w, func() error { return nil }
	if d.f.base.deflated {
		fw, _ := flate.NewWriter(w, flate.DefaultCompression)
		out, closeOut = fw, fw.Close
	}
	d.enc = newEncoder(out, d.f.base)
	d.inserts = d.newInserts()
	d.depth = 0
	if err := d.replay(); err != nil {
		return err
	}
	d.flushInserts(0xFFFFFFFF)
	if err := d.enc.flush(); err != nil {
		return err
	}
	return closeOut()
}

func (d *deidentifier) replay() error {
	for _, t := range d.buf {
		d.token(t, false)
	}
	if d.first == nil {
		return d.enc.err
	}
	d.token(*d.first, true)
	for d.enc.err == nil {
		t, err := d.f.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		d.sum.Elements++
		d.token(t, true)
	}
	return d.enc.err
}

// newMeta is the file meta of the output: version, SOP class, the new SOP
// instance UID, transfer syntax and this implementation. Source and
// destination AE titles and private meta information are left out.
func (d *deidentifier) newMeta() []Element {
	var out []Element
	for _, m := range d.f.Meta {
		switch m.Tag {
		case 0x00020001, TagMediaSOPClass, TagTransferSyntax:
			out = append(out, m)
		case TagMediaSOPInstance:
			out = append(out, Element{Tag: m.Tag, VR: "UI", Value: []byte(d.uids(m.Value))})
		}
	}
	return append(out,
		Element{Tag: TagImplClassUID, VR: "UI", Value: []byte(implementationUID)},
		Element{Tag: TagImplVersionName, VR: "SH", Value: []byte("AIRTIGHT_DEID")})
}

// token processes one token; live tokens may leave their value in the
// stream.
func (d *deidentifier) token(t Token, live bool) {
	if d.skip > 0 {
		d.skipped(t)
		return
	}
	switch t.Kind {
	case KindElement:
		if d.depth == 0 {
			d.flushInserts(t.Tag)
		}
		d.element(t, live)
	case KindSeqStart:
		d.seqStart(t)
	case KindItemStart:
		d.enc.itemStart()
	case KindItemEnd:
		d.enc.itemEnd()
	case KindSeqEnd:
		d.depth--
		d.enc.seqEnd()
	case KindFragStart:
		if d.depth == 0 {
			d.flushInserts(t.Tag)
		}
		d.enc.fragStart(t.Tag, t.VR)
	case KindFragment:
		d.enc.fragment(t.Len + t.Len%2)
		d.value(t, live)
	case KindFragEnd:
		d.enc.seqEnd()
	}
}

// skipped follows the nesting of a removed sequence until it closes.
func (d *deidentifier) skipped(t Token) {
	switch t.Kind {
	case KindSeqStart, KindFragStart:
		d.skip++
	case KindSeqEnd, KindFragEnd:
		d.skip--
	}
}

func (d *deidentifier) seqStart(t Token) {
	if d.depth == 0 {
		d.flushInserts(t.Tag)
	}
	d.depth++
	act := d.action(t.Tag, "SQ")
	if t.Tag.Private() && !d.opts.RetainSafePrivate || d.depth == 1 && recorded(t.Tag) {
		act = ActRemove
	}
	switch act {
	case ActRemove:
		d.count(t.Tag, ActRemove)
		d.depth--
		d.skip = 1
	case ActEmpty:
		d.sum.Emptied++
		d.enc.seqStart(t.Tag, t.VR)
		d.enc.seqEnd()
		d.depth--
		d.skip = 1
	default:
		d.enc.seqStart(t.Tag, t.VR)
	}
}

// recorded reports whether t is a top-level attribute the profile writes
// itself; the input's own copy is dropped.
func recorded(t Tag) bool {
	switch t {
	case TagIdentityRemoved, TagDeidMethod, TagDeidMethodCodeSeq, TagLongitudinal:
		return true
	}
	return false
}

// value writes a token's value, from memory or from the stream.
func (d *deidentifier) value(t Token, live bool) {
	if t.Value != nil || !live {
		d.enc.write(t.Value)
		if len(t.Value)%2 == 1 {
			d.enc.write([]byte{0})
		}
		return
	}
	d.enc.copyValue(d.f.Decoder, t.Len)
}

func (d *deidentifier) count(t Tag, a Action) {
	switch {
	case a == ActRemove && t.Private():
		d.sum.PrivateRemoved++
		d.sum.Removed++
	case a == ActRemove:
		d.sum.Removed++
	case a == ActEmpty:
		d.sum.Emptied++
	case a == ActDummy:
		d.sum.Dummies++
	}
}

// flushInserts writes the profile's attributes that sort before next.
func (d *deidentifier) flushInserts(next Tag) {
	for len(d.inserts) > 0 && d.inserts[0].tag < next {
		d.inserts[0].write(d.enc)
		d.inserts = d.inserts[1:]
	}
}

// newInserts are the attributes that record the de-identification.
func (d *deidentifier) newInserts() []insert {
	codes := []struct{ value, meaning string }{{"113100", "Basic Application Confidentiality Profile"}}
	method := "DICOM PS3.15 E.1 Basic Profile"
	long := "REMOVED"
	if d.opts.RetainLongitudinalDates {
		codes = append(codes, struct{ value, meaning string }{"113107", "Retain Longitudinal Temporal Information Modified Dates Option"})
		method += ", modified dates"
		long = "MODIFIED"
	}
	if d.opts.RetainPatientCharacteristics {
		codes = append(codes, struct{ value, meaning string }{"113108", "Retain Patient Characteristics Option"})
	}
	if d.opts.RetainSafePrivate {
		codes = append(codes, struct{ value, meaning string }{"113111", "Retain Safe Private Option"})
	}
	for _, c := range codes {
		d.sum.Methods = append(d.sum.Methods, c.value)
	}
	ins := []insert{
		{TagIdentityRemoved, func(e *encoder) { e.element(TagIdentityRemoved, "CS", []byte("YES")) }},
		{TagDeidMethod, func(e *encoder) { e.element(TagDeidMethod, "LO", []byte(method)) }},
		{TagDeidMethodCodeSeq, func(e *encoder) {
			e.seqStart(TagDeidMethodCodeSeq, "SQ")
			for _, c := range codes {
				e.itemStart()
				e.element(0x00080100, "SH", []byte(c.value))
				e.element(0x00080102, "SH", []byte("DCM"))
				e.element(0x00080104, "LO", []byte(c.meaning))
				e.itemEnd()
			}
			e.seqEnd()
		}},
		{TagLongitudinal, func(e *encoder) { e.element(TagLongitudinal, "CS", []byte(long)) }},
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].tag < ins[j].tag })
	return ins
}
