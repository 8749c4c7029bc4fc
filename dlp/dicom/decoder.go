package dicom

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Kind is what a token is.
type Kind uint8

// Token kinds.
const (
	KindElement   Kind = iota + 1 // a data element with a value
	KindSeqStart                  // a sequence (SQ) begins
	KindItemStart                 // an item of the current sequence begins
	KindItemEnd                   // the item ends
	KindSeqEnd                    // the sequence ends
	KindFragStart                 // encapsulated pixel data begins
	KindFragment                  // one fragment of encapsulated pixel data
	KindFragEnd                   // encapsulated pixel data ends
)

// Token is one step through a data set.
type Token struct {
	Kind Kind
	Tag  Tag
	VR   VR
	// Len is the value length; Undefined is set instead for sequences,
	// items and pixel data that end with a delimitation item.
	Len       uint32
	Undefined bool
	// Offset is where the value starts: a file offset, or for deflated data
	// sets an offset into the inflated stream counted from the file start.
	Offset int64
	// Value holds element values up to Limits.MaxValue bytes. Larger values
	// and fragments are left in the stream: see Decoder.CopyValue.
	Value []byte
}

// frame is an open sequence, item or run of fragments.
type frame struct {
	kind  Kind // KindSeqStart, KindItemStart or KindFragStart
	tag   Tag
	end   int64 // -1: undefined length
	items int   // sequences: items begun
	syn   syntax
}

// Decoder reads the tokens of a data set.
type Decoder struct {
	r       *counter
	lim     Limits
	base    syntax
	stack   []frame
	pending int64 // bytes of the current value not yet consumed
	count   int   // tokens read
	depth   int   // open sequences
	known   int64 // bytes the source has in all, -1 when unknown
}

// counter counts the bytes read through it.
type counter struct {
	r   *bufio.Reader
	pos int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.pos += int64(n)
	return n, err
}

func newDecoder(r *bufio.Reader, pos int64, syn syntax, lim Limits, known int64) *Decoder {
	return &Decoder{r: &counter{r: r, pos: pos}, lim: lim, base: syn, known: known}
}

// Pos is the offset of the next byte the decoder reads.
func (d *Decoder) Pos() int64 { return d.r.pos }

// Depth is the number of open sequences.
func (d *Decoder) Depth() int { return d.depth }

func (d *Decoder) top() *frame {
	if len(d.stack) == 0 {
		return nil
	}
	return &d.stack[len(d.stack)-1]
}

func (d *Decoder) syn() syntax {
	if t := d.top(); t != nil {
		return t.syn
	}
	return d.base
}

func (d *Decoder) order() binary.ByteOrder {
	if d.syn().bigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func (d *Decoder) malformed(what string, args ...any) error {
	return fmt.Errorf("at byte %d: %s: %w", d.r.pos, fmt.Sprintf(what, args...), ErrMalformed)
}

// Next returns the next token, skipping the unread rest of the previous
// value; io.EOF at the clean end of the data set.
func (d *Decoder) Next() (Token, error) {
	if err := d.Skip(); err != nil {
		return Token{}, err
	}
	if t, ok, err := d.closeDefined(); ok || err != nil {
		return t, err
	}
	if d.count++; d.count > d.lim.MaxElements {
		return Token{}, fmt.Errorf("more than %d elements: %w", d.lim.MaxElements, ErrLimit)
	}
	switch t := d.top(); {
	case t == nil || t.kind == KindItemStart:
		return d.element()
	case t.kind == KindSeqStart:
		return d.item()
	default:
		return d.fragment()
	}
}

// closeDefined ends the innermost defined-length container at its end.
func (d *Decoder) closeDefined() (Token, bool, error) {
	t := d.top()
	if t == nil || t.end < 0 || d.r.pos < t.end {
		return Token{}, false, nil
	}
	if d.r.pos > t.end {
		return Token{}, false, d.malformed("contents overrun %s", t.tag)
	}
	return d.pop(), true, nil
}

// pop closes the innermost container and returns its end token.
func (d *Decoder) pop() Token {
	f := d.stack[len(d.stack)-1]
	d.stack = d.stack[:len(d.stack)-1]
	switch f.kind {
	case KindSeqStart:
		d.depth--
		return Token{Kind: KindSeqEnd, Tag: f.tag}
	case KindItemStart:
		return Token{Kind: KindItemEnd, Tag: TagItem}
	}
	return Token{Kind: KindFragEnd, Tag: f.tag}
}

// Skip discards the unread rest of the current value.
func (d *Decoder) Skip() error {
	if d.pending == 0 {
		return nil
	}
	n := d.pending
	d.pending = 0
	if _, err := io.CopyN(io.Discard, d.r, n); err != nil {
		return d.truncated(err)
	}
	return nil
}

// CopyValue copies the unread current value to w.
func (d *Decoder) CopyValue(w io.Writer) error {
	n := d.pending
	d.pending = 0
	if _, err := io.CopyN(w, d.r, n); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return d.truncated(err)
		}
		return fmt.Errorf("copy value at byte %d: %w", d.r.pos, err)
	}
	return nil
}

