package pki

import (
	"encoding/asn1"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
)

// ParseOID reads a dotted-decimal object identifier such as
// "1.3.6.1.4.1.32473.1" (at most 32 arcs, each a non-negative decimal that
// fits an int, no leading zeros).
func ParseOID(s string) (asn1.ObjectIdentifier, error) {
	bad := func() error {
		return airtight.Errorf(airtight.EInvalid, "%q is not a dotted-decimal object identifier", truncate(s, 80))
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 32 {
		return nil, bad()
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') || strings.Trim(p, "0123456789") != "" {
			return nil, bad() // digits only: strconv would also take "+1"
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, bad()
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, bad()
	}
	return oid, nil
}
