package syslog

import (
	"bufio"
	"bytes"
	"regexp"
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

// sshdAcceptedRE is the regular expression acceptedLogon stands in for.
var sshdAcceptedRE = regexp.MustCompile(`^Accepted (\S+) for (.*?) from (\S+) port (\d+)`)

// FuzzAcceptedLogon: acceptedLogon reads exactly what sshdAcceptedRE
// captures, on every input.
func FuzzAcceptedLogon(f *testing.F) {
	for _, s := range acceptedSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		checkAccepted(t, msg)
	})
}

// acceptedSamples are real sshd lines and the corner cases of the
// expression: a user holding " from ", a newline, tabs, no port digits.
var acceptedSamples = []string{
	"Accepted publickey for svc001 from 10.20.1.40 port 52211 ssh2",
	"Accepted password for root from 192.0.2.7 port 22 ssh2",
	"Accepted keyboard-interactive/pam for nurse from 2001:db8::5 port 50000 ssh2",
	"Accepted publickey for svc from x from 10.0.0.1 port 1 ssh2",
	"Accepted publickey for a from b port x from 10.0.0.1 port 7",
	"Accepted publickey for a\nb from 10.0.0.1 port 7",
	"Accepted publickey for  from 10.0.0.1 port 7",
	"Accepted\tpublickey for a from 10.0.0.1 port 7",
	"Accepted publickey\tfor a from 10.0.0.1 port 7",
	"Accepted publickey for a from  port 7",
	"Accepted publickey for a from 10.0.0.1 port ",
	"Accepted publickey for a from 10.0.0.1\tport 7",
	"Accepted publickey for a from 10.0.0.1 port 7x from 10.0.0.2 port 8",
	"Accepted publickey for a from 10.0.0.1 port x from 10.0.0.2 port 8",
	"Accepted publickey for \xff from \xfe port 9",
	"Accepted  for a from b port 1",
	"Accepted x for  from  from b port 1",
	"accepted publickey for a from b port 1",
	"Accepted",
	"",
}

func checkAccepted(t *testing.T, msg string) {
	t.Helper()
	method, user, ip, port, ok := acceptedLogon(msg)
	m := sshdAcceptedRE.FindStringSubmatch(msg)
	if ok != (m != nil) {
		t.Fatalf("%q: acceptedLogon ok=%v, expression matched %v", msg, ok, m != nil)
	}
	if ok && (method != m[1] || user != m[2] || ip != m[3] || port != m[4]) {
		t.Fatalf("%q: acceptedLogon %q %q %q %q, expression %q", msg, method, user, ip, port, m[1:])
	}
}

func TestAcceptedLogon(t *testing.T) {
	matched := 0
	for _, s := range acceptedSamples {
		checkAccepted(t, s)
		if _, _, _, _, ok := acceptedLogon(s); ok {
			matched++
		}
	}
	if matched < 5 {
		t.Fatalf("only %d samples matched: the comparison covers too little", matched)
	}
}