// ReadValue reads the unread current value into memory, up to max bytes.
func (d *Decoder) ReadValue(max int64) ([]byte, error) {
	if d.pending > max {
		return nil, fmt.Errorf("value of %d bytes at byte %d exceeds %d: %w", d.pending, d.r.pos, max, ErrLimit)
	}
	b := make([]byte, d.pending)
	d.pending = 0
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, d.truncated(err)
	}
	return b, nil
}

func (d *Decoder) truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.malformed("truncated")
	}
	return fmt.Errorf("read at byte %d: %w", d.r.pos, err)
}

// read fills b from the stream.
func (d *Decoder) read(b []byte) error {
	if _, err := io.ReadFull(d.r, b); err != nil {
		return d.truncated(err)
	}
	return nil
}

// readTag reads a tag; io.EOF when the stream ends cleanly before it.
func (d *Decoder) readTag() (Tag, error) {
	var b [4]byte
	n, err := io.ReadFull(d.r, b[:])
	if n == 0 && errors.Is(err, io.EOF) {
		return 0, io.EOF
	}
	if err != nil {
		return 0, d.truncated(err)
	}
	o := d.order()
	return NewTag(o.Uint16(b[0:]), o.Uint16(b[2:])), nil
}

func (d *Decoder) readU32() (uint32, error) {
	var b [4]byte
	if err := d.read(b[:]); err != nil {
		return 0, err
	}
	return d.order().Uint32(b[:]), nil
}

// room checks that n bytes fit in the innermost defined container, the
// source and Limits.MaxSize.
func (d *Decoder) room(n int64, tag Tag) error {
	for i := len(d.stack) - 1; i >= 0; i-- {
		if e := d.stack[i].end; e >= 0 {
			if d.r.pos+n > e {
				return d.malformed("%s length %d exceeds its container", tag, n)
			}
			break
		}
	}
	if d.known >= 0 && d.r.pos+n > d.known {
		return d.malformed("%s length %d exceeds the %d bytes left", tag, n, d.known-d.r.pos)
	}
	if d.r.pos+n > d.lim.MaxSize {
		return fmt.Errorf("%s at byte %d: data set larger than %d bytes: %w", tag, d.r.pos, d.lim.MaxSize, ErrLimit)
	}
	return nil
}

// element reads a data element header in a data set or item.
func (d *Decoder) element() (Token, error) {
	tag, err := d.readTag()
	if err == io.EOF {
		if len(d.stack) > 0 {
			return Token{}, d.malformed("truncated inside a sequence")
		}
		return Token{}, io.EOF
	}
	if err != nil {
		return Token{}, err
	}
	if tag == TagItemDelim {
		return d.itemDelim()
	}
	if tag.Group() == 0xFFFE {
		return Token{}, d.malformed("delimiter %s outside its place", tag)
	}
	vr, n, err := d.header(tag)
	if err != nil {
		return Token{}, err
	}
	return d.open(tag, vr, n)
}

// itemDelim ends an item of undefined length.
func (d *Decoder) itemDelim() (Token, error) {
	if _, err := d.readU32(); err != nil {
		return Token{}, err
	}
	t := d.top()
	if t == nil || t.kind != KindItemStart || t.end >= 0 {
		return Token{}, d.malformed("item delimiter outside an item of undefined length")
	}
	return d.pop(), nil
}

// header reads the VR and length after tag.
func (d *Decoder) header(tag Tag) (VR, uint32, error) {
	if d.syn().implicit {
		n, err := d.readU32()
		e, _ := lookup(tag)
		vr := e.vr
		if vr == "" {
			vr = "UN"
		}
		return vr, n, err
	}
	var b [4]byte
	if err := d.read(b[:]); err != nil {
		return "", 0, err
	}
	vr := VR(b[:2])
	if !knownVR(vr) {
		return "", 0, d.malformed("%s has an unknown VR", tag)
	}
	if !longVR(vr) {
		return vr, uint32(d.order().Uint16(b[2:])), nil
	}
	n, err := d.readU32()
	return vr, n, err
}

