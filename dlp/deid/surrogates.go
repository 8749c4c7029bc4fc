// Package deid de-identifies free text, HL7 v2 messages and FHIR JSON from
// the PHI findings of the dlp engine and the field-aware hl7 and fhir
// scanners.
//
// In surrogate mode every identifier is replaced by a consistent fake: a
// keyed hash (HMAC-SHA256 under a secret key) picks the surrogate, so the
// same name, identifier or address maps to the same replacement across a
// document set, while nobody without the key can map it back. Dates move
// by a per-patient number of days and keep their format; years alone stay.
// Contact data become reserved forms: example.org, 192.0.2.x, 555-01xx. In
// Safe Harbor mode every finding becomes its type in brackets, "[NAME]".
package deid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// Mode is how findings are replaced.
type Mode int

// Modes.
const (
	ModeSurrogate  Mode = iota // consistent fake values in the original's format
	ModeSafeHarbor             // "[TYPE]" in place of each finding
)

// MinKeySize is the shortest secret key NewSurrogates accepts.
const MinKeySize = 16

// ErrKey is returned for a key shorter than MinKeySize.
var ErrKey = errors.New("deid: key shorter than 16 bytes")

// maxShiftDays bounds the per-patient date shift: 1 to 365 days, either way.
const maxShiftDays = 365

// Surrogates picks replacement values under a secret key. The zero value
// is not usable; a Surrogates is immutable and safe for concurrent use.
type Surrogates struct {
	key     []byte
	mode    Mode
	patient string // patient the date shift is for
	shift   int    // days
}

// NewSurrogates returns surrogates keyed by key (at least MinKeySize
// bytes; keep it secret and stable to keep surrogates stable across runs).
func NewSurrogates(key []byte, mode Mode) (*Surrogates, error) {
	if len(key) < MinKeySize {
		return nil, ErrKey
	}
	s := &Surrogates{key: append([]byte(nil), key...), mode: mode}
	s.shift = s.shiftFor("")
	return s, nil
}

// Mode is the replacement mode.
func (s *Surrogates) Mode() Mode { return s.mode }

// ForPatient returns surrogates whose dates shift by the offset of the
// patient with this identifier (an MRN, a PatientID): every document of the
// same patient shifts by the same number of days. Identifiers compare
// after trimming spaces and ignoring case.
func (s *Surrogates) ForPatient(id string) *Surrogates {
	c := *s
	c.patient = strings.ToUpper(strings.TrimSpace(id))
	c.shift = s.shiftFor(c.patient)
	return &c
}

// ShiftDays is the date shift of the current patient, never zero.
func (s *Surrogates) ShiftDays() int { return s.shift }

func (s *Surrogates) shiftFor(patient string) int {
	h := s.Sum("date-shift", patient)
	d := int(binary.BigEndian.Uint32(h[:4])%maxShiftDays) + 1
	if h[4]&1 == 1 {
		d = -d
	}
	return d
}

// Sum is the keyed hash of value in a domain ("uid", "name", "id"...).
func (s *Surrogates) Sum(domain, value string) [32]byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(value))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// stream is a keyed pseudo-random byte stream for one value.
type stream struct {
	s      *Surrogates
	domain string
	value  string
	buf    []byte
	n      uint32
}

func (s *Surrogates) stream(domain, value string) *stream {
	return &stream{s: s, domain: domain, value: value}
}

func (r *stream) next() byte {
	if len(r.buf) == 0 {
		h := r.s.Sum(r.domain, r.value+"\x00"+string(binary.BigEndian.AppendUint32(nil, r.n)))
		r.n++
		r.buf = h[:]
	}
	b := r.buf[0]
	r.buf = r.buf[1:]
	return b
}

func (r *stream) intn(n int) int {
	v := uint32(r.next())<<24 | uint32(r.next())<<16 | uint32(r.next())<<8 | uint32(r.next())
	return int(v % uint32(n))
}

// Replace returns the replacement for value, a finding of type typ.
func (s *Surrogates) Replace(typ dlp.Type, value string) string {
	if s.mode == ModeSafeHarbor {
		return "[" + string(typ) + "]"
	}
	switch typ {
	case dlp.Name:
		return s.Name(value)
	case dlp.Date:
		return s.Date(value)
	case dlp.Age:
		return s.Age(value)
	case dlp.Email:
		return s.Email(value)
	case dlp.URL:
		return s.URL(value)
	case dlp.IP:
		return s.IP(value)
	case dlp.Phone, dlp.Fax:
		return s.Phone(value)
	case dlp.Location:
		return s.Location(value)
	case dlp.SSN:
		return s.SSN(value)
	case dlp.Biometric:
		return "[" + string(typ) + "]"
	}
	return s.Identifier(value) // ZIP, MRN, ACCOUNT, HEALTH_PLAN, LICENSE, VEHICLE, DEVICE_ID
}
