package icapgw

import (
	"errors"
	"github.com/airtight/airtight/internal/membudget"
	"io"
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

// budget and reservation are the shared memory budget (internal/membudget).
type (
	budget      = membudget.Budget
	reservation = membudget.Reservation
)

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
				res.Shrink(int64(cap(buf)))
				return nil, errTooLarge
			}
			next := growCap(int64(cap(buf)), int64(len(buf))+1, limit+1)
			if !res.Grow(next - int64(cap(buf))) {
				res.Shrink(int64(cap(buf)))
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
				res.Shrink(int64(cap(buf)))
				return nil, errTooLarge
			}
			return buf, nil
		}
		if err != nil {
			res.Shrink(int64(cap(buf)))
			return nil, err
		}
	}
}

func newBudget(max int64) *budget { return membudget.New(max) }