// open turns an element header into a token: a sequence, encapsulated
// pixel data or a value.
func (d *Decoder) open(tag Tag, vr VR, n uint32) (Token, error) {
	t := Token{Kind: KindElement, Tag: tag, VR: vr, Len: n, Offset: d.r.pos}
	if n == undefinedLength {
		t.Len, t.Undefined = 0, true
		switch {
		case vr == "SQ", d.syn().implicit && tag != TagPixelData:
			t.Kind, t.VR = KindSeqStart, "SQ"
			return t, d.push(frame{kind: KindSeqStart, tag: tag, end: -1, syn: d.syn()})
		case vr == "UN":
			// PS3.5 6.2.2: UN of undefined length holds a sequence in implicit VR LE.
			t.Kind = KindSeqStart
			return t, d.push(frame{kind: KindSeqStart, tag: tag, end: -1, syn: syntax{implicit: true}})
		case vr == "OB" || vr == "OW":
			t.Kind = KindFragStart
			return t, d.push(frame{kind: KindFragStart, tag: tag, end: -1, syn: d.syn()})
		}
		return Token{}, d.malformed("%s of VR %s has undefined length", tag, vr)
	}
	if err := d.room(int64(n), tag); err != nil {
		return Token{}, err
	}
	if vr == "SQ" {
		t.Kind = KindSeqStart
		return t, d.push(frame{kind: KindSeqStart, tag: tag, end: d.r.pos + int64(n), syn: d.syn()})
	}
	d.pending = int64(n)
	if int(n) <= d.lim.MaxValue {
		v, err := d.ReadValue(int64(n))
		if err != nil {
			return Token{}, err
		}
		t.Value = v
	}
	return t, nil
}

func (d *Decoder) push(f frame) error {
	if f.kind == KindSeqStart {
		if d.depth >= d.lim.MaxDepth {
			return fmt.Errorf("%s at byte %d: sequences nested deeper than %d: %w", f.tag, d.r.pos, d.lim.MaxDepth, ErrLimit)
		}
		d.depth++
	}
	d.stack = append(d.stack, f)
	return nil
}

// item reads the next item, or the end, of a sequence.
func (d *Decoder) item() (Token, error) {
	seq := d.top()
	tag, err := d.readTag()
	if err == io.EOF {
		return Token{}, d.malformed("truncated inside sequence %s", seq.tag)
	}
	if err != nil {
		return Token{}, err
	}
	n, err := d.readU32()
	if err != nil {
		return Token{}, err
	}
	switch tag {
	case TagSeqDelim:
		if seq.end >= 0 {
			return Token{}, d.malformed("sequence delimiter in %s of defined length", seq.tag)
		}
		return d.pop(), nil
	case TagItem:
		seq.items++
		f := frame{kind: KindItemStart, tag: seq.tag, end: -1, syn: seq.syn}
		t := Token{Kind: KindItemStart, Tag: TagItem, Offset: d.r.pos, Undefined: n == undefinedLength}
		if n != undefinedLength {
			if err := d.room(int64(n), seq.tag); err != nil {
				return Token{}, err
			}
			f.end, t.Len = d.r.pos+int64(n), n
		}
		return t, d.push(f)
	}
	return Token{}, d.malformed("%s inside sequence %s", tag, seq.tag)
}

// fragment reads the next fragment of encapsulated pixel data; its value
// stays in the stream.
func (d *Decoder) fragment() (Token, error) {
	f := d.top()
	tag, err := d.readTag()
	if err == io.EOF {
		return Token{}, d.malformed("truncated inside pixel data")
	}
	if err != nil {
		return Token{}, err
	}
	n, err := d.readU32()
	if err != nil {
		return Token{}, err
	}
	switch tag {
	case TagSeqDelim:
		return d.pop(), nil
	case TagItem:
		if n == undefinedLength {
			return Token{}, d.malformed("pixel data fragment of undefined length")
		}
		if err := d.room(int64(n), f.tag); err != nil {
			return Token{}, err
		}
		d.pending = int64(n)
		return Token{Kind: KindFragment, Tag: TagItem, Len: n, Offset: d.r.pos}, nil
	}
	return Token{}, d.malformed("%s inside pixel data", tag)
}

// Path is the sequence path of the current position:
// "(0040,A730)[0]/" inside the first item of ContentSequence, "" at the top.
func (d *Decoder) Path() string {
	var p []byte
	for _, f := range d.stack {
		if f.kind == KindSeqStart {
			p = fmt.Appendf(p, "%s[%d]/", f.tag, f.items-1)
		}
	}
	return string(p)
}
