package version

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// pep440 is a parsed PEP 440 version. The pre, post and dev keys are
// arranged so that a lexicographic comparison gives PEP 440 order; the
// local version label is ignored for ordering, as in range checks.
type pep440 struct {
	epoch   int64
	release []int64
	pre     [2]int64 // phase (a=0, b=1, rc=2; -1 dev-only, +inf none), number
	post    int64    // -1 none
	dev     int64    // +inf none
}

var pep440RE = regexp.MustCompile(`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?` +
	`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?` +
	`(?:[-_.]?(dev)[-_.]?(\d*))?` +
	`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)

func parsePEP440(v string) (pep440, error) {
	m := pep440RE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(v)))
	if m == nil {
		return pep440{}, errInvalid("PEP 440", v)
	}
	var p pep440
	p.epoch = atoi(m[1])
	for _, s := range strings.Split(m[2], ".") {
		p.release = append(p.release, atoi(s))
	}
	for len(p.release) > 1 && p.release[len(p.release)-1] == 0 {
		p.release = p.release[:len(p.release)-1]
	}
	p.pre = [2]int64{math.MaxInt64, 0}
	if m[3] != "" {
		p.pre = [2]int64{prePhase(m[3]), atoi(m[4])}
	}
	p.post = -1
	switch {
	case m[5] != "":
		p.post = atoi(m[5])
	case m[6] != "":
		p.post = atoi(m[7])
	}
	p.dev = math.MaxInt64
	if m[8] != "" {
		p.dev = atoi(m[9])
		if m[3] == "" && p.post < 0 {
			p.pre = [2]int64{-1, 0} // 1.0.dev0 sorts before 1.0a0
		}
	}
	return p, nil
}

func prePhase(s string) int64 {
	switch s {
	case "a", "alpha":
		return 0
	case "b", "beta":
		return 1
	}
	return 2 // c, rc, pre, preview
}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func comparePEP440(a, b pep440) int {
	if c := cmpInt(a.epoch, b.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(a.release) || i < len(b.release); i++ {
		if c := cmpInt(at(a.release, i), at(b.release, i)); c != 0 {
			return c
		}
	}
	for _, c := range []int{cmpInt(a.pre[0], b.pre[0]), cmpInt(a.pre[1], b.pre[1]),
		cmpInt(a.post, b.post), cmpInt(a.dev, b.dev)} {
		if c != 0 {
			return c
		}
	}
	return 0
}

func at(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}
