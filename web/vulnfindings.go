package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
)

// The findings list: every finding of the organization's product versions
// with how it was matched and why, its status, and the forms that suppress
// a finding that does not apply (or lift a suppression).

const (
	findingsPageSize  = 50
	suppressionsShown = 100
)

// findingForm is the findings list's filters and page.
type findingForm struct {
	Device     int64
	Version    int64
	Status     string // "" for every status
	Severity   string
	KEV        bool
	Suppressed bool // include suppressed findings
	Cursor     string
}

// parseFindingForm reads the filters; ok is false for a device or version
// that is not a positive number.
func parseFindingForm(q url.Values) (findingForm, bool) {
	f := findingForm{Status: validChoice(vulnStatuses, q.Get("status")), Severity: validChoice(vulnSeverities, q.Get("severity")),
		KEV: q.Get("kev") == "1", Suppressed: q.Get("suppressed") == "1", Cursor: cleanCursor(q)}
	var okD, okV bool
	f.Device, okD = queryID(q, "device")
	f.Version, okV = queryID(q, "version")
	return f, okD && okV
}

func (f findingForm) filter() vuln.FindingFilter {
	return vuln.FindingFilter{DeviceID: f.Device, VersionID: f.Version, Status: vuln.Status(f.Status),
		MinSeverity: vuln.Severity(f.Severity), KEV: f.KEV, IncludeSuppressed: f.Suppressed, Cursor: f.Cursor, Limit: findingsPageSize}
}

func (f findingForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Device != 0 {
		set("device", strconv.FormatInt(f.Device, 10))
	}
	if f.Version != 0 {
		set("version", strconv.FormatInt(f.Version, 10))
	}
	set("status", f.Status)
	set("severity", f.Severity)
	if f.KEV {
		set("kev", "1")
	}
	if f.Suppressed {
		set("suppressed", "1")
	}
	return v
}

// Filtered reports whether any filter is set.
func (f findingForm) Filtered() bool { return len(f.values()) > 0 }

func (f findingForm) pageURL(cursor string, extra url.Values) string {
	return listURL("/vulnerabilities/findings", f.values(), cursor, extra)
}

// Return is what a suppression form posts back, so that the list comes
// back as it was.
func (f findingForm) Return() string { return returnQuery(f.values(), f.Cursor) }

// findingRow is one finding of the list.
type findingRow struct {
	*vuln.StoredFinding
	SuppressionID int64 // the suppression hiding it; 0 when none
}

// suppressionKey names the suppression of a finding.
func suppressionKey(identity, advisory string) string { return identity + "\x00" + advisory }

// findingListData is the findings page.
type findingListData struct {
	Form         findingForm
	Rows         []findingRow
	Pager        pager
	Severities   []option
	Statuses     []option
	Device       *deviceRef // the device filter, named
	Version      string     // the version filter, named
	Suppressions []*vuln.Suppression
	MoreSupp     int // suppressions not shown
	ClearURL     string
}

func (h *Handler) vulnFindings(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Findings", "vulns")
	if v == nil {
		return
	}
	q := r.URL.Query()
	form, ok := parseFindingForm(q)
	if !ok {
		h.notFound(w, r, v)
		return
	}
	d, err := h.findingList(r.Context(), form)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	v.Data = d
	v.Flash, v.FlashError = findingFlashes.of(q.Get("done")), findingErrors.of(q.Get("error"))
	h.render(w, r, http.StatusOK, "vuln_findings", v)
}

