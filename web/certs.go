package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/expiry"
)

const day = 24 * time.Hour

// certsPageSize is how many certificates one page of the table shows.
const certsPageSize = 50

// maxCertsCounted bounds how many certificates the figures and the
// timeline count; beyond it the page says they are partial.
const maxCertsCounted = 20000

// certShow is one choice of the table's "Show" filter: an expiry window or a
// status, with the store filter behind it.
type certShow struct {
	Value  string
	Label  string
	filter pki.CertificateFilter
}

// certShows are the table's views. Expiry windows list good certificates
// soonest expiry first, expired ones included; "valid" is every good
// certificate in that order (a window of a century).
var certShows = []certShow{
	{"30d", "Expiring within 30 days", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 30 * day}},
	{"90d", "Expiring within 90 days", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 90 * day}},
	{"365d", "Expiring within a year", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 365 * day}},
	{"expired", "Expired", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: time.Nanosecond}},
	{"valid", "All except revoked", pki.CertificateFilter{Status: pki.StatusGood, ExpiringWithin: 100 * 365 * day}},
	{"revoked", "Revoked", pki.CertificateFilter{Status: pki.StatusRevoked}},
	{"all", "All certificates (issue order)", pki.CertificateFilter{}},
}

const defaultCertShow = "90d"

// certForm is the table's filter as the user submitted it.
type certForm struct {
	Show   string
	Cursor string
}

func parseCertForm(q url.Values) certForm {
	f := certForm{Show: defaultCertShow, Cursor: q.Get("cursor")}
	for _, s := range certShows {
		if s.Value == q.Get("show") {
			f.Show = s.Value
		}
	}
	if len(f.Cursor) > 200 {
		f.Cursor = ""
	}
	return f
}

func (f certForm) show() certShow {
	for _, s := range certShows {
		if s.Value == f.Show {
			return s
		}
	}
	return certShows[1]
}

func (f certForm) filter() pki.CertificateFilter {
	cf := f.show().filter
	cf.Cursor, cf.Limit = f.Cursor, certsPageSize
	return cf
}

func (f certForm) pageURL(cursor string) string {
	q := url.Values{}
	if f.Show != defaultCertShow {
		q.Set("show", f.Show)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/certificates"
	}
	return "/certificates?" + q.Encode()
}

func (f certForm) options() []option {
	out := make([]option, len(certShows))
	for i, s := range certShows {
		out[i] = option{Value: s.Value, Label: s.Label, Selected: s.Value == f.Show}
	}
	return out
}

// stage is where a certificate stands: its badge and timeline colour.
type stage struct {
	Key   string // CSS class suffix: stage-<Key>
	Label string
}

// Stages, most urgent first. The expiry alert stages (90/60/30/7/3 days)
// group into "plan" (within 90 days), "soon" (within 30) and "now" (within 7).
var (
	stageExpired = stage{"expired", "Expired"}
	stageNow     = stage{"now", "Renew now"}
	stageSoon    = stage{"soon", "Renew soon"}
	stagePlan    = stage{"plan", "Plan renewal"}
	stageValid   = stage{"valid", "Valid"}
	stageRenewed = stage{"renewed", "Renewed"}
	stageRevoked = stage{"revoked", "Revoked"}
)

// timelineStages are the stages the timeline stacks, bottom first.
var timelineStages = []stage{stageExpired, stageNow, stageSoon, stagePlan, stageValid}

// expiryStage places a notAfter on the expiry alert stages.
func expiryStage(notAfter, now time.Time) stage {
	days, _, ok := expiry.Stage(notAfter, now)
	switch {
	case !ok:
		return stageValid
	case days <= 0:
		return stageExpired
	case days <= 7:
		return stageNow
	case days <= 30:
		return stageSoon
	}
	return stagePlan
}

// devProfile identifies a device's certificates of one profile: a newer
// good one renews (supersedes) the older.
type devProfile struct {
	device  int64
	profile string
}

// certIndex is what the page knows of every certificate of the
// organization: the newest good expiry per device and profile.
type certIndex struct {
	latest map[devProfile]time.Time
}

func newCertIndex(cs []*pki.Certificate) *certIndex {
	x := &certIndex{latest: map[devProfile]time.Time{}}
	for _, c := range cs {
		if c.Status != pki.StatusGood || c.DeviceID == 0 {
			continue
		}
		k := devProfile{c.DeviceID, c.Profile}
		if c.NotAfter.After(x.latest[k]) {
			x.latest[k] = c.NotAfter
		}
	}
	return x
}

// stageOf classifies a certificate. Like the expiry watch, it treats a good
// certificate whose device holds a newer good one of the same profile as
// renewed: nothing to do.
func (x *certIndex) stageOf(c *pki.Certificate, now time.Time) stage {
	if c.Status == pki.StatusRevoked {
		return stageRevoked
	}
	if c.DeviceID != 0 && x.latest[devProfile{c.DeviceID, c.Profile}].After(c.NotAfter) {
		return stageRenewed
	}
	return expiryStage(c.NotAfter, now)
}

// certKPIs are the figures above the timeline.
type certKPIs struct {
	Total    int // every certificate counted
	Valid    int // good, not expired, not renewed: in use
	Expiring int // within 30 days, not renewed
	Expired  int // expired, not renewed
	Revoked  int
	Renewed  int
}

