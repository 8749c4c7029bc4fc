package membudget

import "testing"

func TestBudget(t *testing.T) {
	b := New(100)
	r := b.Reserve()
	if !r.Grow(60) || r.Grow(41) || b.InUse() != 60 {
		t.Fatalf("grow: in use %d", b.InUse())
	}
	if !b.Fits(40) || b.Fits(41) {
		t.Error("fits")
	}
	r.Shrink(100) // more than held: gives back what it holds
	if b.InUse() != 0 {
		t.Fatalf("after shrink: %d", b.InUse())
	}
	r.Grow(30)
	r.Hold() // an abandoned scanner
	r.Done() // the request
	if b.InUse() != 30 {
		t.Fatalf("released while held: %d", b.InUse())
	}
	r.Done()
	if b.InUse() != 0 {
		t.Fatalf("after the last holder: %d", b.InUse())
	}
	var nilRes *Reservation
	if !nilRes.Grow(1 << 40) {
		t.Error("a nil reservation must always grow")
	}
	nilRes.Shrink(5)
	if b.TryReserve(-1) {
		t.Error("negative reservation accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("releasing below zero did not panic")
		}
	}()
	b.Release(1)
}
