package version

import (
	"strings"
	"unicode"
)

// CompareGeneric orders any two version strings segment by segment:
// segments are runs of digits or of letters (separators are dropped),
// numeric segments compare as numbers, letter segments case-insensitively,
// and a numeric segment is above a letter one. Missing trailing segments
// count as zero: "1.2" == "1.2.0". A trailing letter suffix is a later
// release ("2.4a" > "2.4", as OpenSSL and many firmware versions use it),
// unless it names a pre-release ("2.4rc1", "2.4beta" < "2.4"). A leading
// "v" or "version" is ignored, and so is a leading product tag of two or
// more letters when only one side has it ("GEH-1.2" is compared as 1.2
// with "1.3"): a tag names the product line, not a place in the order. A
// single leading letter is a release series ("A.01" < "B.06.18") and
// stays below numbers.
func CompareGeneric(a, b string) int {
	sa, sb := segments(a), segments(b)
	sa, sb = dropTag(sa, sb), dropTag(sb, sa)
	for i := 0; i < len(sa) || i < len(sb); i++ {
		if c := compareMissing(sa, sb, i); c != 0 {
			return c
		}
		if c := compareSegment(seg(sa, i), seg(sb, i)); c != 0 {
			return c
		}
	}
	return 0
}

// compareMissing orders a version that has ended against one that goes on
// with a letter segment at i; 0 when that is not the case.
func compareMissing(sa, sb []string, i int) int {
	switch {
	case i >= len(sa) && i < len(sb) && !isDigit(rune(sb[i][0])):
		if preRelease(sb[i]) {
			return 1
		}
		return -1
	case i >= len(sb) && i < len(sa) && !isDigit(rune(sa[i][0])):
		if preRelease(sa[i]) {
			return -1
		}
		return 1
	}
	return 0
}

// dropTag drops the leading letter segment of s when t starts with a
// number and s goes on with one: "geh", "1", "2" against "1", "3".
func dropTag(s, t []string) []string {
	if len(s) > 1 && len(t) > 0 && len(s[0]) > 1 && !isDigit(rune(s[0][0])) && isDigit(rune(s[1][0])) &&
		isDigit(rune(t[0][0])) && !preRelease(s[0]) {
		return s[1:]
	}
	return s
}

// preRelease reports the words that mark a version before its release.
func preRelease(s string) bool {
	switch s {
	case "alpha", "beta", "rc", "pre", "preview", "dev", "snapshot", "milestone", "m", "cr", "ea":
		return true
	}
	return false
}

func seg(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "0"
}

// segments splits v into digit and letter runs.
func segments(v string) []string {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.TrimPrefix(v, "version")
	if len(v) > 1 && v[0] == 'v' && isDigit(rune(v[1])) {
		v = v[1:]
	}
	var out []string
	start := -1
	kind := 0
	for i, r := range v {
		k := runeKind(r)
		if k != kind && start >= 0 {
			out = append(out, v[start:i])
			start = -1
		}
		if k != 0 && start < 0 {
			start = i
		}
		kind = k
	}
	if start >= 0 {
		out = append(out, v[start:])
	}
	return out
}

func runeKind(r rune) int {
	switch {
	case isDigit(r):
		return 1
	case unicode.IsLetter(r):
		return 2
	}
	return 0
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func compareSegment(a, b string) int {
	da, db := isDigit(rune(a[0])), isDigit(rune(b[0]))
	switch {
	case da && db:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			return cmpInt(int64(len(a)), int64(len(b)))
		}
		return strings.Compare(a, b)
	case da:
		return 1
	case db:
		return -1
	}
	return strings.Compare(a, b)
}
