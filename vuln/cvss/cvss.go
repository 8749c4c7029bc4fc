// Package cvss parses CVSS v3.0, v3.1 and v4.0 vector strings and computes
// the v3.x base score as the FIRST specification defines it (section 7 of
// the v3.1 specification, with its Roundup function).
//
// CVSS v4.0 vectors are parsed and validated, but no score is computed:
// the v4.0 score comes from a table of 270 macro-vector scores and an
// interpolation that this package does not carry, so callers keep the
// score the advisory states (Advisory.CVSSV4) and use the vector for
// display. It imports only the standard library.
package cvss

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
)

// MaxVectorLen bounds the length of a vector string.
const MaxVectorLen = 512

// ErrNoV4Score is returned by Score for a v4.0 vector.
var ErrNoV4Score = errors.New("CVSS v4.0 scores are not computed: keep the advisory's score")

// Vector is a parsed CVSS vector.
type Vector struct {
	Version string            // "3.0", "3.1" or "4.0"
	Metrics map[string]string // abbreviation → value: AV → N
	order   []string
}

// String is the vector in its canonical written form.
func (v Vector) String() string {
	parts := []string{"CVSS:" + v.Version}
	for _, k := range v.order {
		parts = append(parts, k+":"+v.Metrics[k])
	}
	return strings.Join(parts, "/")
}

// Parse parses a vector string such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": every base metric must
// be present once, every metric known, every value allowed.
func Parse(s string) (Vector, error) {
	if len(s) > MaxVectorLen {
		return Vector{}, fmt.Errorf("CVSS vector of %d bytes exceeds the limit of %d", len(s), MaxVectorLen)
	}
	head, rest, ok := strings.Cut(strings.TrimSpace(s), "/")
	ver, hasPrefix := strings.CutPrefix(head, "CVSS:")
	if !ok || !hasPrefix {
		return Vector{}, fmt.Errorf("CVSS vector %q does not start with CVSS:<version>/", trunc(s))
	}
	spec, ok := specs[ver]
	if !ok {
		return Vector{}, fmt.Errorf("CVSS vector %q: unsupported version %q (want 3.0, 3.1 or 4.0)", trunc(s), trunc(ver))
	}
	v := Vector{Version: ver, Metrics: map[string]string{}}
	for _, part := range strings.Split(rest, "/") {
		k, val, ok := strings.Cut(part, ":")
		allowed, known := spec.values[k]
		switch {
		case !ok:
			return Vector{}, fmt.Errorf("CVSS vector %q: %q is not metric:value", trunc(s), trunc(part))
		case !known:
			return Vector{}, fmt.Errorf("CVSS vector %q: unknown metric %q", trunc(s), trunc(k))
		case v.Metrics[k] != "":
			return Vector{}, fmt.Errorf("CVSS vector %q: metric %s given twice", trunc(s), k)
		case !strings.Contains(" "+allowed+" ", " "+val+" "):
			return Vector{}, fmt.Errorf("CVSS vector %q: %s:%s is not allowed (want one of %s)", trunc(s), k, trunc(val), allowed)
		}
		v.Metrics[k] = val
		v.order = append(v.order, k)
	}
	for _, k := range spec.base {
		if v.Metrics[k] == "" {
			return Vector{}, fmt.Errorf("CVSS vector %q: base metric %s missing", trunc(s), k)
		}
	}
	return v, nil
}

// Score parses vector and returns its base score: v3.x computed, v4.0
// ErrNoV4Score.
func Score(vector string) (float64, error) {
	v, err := Parse(vector)
	if err != nil {
		return 0, err
	}
	return v.BaseScore()
}

// BaseScore computes the base score of a v3.0 or v3.1 vector.
func (v Vector) BaseScore() (float64, error) {
	if v.Version == "4.0" {
		return 0, ErrNoV4Score
	}
	m := func(k string) float64 { return weights[k+":"+v.Metrics[k]] }
	changed := v.Metrics["S"] == "C"
	pr := m("PR")
	if changed && v.Metrics["PR"] != "N" {
		pr = map[string]float64{"L": 0.68, "H": 0.5}[v.Metrics["PR"]]
	}
	iss := 1 - (1-m("C"))*(1-m("I"))*(1-m("A"))
	impact := 6.42 * iss
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	if impact <= 0 {
		return 0, nil
	}
	expl := 8.22 * m("AV") * m("AC") * pr * m("UI")
	total := impact + expl
	if changed {
		total *= 1.08
	}
	round := roundup31
	if v.Version == "3.0" {
		round = roundup30
	}
	return round(math.Min(total, 10)), nil
}

// roundup31 is the v3.1 Roundup: the smallest number with one decimal
// not below x, computed on integers to avoid floating-point surprises.
func roundup31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// roundup30 is the v3.0 round up to one decimal.
func roundup30(x float64) float64 { return math.Ceil(x*10) / 10 }

// Severity is the qualitative rating of a score: none, low, medium, high
// or critical.
func Severity(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	case score > 0:
		return "low"
	}
	return "none"
}

// FromURL extracts a vector from a calculator link such as
// https://www.first.org/cvss/calculator/4.0#CVSS:4.0/AV:N/... — advisories
// sometimes give the vector only there. It returns "" and false when the
// link holds no vector that parses.
func FromURL(link string) (string, bool) {
	i := strings.Index(link, "CVSS:")
	if i < 0 {
		return "", false
	}
	s := link[i:]
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	s, _, _ = strings.Cut(s, "&")
	s = strings.TrimRight(s, "/")
	v, err := Parse(s)
	if err != nil {
		return "", false
	}
	return v.String(), true
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
