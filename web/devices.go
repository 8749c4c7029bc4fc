package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// listForm is the device list's search form, as the user submitted it.
type listForm struct {
	Q           string
	Kind        string
	Criticality string
	Department  string
	Site        string
	Zone        string
	Status      string
	Limit       int
	Cursor      string
}

// pageSizes are the choices for rows per page.
var pageSizes = []int{50, 100, 250, 500}

func parseListForm(q url.Values) listForm {
	f := listForm{
		Q:           strings.TrimSpace(q.Get("q")),
		Kind:        q.Get("kind"),
		Criticality: q.Get("criticality"),
		Department:  q.Get("department"),
		Site:        q.Get("site"),
		Zone:        q.Get("zone"),
		Status:      q.Get("status"),
		Cursor:      q.Get("cursor"),
		Limit:       inventory.DefaultPageSize,
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && slices.Contains(pageSizes, n) {
		f.Limit = n
	}
	return f
}

// filter is the service filter of the form.
func (f listForm) filter() inventory.DeviceFilter {
	return inventory.DeviceFilter{
		Query:       f.Q,
		Kind:        inventory.Kind(f.Kind),
		Criticality: inventory.Criticality(f.Criticality),
		Department:  f.Department,
		Site:        f.Site,
		NetworkZone: f.Zone,
		Status:      inventory.Status(f.Status),
		Cursor:      f.Cursor,
		Limit:       f.Limit,
	}
}

// values encodes the form's filters (no cursor, no page size).
func (f listForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Q)
	set("kind", f.Kind)
	set("criticality", f.Criticality)
	set("department", f.Department)
	set("site", f.Site)
	set("zone", f.Zone)
	set("status", f.Status)
	return v
}

// Filtered reports whether any filter is set.
func (f listForm) Filtered() bool { return len(f.values()) > 0 }

// pageURL is the list URL for the same filters, at cursor. Filters come
// first, so that the address reads well.
func (f listForm) pageURL(cursor string) string {
	q := f.values().Encode()
	extra := url.Values{}
	if f.Limit != inventory.DefaultPageSize {
		extra.Set("limit", strconv.Itoa(f.Limit))
	}
	if cursor != "" {
		extra.Set("cursor", cursor)
	}
	if e := extra.Encode(); e != "" {
		q = strings.TrimPrefix(q+"&"+e, "&")
	}
	if q == "" {
		return "/devices"
	}
	return "/devices?" + q
}

// option is one choice of a filter drop-down.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// deviceRow is one row of the device list.
type deviceRow struct {
	*inventory.Device
	Hospital string // the owning hospital, for a device maker's installed base
	Linked   bool   // whether a detail page exists
}

// deviceListData is the device list page.
type deviceListData struct {
	Form      listForm
	Rows      []deviceRow
	NextURL   string
	FirstURL  string // set when not on the first page
	ExportURL string // empty where no export exists (installed base)
	Total     int    // devices in the fleet, when known cheaply; -1 otherwise
	Maker     bool

	Kinds, Criticalities, Statuses, Departments, Zones []option
	PageSizes                                          []option
}

func (h *Handler) deviceList(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Devices", "devices")
	if v == nil {
		return
	}
	form := parseListForm(r.URL.Query())
	d := &deviceListData{Form: form, Maker: v.IsMaker(), Total: -1}
	var err error
	if d.Maker {
		err = h.fillInstalledBase(r.Context(), d)
	} else {
		err = h.fillFleet(r.Context(), d)
	}
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d.FirstURL = ""
	if form.Cursor != "" {
		d.FirstURL = form.pageURL("")
	}
	d.Criticalities = critOptions(form.Criticality)
	d.Statuses = statusOptions(form.Status)
	d.PageSizes = sizeOptions(form.Limit)
	v.Data = d
	h.render(w, r, http.StatusOK, "devices", v)
}

// fillFleet lists the organization's own devices.
func (h *Handler) fillFleet(ctx context.Context, d *deviceListData) error {
	p, err := h.cfg.Devices.ListDevices(ctx, d.Form.filter())
	if err != nil {
		return err
	}
	for _, dev := range p.Devices {
		d.Rows = append(d.Rows, deviceRow{Device: dev, Linked: true})
	}
	if p.NextCursor != "" {
		d.NextURL = d.Form.pageURL(p.NextCursor)
	}
	d.ExportURL = "/api/v1/devices/export?" + d.Form.values().Encode()
	s, err := h.cfg.Devices.Summarize(ctx)
	if err != nil {
		return err
	}
	d.Total = s.Total
	d.Kinds = kindOptions(s.ByKind, d.Form.Kind)
	d.Departments = keyOptions(s.ByDepartment, d.Form.Department)
	d.Zones = keyOptions(s.ByZone, d.Form.Zone)
	return nil
}

