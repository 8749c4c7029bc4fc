package dicomul

import "encoding/binary"

// encoding is how a data set is encoded, from the transfer syntax
// negotiated for its presentation context.
type encoding int

const (
	encUnknown    encoding = iota // guess from the first element
	encImplicitLE                 // 1.2.840.10008.1.2
	encExplicitLE                 // 1.2.840.10008.1.2.1 and the encapsulated (compressed pixel data) syntaxes
	encExplicitBE                 // 1.2.840.10008.1.2.2 (retired)
	encOpaque                     // deflated: not scannable
)

func transferEncoding(uid string) encoding {
	switch uid {
	case "":
		return encUnknown
	case "1.2.840.10008.1.2":
		return encImplicitLE
	case "1.2.840.10008.1.2.2":
		return encExplicitBE
	case "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1": // deflated explicit LE, deflated image frames
		return encOpaque
	}
	return encExplicitLE
}

// longVRs have a 2-byte reserved field and a 32-bit length in explicit VR
// encodings (PS3.5 section 7.1.2).
var longVRs = map[[2]byte]bool{
	{'O', 'B'}: true, {'O', 'D'}: true, {'O', 'F'}: true, {'O', 'L'}: true,
	{'O', 'V'}: true, {'O', 'W'}: true, {'S', 'Q'}: true, {'S', 'V'}: true,
	{'U', 'C'}: true, {'U', 'N'}: true, {'U', 'R'}: true, {'U', 'T'}: true,
	{'U', 'V'}: true,
}

func isVR(a, b byte) bool { return a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z' }

const undefinedLength = 0xFFFFFFFF

// patientTag reports whether (group,elem) identifies the patient: Patient's
// Name (0010,0010), Patient ID (0010,0020), Patient's Birth Date (0010,0030).
func patientTag(group, elem uint16) bool {
	return group == 0x0010 && (elem == 0x0010 || elem == 0x0020 || elem == 0x0030)
}

// scanner looks for patient identification in a data set streamed in
// fragments, without keeping any value: it walks element headers, skips
// values, and only checks whether a patient tag's value has a byte that is
// not padding. Sequences and items are walked into, so patient tags nested
// in sequences count too. It stops at the first element it cannot parse.
type scanner struct {
	enc    encoding
	hdr    [12]byte
	hn     int
	skip   uint64
	target bool
	found  bool
	stop   bool
}

func (s *scanner) reset(enc encoding) {
	*s = scanner{enc: enc, stop: enc == encOpaque}
}

// feed scans the next fragment of the data set.
func (s *scanner) feed(b []byte) {
	for len(b) > 0 && !s.stop && !s.found {
		if s.skip > 0 {
			b = s.skipValue(b)
			continue
		}
		need := s.headerNeed()
		n := copy(s.hdr[s.hn:need], b)
		s.hn += n
		b = b[n:]
		if s.hn == need && s.headerDone(need) {
			s.hn = 0
		}
	}
}

func (s *scanner) skipValue(b []byte) []byte {
	n := uint64(len(b))
	if n > s.skip {
		n = s.skip
	}
	if s.target {
		for _, c := range b[:n] {
			if c != ' ' && c != 0 && c != '^' {
				s.found = true
				break
			}
		}
	}
	s.skip -= n
	if s.skip == 0 {
		s.target = false
	}
	return b[n:]
}

// headerNeed is how many header bytes the current element needs, from what
// has arrived so far.
func (s *scanner) headerNeed() int {
	if s.hn < 8 {
		return 8
	}
	if s.tagGroup() == 0xFFFE {
		return 8
	}
	if s.enc == encUnknown {
		s.guess()
	}
	if s.enc != encImplicitLE && longVRs[[2]byte{s.hdr[4], s.hdr[5]}] {
		return 12
	}
	return 8
}

func (s *scanner) guess() {
	if isVR(s.hdr[4], s.hdr[5]) {
		s.enc = encExplicitLE
	} else {
		s.enc = encImplicitLE
	}
}

func (s *scanner) u16(b []byte) uint16 {
	if s.enc == encExplicitBE {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (s *scanner) u32(b []byte) uint32 {
	if s.enc == encExplicitBE {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (s *scanner) tagGroup() uint16 { return s.u16(s.hdr[0:2]) }

// headerDone handles a complete header of n bytes; it returns false when
// more header bytes are needed (the VR showed a long form).
func (s *scanner) headerDone(n int) bool {
	if n == 8 && s.tagGroup() != 0xFFFE && s.headerNeed() == 12 {
		return false
	}
	group, elem := s.tagGroup(), s.u16(s.hdr[2:4])
	length, stepIn := s.valueLength(n)
	if s.stop || stepIn {
		return true
	}
	if length == undefinedLength {
		return true // undefined length outside sequences: walk into it
	}
	s.skip = uint64(length)
	s.target = patientTag(group, elem) && length > 0
	return true
}

// valueLength returns the element's value length and whether the element
// is a container (sequence, item) to walk into rather than skip.
func (s *scanner) valueLength(n int) (uint32, bool) {
	if s.tagGroup() == 0xFFFE {
		return 0, true // item or delimiter: header only, walk into the item
	}
	if s.enc == encImplicitLE {
		return s.u32(s.hdr[4:8]), false
	}
	if !isVR(s.hdr[4], s.hdr[5]) {
		s.stop = true
		return 0, false
	}
	if s.hdr[4] == 'S' && s.hdr[5] == 'Q' {
		return 0, true
	}
	if n == 12 {
		return s.u32(s.hdr[8:12]), false
	}
	return uint32(s.u16(s.hdr[6:8])), false
}
