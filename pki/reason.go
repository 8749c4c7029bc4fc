package pki

import (
	"strconv"
	"strings"

	"github.com/airtight/airtight"
)

// reasonNames are the RFC 5280 names of the reason codes.
var reasonNames = map[Reason]string{
	ReasonUnspecified:          "unspecified",
	ReasonKeyCompromise:        "keyCompromise",
	ReasonCACompromise:         "cACompromise",
	ReasonAffiliationChanged:   "affiliationChanged",
	ReasonSuperseded:           "superseded",
	ReasonCessationOfOperation: "cessationOfOperation",
	ReasonCertificateHold:      "certificateHold",
	ReasonRemoveFromCRL:        "removeFromCRL",
	ReasonPrivilegeWithdrawn:   "privilegeWithdrawn",
	ReasonAACompromise:         "aACompromise",
}

// String returns the RFC 5280 name of r.
func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Valid reports whether r may be given to Revoke. removeFromCRL belongs to
// delta CRLs only, and 7 is unassigned.
func (r Reason) Valid() bool {
	_, ok := reasonNames[r]
	return ok && r != ReasonRemoveFromCRL
}

// ParseReason reads a reason by its RFC 5280 name, case-insensitively.
func ParseReason(s string) (Reason, error) {
	for r, name := range reasonNames {
		if strings.EqualFold(s, name) && r.Valid() {
			return r, nil
		}
	}
	return 0, airtight.Errorf(airtight.EInvalid, "reason: unknown revocation reason %q (keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise, unspecified)", truncate(s, 40))
}