// fillInstalledBase lists a device maker's installed base, naming the
// hospital of each device.
func (h *Handler) fillInstalledBase(ctx context.Context, d *deviceListData) error {
	p, err := h.cfg.Grants.ListInstalledBase(ctx, d.Form.filter())
	if err != nil {
		return err
	}
	names, err := h.hospitalNames(ctx)
	if err != nil {
		return err
	}
	for _, dev := range p.Devices {
		d.Rows = append(d.Rows, deviceRow{Device: dev, Hospital: h.hospitalName(ctx, names, dev.OrgID)})
	}
	if p.NextCursor != "" {
		d.NextURL = d.Form.pageURL(p.NextCursor)
	}
	return nil
}

// hospitalNames maps the granting organizations to their names.
func (h *Handler) hospitalNames(ctx context.Context) (map[int64]string, error) {
	gs, err := h.cfg.Grants.ListGrants(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, g := range gs {
		if g.OrgName != "" {
			names[g.OrgID] = g.OrgName
		}
	}
	return names, nil
}

// hospitalName looks up a name missing from names once, and remembers it.
func (h *Handler) hospitalName(ctx context.Context, names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	n := "Organization #" + strconv.FormatInt(id, 10)
	if o, err := h.cfg.Orgs.FindOrganizationByID(ctx, id); err == nil {
		n = o.Name
	}
	names[id] = n
	return n
}

func kindOptions(cs []inventory.Count, sel string) []option {
	var out []option
	seen := false
	for _, c := range cs {
		if c.Key == "" {
			continue
		}
		out = append(out, option{Value: c.Key, Label: inventory.Kind(c.Key).DisplayName(), Selected: c.Key == sel})
		seen = seen || c.Key == sel
	}
	if sel != "" && !seen {
		out = append(out, option{Value: sel, Label: inventory.Kind(sel).DisplayName(), Selected: true})
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

func keyOptions(cs []inventory.Count, sel string) []option {
	var out []option
	seen := false
	for _, c := range cs {
		if c.Key == "" {
			continue
		}
		out = append(out, option{Value: c.Key, Label: c.Key, Selected: c.Key == sel})
		seen = seen || c.Key == sel
	}
	if sel != "" && !seen {
		out = append(out, option{Value: sel, Label: sel, Selected: true})
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

func critOptions(sel string) []option {
	out := make([]option, len(inventory.Criticalities))
	for i, c := range inventory.Criticalities {
		out[i] = option{Value: string(c), Label: critLabel(c), Selected: string(c) == sel}
	}
	return out
}

func statusOptions(sel string) []option {
	out := make([]option, len(inventory.Statuses))
	for i, s := range inventory.Statuses {
		out[i] = option{Value: string(s), Label: statusLabel(s), Selected: string(s) == sel}
	}
	return out
}

func sizeOptions(sel int) []option {
	out := make([]option, len(pageSizes))
	for i, n := range pageSizes {
		out[i] = option{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " rows", Selected: n == sel}
	}
	return out
}

// deviceDetailData is the device detail page.
type deviceDetailData struct {
	D        *inventory.Device
	Timeline *securityTimeline
	Vulns    *deviceVulns
}

func (h *Handler) deviceDetail(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Device", "devices")
	if v == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, v)
		return
	}
	dev, err := h.cfg.Devices.FindDevice(r.Context(), id)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	if dev.OrgID != 0 && dev.OrgID != v.Actor.OrgID {
		// Defence in depth: stores already scope finds to the actor's organization.
		h.fail(w, r, v, airtight.Errorf(airtight.ENotFound, "device not found"))
		return
	}
	v.Title = dev.AssetTag
	v.Data = &deviceDetailData{D: dev, Timeline: h.deviceTimeline(r.Context(), dev.ID), Vulns: h.deviceFindings(r.Context(), dev.ID)}
	h.render(w, r, http.StatusOK, "device", v)
}