func (h *Handler) findingList(ctx context.Context, form findingForm) (*findingListData, error) {
	fs, next, err := h.cfg.Vuln.ListFindings(ctx, form.filter())
	if err != nil {
		return nil, err
	}
	sups, err := h.cfg.Vuln.ListSuppressions(ctx)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]int64, len(sups))
	for _, s := range sups {
		byKey[suppressionKey(s.Identity, s.Advisory)] = s.ID
	}
	d := &findingListData{Form: form, Severities: choiceOptions(vulnSeverities, form.Severity),
		Statuses: choiceOptions(vulnStatuses, form.Status), ClearURL: "/vulnerabilities/findings"}
	for _, f := range fs {
		row := findingRow{StoredFinding: f}
		if f.Suppressed {
			row.SuppressionID = byKey[suppressionKey(f.Identity, f.Advisory)]
		}
		d.Rows = append(d.Rows, row)
	}
	d.Pager = newPager(form.Cursor, next, func(c string) string { return form.pageURL(c, nil) })
	if form.Device != 0 {
		d.Device = h.deviceNames(ctx, []int64{form.Device})[form.Device]
	}
	if form.Version != 0 {
		d.Version = "version #" + strconv.FormatInt(form.Version, 10)
		if len(fs) > 0 {
			d.Version = productLabel(fs[0])
		}
	}
	d.Suppressions = sups[:min(len(sups), suppressionsShown)]
	d.MoreSupp = len(sups) - len(d.Suppressions)
	return d, nil
}

// findingFlashes confirm a suppression change after the redirect.
var findingFlashes = flashes{
	"suppressed":   "Suppressed. The finding is hidden on this component in every version of the product, now and after updates. The audit log records who did it and why.",
	"unsuppressed": "Suppression lifted. Its findings are back on the lists and count towards the risk ranking again.",
}

// findingErrors explain a suppression that was not made.
var findingErrors = flashes{
	"reason":   "Nothing was suppressed: say why the finding does not apply (at most 2,000 characters), so that an auditor can follow the decision.",
	"conflict": "This advisory is already suppressed on this component. Nothing was changed.",
}

// backToFindings is the findings list a suppression form came from.
func backToFindings(r *http.Request, extra url.Values) string {
	back, _ := url.ParseQuery(r.PostFormValue("return"))
	form, ok := parseFindingForm(back)
	if !ok {
		form = findingForm{}
	}
	return form.pageURL(form.Cursor, extra)
}

// beginTriage starts a change on the vulnerability pages: a triage role.
// It answers the request itself and returns nil when it cannot go on.
func (h *Handler) beginTriage(w http.ResponseWriter, r *http.Request, title, what string) *view {
	v := h.begin(w, r, title, "vulns")
	if v == nil {
		return nil
	}
	if !v.CanTriage() {
		h.fail(w, r, v, airtight.Errorf(airtight.EForbidden, "auditors cannot change %s", what))
		return nil
	}
	return v
}

func (h *Handler) suppressFinding(w http.ResponseWriter, r *http.Request) {
	v := h.beginTriage(w, r, "Findings", "findings")
	if v == nil {
		return
	}
	s := &vuln.Suppression{Identity: r.PostFormValue("identity"), Advisory: r.PostFormValue("advisory"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if err := s.Validate(); err != nil {
		var fe *vuln.FieldError
		if errors.As(err, &fe) && fe.Field == "reason" {
			http.Redirect(w, r, backToFindings(r, url.Values{"error": {"reason"}}), http.StatusSeeOther)
			return
		}
		h.fail(w, r, v, airtight.Errorf(airtight.EInvalid, "The finding to suppress is not named correctly. Go back to the list and try again."))
		return
	}
	switch err := h.cfg.Vuln.Suppress(r.Context(), s); {
	case err == nil:
		http.Redirect(w, r, backToFindings(r, url.Values{"done": {"suppressed"}}), http.StatusSeeOther)
	case airtight.ErrorCode(err) == airtight.EConflict:
		http.Redirect(w, r, backToFindings(r, url.Values{"error": {"conflict"}}), http.StatusSeeOther)
	default:
		h.fail(w, r, v, err)
	}
}

func (h *Handler) unsuppressFinding(w http.ResponseWriter, r *http.Request) {
	v := h.beginTriage(w, r, "Findings", "findings")
	if v == nil {
		return
	}
	id := pathID(r.PathValue("id"))
	if id == 0 {
		h.notFound(w, r, v)
		return
	}
	if err := h.cfg.Vuln.Unsuppress(r.Context(), id); err != nil {
		h.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, backToFindings(r, url.Values{"done": {"unsuppressed"}}), http.StatusSeeOther)
}
