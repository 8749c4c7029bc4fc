package updates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight"
)

// MaxCustomSize bounds the custom metadata of one target. Parsing refuses
// anything larger before decoding it.
const MaxCustomSize = 4096

// Release is what the publisher states about one software image. Together
// with the product line it becomes the target's signed custom metadata.
type Release struct {
	Model      string    // device model the image is for, e.g. "Plum 360"
	Version    string    // version of the image, e.g. "4.2.0"
	MinVersion string    // lowest installed version it may update from
	Released   time.Time // release date; zero means the publish time
}

// TargetMeta is the custom metadata signed with each target: what a device
// checks besides the length and hashes that TUF already covers.
type TargetMeta struct {
	ProductLine string `json:"product_line"`
	Model       string `json:"model"`
	Version     string `json:"version"`
	MinVersion  string `json:"min_version"`
	Released    string `json:"released"` // RFC 3339, UTC
}

var (
	productLineRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	targetNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$`)
	topLevelRoles = map[string]bool{"root": true, "targets": true, "snapshot": true, "timestamp": true}
)

// ValidProductLine reports whether name can name a product line (and its
// delegated role): lowercase letters, digits and dashes, not a TUF role name.
func ValidProductLine(name string) error {
	if !productLineRE.MatchString(name) || topLevelRoles[name] {
		return airtight.Errorf(airtight.EInvalid,
			"product line %q must be 1-63 lowercase letters, digits or dashes and not a TUF role name", name)
	}
	return nil
}

func validTargetName(name string) error {
	if !targetNameRE.MatchString(name) {
		return airtight.Errorf(airtight.EInvalid,
			"file name %q must be 1-200 letters, digits, '.', '_', '+' or '-'", name)
	}
	return nil
}

// targetPath returns the repository path of target in productLine. target
// is either a bare file name or "productLine/name".
func targetPath(productLine, target string) (string, error) {
	name := target
	if line, rest, ok := strings.Cut(target, "/"); ok {
		if line != productLine {
			return "", refuse(ErrNotDelegated, "target %q is not in product line %q", target, productLine)
		}
		name = rest
	}
	if err := validTargetName(name); err != nil {
		return "", err
	}
	return productLine + "/" + name, nil
}

// newTargetMeta validates a release for productLine at publish time.
func newTargetMeta(productLine string, r Release, now time.Time) (*TargetMeta, error) {
	if r.Released.IsZero() {
		r.Released = now
	}
	m := &TargetMeta{
		ProductLine: productLine,
		Model:       r.Model,
		Version:     r.Version,
		MinVersion:  r.MinVersion,
		Released:    r.Released.UTC().Truncate(time.Second).Format(time.RFC3339),
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// ParseTargetMeta decodes and validates custom target metadata. It is the
// device's parser for input that arrives over the network (though signed):
// unknown fields, trailing data and oversized input are refused, so that a
// device never ignores a constraint it does not understand.
func ParseTargetMeta(raw []byte) (*TargetMeta, error) {
	if len(raw) > MaxCustomSize {
		return nil, fmt.Errorf("custom metadata is %d bytes, more than %d", len(raw), MaxCustomSize)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m TargetMeta
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode custom metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("custom metadata has trailing data")
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *TargetMeta) validate() error {
	if err := ValidProductLine(m.ProductLine); err != nil {
		return err
	}
	if m.Model == "" || len(m.Model) > 100 || strings.ContainsFunc(m.Model, isControl) {
		return airtight.Errorf(airtight.EInvalid, "model must be 1-100 printable characters")
	}
	v, err := ParseVersion(m.Version)
	if err != nil {
		return err
	}
	floor, err := ParseVersion(m.MinVersion)
	if err != nil {
		return err
	}
	if floor.Compare(v) > 0 {
		return airtight.Errorf(airtight.EInvalid, "minimum version %s is above version %s", m.MinVersion, m.Version)
	}
	if _, err := time.Parse(time.RFC3339, m.Released); err != nil {
		return airtight.Errorf(airtight.EInvalid, "release date %q is not RFC 3339", m.Released)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Version is a dotted numeric software version such as 4.2.0. Missing
// trailing components count as zero: 4.2 equals 4.2.0.
type Version []uint32

// ParseVersion parses 1 to 5 dot-separated decimal numbers (no signs, no
// pre-release suffixes: ordering must be unambiguous on the device).
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 5 {
		return nil, airtight.Errorf(airtight.EInvalid, "version %q must be 1 to 5 dot-separated numbers", s)
	}
	v := make(Version, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || strings.Trim(p, "0123456789") != "" {
			return nil, airtight.Errorf(airtight.EInvalid, "version %q must be 1 to 5 dot-separated numbers", s)
		}
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, airtight.Errorf(airtight.EInvalid, "version %q must be 1 to 5 dot-separated numbers", s)
		}
		v[i] = uint32(n)
	}
	return v, nil
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w.
func (v Version) Compare(w Version) int {
	for i := 0; i < max(len(v), len(w)); i++ {
		a, b := v.at(i), w.at(i)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (v Version) at(i int) uint32 {
	if i < len(v) {
		return v[i]
	}
	return 0
}
