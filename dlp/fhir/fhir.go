// Package fhir finds protected health information in FHIR R4 JSON (a
// Bundle or a single resource) by element meaning: names, birth and death
// dates, addresses, telecom values and identifiers of patients, related
// persons and practitioners; encounter and observation dates; and narrative
// and note text through the free-text engine. It decodes token by token,
// so every finding has exact byte offsets into the original JSON (the
// string's raw bytes, between its quotes) and a path such as
// "Bundle.entry[3].resource(Patient).name[0].family".
package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/airtight/airtight/dlp"
)

// Errors, for errors.Is. Their messages carry offsets, never content.
var (
	ErrNotFHIR   = errors.New("fhir: not a FHIR JSON resource")
	ErrMalformed = errors.New("fhir: malformed JSON")
	ErrLimit     = errors.New("fhir: limit exceeded")
)

// Limits bound the work one document may cause; zero fields take defaults.
type Limits struct {
	MaxSize  int // bytes, 64 MiB
	MaxDepth int // nesting of objects and arrays, 64
}

// DefaultLimits are used for zero fields of Limits.
var DefaultLimits = Limits{MaxSize: 64 << 20, MaxDepth: 64}

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// Finding is PHI found in a document, with its element path.
type Finding struct {
	dlp.Finding
	Path string `json:"path"`
}

// DetectorElement is the detector of findings by element meaning.
const DetectorElement = "fhir-element"

const elementConf = 0.99

// Detect reports whether data looks like FHIR JSON: an object with a
// "resourceType" member near its start.
func Detect(data []byte) bool {
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	if i >= len(data) || data[i] != '{' {
		return false
	}
	return bytes.Contains(data[i:min(len(data), i+64<<10)], []byte(`"resourceType"`))
}

// Scan returns the PHI in data, sorted by Start, under the default limits.
// With a nil eng, free text is not scanned.
func Scan(data []byte, eng *dlp.Engine) ([]Finding, error) {
	return ScanLimits(data, eng, Limits{})
}

// ScanLimits is Scan under lim.
func ScanLimits(data []byte, eng *dlp.Engine, lim Limits) ([]Finding, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxSize {
		return nil, fmt.Errorf("document of %d bytes exceeds %d: %w", len(data), lim.MaxSize, ErrLimit)
	}
	w := &walker{data: data, eng: eng, lim: lim, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if err := w.run(); err != nil {
		return nil, err
	}
	sort.SliceStable(w.out, func(i, j int) bool { return w.out[i].Start < w.out[j].Start })
	return w.out, nil
}

// frame is an open object or array.
type frame struct {
	array   bool
	elem    string // element name: the member key it is under (arrays pass theirs to their items)
	step    string // path step: ".key", "[i]"
	index   int    // arrays: index of the next item
	key     string // objects: the current member's key
	haveKey bool
	rtype   string // objects: resourceType
	system  string // objects: the "system" member (identifier, telecom)
	code    string // identifier objects: type.coding.code
}

type walker struct {
	data  []byte
	eng   *dlp.Engine
	lim   Limits
	dec   *json.Decoder
	stack []*frame
	out   []Finding
}

func (w *walker) malformed() error {
	return fmt.Errorf("near byte %d: %w", w.dec.InputOffset(), ErrMalformed)
}

func (w *walker) run() error {
	for first := true; ; first = false {
		before := int(w.dec.InputOffset())
		tok, err := w.dec.Token()
		if err == io.EOF {
			if first {
				return ErrNotFHIR
			}
			if len(w.stack) > 0 {
				return w.malformed() // truncated
			}
			return nil
		}
		if err != nil {
			return w.malformed()
		}
		if first && tok != json.Delim('{') {
			return ErrNotFHIR
		}
		if !first && len(w.stack) == 0 {
			return w.malformed() // data after the document
		}
		if err := w.token(tok, before); err != nil {
			return err
		}
	}
}

func (w *walker) top() *frame {
	if len(w.stack) == 0 {
		return nil
	}
	return w.stack[len(w.stack)-1]
}

func (w *walker) token(tok json.Token, before int) error {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' || v == '[' {
			return w.push(v == '[')
		}
		w.stack = w.stack[:len(w.stack)-1]
		w.advance()
	case string:
		t := w.top()
		if !t.array && !t.haveKey {
			t.key, t.haveKey = v, true
			return nil
		}
		w.value(v, before)
		w.advance()
	default:
		w.advance()
	}
	return nil
}

