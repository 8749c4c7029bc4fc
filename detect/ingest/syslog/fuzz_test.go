package syslog

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/airtight/airtight/detect/ingest/feed"
)

// FuzzParse: no input panics the parser, and a parsed event is within
// the limits.
func FuzzParse(f *testing.F) {
	for _, l := range benchLines() {
		f.Add([]byte(l))
	}
	f.Add([]byte("<13>"))
	f.Add([]byte("<13>1 "))
	f.Add([]byte(`<13>1 - - - - - [a@1 b="\]"]`))
	f.Add([]byte("MSWinEventLog\t1\t2"))
	p := NewParser(Options{Limits: feed.Limits{MaxLine: 4096, MaxFields: 64}})
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := p.Parse(msg)
		if err != nil {
			return
		}
		if e.Source != Source || len(e.Fields) > 64+16 {
			t.Fatalf("event out of bounds: %+v", e)
		}
	})
}

// FuzzFramer: any byte stream splits into messages no longer than the
// limit, without panics.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("12 <13>1 - - -\n<13>x\n"))
	f.Add([]byte("99999999999 x"))
	f.Add([]byte("\x00\n\r5 abc"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := &framer{br: bufio.NewReaderSize(bytes.NewReader(stream), 16), max: 32}
		for range len(stream) + 1 {
			msg, err := fr.next()
			if len(msg) > 32 {
				t.Fatalf("message of %d bytes over the limit", len(msg))
			}
			if err != nil && err != feed.ErrLineTooLong {
				return
			}
		}
	})
}
