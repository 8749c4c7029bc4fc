package dicomul

import (
	"runtime"
	"testing"
	"time"

	"github.com/airtight/airtight/detect"
)

// TestConnHeaderDoesNotReserveClaimedLength checks that a PDU header
// claiming a large body does not make the Conn allocate that body up
// front: before, each 6-byte A-ABORT header claiming 4 MiB reserved
// 4 MiB per connection, an amplification any sender on the monitored
// network could use against the sensor.
func TestConnHeaderDoesNotReserveClaimedLength(t *testing.T) {
	const conns = 16
	hdr := []byte{TypeAbort, 0, 0, 0x40, 0, 0} // 4 MiB claimed, nothing sent
	var got events
	cs := make([]*Conn, conns)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range cs {
		cs[i] = NewConn(detect.Event{}, &got, Limits{})
		if err := cs[i].Feed(true, hdr, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(cs)
	if d := after.TotalAlloc - before.TotalAlloc; d > conns*64<<10 {
		t.Errorf("%d headers allocated %d bytes, want at most %d", conns, d, conns*64<<10)
	}
}
