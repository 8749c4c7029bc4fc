// Package membudget bounds the memory that concurrent requests together
// hold for content they are scanning (mail in the SMTP gateway, bodies in
// the ICAP server). A request reserves as it reads and gets a refusal,
// never a wait, when the budget is spent; what it reserved goes back when
// its last holder is done — the request itself and any scanner abandoned
// at its deadline that may still read the data.
package membudget

import (
	"fmt"
	"sync"
)

// Budget is a mutex-protected byte counter with a maximum.
type Budget struct {
	mu   sync.Mutex
	max  int64
	used int64
}

// New returns a budget of max bytes.
func New(max int64) *Budget { return &Budget{max: max} }

// TryReserve takes n bytes if they fit.
func (b *Budget) TryReserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n < 0 || n > b.max-b.used {
		return false
	}
	b.used += n
	return true
}

// Release gives n bytes back. Releasing more than was reserved is a bug
// and panics.
func (b *Budget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used < 0 {
		panic(fmt.Sprintf("membudget: released below zero (%d)", b.used))
	}
}

// Fits says whether n bytes could be reserved now; it reserves nothing.
func (b *Budget) Fits(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return n <= b.max-b.used
}

// InUse is the number of bytes reserved now.
func (b *Budget) InUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Reservation is one request's share of the budget, with one holder.
type Reservation struct {
	b    *Budget
	mu   sync.Mutex
	n    int64
	refs int
}

// Reserve starts an empty reservation held by the caller.
func (b *Budget) Reserve() *Reservation { return &Reservation{b: b, refs: 1} }

// Grow adds n bytes; false when the budget is spent. A nil reservation
// (content that is not kept, tests) always grows.
func (r *Reservation) Grow(n int64) bool {
	if r == nil {
		return true
	}
	if !r.b.TryReserve(n) {
		return false
	}
	r.mu.Lock()
	r.n += n
	r.mu.Unlock()
	return true
}

// Shrink gives back n bytes of a copy that is no longer referenced.
func (r *Reservation) Shrink(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	n = min(n, r.n)
	r.n -= n
	r.mu.Unlock()
	r.b.Release(n)
}

// Hold adds a holder; each Hold is ended by one Done.
func (r *Reservation) Hold() {
	r.mu.Lock()
	r.refs++
	r.mu.Unlock()
}

// Done ends one hold (the creator's included); the last one returns
// everything still reserved.
func (r *Reservation) Done() {
	r.mu.Lock()
	r.refs--
	var n int64
	if r.refs == 0 {
		n, r.n = r.n, 0
	}
	r.mu.Unlock()
	if n > 0 {
		r.b.Release(n)
	}
}
