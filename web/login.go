package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/airtight/airtight"
)

// loginData is the sign-in page.
type loginData struct {
	Email string
	Next  string
	Error string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if a := airtight.ActorFrom(r.Context()); a != nil && a.OrgID != 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, &loginData{Next: next})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	d := &loginData{Email: email, Next: next}
	if email == "" || password == "" {
		d.Error = "Enter your email address and your password."
		h.renderLogin(w, r, http.StatusBadRequest, d)
		return
	}
	err := h.cfg.Auth.Login(w, r, email, password)
	switch airtight.ErrorCode(err) {
	case "":
		http.Redirect(w, r, next, http.StatusSeeOther)
	case airtight.EUnauthorized, airtight.EInvalid:
		d.Error = "The email address or the password is not correct."
		h.renderLogin(w, r, http.StatusUnauthorized, d)
	case airtight.ERateLimited:
		d.Error = "Too many sign-in attempts. Wait a minute, then try again."
		h.renderLogin(w, r, http.StatusTooManyRequests, d)
	default:
		h.log.Error("sign-in failed", "err", err)
		d.Error = "Signing in is not possible right now. Try again in a moment; tell your administrator if it keeps happening."
		h.renderLogin(w, r, http.StatusInternalServerError, d)
	}
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, d *loginData) {
	h.render(w, r, status, "login", &view{Title: "Sign in", CSRF: h.cfg.Auth.CSRFToken(r), Data: d})
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.cfg.Auth.Logout(w, r); err != nil {
		h.log.Error("sign-out failed", "err", err)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, else "/". It refuses
// anything a browser could resolve to another host: "//evil.com",
// "/\evil.com", "https://evil.com", and control characters.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || len(next) > 2000 {
		return "/"
	}
	if strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if next == "/login" || strings.HasPrefix(next, "/login?") || next == "/logout" {
		return "/"
	}
	return next
}
