package feed

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Addr parses an IP address, returning the zero Addr when s is not one.
// IPv4-mapped IPv6 addresses are unmapped.
func Addr(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" { // the usual absent field: no error to build
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Port parses a port number, returning 0 when s is not one.
func Port(s string) uint16 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(p)
}

// Int parses a decimal integer, returning 0 when s is not one.
func Int(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// UnixTime parses seconds since the epoch with an optional fraction
// ("1421708099.123456"), returning the zero time when s is not one.
func UnixTime(s string) time.Time {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC()
}

// Time parses an RFC 3339 time (with or without fraction, or with a
// numeric zone without colon as Suricata writes it) or Unix seconds.
// It returns the zero time when s is neither.
func Time(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return UnixTime(s)
}

// ProtocolName names an IP protocol number ("tcp", "udp", "icmp", ...),
// or gives the number as text.
func ProtocolName(n int) string {
	switch n {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 58:
		return "ipv6-icmp"
	case 132:
		return "sctp"
	}
	return strconv.Itoa(n)
}
