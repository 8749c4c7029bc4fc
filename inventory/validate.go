package inventory

import (
	"net"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/airtight/airtight"
)

// Field limits. Inputs beyond them are rejected, never truncated.
const (
	maxName  = 200
	maxField = 256
)

var (
	fdaCodeRE = regexp.MustCompile(`^[A-Z]{3}$`)
	dateRE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	aeTitleRE = regexp.MustCompile(`^[\x20-\x5b\x5d-\x7e]{1,16}$`) // DICOM AE: 16 chars, no backslash
)

func invalid(field, msg string) error {
	return &airtight.Error{Code: airtight.EInvalid, Message: field + ": " + msg,
		Details: []airtight.Detail{{Field: field, Message: msg}}}
}

func checkText(field, v string, required bool, max int) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return invalid(field, "is required")
	case len(v) > max:
		return invalid(field, "is too long")
	case !utf8.ValidString(v):
		return invalid(field, "is not valid UTF-8")
	case !airtight.SafeText(v):
		return invalid(field, "contains control or bidirectional-override characters")
	}
	return nil
}

// checkDate accepts an empty string or a real calendar date YYYY-MM-DD.
func checkDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil || !dateRE.MatchString(v) {
		return invalid(field, "must be a date YYYY-MM-DD")
	}
	return nil
}

// Validate checks a manufacturer.
func (m *Manufacturer) Validate() error {
	if err := checkText("name", m.Name, true, maxName); err != nil {
		return err
	}
	return checkText("website", m.Website, false, maxField)
}

// Validate checks a product.
func (p *Product) Validate() error {
	if p.ManufacturerID == 0 {
		return invalid("manufacturer_id", "is required")
	}
	if err := checkText("model", p.Model, true, maxName); err != nil {
		return err
	}
	if p.Kind == "" || NormalizeKind(string(p.Kind)) != p.Kind {
		return invalid("kind", "must be lowercase words joined by dashes, e.g. ct-scanner")
	}
	if p.FDAProductCode != "" && !fdaCodeRE.MatchString(p.FDAProductCode) {
		return invalid("fda_product_code", "must be three capital letters")
	}
	if !p.Criticality.Valid() {
		return invalid("criticality", "must be one of life-sustaining, life-supporting, diagnostic, administrative")
	}
	return nil
}

// Validate checks a product version.
func (v *ProductVersion) Validate() error {
	if v.ProductID == 0 {
		return invalid("product_id", "is required")
	}
	if err := checkText("version", v.Version, true, 100); err != nil {
		return err
	}
	if err := checkDate("release_date", v.ReleaseDate); err != nil {
		return err
	}
	return checkDate("end_of_support", v.EndOfSupport)
}

// Validate checks a device and normalises its network identity (IP, MAC).
func (d *Device) Validate() error {
	if d.ProductVersionID == 0 {
		return invalid("product_version_id", "is required")
	}
	if d.Status == "" {
		d.Status = StatusActive
	}
	return d.validateFields()
}

func (d *Device) validateFields() error {
	if err := checkText("asset_tag", d.AssetTag, true, 64); err != nil {
		return err
	}
	texts := []struct{ name, v string }{
		{"serial_number", d.SerialNumber}, {"udi", d.UDI}, {"site", d.Site},
		{"department", d.Department}, {"room", d.Room}, {"network_zone", d.NetworkZone},
		{"hostname", d.Hostname}, {"hl7_application", d.HL7Application}, {"owner", d.Owner},
	}
	for _, t := range texts {
		if err := checkText(t.name, t.v, false, maxField); err != nil {
			return err
		}
	}
	if !d.Status.Valid() {
		return invalid("status", "must be one of active, maintenance, quarantined, decommissioned")
	}
	if d.AETitle != "" && !aeTitleRE.MatchString(d.AETitle) {
		return invalid("ae_title", "must be 1-16 printable ASCII characters without backslash")
	}
	ip, err := NormalizeIP(d.IP)
	if err != nil {
		return err
	}
	d.IP = ip
	mac, err := NormalizeMAC(d.MAC)
	if err != nil {
		return err
	}
	d.MAC = mac
	return nil
}

// NormalizeIP returns the canonical text form of an IPv4 or IPv6 address.
func NormalizeIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return "", invalid("ip", "is not an IP address")
	}
	return ip.String(), nil
}

// NormalizeMAC returns a MAC address as lowercase colon-separated hex.
func NormalizeMAC(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", invalid("mac", "is not a 48-bit MAC address")
	}
	return hw.String(), nil
}

// Validate checks a grant.
func (g *Grant) Validate() error {
	if g.GranteeOrgID == 0 {
		return invalid("grantee_org_id", "is required")
	}
	if g.ManufacturerID == 0 {
		return invalid("manufacturer_id", "is required")
	}
	return checkText("note", g.Note, false, 500)
}

// Validate checks a filter.
func (f *DeviceFilter) Validate() error {
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return invalid("limit", "must be between 1 and 500")
	}
	if f.Limit == 0 {
		f.Limit = DefaultPageSize
	}
	if len(f.Query) > 200 {
		return invalid("q", "is too long")
	}
	if f.Status != "" && !f.Status.Valid() {
		return invalid("status", "is not a known status")
	}
	if f.Criticality != "" && !f.Criticality.Valid() {
		return invalid("criticality", "is not a known criticality")
	}
	return nil
}
