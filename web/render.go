package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/airtight/airtight"
)

//go:embed templates
var templateFS embed.FS

// shells are the templates every page is parsed with: the application shell
// (navigation, top bar), the bare shell (sign-in, errors before sign-in) and
// shared components.
var shells = []string{"templates/layout.html", "templates/components.html"}

// pageTemplate is one page: the shells plus the page's own file, which
// defines "root" (which shell to use), "title" and "content".
type pageTemplate struct {
	t *template.Template
}

func parsePages(funcs template.FuncMap) (map[string]*pageTemplate, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, shells...)
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/page_*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "page_"), ".html")
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// view is what every page template receives.
type view struct {
	Title      string
	Nav        string // the active navigation entry
	Actor      *airtight.Actor
	Org        *airtight.Organization
	CSRF       string
	Version    string
	Flash      string     // a confirmation after a change
	FlashError string     // why a change was not made
	Alerts     *openCount // open alerts, for the navigation badge; set by render
	Incidents  *openCount // open incidents, for the navigation badge; set by render
	Data       any        // the page's own data
}

// IsAdmin and the like let the shell show only the entries a role may open.
func (v *view) IsAdmin() bool     { return v.Actor.Is(airtight.RoleAdmin) }
func (v *view) CanSeeAudit() bool { return v.Actor.Is(airtight.RoleAdmin, airtight.RoleAuditor) }
func (v *view) CanTriage() bool   { return v.Actor.Is(triageRoles...) }

// CanDecideQuarantine reports whether the actor may release or delete
// quarantined content.
func (v *view) CanDecideQuarantine() bool { return v.Actor.Is(quarantineRoles...) }
func (v *view) IsMaker() bool             { return v.Org != nil && v.Org.Kind == airtight.OrgManufacturer }
func (v *view) OrgName() string {
	if v.Org == nil {
		return ""
	}
	return v.Org.Name
}

// render executes the named page into a buffer, then writes it, so that a
// template error yields a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	p, ok := h.pages[name]
	if !ok {
		h.internal(w, r, fmt.Errorf("web: no page template %q", name))
		return
	}
	v.Version = h.cfg.Version
	if v.CSRF == "" && v.Actor != nil {
		v.CSRF = h.cfg.Auth.CSRFToken(r)
	}
	if v.Alerts == nil && v.Org != nil {
		v.Alerts = h.openAlerts(r.Context())
	}
	if v.Incidents == nil && v.Org != nil {
		v.Incidents = h.openIncidents(r.Context())
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "root", v); err != nil {
		h.internal(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store") // pages show inventory data: never cache them
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// internal logs err and answers a plain 500 page. It never renders a
// template, so it cannot fail the same way twice.
func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("dashboard page failed", "route", routeOf(r), "err", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, internalPage)
}

const internalPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong · airtight</title></head>` +
	`<body><h1>Something went wrong</h1><p>The page could not be shown. The error has been logged; please try again, ` +
	`and tell your administrator if it keeps happening.</p><p><a href="/">Back to the overview</a></p></body></html>`

// routeOf names the route pattern for logs; it holds no request data.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// fail answers an HTML error page for err. Application error messages are
// safe to show; anything else is logged and shown as a generic text.
// ErrorPage renders err as the dashboard's HTML error page, for requests
// the server refused before any page handler ran (a role without access).
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	h.fail(w, r, nil, err)
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var ev errorView
	switch airtight.ErrorCode(err) {
	case airtight.ENotFound:
		ev = errorView{http.StatusNotFound, "Not found", "This page does not exist, or it belongs to another organization."}
	case airtight.EForbidden:
		ev = errorView{http.StatusForbidden, "Not allowed", "Your role does not allow this. Ask an administrator of your organization if you need access."}
	case airtight.EUnauthorized:
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case airtight.EInvalid:
		ev = errorView{http.StatusBadRequest, "Invalid request", airtight.ErrorMessage(err)}
	case airtight.EConflict:
		ev = errorView{http.StatusConflict, "Conflict", airtight.ErrorMessage(err)}
	case airtight.ERateLimited:
		ev = errorView{http.StatusTooManyRequests, "Too many requests", "Please wait a moment and try again."}
	default:
		h.log.Error("dashboard page failed", "route", routeOf(r), "err", err)
		ev = errorView{http.StatusInternalServerError, "Something went wrong", "The page could not be shown. The error has been logged; please try again, and tell your administrator if it keeps happening."}
	}
	if v == nil {
		v = &view{Actor: airtight.ActorFrom(r.Context())}
	}
	v.Title, v.Data = ev.Heading, ev
	h.render(w, r, ev.Status, "error", v)
}

// notFound answers the 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, v *view) {
	h.fail(w, r, v, airtight.Errorf(airtight.ENotFound, "not found"))
}

// begin starts a page view for the signed-in actor with its organization.
// It answers the request itself (redirect or error) and returns nil when the
// page cannot be shown.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, title, nav string) *view {
	a := airtight.ActorFrom(r.Context())
	if a == nil || a.OrgID == 0 {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	v := &view{Title: title, Nav: nav, Actor: a}
	org, err := h.cfg.Orgs.FindOrganizationByID(r.Context(), a.OrgID)
	if err != nil {
		h.fail(w, r, v, err)
		return nil
	}
	v.Org = org
	return v
}
