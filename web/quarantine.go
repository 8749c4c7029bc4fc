package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/dlp"
)

// quarantinePageSize is how many held items one page shows.
const quarantinePageSize = 50

// quarantineStatuses are the quarantine page's tabs; held is the default.
var quarantineStatuses = []option{
	{Value: string(dlp.QuarantineHeld), Label: "Held"},
	{Value: string(dlp.QuarantineReleased), Label: "Released"},
	{Value: string(dlp.QuarantineDeleted), Label: "Deleted"},
}

func quarantineLabel(s dlp.QuarantineStatus) string { return labelOf(quarantineStatuses, string(s)) }

// quarantineForm is the quarantine page's tab and page.
type quarantineForm struct {
	Status string
	Cursor string
}

func parseQuarantineForm(q url.Values) quarantineForm {
	f := quarantineForm{Status: string(dlp.QuarantineHeld), Cursor: cleanCursor(q)}
	if s := validChoice(quarantineStatuses, q.Get("status")); s != "" {
		f.Status = s
	}
	return f
}

func (f quarantineForm) values() url.Values {
	v := url.Values{}
	if f.Status != string(dlp.QuarantineHeld) {
		v.Set("status", f.Status)
	}
	return v
}

func (f quarantineForm) pageURL(cursor string, extra url.Values) string {
	return listURL("/dlp/quarantine", f.values(), cursor, extra)
}

// Return is what the decision forms post back, to come back to the same page.
func (f quarantineForm) Return() string { return returnQuery(f.values(), f.Cursor) }

func (f quarantineForm) tabs() []tab {
	return makeTabs(quarantineStatuses, f.Status, func(s string) string {
		return quarantineForm{Status: s}.pageURL("", nil)
	})
}

// quarantineRow is one held (or decided) item.
type quarantineRow struct {
	*dlp.Quarantined
	Types []typeCount
}

// quarantineData is the quarantine page.
type quarantineData struct {
	Form  quarantineForm
	Rows  []quarantineRow
	Tabs  []tab
	Pager pager
}

func (h *Handler) quarantineList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Quarantine", "dlp")
	if v == nil {
		return
	}
	form := parseQuarantineForm(r.URL.Query())
	qs, next, err := h.cfg.DLP.ListQuarantine(r.Context(), dlp.QuarantineStatus(form.Status), form.Cursor, quarantinePageSize)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &quarantineData{Form: form, Tabs: form.tabs(),
		Pager: newPager(form.Cursor, next, func(c string) string { return form.pageURL(c, nil) })}
	for _, q := range qs {
		d.Rows = append(d.Rows, quarantineRow{Quarantined: q, Types: typeCounts(q.Types)})
	}
	q := r.URL.Query()
	v.Flash, v.FlashError = quarantineFlashes.of(q.Get("done")), quarantineErrors.of(q.Get("error"))
	v.Data = d
	h.render(w, r, http.StatusOK, "quarantine", v)
}

// quarantineFlashes confirm a decision after the redirect.
var quarantineFlashes = flashes{
	string(dlp.QuarantineReleased): "Released. The content goes on to its destination; the decision is recorded in the audit log under your name.",
	string(dlp.QuarantineDeleted):  "Deleted for good. The content can no longer be recovered; the decision is recorded in the audit log under your name.",
}

// quarantineErrors explain a decision that was not carried out.
var quarantineErrors = flashes{
	"not-held": "This item is no longer held: someone already released or deleted it. Nothing was changed; see the Released and Deleted tabs.",
	"release":  "The item is marked released, but delivering it failed. The error has been logged; ask your administrator to deliver it by hand.",
	"delete":   "The item is marked deleted, but destroying its content failed. The error has been logged; ask your administrator to check the quarantine vault.",
}

// decideQuarantine answers the Release and Delete buttons: it records the
// decision, then delivers or destroys the content, and goes back to the
// list with a flash.
func (h *Handler) decideQuarantine(s dlp.QuarantineStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := h.begin(w, r, "Quarantine", "dlp")
		if v == nil {
			return
		}
		if !v.CanDecideQuarantine() {
			h.fail(w, r, v, airtight.Errorf(airtight.EForbidden, "only administrators and analysts decide on quarantined content"))
			return
		}
		id := pathID(r.PathValue("id"))
		if id == 0 {
			h.notFound(w, r, v)
			return
		}
		flash, err := h.decide(r.Context(), id, s)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		back, _ := url.ParseQuery(r.PostFormValue("return"))
		form := parseQuarantineForm(back)
		http.Redirect(w, r, form.pageURL(form.Cursor, flash), http.StatusSeeOther)
	}
}

// decide records a decision, then has the releaser carry it out. The
// record changes first: a failed delivery leaves the item released, to
// retry by hand, never delivered twice. It returns the flash to show.
func (h *Handler) decide(ctx context.Context, id int64, s dlp.QuarantineStatus) (url.Values, error) {
	q, err := h.cfg.DLP.DecideQuarantine(ctx, id, s)
	switch {
	case airtight.ErrorCode(err) == airtight.EConflict:
		return url.Values{"error": {"not-held"}}, nil
	case err != nil:
		return nil, err
	case h.cfg.DLPRelease == nil:
		return url.Values{"done": {string(s)}}, nil
	}
	verb := "release"
	if s == dlp.QuarantineReleased {
		err = h.cfg.DLPRelease.Release(ctx, q)
	} else {
		verb, err = "delete", h.cfg.DLPRelease.Shred(ctx, q)
	}
	if err != nil {
		h.log.Error("dashboard: quarantine decision recorded but not carried out", "quarantine", id, "decision", verb, "err", err)
		return url.Values{"error": {verb}}, nil
	}
	return url.Values{"done": {string(s)}}, nil
}
