package web

import (
	"net/http"
	"net/url"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/inventory"
)

// The discovered-devices page: systems that monitoring saw talking on
// the hospital network but that are not in the inventory. Staff adopt
// them (to add them to the inventory) or ignore them (a visitor's laptop).

// discoveredPageSize is how many devices one page shows.
const discoveredPageSize = 50

// maxAdoptedExport bounds the adopted devices one CSV download holds.
const maxAdoptedExport = 5000

// discoveredStatuses are the page's tabs; new is the default.
var discoveredStatuses = []option{
	{Value: string(detect.DiscoveredNew), Label: "New"},
	{Value: string(detect.DiscoveredAdopted), Label: "Adopted"},
	{Value: string(detect.DiscoveredIgnored), Label: "Ignored"},
}

// discoveredForm is the page's tab and page.
type discoveredForm struct {
	Status string
	Cursor string
}

func parseDiscoveredForm(q url.Values) discoveredForm {
	f := discoveredForm{Status: string(detect.DiscoveredNew), Cursor: cleanCursor(q)}
	if s := validChoice(discoveredStatuses, q.Get("status")); s != "" {
		f.Status = s
	}
	return f
}

func (f discoveredForm) values() url.Values {
	v := url.Values{}
	if f.Status != string(detect.DiscoveredNew) {
		v.Set("status", f.Status)
	}
	return v
}

func (f discoveredForm) pageURL(cursor string, extra url.Values) string {
	return listURL("/discovered", f.values(), cursor, extra)
}

// Return is what the decision forms post back, to come back to the same page.
func (f discoveredForm) Return() string { return returnQuery(f.values(), f.Cursor) }

// discoveredRow is one discovered device, with its label.
type discoveredRow struct {
	*detect.Discovered
	Address    string // the IP address, or "—"
	Label      string // "New", "Adopted", "Ignored"
	EventCount int
}

// discoveredData is the page.
type discoveredData struct {
	Enabled bool
	Form    discoveredForm
	Rows    []discoveredRow
	Tabs    []tab
	Pager   pager
}

func (h *Handler) discoveredList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Discovered devices", "discovered")
	if v == nil {
		return
	}
	form := parseDiscoveredForm(r.URL.Query())
	d := &discoveredData{Form: form, Enabled: h.cfg.Network != nil}
	d.Tabs = makeTabs(discoveredStatuses, form.Status, func(s string) string { return discoveredForm{Status: s}.pageURL("", nil) })
	v.Data = d
	if d.Enabled {
		list, next, err := h.cfg.Network.ListDiscovered(r.Context(), detect.DiscoveredStatus(form.Status), form.Cursor, discoveredPageSize)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		d.Pager = newPager(form.Cursor, next, func(c string) string { return form.pageURL(c, nil) })
		for _, dv := range list {
			d.Rows = append(d.Rows, discoveredRowOf(dv))
		}
	}
	q := r.URL.Query()
	v.Flash, v.FlashError = discoveredFlashes.of(q.Get("done")), discoveredErrors.of(q.Get("error"))
	h.render(w, r, http.StatusOK, "discovered", v)
}

func discoveredRowOf(dv *detect.Discovered) discoveredRow {
	row := discoveredRow{Discovered: dv, Address: "—", Label: labelOf(discoveredStatuses, string(dv.Status)), EventCount: int(dv.Events)}
	if dv.IP.IsValid() {
		row.Address = dv.IP.Unmap().String()
	}
	return row
}

// discoveredFlashes confirm a decision after the redirect.
var discoveredFlashes = flashes{
	string(detect.DiscoveredAdopted): "Marked as adopted. Add it to the inventory next: download the adopted devices as a CSV file below, fill in what monitoring cannot know (asset tag, maker, model, kind, criticality) and import it.",
	string(detect.DiscoveredIgnored): "Ignored. It stays on the Ignored tab and is no longer listed as new; monitoring keeps counting its traffic.",
	string(detect.DiscoveredNew):     "Moved back to New.",
}

// discoveredErrors explain a decision that was not made.
var discoveredErrors = flashes{
	"status": "That decision is not known. Nothing was changed.",
}

// setDiscoveredStatus answers the Adopt, Ignore and Move back buttons.
func (h *Handler) setDiscoveredStatus(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Discovered devices", "discovered")
	if v == nil {
		return
	}
	if !v.CanTriage() {
		h.fail(w, r, v, airtight.Errorf(airtight.EForbidden, "only administrators, analysts and biomedical engineers decide on discovered devices"))
		return
	}
	id := pathID(r.PathValue("id"))
	if id == 0 || h.cfg.Network == nil {
		h.notFound(w, r, v)
		return
	}
	back, _ := url.ParseQuery(r.PostFormValue("return"))
	form := parseDiscoveredForm(back)
	s := validChoice(discoveredStatuses, r.PostFormValue("status"))
	if s == "" {
		http.Redirect(w, r, form.pageURL(form.Cursor, url.Values{"error": {"status"}}), http.StatusSeeOther)
		return
	}
	if _, err := h.cfg.Network.SetDiscoveredStatus(r.Context(), id, detect.DiscoveredStatus(s)); err != nil {
		h.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, form.pageURL(form.Cursor, url.Values{"done": {s}}), http.StatusSeeOther)
}

// adoptedCSV downloads the adopted devices in the inventory's CSV format,
// with what monitoring knows filled in (address, MAC, host name, AE title,
// HL7 application, first and last seen): the start of an import file.
func (h *Handler) adoptedCSV(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Discovered devices", "discovered")
	if v == nil {
		return
	}
	if h.cfg.Network == nil {
		h.notFound(w, r, v)
		return
	}
	var rows []*detect.Discovered
	cursor := ""
	for len(rows) < maxAdoptedExport {
		page, next, err := h.cfg.Network.ListDiscovered(r.Context(), detect.DiscoveredAdopted, cursor, 500)
		if err != nil {
			h.fail(w, r, v, err)
			return
		}
		rows = append(rows, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="adopted-devices.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := inventory.NewCSVWriter(w)
	for _, dv := range rows {
		dev := inventory.Device{MAC: dv.MAC, Hostname: dv.Hostname, AETitle: dv.AETitle, HL7Application: dv.HL7App,
			FirstSeen: dv.FirstSeen, LastSeen: dv.LastSeen}
		if dv.IP.IsValid() {
			dev.IP = dv.IP.Unmap().String()
		}
		if err := cw.WriteRecord(&inventory.Record{Device: dev}); err != nil {
			h.log.Warn("dashboard: adopted devices download cut short", "err", err)
			return
		}
	}
	if err := cw.Flush(); err != nil {
		h.log.Warn("dashboard: adopted devices download cut short", "err", err)
	}
}
