package dicom

import (
	"bytes"
	"crypto/sha256"
	"math/big"
	"strconv"
	"strings"

	"github.com/airtight/airtight/dlp/deid"
)

// actPseudonym is the internal action for PatientName and PatientID under
// PseudonymizePatient.
const actPseudonym Action = 'P'

// action decides what happens to an attribute of this tag and VR.
func (d *deidentifier) action(t Tag, vr VR) Action {
	code, listed := basicProfile[t]
	act := resolve(code)
	o := d.opts
	switch {
	case o.PseudonymizePatient && (t == TagPatientName || t == TagPatientID):
		return actPseudonym
	case o.RetainPatientCharacteristics && characteristics[t]:
		return ActKeep
	case o.RetainLongitudinalDates && (vr == "DA" || vr == "DT") && act != ActKeep && act != ActRecurse:
		return ActClean
	case o.RetainLongitudinalDates && vr == "TM" && (listed || isPHI(t, vr)):
		return ActKeep // whole-day shifts keep times of day
	case !listed && isPHI(t, vr):
		return ActEmpty // what Scan reports must not survive
	}
	return act
}

// isPHI reports whether Scan treats an attribute as PHI by its meaning.
func isPHI(t Tag, vr VR) bool {
	r, ok := ruleFor(t, vr)
	return ok && r.kind != kUID
}

// element processes one data element.
func (d *deidentifier) element(t Token, live bool) {
	switch {
	case t.Tag.Element() == 0: // group lengths: retired, and stale once values change
		return
	case d.depth == 0 && recorded(t.Tag):
		return
	case t.Tag.Private():
		d.private(t, live)
		return
	}
	act := d.action(t.Tag, meaningVR(t.Tag, t.VR))
	if t.Value == nil && t.Len > 0 && act != ActKeep && act != ActRecurse && act != ActRemove {
		act = ActEmpty // too large to rewrite: a huge name or date is not one
	}
	d.count(t.Tag, act)
	switch act {
	case ActRemove:
	case ActEmpty:
		d.enc.element(t.Tag, t.VR, nil)
	case ActDummy:
		d.enc.element(t.Tag, t.VR, d.dummy(t))
	case ActClean:
		d.enc.element(t.Tag, t.VR, d.shiftDates(t.Value))
	case ActUID:
		d.enc.element(t.Tag, t.VR, []byte(d.uids(t.Value)))
	case actPseudonym:
		d.enc.element(t.Tag, t.VR, d.pseudonym(t))
	default:
		d.keep(t, live)
	}
}

// keep writes the element as it is (ages above 89 as 090Y).
func (d *deidentifier) keep(t Token, live bool) {
	if t.Tag == TagPatientAge && t.Value != nil {
		d.enc.element(t.Tag, t.VR, capAge(t.Value))
		return
	}
	if t.Value != nil || !live {
		d.enc.element(t.Tag, t.VR, t.Value)
		return
	}
	d.enc.header(t.Tag, t.VR, t.Len+t.Len%2)
	d.enc.copyValue(d.f.Decoder, t.Len)
}

// private keeps a private attribute only under RetainSafePrivate, when it
// is a creator, or a short value the engine finds no PHI in.
func (d *deidentifier) private(t Token, live bool) {
	if !d.opts.RetainSafePrivate || !d.safePrivate(t) {
		d.count(t.Tag, ActRemove)
		return
	}
	d.keep(t, live)
}

func (d *deidentifier) safePrivate(t Token) bool {
	if t.Tag.PrivateCreator() {
		return true
	}
	if t.Value == nil {
		return t.Len == 0
	}
	if !looksText(t.Value) {
		return !textVR(t.VR)
	}
	return d.opts.Engine != nil && len(d.opts.Engine.Scan(t.Value)) == 0
}

// dummy is a non-empty value consistent with the VR.
func (d *deidentifier) dummy(t Token) []byte {
	switch t.VR {
	case "DA":
		return []byte("19000101")
	case "DT":
		return []byte("19000101000000")
	case "TM":
		return []byte("000000")
	case "IS", "DS":
		return []byte("0")
	case "AS":
		return []byte("000Y")
	case "UI":
		return []byte(d.uids(t.Value))
	case "PN":
		return []byte("ANONYMOUS")
	}
	if textVR(t.VR) {
		return []byte("ANONYMIZED")
	}
	return make([]byte, len(t.Value))
}

// shiftDates moves each date of a DA or DT value by the patient's offset.
func (d *deidentifier) shiftDates(v []byte) []byte {
	parts := strings.Split(trimValue(v), `\`)
	for i, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			parts[i] = d.s.Date(p)
			if parts[i] == "[DATE]" {
				parts[i] = ""
			}
			d.sum.DatesShifted++
		}
	}
	return []byte(strings.Join(parts, `\`))
}

// uids replaces each UID of a value with its keyed 2.25 form.
func (d *deidentifier) uids(v []byte) string {
	parts := strings.Split(trimValue(v), `\`)
	for i, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			parts[i] = newUID(d.opts.Surrogates, p)
			d.sum.UIDs++
		}
	}
	return strings.Join(parts, `\`)
}

// newUID derives "2.25.<decimal>" from a keyed hash of uid: the same UID
// maps to the same new UID under the same key (PS3.5 B.2 UUID-derived
// form; 128 bits, at most 39 digits).
func newUID(s *deid.Surrogates, uid string) string {
	h := s.Sum("uid", uid)
	return "2.25." + new(big.Int).SetBytes(h[:16]).String()
}

// implementationUID identifies this writer in the file meta.
var implementationUID = func() string {
	h := sha256.Sum256([]byte("github.com/airtight/airtight/dlp/dicom"))
	return "2.25." + new(big.Int).SetBytes(h[:16]).String()
}()

// pseudonym is the keyed surrogate of PatientName or PatientID.
func (d *deidentifier) pseudonym(t Token) []byte {
	v := trimValue(t.Value)
	if v == "" {
		return nil
	}
	d.sum.Pseudonyms++
	if t.Tag == TagPatientID {
		return []byte(d.opts.Surrogates.Identifier(v))
	}
	return []byte(pnSurrogate(d.opts.Surrogates, v))
}

// pnSurrogate maps a person name "Family^Given^Middle^Prefix^Suffix"
// word by word; prefixes, suffixes and ideographic groups are dropped.
func pnSurrogate(s *deid.Surrogates, v string) string {
	if i := strings.IndexByte(v, '='); i >= 0 {
		v = v[:i]
	}
	comps := strings.Split(v, "^")
	if len(comps) > 3 {
		comps = comps[:3]
	}
	for i, c := range comps {
		role := deid.Given
		if i == 0 {
			role = deid.Family
		}
		words := strings.Fields(c)
		for j, w := range words {
			words[j] = s.NameWord(w, role)
		}
		comps[i] = strings.Join(words, " ")
	}
	return strings.TrimRight(strings.Join(comps, "^"), "^")
}

// capAge writes ages above 89 years as 090Y.
func capAge(v []byte) []byte {
	a := bytes.TrimRight(v, " \x00")
	if len(a) == 4 && (a[3] == 'Y' || a[3] == 'y') {
		if n, err := strconv.Atoi(string(a[:3])); err == nil && n > 89 {
			return []byte("090Y")
		}
	}
	return v
}
