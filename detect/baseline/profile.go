package baseline

import (
	"encoding/binary"
	"hash/fnv"
	"net/netip"
	"time"
)

// profile is what was learned about one device. Values are kept as 64-bit
// keys (IPv4 addresses as themselves, everything else as FNV-1a hashes):
// a fixed 8 bytes each, and stable across restarts for snapshots.
type profile struct {
	first     int64 // first event, Unix nanoseconds
	events    uint32
	hours     [24]uint32
	peers     []uint64
	ports     []uint64
	aes       []uint64
	hl7       []uint64
	peersFull bool
	portsFull bool
	aesFull   bool
	hl7Full   bool
	// token bucket of the alert rate limit
	tokens   float64
	tokensAt int64
}

func (p *profile) learning(now int64, learn time.Duration) bool {
	return now-p.first < int64(learn)
}

// allow takes a token from the device's alert bucket, refilled at one per
// every; it holds at most burst.
func (p *profile) allow(now int64, burst int, every time.Duration) bool {
	if p.tokensAt == 0 {
		p.tokens, p.tokensAt = float64(burst), now
	}
	if every > 0 && now > p.tokensAt {
		p.tokens = min(float64(burst), p.tokens+float64(now-p.tokensAt)/float64(every))
		p.tokensAt = now
	}
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

// peerKey keys an address: IPv4 as its 32 bits, IPv6 as a hash with the top
// bit set, so the two never meet.
func peerKey(a netip.Addr) uint64 {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return uint64(binary.BigEndian.Uint32(b[:]))
	}
	b := a.As16()
	h := fnv.New64a()
	h.Write(b[:])
	return h.Sum64() | 1<<63
}

// textKey keys an AE title or HL7 application.
func textKey(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
