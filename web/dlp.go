package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// The DLP pages show what the data-loss-prevention gateways decided: who
// sent which kinds of patient data where, and what was done. They hold no
// patient data to show: events carry identifier types and counts only.

// dlpPageSize is how many events one page of the list shows.
const dlpPageSize = 50

// channelChoices name the channels content passes through.
var channelChoices = []option{
	{Value: string(dlp.ChannelSMTP), Label: "E-mail"},
	{Value: string(dlp.ChannelICAP), Label: "Web upload"},
	{Value: string(dlp.ChannelAPI), Label: "API"},
	{Value: string(dlp.ChannelFolder), Label: "Shared folder"},
	{Value: string(dlp.ChannelCLI), Label: "Command line"},
}

// actionChoices name the actions, weakest first.
var actionChoices = []option{
	{Value: string(dlp.ActionAllow), Label: "Allowed"},
	{Value: string(dlp.ActionLog), Label: "Logged"},
	{Value: string(dlp.ActionRedact), Label: "Redacted"},
	{Value: string(dlp.ActionSecure), Label: "Sent securely"},
	{Value: string(dlp.ActionQuarantine), Label: "Quarantined"},
	{Value: string(dlp.ActionBlock), Label: "Blocked"},
}

var typeLabels = map[dlp.Type]string{
	dlp.Name: "Name", dlp.Date: "Date", dlp.Age: "Age over 89", dlp.Location: "Address or place",
	dlp.ZIP: "ZIP code", dlp.Phone: "Phone number", dlp.Fax: "Fax number", dlp.Email: "E-mail address",
	dlp.URL: "Web address", dlp.IP: "IP address", dlp.SSN: "Social security number", dlp.MRN: "Medical record number",
	dlp.Account: "Account number", dlp.HealthPlan: "Health plan number", dlp.License: "Licence number",
	dlp.Vehicle: "Vehicle identifier", dlp.DeviceID: "Device identifier", dlp.Biometric: "Biometric identifier",
}

func channelLabel(c dlp.Channel) string { return labelOf(channelChoices, string(c)) }
func actionLabel(a dlp.Action) string   { return labelOf(actionChoices, string(a)) }

func typeLabel(t dlp.Type) string {
	if l, ok := typeLabels[t]; ok {
		return l
	}
	return string(t)
}

// typeCount is one identifier type found, with how many.
type typeCount struct {
	Type dlp.Type
	N    int
}

// typeCounts orders identifier counts, most found first.
func typeCounts(m map[dlp.Type]int) []typeCount {
	out := make([]typeCount, 0, len(m))
	for t, n := range m {
		out = append(out, typeCount{t, n})
	}
	slices.SortFunc(out, func(a, b typeCount) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Type, b.Type)
	})
	return out
}

// byteSize formats a size for people: 812 B, 14.2 KB, 3.1 MB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", v, "kMGT"[i])
}

// dlpForm is the event list's filters, normalized: unknown values are
// dropped.
type dlpForm struct {
	Channel string
	Action  string
	Cursor  string
}

func parseDLPForm(q url.Values) dlpForm {
	return dlpForm{
		Channel: validChoice(channelChoices, q.Get("channel")),
		Action:  validChoice(actionChoices, q.Get("action")),
		Cursor:  cleanCursor(q),
	}
}

func (f dlpForm) filter() dlp.EventFilter {
	return dlp.EventFilter{Channel: dlp.Channel(f.Channel), Action: dlp.Action(f.Action), Cursor: f.Cursor, Limit: dlpPageSize}
}

func (f dlpForm) values() url.Values {
	v := url.Values{}
	if f.Channel != "" {
		v.Set("channel", f.Channel)
	}
	if f.Action != "" {
		v.Set("action", f.Action)
	}
	return v
}

// Filtered reports whether a channel or action filter is set.
func (f dlpForm) Filtered() bool { return f.Channel != "" || f.Action != "" }

func (f dlpForm) pageURL(cursor string) string { return listURL("/dlp", f.values(), cursor, nil) }

// dlpEventRow is one event of the list.
type dlpEventRow struct {
	*dlp.Event
	Types   []typeCount
	Domains []string
}

// dlpEventsData is the DLP page: the trend and the event list.
type dlpEventsData struct {
	Form     dlpForm
	Rows     []dlpEventRow
	Pager    pager
	Channels []option
	Actions  []option
	Trend    *trend
}

func (h *Handler) dlpEvents(w http.ResponseWriter, r *http.Request) {
	v := h.begin(w, r, "Data protection", "dlp")
	if v == nil {
		return
	}
	form := parseDLPForm(r.URL.Query())
	es, next, err := h.cfg.DLP.ListDLPEvents(r.Context(), form.filter())
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	start := trendStart(h.now())
	points, err := h.cfg.DLP.DLPTrend(r.Context(), start)
	if err != nil {
		h.fail(w, r, v, err)
		return
	}
	d := &dlpEventsData{
		Form: form, Pager: newPager(form.Cursor, next, form.pageURL), Trend: buildTrend(points, start),
		Channels: choiceOptions(channelChoices, form.Channel), Actions: choiceOptions(actionChoices, form.Action),
	}
	for _, e := range es {
		d.Rows = append(d.Rows, dlpEventRow{Event: e, Types: typeCounts(e.Types), Domains: splitList(e.Destination)})
	}
	v.Data = d
	h.render(w, r, http.StatusOK, "dlp", v)
}

// splitList splits a comma-joined list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
