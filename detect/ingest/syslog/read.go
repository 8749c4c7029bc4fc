package syslog

import (
	"context"
	"io"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// ReadFile parses r as one syslog message per line (a log file written by a
// syslog daemon, with or without PRI) and hands each event to sink. Bad
// lines are counted and reported by name and line number; the rest go on.
func (p *Parser) ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink) (feed.Stats, error) {
	c := &feed.Counter{Next: sink}
	st, err := feed.ReadLines(ctx, name, r, p.lim, func(line []byte, _ int64) error {
		e, err := p.Parse(line)
		if err != nil {
			return err
		}
		c.Event(e)
		return nil
	})
	st.Events = c.N
	return st, err
}
