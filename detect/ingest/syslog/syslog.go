// Package syslog turns syslog messages (RFC 5424 with structured data, and
// best-effort RFC 3164 with year inference) into detect.Events, using
// github.com/leodido/go-syslog/v4, and serves syslog over UDP, TCP and TLS
// (RFC 5426, RFC 6587 octet counting and newline framing, RFC 5425).
//
// Known producers become classed events: sshd and su logons, sudo commands,
// Windows Security events forwarded in structured data or as Snare text
// (4624/4625/4688), firewall deny/allow lines, and airtight's own
// structured-data elements for DICOM associations, HL7 messages and
// firmware updates. Everything else is a class log event with its message.
// The source's own names (SD parameters, Windows EventData names) are kept
// in Event.Fields.
package syslog

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	gosyslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/common"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// Source is the Event.Source of every event from this package.
const Source = "syslog"

// Options configure a Parser. The zero value is usable.
type Options struct {
	// Now is the reference clock for RFC 3164 timestamps, which carry no
	// year: the year is Now's, or the one before when that would put the
	// message more than 30 days in the future. Default time.Now.
	Now func() time.Time
	// Location is the zone of RFC 3164 timestamps. Default UTC.
	Location *time.Location
	// Limits bound messages and fields; zero values mean the defaults.
	Limits feed.Limits
}

// Parser parses syslog messages into events. It is safe for concurrent use.
type Parser struct {
	now     func() time.Time
	lim     feed.Limits
	rfc5424 gosyslog.Machine
	rfc3164 gosyslog.Machine
}

