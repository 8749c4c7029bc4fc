// Package feed holds what every ingest parser shares: hard limits on
// outside input, counters, errors that name the file and line of bad input
// without quoting it, a bounded line reader and a bounded JSON flattener.
//
// Parsers of outside input never keep going on unbounded input: every line,
// field count and nesting depth has a ceiling, and input over a ceiling is
// counted and reported, never buffered.
package feed

import (
	"errors"
	"fmt"

	"github.com/airtight/airtight/detect"
)

// Default limits.
const (
	DefaultMaxLine   = 64 << 10 // bytes per line or message
	DefaultMaxFields = 512      // fields per record
	DefaultMaxDepth  = 16       // JSON nesting depth
	DefaultMaxErrors = 100      // bad-record errors kept in Stats
)

// Limits are the hard ceilings a parser applies to outside input. The zero
// value of a field means its default.
type Limits struct {
	MaxLine   int // bytes per line or message
	MaxFields int // fields per record
	MaxDepth  int // JSON nesting depth
	MaxErrors int // bad-record errors kept in Stats (the count goes on)
}

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxLine <= 0 {
		l.MaxLine = DefaultMaxLine
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultMaxErrors
	}
	return l
}

// Sentinel reasons for rejected input. Errors in Stats wrap one of these
// where it applies.
var (
	ErrLineTooLong   = errors.New("line too long")
	ErrTooManyFields = errors.New("too many fields")
	ErrTooDeep       = errors.New("nesting too deep")
	ErrSyntax        = errors.New("syntax error")
)

// BadInput locates a rejected record: the file (or listener) name, the line
// or packet number and why. It never quotes the record: input may carry
// patient data or secrets.
type BadInput struct {
	Name string // file name or listener address
	Line int64  // 1-based line, message or packet number
	Err  error
}

func (e *BadInput) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
}

func (e *BadInput) Unwrap() error { return e.Err }

// Stats counts what one read did.
type Stats struct {
	Records int64 // lines, messages or packets read (comments and headers excluded)
	Events  int64 // events handed to the sink
	Bad     int64 // records rejected
	Skipped int64 // records read and deliberately not turned into events (e.g. templates)
	// Errors holds the first Limits.MaxErrors rejections, each a *BadInput.
	Errors []error
}

// Add accumulates o into s, keeping at most max errors.
func (s *Stats) Add(o Stats, max int) {
	s.Records += o.Records
	s.Events += o.Events
	s.Bad += o.Bad
	s.Skipped += o.Skipped
	for _, err := range o.Errors {
		if len(s.Errors) >= max {
			break
		}
		s.Errors = append(s.Errors, err)
	}
}

// Reject counts one bad record and keeps its error while fewer than max are
// kept.
func (s *Stats) Reject(name string, line int64, err error, max int) {
	s.Bad++
	if len(s.Errors) < max {
		s.Errors = append(s.Errors, &BadInput{Name: name, Line: line, Err: err})
	}
}

// Counter is a sink that counts the events it passes on.
type Counter struct {
	Next detect.Sink
	N    int64
}

// Event passes e on and counts it.
func (c *Counter) Event(e *detect.Event) {
	c.N++
	c.Next.Event(e)
}
