package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Helpers shared by the paged lists (alerts, incidents, DLP events,
// quarantine): list addresses, status tabs, pagers, drop-down choices and
// flash messages.

// maxCursor bounds a cursor taken from a query string; a longer one is
// dropped (the list starts over) rather than sent to the store.
const maxCursor = 200

// cleanCursor returns the cursor of a query, or "" when it is too long.
func cleanCursor(q url.Values) string {
	if c := q.Get("cursor"); len(c) <= maxCursor {
		return c
	}
	return ""
}

// listURL is path with a list's filters, then its cursor, then extra
// parameters (a flash message): filters first, so that the address reads
// well.
func listURL(path string, filters url.Values, cursor string, extra url.Values) string {
	q := url.Values{}
	for k, v := range filters {
		q[k] = v
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	s := q.Encode()
	if e := extra.Encode(); e != "" {
		s = strings.TrimPrefix(s+"&"+e, "&")
	}
	if s == "" {
		return path
	}
	return path + "?" + s
}

// returnQuery encodes a list's filters and cursor, for a form to post
// back so that the list comes back on the same page after a change.
func returnQuery(filters url.Values, cursor string) string {
	q := url.Values{}
	for k, v := range filters {
		q[k] = v
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q.Encode()
}

// tab is one entry of the status tabs above a list.
type tab struct {
	Label  string
	Href   string
	Active bool
}

// makeTabs builds tabs for choices, marking active; href gives each
// choice's address.
func makeTabs(choices []option, active string, href func(value string) string) []tab {
	out := make([]tab, len(choices))
	for i, c := range choices {
		out[i] = tab{Label: c.Label, Href: href(c.Value), Active: c.Value == active}
	}
	return out
}

// pager holds a list page's links: the next page, and back to the first
// when the page is not the first.
type pager struct {
	NextURL  string
	FirstURL string
}

// newPager builds the links of a page shown at cursor, whose store answer
// gave next; at gives the list's address at a cursor.
func newPager(cursor, next string, at func(cursor string) string) pager {
	var p pager
	if next != "" {
		p.NextURL = at(next)
	}
	if cursor != "" {
		p.FirstURL = at("")
	}
	return p
}

// choiceOptions marks the selected choice; a selected value that is not
// among the choices is kept as a choice of its own, so the form shows it.
func choiceOptions(choices []option, sel string) []option {
	out := make([]option, 0, len(choices)+1)
	seen := false
	for _, o := range choices {
		o.Selected = o.Value == sel
		seen = seen || o.Selected
		out = append(out, o)
	}
	if sel != "" && !seen {
		out = append(out, option{Value: sel, Label: sel, Selected: true})
	}
	return out
}

// validChoice returns v when it is one of choices, else "".
func validChoice(choices []option, v string) string {
	for _, o := range choices {
		if o.Value == v {
			return v
		}
	}
	return ""
}

// labelOf is the label of a choice, or the value itself when unknown.
func labelOf(choices []option, v string) string {
	for _, o := range choices {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// flashes maps the codes a redirect carries (?done=, ?error=) to the
// messages they show. Only known codes show anything: a message is never
// taken from the address, where anyone could write one.
type flashes map[string]string

func (f flashes) of(code string) string { return f[code] }

// pathID parses the {id} of a route; 0 when it is not a positive number.
func pathID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// openCount is a bounded count of open items (alerts, incidents) for a
// navigation badge and the overview.
type openCount struct {
	N      int  // open items counted (at most openCounted)
	More   bool // there are more than openCounted
	Urgent int  // high or critical among those counted
	Failed bool // the count failed; nothing is shown
}

// openCounted bounds an open-item count: beyond it the badge says "99+".
const openCounted = 100

// Label is the badge text: "7", or "99+" past 99.
func (c *openCount) Label() string {
	if c.More || c.N > 99 {
		return "99+"
	}
	return strconv.Itoa(c.N)
}

// countOpen runs one bounded list and counts what it returns. A failure is
// logged and hides the badge rather than the page.
func (h *Handler) countOpen(ctx context.Context, what string, list func(context.Context) ([]int, bool, error)) *openCount {
	ranks, more, err := list(ctx)
	if err != nil {
		h.log.Warn("dashboard: counting open items failed", "what", what, "err", err)
		return &openCount{Failed: true}
	}
	c := &openCount{N: len(ranks), More: more}
	for _, r := range ranks {
		if r >= highRank {
			c.Urgent++
		}
	}
	return c
}
