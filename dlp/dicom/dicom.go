// Package dicom reads DICOM Part 10 files (PS3.10) far enough to find
// protected health information in their data elements by tag meaning, and
// de-identifies them after the Basic Application Level Confidentiality
// Profile of PS3.15 Annex E.
//
// The reader is written here, without a third-party DICOM library. It reads
// the 128-byte preamble and "DICM", the file meta group (0002) in explicit
// VR little endian, then the data set in the transfer syntax the meta group
// names: implicit VR little endian, explicit VR little endian, explicit VR
// big endian (retired) and deflated explicit VR little endian. Sequences and
// items of defined or undefined length nest up to a depth limit;
// encapsulated pixel data is walked fragment by fragment without loading it.
// Values above a threshold are skipped or copied, never loaded whole, and
// every length is checked against the bytes its container has left.
//
// Errors name the byte offset and tag of bad input, never values: DICOM
// headers carry PHI.
package dicom

import (
	"errors"
	"fmt"
)

// Errors, for errors.Is.
var (
	ErrNotDICOM  = errors.New("dicom: not a DICOM Part 10 file")
	ErrMalformed = errors.New("dicom: malformed data set")
	ErrLimit     = errors.New("dicom: limit exceeded")
	ErrSyntax    = errors.New("dicom: unsupported transfer syntax")
)

// Tag is a data element tag: group in the high 16 bits, element in the low.
type Tag uint32

// NewTag returns the tag (group,element).
func NewTag(group, element uint16) Tag { return Tag(uint32(group)<<16 | uint32(element)) }

// Group is the tag's group number.
func (t Tag) Group() uint16 { return uint16(t >> 16) }

// Element is the tag's element number.
func (t Tag) Element() uint16 { return uint16(t) }

// Private reports whether t is in a private group (odd group number).
func (t Tag) Private() bool { return t.Group()%2 == 1 && t.Group() > 0x0008 }

// PrivateCreator reports whether t reserves a block of a private group:
// (gggg,0010) through (gggg,00FF).
func (t Tag) PrivateCreator() bool {
	return t.Private() && t.Element() >= 0x0010 && t.Element() <= 0x00FF
}

// String is "(gggg,eeee)" in upper-case hexadecimal.
func (t Tag) String() string { return fmt.Sprintf("(%04X,%04X)", t.Group(), t.Element()) }

// Tags the reader and the profile treat specially.
const (
	TagItem              Tag = 0xFFFEE000
	TagItemDelim         Tag = 0xFFFEE00D
	TagSeqDelim          Tag = 0xFFFEE0DD
	TagMetaGroupLength   Tag = 0x00020000
	TagMediaSOPClass     Tag = 0x00020002
	TagMediaSOPInstance  Tag = 0x00020003
	TagTransferSyntax    Tag = 0x00020010
	TagImplClassUID      Tag = 0x00020012
	TagImplVersionName   Tag = 0x00020013
	TagSOPInstanceUID    Tag = 0x00080018
	TagPatientName       Tag = 0x00100010
	TagPatientID         Tag = 0x00100020
	TagPatientBirthDate  Tag = 0x00100030
	TagPatientAge        Tag = 0x00101010
	TagIdentityRemoved   Tag = 0x00120062
	TagDeidMethod        Tag = 0x00120063
	TagDeidMethodCodeSeq Tag = 0x00120064
	TagLongitudinal      Tag = 0x00280303
	TagBurnedIn          Tag = 0x00280301
	TagPixelData         Tag = 0x7FE00010
	TagTextValue         Tag = 0x0040A160
)

// undefinedLength marks a sequence, item or pixel data element whose end
// is a delimitation item.
const undefinedLength = 0xFFFFFFFF

// Transfer syntax UIDs the reader understands.
const (
	ImplicitVRLittleEndian         = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian         = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian            = "1.2.840.10008.1.2.2"
)

// syntax is how a data set is encoded.
type syntax struct {
	implicit  bool
	bigEndian bool
	deflated  bool
}

// syntaxOf returns the encoding of the transfer syntax uid. Encapsulated
// (compressed) syntaxes use explicit VR little endian for the data set.
func syntaxOf(uid string) (syntax, error) {
	switch uid {
	case ImplicitVRLittleEndian:
		return syntax{implicit: true}, nil
	case ExplicitVRLittleEndian:
		return syntax{}, nil
	case DeflatedExplicitVRLittleEndian:
		return syntax{deflated: true}, nil
	case ExplicitVRBigEndian:
		return syntax{bigEndian: true}, nil
	}
	if len(uid) > len("1.2.840.10008.1.2.4") && uid[:len("1.2.840.10008.1.2.")] == "1.2.840.10008.1.2." {
		return syntax{}, nil // JPEG, JPEG-LS, JPEG 2000, RLE, MPEG, HTJ2K: explicit VR LE, encapsulated pixels
	}
	return syntax{}, fmt.Errorf("transfer syntax of %d characters: %w", len(uid), ErrSyntax)
}

// Limits bound the work one file may cause. Zero fields take defaults.
type Limits struct {
	MaxSize     int64 // bytes read, after inflation: 4 GiB
	MaxElements int   // data elements, items and fragments: 1,000,000
	MaxDepth    int   // nesting of sequences: 16
	MaxValue    int   // largest value read into memory: 1 MiB; larger ones are skipped or copied
	MaxBuffer   int64 // bytes de-identification holds before the patient module is known: 64 MiB
}

// DefaultLimits are used for zero fields of Limits.
var DefaultLimits = Limits{MaxSize: 4 << 30, MaxElements: 1_000_000, MaxDepth: 16, MaxValue: 1 << 20, MaxBuffer: 64 << 20}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxSize <= 0 {
		l.MaxSize = d.MaxSize
	}
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxValue <= 0 {
		l.MaxValue = d.MaxValue
	}
	if l.MaxBuffer <= 0 {
		l.MaxBuffer = d.MaxBuffer
	}
	return l
}
