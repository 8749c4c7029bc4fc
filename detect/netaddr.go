package detect

import "net/netip"

// internalPrefixes are the special-purpose ranges (IANA IPv4 and IPv6
// Special-Purpose Address Registries, RFC 6890) that never lead to the
// internet, beyond what netip's predicates already cover (private,
// loopback, link-local, multicast, unspecified).
var internalPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 791)
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT shared space (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation (RFC 8215)
	netip.MustParsePrefix("100::/64"),        // discard-only (RFC 6666)
	netip.MustParsePrefix("2001:2::/48"),     // benchmarking (RFC 5180)
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("2001:10::/28"),    // deprecated ORCHID
	netip.MustParsePrefix("5f00::/16"),       // SRv6 SIDs (RFC 9602)
	netip.MustParsePrefix("3fff::/20"),       // documentation (RFC 9637): see IsPublic
	netip.MustParsePrefix("2001:db8::/32"),   // documentation (RFC 3849): see IsPublic
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1 (RFC 5737): see IsPublic
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2 (RFC 5737): see IsPublic
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3 (RFC 5737): see IsPublic
}

// documentationPrefixes are the documentation ranges, the last five of
// internalPrefixes.
var documentationPrefixes = internalPrefixes[len(internalPrefixes)-5:]

// IsPublic reports whether traffic to a lies outside the hospital: a valid
// address that is not private (RFC 1918, RFC 4193), loopback, link-local,
// multicast, unspecified, shared (CGNAT), benchmarking or reserved.
//
// The documentation ranges (RFC 5737 TEST-NET-1/2/3, RFC 3849 2001:db8::/32,
// RFC 9637 3fff::/20) count as public. They are never routed, so a
// hospital's own network does not use them either; a device sending to one
// is sending somewhere that is not the hospital, and examples and test data
// (ours included) use them to stand for "the internet".
func IsPublic(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range documentationPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
