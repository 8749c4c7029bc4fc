package version

import (
	"strconv"
	"strings"
)

// semver is a parsed semantic version; build metadata is dropped.
type semver struct {
	major, minor, patch int64
	pre                 []string
}

// parseSemver parses a semantic version, leniently: a "v" prefix, the Go
// "+incompatible" suffix and missing minor/patch ("1", "1.2") are accepted.
func parseSemver(v string) (semver, error) {
	s := strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	var sv semver
	core, pre, hasPre := strings.Cut(s, "-")
	if hasPre {
		if pre == "" {
			return sv, errInvalid("semver", v)
		}
		sv.pre = strings.Split(pre, ".")
	}
	parts := strings.Split(core, ".")
	if len(parts) > 3 || core == "" {
		return sv, errInvalid("semver", v)
	}
	nums := [3]int64{}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return sv, errInvalid("semver", v)
		}
		nums[i] = n
	}
	sv.major, sv.minor, sv.patch = nums[0], nums[1], nums[2]
	return sv, nil
}

func compareSemver(a, b semver) int {
	if c := cmpInt(a.major, b.major); c != 0 {
		return c
	}
	if c := cmpInt(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmpInt(a.patch, b.patch); c != 0 {
		return c
	}
	return comparePre(a.pre, b.pre)
}

// comparePre orders prerelease identifiers; no prerelease is highest.
func comparePre(a, b []string) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareIdent(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

// compareIdent orders prerelease identifiers: numeric ones numerically and
// below alphanumeric ones, which compare in ASCII order.
func compareIdent(a, b string) int {
	na, ea := strconv.ParseUint(a, 10, 64)
	nb, eb := strconv.ParseUint(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		return cmpUint(na, nb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpUint(a, b uint64) int {
	if a == b {
		return 0
	}
	if a < b {
		return -1
	}
	return 1
}
