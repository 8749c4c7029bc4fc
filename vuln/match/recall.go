package match

import (
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// Recalls matches FDA device recalls to inventory devices by the
// recalling firm (normalised as vendors are) and the model named in the
// recall's product description or device name. A recall covers lots or
// serial numbers that an inventory rarely records, so a match to an open
// recall is needs_review: someone must check the code info. A closed
// (terminated or completed) recall gives a fixed finding, kept visible.
// Findings have method "device", the recall number as advisory and the
// recall class in RecallClass; the reason names the class and the names
// that matched.
type Recalls struct {
	recalls []vuln.Recall
}

// NewRecalls indexes recalls.
func NewRecalls(rs []vuln.Recall) *Recalls { return &Recalls{recalls: rs} }

// Match returns the recall findings of one device, sorted by recall number.
func (m *Recalls) Match(dev vuln.Device) []vuln.Finding {
	var out []vuln.Finding
	for i := range m.recalls {
		if f, ok := matchRecall(dev, &m.recalls[i]); ok {
			out = append(out, f)
		}
	}
	sortFindings(out)
	return out
}

func matchRecall(dev vuln.Device, r *vuln.Recall) (vuln.Finding, bool) {
	vs, vwhy := vendorMatch(dev.Manufacturer, r.Firm)
	if vs == 0 {
		return vuln.Finding{}, false
	}
	ps, pwhy := productMatch(dev.Model, r.Product)
	if dn, why := productMatch(dev.Model, r.DeviceName); dn > ps {
		ps, pwhy = dn, why+" (openFDA device name)"
	}
	if ps == 0 {
		return vuln.Finding{}, false
	}
	st, what := vuln.StatusNeedsReview, "open recall: check whether the device's lot or serial number is covered"
	if !r.Open() {
		st, what = vuln.StatusFixed, "recall "+strings.ToLower(r.Status)+": check that the device was corrected"
	}
	reason := fmt.Sprintf("FDA recall %s (%s, %s): firm %q ~ manufacturer %q (%s); model %q ~ %q (%s); %s; reason: %s",
		r.Number, r.ClassName(), dash(r.Status), short(r.Firm), dev.Manufacturer, vwhy, dev.Model, short(r.Product), pwhy, what, short(r.Reason))
	if r.CodeInfo != "" {
		reason += "; covers: " + short(r.CodeInfo)
	}
	return vuln.Finding{Device: dev.ID, Advisory: r.Number, Aliases: []string{}, Method: vuln.MethodDevice,
		Confidence: round(vs * ps), Reason: reason, Status: st, RecallClass: recallClass(r.Class)}, true
}

// recallClass is a finding's RecallClass: the class, or "-" when the
// recall gives none (the finding is still a recall).
func recallClass(c string) string {
	if c == "" {
		return "-"
	}
	return c
}

func dash(s string) string {
	if s == "" {
		return "status unknown"
	}
	return s
}

// short keeps reasons readable: the first 120 bytes of s, on a rune boundary.
func short(s string) string {
	if len(s) <= 120 {
		return s
	}
	i := 120
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "..."
}
