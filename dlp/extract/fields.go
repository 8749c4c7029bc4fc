package extract

import (
	"sort"
	"strings"
)

// batchSize is how much field text a fieldBatch gathers before it scans.
const batchSize = 64 << 10

// fieldSpan is one value in a fieldBatch's text.
type fieldSpan struct {
	part, field string
	row, col    int // for name, when field is ""
	start, end  int
}

// fieldBatch scans many short values (cells, JSON strings, headers) with
// one engine call: each value goes on its own line after its label
// ("Patient Name: ...", "SSN: ..."), so the engine sees the label as
// context, and findings are mapped back to offsets within the value.
type fieldBatch struct {
	st    *run
	text  []byte
	spans []fieldSpan
	name  func(sp *fieldSpan) string // field of spans with field ""
}

func (st *run) newBatch() *fieldBatch { return &fieldBatch{st: st} }

// add queues value, labelled label, as field of part. A value longer than
// a chunk is scanned on its own, as text.
func (b *fieldBatch) add(sp fieldSpan, label string, value []byte) {
	if len(value) == 0 {
		return
	}
	if len(value) > b.st.s.lim.ChunkSize {
		b.flush()
		field := sp.field
		if field == "" && b.name != nil {
			field = b.name(&sp)
		}
		sink := b.st.newTextSink(sp.part, field)
		sink.Write(value)
		sink.Close()
		return
	}
	b.text = append(b.text, label...)
	b.text = append(b.text, ": "...)
	sp.start = len(b.text)
	b.text = append(b.text, value...)
	sp.end = len(b.text)
	b.text = append(b.text, '\n')
	b.spans = append(b.spans, sp)
	if len(b.text) >= batchSize {
		b.flush()
	}
}

// flush scans the queued values.
func (b *fieldBatch) flush() {
	if len(b.spans) == 0 || b.st.ctx.Err() != nil {
		b.text, b.spans = b.text[:0], b.spans[:0]
		return
	}
	for _, f := range b.st.s.eng.Scan(b.text) {
		i := sort.Search(len(b.spans), func(i int) bool { return b.spans[i].end > f.Start })
		if i == len(b.spans) {
			continue
		}
		sp := &b.spans[i]
		s, e := max(f.Start, sp.start), min(f.End, sp.end)
		if s >= e {
			continue // in a label
		}
		f.Start, f.End = s-sp.start, e-sp.start
		field := sp.field
		if field == "" && b.name != nil {
			field = b.name(sp)
		}
		b.st.rep.Findings = append(b.st.rep.Findings, locate(f, sp.part, field))
	}
	b.text, b.spans = b.text[:0], b.spans[:0]
}

// label makes a label from a name in content: one line, at most 64 bytes.
func label(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	return cleanName(s[:min(len(s), 64)])
}