func (k *certKPIs) add(s stage) {
	k.Total++
	switch s {
	case stageRevoked:
		k.Revoked++
	case stageRenewed:
		k.Renewed++
	case stageExpired:
		k.Expired++
	case stageNow, stageSoon:
		k.Expiring++
		k.Valid++
	default:
		k.Valid++
	}
}

// certRow is one certificate of the table.
type certRow struct {
	*pki.Certificate
	Stage   stage
	Device  *deviceRef
	CA      string
	Profile string // the profile's name for people
}

// caRow is one certificate authority.
type caRow struct {
	*pki.CA
	Stage stage
}

// certsData is the certificates page.
type certsData struct {
	CAs       []caRow
	KPIs      certKPIs
	Truncated bool
	Timeline  template.HTML
	Legend    []legendItem
	Later     int // good certificates expiring after the timeline's last month
	NoExpiry  int // factory identities with no expiry date
	Form      certForm
	Shows     []option
	Rows      []certRow
	NextURL   string
	FirstURL  string
}

func (h *Handler) certificates(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Certificates", "certificates")
	if v == nil {
		return
	}
	d, err := h.certsData(r.Context(), parseCertForm(r.URL.Query()))
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Data = d
	h.render(w, r, http.StatusOK, "certificates", v)
}

func (h *Handler) certsData(ctx context.Context, form certForm) (*certsData, error) {
	now := h.now()
	cas, err := h.cfg.Certs.ListCAs(ctx)
	if err != nil {
		return nil, err
	}
	all, truncated, err := h.allCertificates(ctx)
	if err != nil {
		return nil, err
	}
	d := &certsData{Form: form, Shows: form.options(), Truncated: truncated}
	caNames := map[int64]string{}
	for _, ca := range cas {
		caNames[ca.ID] = ca.Name
		d.CAs = append(d.CAs, caRow{CA: ca, Stage: expiryStage(ca.NotAfter, now)})
	}
	idx := newCertIndex(all)
	tl := newTimeline(now)
	for _, c := range all {
		s := idx.stageOf(c, now)
		d.KPIs.add(s)
		tl.add(c.NotAfter, s)
	}
	d.Timeline, d.Legend, d.Later, d.NoExpiry = tl.chart(), tl.legend(), tl.later, tl.noExpiry
	page, next, err := h.cfg.Certs.ListCertificates(ctx, form.filter())
	if err != nil {
		return nil, err
	}
	d.Rows = h.certRows(ctx, page, idx, caNames, now)
	if next != "" {
		d.NextURL = form.pageURL(next)
	}
	if form.Cursor != "" {
		d.FirstURL = form.pageURL("")
	}
	return d, nil
}

// allCertificates walks the organization's certificates, up to maxCertsCounted.
func (h *Handler) allCertificates(ctx context.Context) ([]*pki.Certificate, bool, error) {
	var out []*pki.Certificate
	f := pki.CertificateFilter{Limit: 500}
	for {
		page, next, err := h.cfg.Certs.ListCertificates(ctx, f)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page...)
		if next == "" {
			return out, false, nil
		}
		if len(out) >= maxCertsCounted {
			return out, true, nil
		}
		f.Cursor = next
	}
}

func (h *Handler) certRows(ctx context.Context, page []*pki.Certificate, idx *certIndex, caNames map[int64]string, now time.Time) []certRow {
	var ids []int64
	seen := map[int64]bool{}
	for _, c := range page {
		if c.DeviceID != 0 && !seen[c.DeviceID] {
			seen[c.DeviceID] = true
			ids = append(ids, c.DeviceID)
		}
	}
	names := h.deviceNames(ctx, ids)
	rows := make([]certRow, len(page))
	for i, c := range page {
		rows[i] = certRow{Certificate: c, Stage: idx.stageOf(c, now), Device: names[c.DeviceID],
			CA: caNames[c.CAID], Profile: profileLabel(c.Profile)}
	}
	return rows
}

var profileLabels = map[string]string{
	pki.ProfileDeviceIDevID:  "Factory identity (IDevID)",
	pki.ProfileDeviceLDevID:  "Device identity (LDevID)",
	pki.ProfileDeviceShort:   "Short-lived device identity",
	pki.ProfileServer:        "TLS server",
	pki.ProfileUpdateSigning: "Software update signing",
}

func profileLabel(p string) string {
	if l, ok := profileLabels[p]; ok {
		return l
	}
	return dash(p)
}

var caKindLabels = map[pki.CAKind]string{pki.RootCA: "Root CA", pki.IssuingCA: "Issuing CA"}

func caKindLabel(k pki.CAKind) string {
	if l, ok := caKindLabels[k]; ok {
		return l
	}
	return string(k)
}

// noExpiry reports a notAfter that means "never" (802.1AR factory identities).
func noExpiry(t time.Time) bool { return t.Year() >= 9999 }

// until says how far t is from now, for an expiry date: "in 12 days",
// "3 days ago", "in 5 months".
func (h *Handler) until(t time.Time) string {
	if noExpiry(t) {
		return "no expiry date"
	}
	d := t.Sub(h.now())
	if d < 0 {
		return spanText(-d) + " ago"
	}
	return "in " + spanText(d)
}

func spanText(d time.Duration) string {
	n := int(d / day)
	switch {
	case n == 0:
		return "less than a day"
	case n == 1:
		return "1 day"
	case n < 100:
		return fmt.Sprintf("%d days", n)
	case n < 730:
		return fmt.Sprintf("%d months", n/30)
	}
	return fmt.Sprintf("%d years", n/365)
}

// isoTime is a machine-readable time for <time datetime>.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
