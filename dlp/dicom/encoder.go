package dicom

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// encoder writes a data set in one transfer syntax. Sequences and items
// are written with undefined length, so nothing needs to be measured
// before it is written.
type encoder struct {
	w     *bufio.Writer
	base  syntax
	stack []syntax // encodings of open sequences
	err   error
}

func newEncoder(w io.Writer, syn syntax) *encoder {
	return &encoder{w: bufio.NewWriterSize(w, 64<<10), base: syn}
}

func (e *encoder) syn() syntax {
	if len(e.stack) > 0 {
		return e.stack[len(e.stack)-1]
	}
	return e.base
}

func (e *encoder) order() binary.ByteOrder {
	if e.syn().bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) tag(t Tag) {
	var b [4]byte
	o := e.order()
	o.PutUint16(b[0:], t.Group())
	o.PutUint16(b[2:], t.Element())
	e.write(b[:])
}

func (e *encoder) u32(n uint32) {
	var b [4]byte
	e.order().PutUint32(b[:], n)
	e.write(b[:])
}

// header writes an element header for a value of n bytes.
func (e *encoder) header(t Tag, vr VR, n uint32) {
	e.tag(t)
	if e.syn().implicit {
		e.u32(n)
		return
	}
	e.write([]byte(vr))
	if longVR(vr) {
		e.write([]byte{0, 0})
		e.u32(n)
		return
	}
	if n > 0xFFFF {
		e.err = fmt.Errorf("%s: value of %d bytes too long for VR %s: %w", t, n, vr, ErrLimit)
		return
	}
	var b [2]byte
	e.order().PutUint16(b[:], uint16(n))
	e.write(b[:])
}

// element writes an element, padding the value to even length.
func (e *encoder) element(t Tag, vr VR, v []byte) {
	n := len(v)
	if n%2 == 1 {
		n++
	}
	e.header(t, vr, uint32(n))
	e.write(v)
	if n > len(v) {
		e.write([]byte{padByte(vr)})
	}
}

func padByte(vr VR) byte {
	if textVR(vr) && vr != "UI" {
		return ' '
	}
	return 0
}

// seqStart opens a sequence of undefined length; UN sequences hold
// implicit VR little endian items (PS3.5 6.2.2).
func (e *encoder) seqStart(t Tag, vr VR) {
	e.header(t, vr, undefinedLength)
	syn := e.syn()
	if vr == "UN" {
		syn = syntax{implicit: true}
	}
	e.stack = append(e.stack, syn)
}

func (e *encoder) seqEnd() {
	e.tag(TagSeqDelim)
	e.u32(0)
	if len(e.stack) > 0 {
		e.stack = e.stack[:len(e.stack)-1]
	}
}

func (e *encoder) itemStart() { e.tag(TagItem); e.u32(undefinedLength) }
func (e *encoder) itemEnd()   { e.tag(TagItemDelim); e.u32(0) }

// fragStart opens encapsulated pixel data.
func (e *encoder) fragStart(t Tag, vr VR) {
	e.header(t, vr, undefinedLength)
	e.stack = append(e.stack, e.syn())
}

func (e *encoder) fragment(n uint32) { e.tag(TagItem); e.u32(n) }

// copyValue copies n bytes of a value from d, padding odd lengths.
func (e *encoder) copyValue(d *Decoder, n uint32) {
	if e.err != nil {
		return
	}
	if err := d.CopyValue(e.w); err != nil {
		e.err = err
		return
	}
	if n%2 == 1 {
		e.write([]byte{0})
	}
}

func (e *encoder) flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// writeMeta writes the preamble, "DICM" and the file meta elements with a
// recomputed group length.
func writeMeta(w io.Writer, meta []Element) error {
	var body []byte
	for _, m := range meta {
		if m.Tag == TagMetaGroupLength {
			continue
		}
		body = appendExplicitLE(body, m.Tag, m.VR, m.Value)
	}
	head := make([]byte, 128, 128+4+12+len(body))
	head = append(head, "DICM"...)
	var gl [4]byte
	binary.LittleEndian.PutUint32(gl[:], uint32(len(body)))
	head = appendExplicitLE(head, TagMetaGroupLength, "UL", gl[:])
	_, err := w.Write(append(head, body...))
	return err
}

func appendExplicitLE(b []byte, t Tag, vr VR, v []byte) []byte {
	le := binary.LittleEndian
	if len(v)%2 == 1 {
		v = append(v[:len(v):len(v)], padByte(vr))
	}
	b = le.AppendUint16(b, t.Group())
	b = le.AppendUint16(b, t.Element())
	b = append(b, vr...)
	if longVR(vr) {
		b = append(b, 0, 0)
		b = le.AppendUint32(b, uint32(len(v)))
	} else {
		b = le.AppendUint16(b, uint16(len(v)))
	}
	return append(b, v...)
}
