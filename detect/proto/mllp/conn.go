package mllp

import (
	"fmt"
	"time"

	"github.com/airtight/airtight/detect"
)

// Conn follows one TCP connection carrying MLLP and emits an event per
// HL7 message. Feed it each direction's reassembled bytes in order. It is
// not safe for concurrent use.
type Conn struct {
	base detect.Event
	sink detect.Sink
	lim  Limits
	dirs [2]framer
}

// framer is one direction's MLLP framing state.
type framer struct {
	in     bool   // inside a frame (after a start block)
	sawEnd bool   // the end block was seen, a CR may follow
	resync bool   // after a gap or error: skip to the next start block
	over   bool   // the current message passed MaxMessage
	buf    []byte // the current message
}

// NewConn returns a Conn whose events copy base (endpoints, protocol,
// source); base.Src is the client.
func NewConn(base detect.Event, sink detect.Sink, lim Limits) *Conn {
	return &Conn{base: base, sink: sink, lim: lim.withDefaults()}
}

func dirIndex(toServer bool) int {
	if toServer {
		return 0
	}
	return 1
}

// Feed consumes the next bytes of one direction. Messages may span calls
// and one call may hold several. Bad framing or a bad message returns an
// error (never message content); parsing goes on at the next start block.
func (c *Conn) Feed(toServer bool, b []byte, ts time.Time) error {
	f := &c.dirs[dirIndex(toServer)]
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for len(b) > 0 {
		if !f.in {
			n, err := f.outside(b)
			keep(err)
			b = b[n:]
			continue
		}
		n, done := f.inside(b, c.lim.MaxMessage)
		b = b[n:]
		if done {
			keep(c.message(f, toServer, ts))
		}
	}
	return first
}

// outside skips to the next start block. Line breaks between frames are
// tolerated; anything else is an error unless resynchronising.
func (f *framer) outside(b []byte) (int, error) {
	var err error
	for i, c := range b {
		switch {
		case c == StartBlock:
			f.in, f.resync, f.over, f.sawEnd = true, false, false, false
			f.buf = f.buf[:0]
			return i + 1, err
		case f.sawEnd && c == CR, c == '\n', c == '\r':
		case !f.resync && err == nil:
			err = fmt.Errorf("%w: byte 0x%02x outside an MLLP frame", ErrMalformed, c)
			f.resync = true
		}
		f.sawEnd = false
	}
	return len(b), err
}

// inside collects message bytes up to the end block; done reports a
// complete frame.
func (f *framer) inside(b []byte, max int) (n int, done bool) {
	for i, c := range b {
		if c == EndBlock {
			f.in, f.sawEnd = false, true
			return i + 1, true
		}
		if len(f.buf) >= max {
			f.over = true
			continue
		}
		f.buf = append(f.buf, c)
	}
	return len(b), false
}

func (c *Conn) message(f *framer, toServer bool, ts time.Time) error {
	buf, over := f.buf, f.over
	f.buf = f.buf[:0]
	if cap(f.buf) > 64<<10 {
		f.buf = nil // do not keep a large buffer between messages
	}
	if over {
		return fmt.Errorf("%w: message over %d bytes", ErrMalformed, c.lim.MaxMessage)
	}
	m, err := ParseMessage(buf, c.lim)
	clear(buf)
	if err != nil {
		return err
	}
	c.sink.Event(c.event(m, ts))
	return nil
}

// Gap tells the Conn bytes of one direction were lost: the message in
// progress is dropped and parsing resumes at the next start block.
func (c *Conn) Gap(toServer bool) {
	f := &c.dirs[dirIndex(toServer)]
	clear(f.buf)
	*f = framer{resync: true}
}

// Close drops any unfinished message.
func (c *Conn) Close(ts time.Time) {
	for i := range c.dirs {
		clear(c.dirs[i].buf)
		c.dirs[i] = framer{}
	}
}

func (c *Conn) event(m *Message, ts time.Time) *detect.Event {
	e := c.base
	e.Time = ts
	e.Class = detect.ClassHL7Activity
	e.App = "hl7"
	e.Activity = "message"
	e.Fields = nil
	if m.IsAck() {
		e.Activity = "ack"
		e.Status = ackStatus(m.AckCode)
	}
	e.HL7 = &detect.HL7{
		SendingApp:        m.SendingApp,
		SendingFacility:   m.SendingFacility,
		ReceivingApp:      m.ReceivingApp,
		ReceivingFacility: m.ReceivingFacility,
		MessageType:       m.Type,
		ControlID:         m.ControlID,
		Version:           m.Version,
		AckCode:           m.AckCode,
		PatientData:       m.HasPID,
	}
	return &e
}

// ackStatus maps MSA-1 to detect.Event.Status: AA/CA accept, AE/AR and
// CE/CR error or reject.
func ackStatus(code string) string {
	switch code {
	case "AA", "CA":
		return "success"
	case "AE", "AR", "CE", "CR":
		return "failure"
	}
	return ""
}
