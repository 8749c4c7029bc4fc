package icapgw

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// readChunk is the first allocation for a body or a decoded copy, and the
// unit a buffer grows by at least.
const readChunk = 64 << 10

// errBudget says the body buffer budget (Config.MaxBufferedBytes) is spent.
var errBudget = errors.New("body buffer budget exhausted")

// errTooLarge says a decoded copy would be larger than MaxBodyBytes.
var errTooLarge = errors.New("decoded content too large")

// minBudget is the smallest MaxBufferedBytes that lets one request of
// maxBody bytes be scanned whole on an idle server: the received body
// (its buffer grows up to maxBody), the copy with its Content-Encoding
// undone and, for a form, the decoded copy of the form part being scanned,
// plus two read chunks of slack.
func minBudget(maxBody int64) int64 { return 3*maxBody + 2*readChunk }

// budget bounds the memory that all requests together hold for bodies and
// their decoded copies. A mutex-protected counter: requests never wait
// for it; when it is spent their content is unscannable.
type budget struct {
	mu   sync.Mutex
	max  int64
	used int64
}

func (b *budget) tryReserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 || n > b.max-b.used {
		return false
	}
	b.used += n
	return true
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used < 0 {
		panic(fmt.Sprintf("icapgw: body buffer budget released below zero (%d)", b.used))
	}
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// reservation is one request's share of the budget. It goes back when the
// last holder is done: the request itself and any scanner that was
// abandoned at ScanTimeout and may still read the data (its memory is not
// free before that).
type reservation struct {
	b    *budget
	mu   sync.Mutex
	n    int64
	refs int
}

func (b *budget) reservation() *reservation { return &reservation{b: b, refs: 1} }

// grow adds n bytes to the reservation; false when the budget is spent.
// A nil reservation (bodies that are not kept, tests) always grows.
func (r *reservation) grow(n int64) bool {
	if r == nil {
		return true
	}
	if !r.b.tryReserve(n) {
		return false
	}
	r.mu.Lock()
	r.n += n
	r.mu.Unlock()
	return true
}

// shrink gives back n bytes of a copy that is no longer referenced.
func (r *reservation) shrink(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	n = min(n, r.n)
	r.n -= n
	r.mu.Unlock()
	r.b.release(n)
}

// hold adds a holder; each hold is ended by one done.
func (r *reservation) hold() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
}

// done ends one hold (the request's own included); the last one returns
// everything still reserved.
func (r *reservation) done() {
	r.mu.Lock()
	r.refs--
	var n int64
	if r.refs == 0 {
		n, r.n = r.n, 0
	}
	r.mu.Unlock()
	if n > 0 {
		r.b.release(n)
	}
}

// growCap doubles a buffer of capacity c (readChunk when empty) until it
// holds need bytes, but never beyond limit (need <= limit).
func growCap(c, need, limit int64) int64 {
	if c <= 0 {
		c = readChunk
	}
	for c < need {
		c *= 2
	}
	return min(c, limit)
}

// readReserved reads r whole into a buffer whose capacity is reserved
// from res before it is allocated. It fails with errTooLarge beyond limit
// bytes and with errBudget when the budget is spent; then nothing stays
// reserved. On success the caller gives cap(buf) back with res.shrink when
// the copy is no longer referenced.
func readReserved(r io.Reader, res *reservation, limit int64) ([]byte, error) {
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				res.shrink(int64(cap(buf)))
				return nil, errTooLarge
			}
			next := growCap(int64(cap(buf)), int64(len(buf))+1, limit+1)
			if !res.grow(next - int64(cap(buf))) {
				res.shrink(int64(cap(buf)))
				return nil, errBudget
			}
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			if int64(len(buf)) > limit {
				res.shrink(int64(cap(buf)))
				return nil, errTooLarge
			}
			return buf, nil
		}
		if err != nil {
			res.shrink(int64(cap(buf)))
			return nil, err
		}
	}
}
