package smtpgw

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/emersion/go-smtp"
)

// readChunk is the first allocation for a message and the unit the
// buffer grows by at least.
const readChunk = 64 << 10

// errBudget says the message buffer budget is spent.
var errBudget = errors.New("message buffer budget exhausted")

// errStorage is the reply when the budget cannot take a message now; the
// sender keeps the message and retries.
var errStorage = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
	Message: "Insufficient system storage, try again later"}

// budget bounds the memory that all sessions together hold for message
// data (Config.MaxBufferedBytes). A mutex-protected counter: sessions
// never wait for it, they get 452 when it is spent.
type budget struct {
	mu   sync.Mutex
	max  int64
	used int64
}

// minBudget is the smallest budget that can take one message of
// maxMessage bytes: the received copy (read buffers grow up to
// maxMessage+1), its redacted copy and the copy relayed with the verdict
// header.
func minBudget(maxMessage int64) int64 { return 3*maxMessage + 2*readChunk }

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
		panic(fmt.Sprintf("smtpgw: message buffer budget released below zero (%d)", b.used))
	}
}

// fits says whether n bytes could be reserved now (SIZE at MAIL FROM); it
// reserves nothing.
func (b *budget) fits(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return n <= b.max-b.used
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// reservation is one message's share of the budget. It goes back when
// the last holder is done: the session, and any scanner or redaction that
// was abandoned at its deadline and may still read the message (its
// memory is not free before that).
type reservation struct {
	b    *budget
	mu   sync.Mutex
	n    int64
	refs int
}

func (b *budget) reservation() *reservation { return &reservation{b: b, refs: 1} }

// grow adds n bytes to the reservation; false when the budget is spent.
func (r *reservation) grow(n int64) bool {
	if !r.b.tryReserve(n) {
		return false
	}
	r.mu.Lock()
	r.n += n
	r.mu.Unlock()
	return true
}

// shrink gives n bytes of the reservation back (a copy that is no longer
// referenced).
func (r *reservation) shrink(n int64) {
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

// done ends one hold (the session's own included); the last one returns
// the reserved bytes to the budget.
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

// headroom is the space readMessage leaves in front of the message, so
// that the verdict header can be put on top of it without copying the
// message (see transaction.framed).
const headroom = 2 << 10

// readMessage reads r into memory after headroom free bytes, reserving
// the buffer's capacity from res before allocating it. limit is
// MaxMessageBytes (go-smtp stops the reader there). When the budget is
// spent it returns errBudget and the part read so far is dropped (its
// reservation given back); the caller discards the rest of the data.
func readMessage(r io.Reader, res *reservation, limit int64) ([]byte, error) {
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			next := growCap(int64(cap(buf)), headroom+limit)
			if !res.grow(next - int64(cap(buf))) {
				res.shrink(int64(cap(buf)))
				return nil, errBudget
			}
			nb := make([]byte, max(len(buf), headroom), next)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// growCap doubles the buffer, starting at readChunk, up to limit+1 (one
// byte more than a message may have, to read the end of the data).
func growCap(c, limit int64) int64 {
	if c > limit {
		return c + readChunk // the reader is not limited: keep going in chunks
	}
	return min(max(2*c, readChunk), limit+1)
}
