package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/feed"
)

// DefaultMaxDocument bounds a stream of pretty-printed JSON objects.
const DefaultMaxDocument = 4 << 20

// Options bound reading; zero values mean the defaults.
type Options struct {
	Limits      feed.Limits
	MaxDocument int // bytes of a non-line-delimited stream in all
}

// ReadFile parses r and hands each object's event to sink. Bad objects
// are counted and reported by name and line (or object number in a
// pretty-printed stream).
func ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink, o Options) (feed.Stats, error) {
	lim := o.Limits.WithDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	first, _ := br.Peek(min(br.Size(), lim.MaxLine))
	if line, _, _ := bytes.Cut(first, []byte("\n")); isDocumentStart(line) {
		return readDocuments(ctx, name, br, sink, lim, o.MaxDocument)
	}
	c := &feed.Counter{Next: sink}
	st, err := feed.ReadLines(ctx, name, br, lim, func(line []byte, _ int64) error {
		e, err := Parse(line, lim)
		if err != nil {
			return err
		}
		c.Event(e)
		return nil
	})
	st.Events = c.N
	return st, err
}

// readDocuments decodes a stream of JSON objects (not one per line), at
// most max bytes in all.
func readDocuments(ctx context.Context, name string, r io.Reader, sink detect.Sink, lim feed.Limits, max int) (feed.Stats, error) {
	if max <= 0 {
		max = DefaultMaxDocument
	}
	var st feed.Stats
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return st, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > max {
		st.Records = 1
		st.Reject(name, 1, fmt.Errorf("%w: JSON document over %d bytes", feed.ErrLineTooLong, max), lim.MaxErrors)
		return st, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := int64(1); ctx.Err() == nil; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return st, nil
		} else if err != nil {
			st.Records++
			st.Reject(name, n, fmt.Errorf("%w: invalid JSON in object %d", feed.ErrSyntax, n), lim.MaxErrors)
			return st, nil // the stream cannot be resynchronised
		}
		st.Records++
		e, err := Parse(raw, lim)
		if err != nil {
			st.Reject(name, n, err, lim.MaxErrors)
			continue
		}
		st.Events++
		sink.Event(e)
	}
	return st, ctx.Err()
}