// NewParser returns a parser with the given options.
func NewParser(o Options) *Parser {
	p := &Parser{now: o.Now, lim: o.Limits.WithDefaults()}
	if p.now == nil {
		p.now = time.Now
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	p.rfc5424 = rfc5424.NewParser(rfc5424.WithBestEffort())
	p.rfc3164 = rfc3164.NewParser(
		rfc3164.WithBestEffort(),
		rfc3164.WithYear(clockYear{p.now}),
		rfc3164.WithTimezone(loc),
		rfc3164.WithRFC3339(),
	)
	return p
}

// clockYear gives go-syslog the year of the parser's clock.
type clockYear struct{ now func() time.Time }

func (c clockYear) Apply() int { return c.now().Year() }

// Errors for messages that are not syslog.
var (
	ErrEmpty     = errors.New("empty message")
	ErrNotSyslog = errors.New("not a syslog message")
)

// record is a parsed message before it is mapped to an event.
type record struct {
	time     time.Time
	host     string
	app      string
	procID   string
	msgID    string
	msg      string
	facility string
	severity string
	sd       map[string]map[string]string
}

// Parse parses one syslog message (without framing or trailing newline).
func (p *Parser) Parse(msg []byte) (*detect.Event, error) {
	msg = trimEnd(msg)
	switch {
	case len(bytes.TrimSpace(msg)) == 0:
		return nil, ErrEmpty
	case len(msg) > p.lim.MaxLine:
		return nil, fmt.Errorf("%w (over %d bytes)", feed.ErrLineTooLong, p.lim.MaxLine)
	}
	rec, err := p.parse(msg)
	if err != nil {
		return nil, err
	}
	n := countParams(rec.sd)
	if n > p.lim.MaxFields {
		return nil, fmt.Errorf("%w in structured data (over %d)", feed.ErrTooManyFields, p.lim.MaxFields)
	}
	return mapRecord(&rec, n), nil
}

// trimEnd drops trailing CR, LF and NUL bytes (what bytes.TrimRight with
// that cut set does, without building the set per message).
func trimEnd(msg []byte) []byte {
	i := len(msg)
	for i > 0 && (msg[i-1] == '\r' || msg[i-1] == '\n' || msg[i-1] == 0) {
		i--
	}
	return msg[:i]
}

func (p *Parser) parse(msg []byte) (record, error) {
	if isRFC5424(msg) {
		return p.parse5424(msg)
	}
	return p.parse3164(msg)
}

// isRFC5424 reports whether msg starts with "<PRI>VERSION ".
func isRFC5424(msg []byte) bool {
	end := bytes.IndexByte(msg, '>')
	if len(msg) == 0 || msg[0] != '<' || end < 2 || end > 4 {
		return false
	}
	rest := msg[end+1:]
	i := 0
	for i < len(rest) && i < 3 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	return i > 0 && rest[0] != '0' && i < len(rest) && rest[i] == ' '
}

func (p *Parser) parse5424(msg []byte) (record, error) {
	m, err := p.rfc5424.Parse(msg)
	sm, ok := m.(*rfc5424.SyslogMessage)
	if !ok || sm == nil || !sm.Base.Valid() {
		return record{}, fmt.Errorf("%w: rfc5424: %v", ErrNotSyslog, safeErr(err))
	}
	rec := baseRecord(&sm.Base)
	if sm.StructuredData != nil {
		rec.sd = *sm.StructuredData
	}
	return rec, nil
}

func (p *Parser) parse3164(msg []byte) (record, error) {
	guessedPRI := len(msg) == 0 || msg[0] != '<'
	input := msg
	if guessedPRI {
		// Files written by local syslog daemons carry no PRI; parse as
		// user.notice and do not report a facility or severity.
		input = append([]byte("<13>"), msg...)
	}
	input = padDay(input)
	m, err := p.rfc3164.Parse(input)
	sm, ok := m.(*rfc3164.SyslogMessage)
	if !ok || sm == nil || !sm.Base.Valid() || sm.Timestamp == nil {
		return record{}, fmt.Errorf("%w: rfc3164: %v", ErrNotSyslog, safeErr(err))
	}
	rec := baseRecord(&sm.Base)
	if guessedPRI {
		rec.facility, rec.severity = "", ""
	}
	rec.time = p.inferYear(rec.time)
	if sm.Message == nil && sm.Appname == nil {
		rec.msg = afterHost(input, rec.host)
	}
	return rec, nil
}

// padDay rewrites a single-digit day written without its padding space
// ("<13>Mar 1 00:00:00") to the RFC 3164 form ("Mar  1") go-syslog expects.
func padDay(input []byte) []byte {
	end := bytes.IndexByte(input, '>')
	if end < 0 || len(input) < end+8 {
		return input
	}
	ts := input[end+1:]
	if ts[3] == ' ' && ts[4] >= '1' && ts[4] <= '9' && ts[5] == ' ' {
		out := make([]byte, 0, len(input)+1)
		out = append(out, input[:end+5]...)
		out = append(out, ' ')
		return append(out, input[end+5:]...)
	}
	return input
}

// inferYear moves a year-less timestamp that lies more than 30 days ahead
// of the clock into the year before (December logs read in January).
func (p *Parser) inferYear(t time.Time) time.Time {
	if t.After(p.now().AddDate(0, 0, 30)) {
		return t.AddDate(-1, 0, 0)
	}
	return t
}

// afterHost returns what follows the hostname of an RFC 3164 message whose
// tag go-syslog could not read (e.g. Snare's tab-separated Windows events).
func afterHost(input []byte, host string) string {
	if host == "" {
		return ""
	}
	i := bytes.Index(input, []byte(" "+host+" "))
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(string(input[i+len(host)+2:]))
}

func baseRecord(b *gosyslog.Base) record {
	rec := record{
		host:   deref(b.Hostname),
		app:    deref(b.Appname),
		procID: deref(b.ProcID),
		msgID:  deref(b.MsgID),
		msg:    strings.TrimSpace(deref(b.Message)),
	}
	if b.Timestamp != nil {
		rec.time = b.Timestamp.UTC()
	}
	if b.Facility != nil {
		rec.facility = common.FacilityKeywords[*b.Facility]
	}
	if b.Severity != nil {
		rec.severity = common.SeverityLevelsShort[*b.Severity]
	}
	return rec
}

func deref(s *string) string {
	if s == nil || *s == "-" {
		return ""
	}
	return *s
}

// safeErr gives the parser's reason: go-syslog errors name the expected
// token and column, never the input.
func safeErr(err error) string {
	if err == nil {
		return "incomplete header"
	}
	return err.Error()
}

func countParams(sd map[string]map[string]string) int {
	n := 0
	for _, params := range sd {
		n += len(params) + 1
	}
	return n
}
