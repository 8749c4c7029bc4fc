package dlp

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Options configure an Engine.
type Options struct {
	// MinConfidence drops findings below it. Zero means the default, 0.5;
	// a negative value keeps every finding.
	MinConfidence float64
	// Types restricts detection to these types; nil means all types.
	Types []Type
}

// DefaultMinConfidence is used when Options.MinConfidence is zero.
const DefaultMinConfidence = 0.5

// ErrInvalidOptions is returned by New for options it cannot use.
var ErrInvalidOptions = errors.New("dlp: invalid options")

// Engine finds PHI in free text. It is immutable after New and safe for
// concurrent use.
type Engine struct {
	min  float64
	want map[Type]bool // nil: all types
	pool sync.Pool     // of *scanner scratch space
}

// New returns an Engine for opts.
func New(opts Options) (*Engine, error) {
	if opts.MinConfidence > 1 {
		return nil, fmt.Errorf("min confidence above 1: %w", ErrInvalidOptions)
	}
	e := &Engine{min: opts.MinConfidence}
	if e.min == 0 {
		e.min = DefaultMinConfidence
	}
	if opts.Types != nil {
		e.want = make(map[Type]bool, len(opts.Types))
		for _, t := range opts.Types {
			if !knownType(t) {
				return nil, fmt.Errorf("unknown type %q: %w", t, ErrInvalidOptions)
			}
			e.want[t] = true
		}
	}
	if err := loadDicts(); err != nil {
		return nil, fmt.Errorf("load name dictionaries: %w", err)
	}
	return e, nil
}

func knownType(t Type) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

func (e *Engine) wants(t Type) bool { return e.want == nil || e.want[t] }

// chunkSize bounds the memory one scan step uses; chunks end at a line
// break where there is one, so findings rarely straddle two chunks.
const chunkSize = 32 << 10

// Scan returns the findings in text, sorted by Start, without overlaps.
func (e *Engine) Scan(text []byte) []Finding {
	s, _ := e.pool.Get().(*scanner)
	if s == nil {
		s = newScanner(e)
	}
	defer e.pool.Put(s)
	return s.scan(text)
}

// scan runs the detectors over text chunk by chunk, then resolves what
// they found.
func (s *scanner) scan(text []byte) []Finding {
	s.found = s.found[:0]
	for base := 0; base < len(text); {
		end := chunkEnd(text, base)
		s.reset(text[base:end], base)
		s.run()
		base = end
	}
	return s.e.resolve(text, s.found, &s.keys)
}

// chunkEnd returns where the chunk starting at base ends.
func chunkEnd(text []byte, base int) int {
	end := base + chunkSize
	if end >= len(text) {
		return len(text)
	}
	for i := end; i > base+chunkSize/2; i-- {
		if text[i-1] == '\n' {
			return i
		}
	}
	for i := end; i > base+chunkSize/2; i-- {
		if text[i-1] == ' ' || text[i-1] == '\t' {
			return i
		}
	}
	return end
}

// resolve filters findings by type and confidence, then removes overlaps,
// keeping the more confident (then the longer, then the earlier found)
// span. It allocates only the result.
func (e *Engine) resolve(text []byte, in []Finding, scratch *[]uint64) []Finding {
	keys := e.order(text, in, (*scratch)[:0])
	*scratch = keys
	kept := keys[:0] // the winners, written over the keys already read
	for _, k := range keys {
		f := &in[k]
		if n := len(kept); n > 0 && f.Start < in[kept[n-1]].End {
			if better(*f, in[kept[n-1]]) {
				kept[n-1] = k
			}
			continue
		}
		kept = append(kept, k)
	}
	if len(kept) == 0 {
		return nil
	}
	out := make([]Finding, len(kept))
	for i, k := range kept {
		out[i] = in[k]
	}
	return out
}

// order appends to keys the indices of the findings in text that pass the
// filters, sorted by start, longest first, then as found. Scan found them
// chunk by chunk, each finding within its chunk: so the chunks are sorted
// one by one, each on numbers that pack the order (see sortKey), and the
// sorted chunks follow each other.
func (e *Engine) order(text []byte, in []Finding, keys []uint64) []uint64 {
	i := 0
	for base := 0; base < len(text) && i < len(in); {
		end := chunkEnd(text, base)
		first, from := len(keys), i
		for ; i < len(in) && in[i].Start < end; i++ { // the findings of this chunk
			if f := &in[i]; f.Start < f.End && f.Confidence >= e.min && e.wants(f.Type) {
				keys = append(keys, sortKey(f.Start-base, f.End-base, i-from))
			}
		}
		slices.Sort(keys[first:])
		for k := first; k < len(keys); k++ {
			keys[k] = uint64(from + int(uint32(keys[k]))) // the index in found
		}
		base = end
	}
	return keys
}

// sortKey packs the order of a finding of a chunk, by start (bytes into
// the chunk), then end (the later first), then as found (its index among
// the chunk's findings), into one number that sorts the same way.
func sortKey(start, end, idx int) uint64 {
	return uint64(start)<<48 | uint64(chunkSize-end)<<32 | uint64(uint32(idx))
}

// The packed fields must hold a chunk's offsets: start and chunkSize-end
// are below 1<<16 (this does not compile otherwise).
const _ = uint16(chunkSize - 1)

func better(a, b Finding) bool {
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	return a.End-a.Start > b.End-b.Start
}
