// Package expiry watches device certificates and raises alerts before and
// after they expire, at 90, 60, 30, 7 and 3 days before expiry and at
// expiry, then 3, 7, 30, 60 and 90 days after. One alert per certificate is
// kept and escalated as the date nears (alerts are deduplicated by key), so
// a biomed engineer sees one line per certificate, not one per day.
//
// A certificate superseded by a newer good certificate of the same device
// and profile (a renewal) raises nothing: renewing is the fix.
package expiry

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/pki"
)

// Window is how far ahead the watch looks.
const Window = 90 * 24 * time.Hour

// stages are the days before (positive) or after (negative) expiry at which
// an alert appears or escalates, most distant first, with the severity.
var stages = []struct {
	days int
	sev  alert.Severity
}{
	{90, alert.Low}, {60, alert.Low}, {30, alert.Medium}, {7, alert.High}, {3, alert.Critical},
	{0, alert.Critical}, {-3, alert.Critical}, {-7, alert.Critical}, {-30, alert.Critical},
	{-60, alert.Critical}, {-90, alert.Critical},
}

// Stage returns the alert stage a certificate with notAfter has reached at
// now: the stage's day mark and severity; ok is false before 90 days.
func Stage(notAfter, now time.Time) (days int, sev alert.Severity, ok bool) {
	left := notAfter.Sub(now)
	for i := len(stages) - 1; i >= 0; i-- {
		if left <= time.Duration(stages[i].days)*24*time.Hour {
			return stages[i].days, stages[i].sev, true
		}
	}
	return 0, "", false
}

// Certificates is what the watch needs from the PKI store.
type Certificates interface {
	ListCertificates(ctx context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error)
}

// Watch raises certificate-expiry alerts for every organization.
type Watch struct {
	Orgs   airtight.OrganizationService
	Certs  Certificates
	Alerts alert.Service
	Log    *slog.Logger
	Now    func() time.Time
}

// Run checks every organization once. It returns how many alerts were
// raised or refreshed.
func (w *Watch) Run(ctx context.Context) (int, error) {
	orgs, err := w.Orgs.ListOrganizations(ctx)
	if err != nil {
		return 0, fmt.Errorf("expiry watch: %w", err)
	}
	total := 0
	for _, o := range orgs {
		n, err := w.runOrg(airtight.NewContext(ctx, airtight.SystemActor(o.ID, "pki-expiry-watch")))
		if err != nil {
			return total, fmt.Errorf("expiry watch: organization %d: %w", o.ID, err)
		}
		total += n
	}
	return total, nil
}

func (w *Watch) runOrg(ctx context.Context) (int, error) {
	now := w.Now()
	certs, err := w.expiring(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range certs {
		days, sev, ok := Stage(c.NotAfter, now)
		if !ok {
			continue
		}
		renewed, err := w.renewed(ctx, c)
		if err != nil {
			return n, err
		}
		if renewed {
			continue
		}
		if _, _, err := w.Alerts.Raise(ctx, expiryAlert(c, days, sev)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// expiring lists every good certificate that expires within the window or
// has expired, page by page.
func (w *Watch) expiring(ctx context.Context) ([]*pki.Certificate, error) {
	var out []*pki.Certificate
	f := pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: Window, Limit: 500}
	for {
		page, next, err := w.Certs.ListCertificates(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}

// renewed reports whether a newer good certificate of the same device and
// profile outlives c beyond the watch window.
func (w *Watch) renewed(ctx context.Context, c *pki.Certificate) (bool, error) {
	if c.DeviceID == 0 {
		return false, nil
	}
	others, _, err := w.Certs.ListCertificates(ctx, pki.CertificateFilter{DeviceID: c.DeviceID, Status: pki.StatusGood, Limit: 500})
	if err != nil {
		return false, err
	}
	for _, o := range others {
		if o.Serial != c.Serial && o.Profile == c.Profile && o.NotAfter.After(c.NotAfter) {
			return true, nil
		}
	}
	return false, nil
}

// expiryAlert words the alert for a certificate at a stage.
func expiryAlert(c *pki.Certificate, days int, sev alert.Severity) *alert.Alert {
	title := fmt.Sprintf("Device certificate expires within %d days", days)
	switch {
	case days == 0:
		title = "Device certificate has expired"
	case days < 0:
		title = fmt.Sprintf("Device certificate expired more than %d days ago", -days)
	}
	ev, _ := json.Marshal(map[string]any{
		"serial": c.Serial, "ca_id": c.CAID, "subject": c.Subject, "profile": c.Profile,
		"not_after": c.NotAfter.UTC().Format(time.RFC3339),
	})
	return &alert.Alert{
		Source: "pki", Kind: "certificate.expiry", Key: fmt.Sprintf("pki.expiry:%d:%s", c.CAID, c.Serial),
		Severity: sev, DeviceID: c.DeviceID, Title: title, Evidence: ev,
		Summary: "A device uses this certificate to prove who it is on the network. Once it expires, " +
			"the device can be refused by the systems it talks to (PACS, interface engines, Wi-Fi), " +
			"which can interrupt clinical work. Expiry on " + c.NotAfter.UTC().Format("2 Jan 2006") + ".",
		Action: "Renew the certificate before it expires: the device re-enrolls over EST " +
			"(simplereenroll), or issue a new one with 'airtight ca issue'. Renewing closes this alert.",
	}
}
