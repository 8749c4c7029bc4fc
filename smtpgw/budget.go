package smtpgw

import (
	"errors"
	"github.com/airtight/airtight/internal/membudget"
	"io"

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

// minBudget is the smallest budget that can take one message of
// maxMessage bytes: the received copy (read buffers grow up to
// maxMessage+1), its redacted copy and the copy relayed with the verdict
// header.
func minBudget(maxMessage int64) int64 { return 3*maxMessage + 2*readChunk }

// budget and reservation are the shared memory budget (internal/membudget).
type (
	budget      = membudget.Budget
	reservation = membudget.Reservation
)

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
			if !res.Grow(next - int64(cap(buf))) {
				res.Shrink(int64(cap(buf)))
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

func newBudget(max int64) *budget { return membudget.New(max) }
