// Package version compares versions with the semantics of an ecosystem —
// semantic versioning (Go, npm, ...), PEP 440 (PyPI) and a generic
// segment-wise order for everything else, including device firmware — and
// parses the free-text versions and ranges of device advisories.
package version

import (
	"fmt"
	"strings"
)

// Scheme is a version ordering.
type Scheme string

// Schemes.
const (
	SemVer  Scheme = "semver"
	PEP440  Scheme = "pep440"
	Generic Scheme = "generic"
)

// ForEcosystem is the scheme for an OSV ecosystem name.
func ForEcosystem(eco string) Scheme {
	switch strings.ToLower(eco) {
	case "go", "npm", "crates.io", "hex", "pub", "nuget", "packagist", "swifturl":
		return SemVer
	case "pypi":
		return PEP440
	}
	return Generic
}

// Compare compares a and b under s: -1, 0 or +1. Versions that do not
// parse under s are an error, except with Generic, which orders anything.
func Compare(s Scheme, a, b string) (int, error) {
	switch s {
	case SemVer:
		return compareParsed(parseSemver, compareSemver, a, b)
	case PEP440:
		return compareParsed(parsePEP440, comparePEP440, a, b)
	}
	return CompareGeneric(a, b), nil
}

func compareParsed[T any](parse func(string) (T, error), cmp func(T, T) int, a, b string) (int, error) {
	x, err := parse(a)
	if err != nil {
		return 0, err
	}
	y, err := parse(b)
	if err != nil {
		return 0, err
	}
	return cmp(x, y), nil
}

// Valid reports whether v parses under s.
func Valid(s Scheme, v string) bool {
	_, err := Compare(s, v, v)
	return err == nil
}

func errInvalid(scheme, v string) error {
	return fmt.Errorf("invalid %s version %q", scheme, v)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