func (w *walker) push(array bool) error {
	if len(w.stack) >= w.lim.MaxDepth {
		return fmt.Errorf("nesting deeper than %d near byte %d: %w", w.lim.MaxDepth, w.dec.InputOffset(), ErrLimit)
	}
	f := &frame{array: array}
	if p := w.top(); p != nil {
		f.elem, f.step = p.key, "."+p.key
		if p.array {
			f.elem, f.step = p.elem, fmt.Sprintf("[%d]", p.index)
		}
	}
	w.stack = append(w.stack, f)
	return nil
}

// advance moves past a finished value in the enclosing container.
func (w *walker) advance() {
	t := w.top()
	switch {
	case t == nil:
	case t.array:
		t.index++
	default:
		t.haveKey = false
	}
}

// value handles a string value of the current member or array item.
func (w *walker) value(v string, before int) {
	t := w.top()
	if !t.array {
		switch t.key {
		case "resourceType":
			t.rtype = v
		case "system":
			t.system = v
		case "code":
			w.noteCode(v)
		}
	}
	m := w.meaning(v)
	if m.typ == "" && !m.text {
		return
	}
	start, end, ok := w.stringRange(before)
	if !ok {
		return
	}
	if m.text {
		w.freeText(start, end, m.markup)
		return
	}
	w.out = append(w.out, Finding{Finding: dlp.Finding{Type: m.typ, Start: start, End: end,
		Confidence: elementConf, Detector: DetectorElement}, Path: w.path()})
}

// stringRange finds the raw bytes of the string token that ended at the
// decoder's offset: from before, skip white space and separators to the
// opening quote. It returns the range between the quotes.
func (w *walker) stringRange(before int) (int, int, bool) {
	end := int(w.dec.InputOffset())
	i := before
	for i < end && (w.data[i] == ' ' || w.data[i] == '\t' || w.data[i] == '\r' || w.data[i] == '\n' || w.data[i] == ':' || w.data[i] == ',') {
		i++
	}
	if i >= end-1 || w.data[i] != '"' || w.data[end-1] != '"' {
		return 0, 0, false
	}
	return i + 1, end - 1, i+1 < end-1
}

// noteCode records an identifier's type code (identifier.type.coding.code)
// on the identifier object.
func (w *walker) noteCode(v string) {
	want := []string{"coding", "type", "identifier"}
	for i := len(w.stack) - 1; i >= 0 && len(want) > 0; i-- {
		f := w.stack[i]
		if f.array {
			continue
		}
		if f.elem != want[0] {
			return
		}
		if want = want[1:]; len(want) == 0 {
			f.code = v
		}
	}
}

// path is the element path of the current value.
func (w *walker) path() string {
	var b bytes.Buffer
	for i, f := range w.stack {
		if i == 0 {
			b.WriteString(f.rtype)
			if f.rtype == "" {
				b.WriteString("$")
			}
		} else {
			b.WriteString(f.step)
			if f.rtype != "" {
				fmt.Fprintf(&b, "(%s)", f.rtype)
			}
		}
	}
	t := w.top()
	if t.array {
		fmt.Fprintf(&b, "[%d]", t.index)
	} else {
		b.WriteString("." + t.key)
	}
	return b.String()
}

// freeText runs the engine over the decoded string raw[start:end]; with
// markup, XHTML tags are blanked first.
func (w *walker) freeText(start, end int, markup bool) {
	if w.eng == nil {
		return
	}
	d := decodeString(w.data[start:end], start)
	if markup {
		blankTags(d.text)
	}
	path := w.path()
	for _, f := range w.eng.Scan(d.text) {
		s, e, ok := d.span(f.Start, f.End)
		if !ok {
			continue
		}
		f.Start, f.End = s, e
		w.out = append(w.out, Finding{Finding: f, Path: path})
	}
}
