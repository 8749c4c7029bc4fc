package dicom

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// Element is a data element held in memory.
type Element struct {
	Tag   Tag
	VR    VR
	Value []byte
}

// String returns a text value without its padding (trailing spaces and
// NULs).
func (e Element) String() string { return trimValue(e.Value) }

func trimValue(v []byte) string {
	return strings.TrimRight(string(v), " \x00")
}

// File is an opened Part 10 file: its preamble and file meta information,
// and a Decoder positioned at the start of the data set.
type File struct {
	Preamble       [128]byte
	Meta           []Element
	TransferSyntax string
	*Decoder
}

// meta group limits: the group is small by nature.
const (
	maxMetaElements = 64
	maxMetaValue    = 4 << 10
)

// Open reads the preamble and the file meta information of a Part 10
// file from r and returns the File, ready to decode the data set.
func Open(r io.Reader, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	known := sourceSize(r)
	br := bufio.NewReaderSize(r, 64<<10)
	f := &File{}
	if _, err := io.ReadFull(br, f.Preamble[:]); err != nil {
		return nil, ErrNotDICOM
	}
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil || string(magic[:]) != "DICM" {
		return nil, ErrNotDICOM
	}
	pos, err := f.readMeta(br)
	if err != nil {
		return nil, err
	}
	syn, err := syntaxOf(f.TransferSyntax)
	if err != nil {
		return nil, err
	}
	if syn.deflated {
		br, known = bufio.NewReaderSize(flate.NewReader(br), 64<<10), -1
	}
	f.Decoder = newDecoder(br, pos, syn, lim, known)
	return f, nil
}

// sourceSize is the number of bytes r holds, when r can tell; -1 if not.
func sourceSize(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - off
	}
	return -1
}

// readMeta reads the group 0002 elements (explicit VR little endian) and
// returns the offset after them.
func (f *File) readMeta(br *bufio.Reader) (int64, error) {
	pos := int64(132)
	for {
		g, err := br.Peek(2)
		if err != nil || binary.LittleEndian.Uint16(g) != 0x0002 {
			break
		}
		if len(f.Meta) >= maxMetaElements {
			return 0, fmt.Errorf("file meta: more than %d elements: %w", maxMetaElements, ErrLimit)
		}
		e, n, err := readMetaElement(br, pos)
		if err != nil {
			return 0, err
		}
		pos += n
		f.Meta = append(f.Meta, e)
		if e.Tag == TagTransferSyntax {
			f.TransferSyntax = trimValue(e.Value)
		}
	}
	if f.TransferSyntax == "" {
		return 0, fmt.Errorf("file meta: no transfer syntax: %w", ErrNotDICOM)
	}
	return pos, nil
}

func readMetaElement(br *bufio.Reader, pos int64) (Element, int64, error) {
	var h [8]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return Element{}, 0, fmt.Errorf("file meta at byte %d: truncated: %w", pos, ErrMalformed)
	}
	le := binary.LittleEndian
	e := Element{Tag: NewTag(le.Uint16(h[0:]), le.Uint16(h[2:])), VR: VR(h[4:6])}
	if !knownVR(e.VR) {
		return Element{}, 0, fmt.Errorf("file meta at byte %d: %s has an unknown VR: %w", pos, e.Tag, ErrMalformed)
	}
	n, hl := uint32(le.Uint16(h[6:])), int64(8)
	if longVR(e.VR) {
		var l [4]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return Element{}, 0, fmt.Errorf("file meta at byte %d: truncated: %w", pos, ErrMalformed)
		}
		n, hl = le.Uint32(l[:]), 12
	}
	if n > maxMetaValue {
		return Element{}, 0, fmt.Errorf("file meta at byte %d: %s value of %d bytes: %w", pos, e.Tag, n, ErrLimit)
	}
	e.Value = make([]byte, n)
	if _, err := io.ReadFull(br, e.Value); err != nil {
		return Element{}, 0, fmt.Errorf("file meta at byte %d: %s truncated: %w", pos, e.Tag, ErrMalformed)
	}
	return e, hl + int64(n), nil
}

// MetaValue returns the trimmed text of a file meta element, "" if absent.
func (f *File) MetaValue(t Tag) string {
	for _, e := range f.Meta {
		if e.Tag == t {
			return e.String()
		}
	}
	return ""
}

// Detect reports whether data starts like a Part 10 file.
func Detect(data []byte) bool {
	return len(data) >= 132 && bytes.Equal(data[128:132], []byte("DICM"))
}
