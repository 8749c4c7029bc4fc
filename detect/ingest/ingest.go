// Package ingest reads any supported input into detect.Events: it sniffs
// the format from content (Sniff), dispatches a file to the right parser
// (Ingest.ReadFile) and absorbs bursts in a bounded queue (Queue).
//
// The parsers live in subpackages named after what they read: syslog,
// zeek, eve (Suricata), netflow (v5, v9, IPFIX) and jsonl (ECS, Windows
// event and OCSF JSON). Packet captures are read by a reader registered
// from outside (Register), so this package does not depend on the pcap
// decoder.
package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/detect/ingest/eve"
	"github.com/airtight/airtight/detect/ingest/feed"
	"github.com/airtight/airtight/detect/ingest/jsonl"
	"github.com/airtight/airtight/detect/ingest/netflow"
	"github.com/airtight/airtight/detect/ingest/syslog"
	"github.com/airtight/airtight/detect/ingest/zeek"
)

// Stats counts what one read did.
type Stats = feed.Stats

// Limits are the hard ceilings every parser applies.
type Limits = feed.Limits

// Reader reads one input into events. Readers registered from outside
// (packet captures) use this form.
type Reader func(ctx context.Context, r io.Reader, sink detect.Sink) error

// fileReader is the form of the built-in parsers: they also count.
type fileReader func(ctx context.Context, name string, r io.Reader, sink detect.Sink) (Stats, error)

// Options configure an Ingest; the zero value is usable.
type Options struct {
	Limits Limits
	Syslog syslog.Options // its Limits default to Limits
}

// Ingest dispatches files to parsers by sniffed format. It is safe for
// concurrent use.
type Ingest struct {
	mu      sync.RWMutex
	readers map[Format]fileReader
}

// New returns an Ingest with the built-in parsers. Pcap and pcapng have
// none until one is registered.
func New(o Options) *Ingest {
	if o.Syslog.Limits == (Limits{}) {
		o.Syslog.Limits = o.Limits
	}
	sp := syslog.NewParser(o.Syslog)
	nf := netflow.NewDecoder(netflow.Options{MaxFields: o.Limits.MaxFields})
	lim := o.Limits
	return &Ingest{readers: map[Format]fileReader{
		Syslog:  sp.ReadFile,
		NetFlow: nf.ReadFile,
		Zeek: func(ctx context.Context, name string, r io.Reader, s detect.Sink) (Stats, error) {
			return zeek.ReadFile(ctx, name, r, s, zeek.Options{Limits: lim})
		},
		EVE: func(ctx context.Context, name string, r io.Reader, s detect.Sink) (Stats, error) {
			return eve.ReadFile(ctx, name, r, s, lim)
		},
		OCSF: readJSONL(lim),
		ECS:  readJSONL(lim),
		JSON: readJSONL(lim),
	}}
}

func readJSONL(lim Limits) fileReader {
	return func(ctx context.Context, name string, r io.Reader, s detect.Sink) (Stats, error) {
		return jsonl.ReadFile(ctx, name, r, s, jsonl.Options{Limits: lim})
	}
}

// Register sets the reader of a format, replacing any before it (the lead
// wires pcap.Read in for Pcap and PcapNG).
func (in *Ingest) Register(f Format, read Reader) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.readers[f] = func(ctx context.Context, name string, r io.Reader, sink detect.Sink) (Stats, error) {
		c := &feed.Counter{Next: sink}
		err := read(ctx, r, c)
		st := Stats{Events: c.N}
		if err != nil {
			return st, fmt.Errorf("read %s: %w", name, err)
		}
		return st, nil
	}
}

// ErrUnknownFormat is returned for input Sniff cannot place, or a format
// with no reader registered.
var ErrUnknownFormat = fmt.Errorf("unknown input format")

// ReadFile sniffs the format of r from its first bytes and reads it with
// that format's parser. name labels errors ("file:line: reason").
func (in *Ingest) ReadFile(ctx context.Context, name string, r io.Reader, sink detect.Sink) (Stats, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	first, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return Stats{}, fmt.Errorf("read %s: %w", name, err)
	}
	f := Sniff(first)
	in.mu.RLock()
	read, ok := in.readers[f]
	in.mu.RUnlock()
	if !ok {
		return Stats{}, fmt.Errorf("%s: %w (%s)", name, ErrUnknownFormat, f)
	}
	return read(ctx, name, br, sink)
}
