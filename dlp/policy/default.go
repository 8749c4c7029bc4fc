package policy

import (
	_ "embed"
	"fmt"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the built-in policy document, a starting point for
// a policy file.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default returns the built-in policy used when none is configured: it
// blocks identity numbers and bulk patient data leaving the organization,
// blocks outbound content that cannot be scanned and logs the rest. With
// no internal domains every destination is external; configure a policy
// file with the organization's domains.
func Default() *Policy {
	p, err := Parse("built-in policy", defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policy: built-in policy is invalid: %v", err)) // a test guards it
	}
	return p
}
