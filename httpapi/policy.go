package httpapi

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

// wrap is the per-route middleware: body limit, authentication, the role
// policy and CSRF, all before the handler runs.
func (s *Server) wrap(rt Route) http.Handler {
	limit := s.cfg.MaxBodyBytes
	if rt.MaxBodyBytes > 0 {
		limit = rt.MaxBodyBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateFrom(r.Context())
		st.route = rt.Pattern
		if r.ContentLength > limit {
			s.writeError(w, r, tooLarge())
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		actor, sess, err := s.authenticate(r)
		if err = s.authorize(rt, r, actor, sess, err); err != nil {
			if actor != nil {
				r = r.WithContext(airtight.NewContext(r.Context(), actor))
			}
			s.deny(w, r, rt, err)
			return
		}
		if actor != nil {
			st.actor, st.session = actor, sess
			r = r.WithContext(airtight.NewContext(r.Context(), actor))
		}
		rt.Handler(w, r)
	})
}

// authorize applies the route's policy. Public routes take whoever comes
// (with the actor, if credentials are valid); others need an actor whose
// role the route lists, and a CSRF token for unsafe session requests.
func (s *Server) authorize(rt Route, r *http.Request, a *airtight.Actor, sess *auth.Session, authErr error) error {
	switch {
	case rt.Public:
		return nil
	case authErr != nil:
		return authErr
	case a == nil:
		return unauthorized()
	case !rt.Allows(a.Role):
		return airtight.Errorf(airtight.EForbidden, "your role may not do this")
	case sess != nil && unsafeMethod(r.Method) && !csrfOK(r, sess):
		return airtight.Errorf(airtight.EForbidden, "missing or invalid CSRF token")
	}
	return nil
}

// deny answers a refused request: API routes with the JSON error; pages
// with a redirect to the login page when authentication is missing, else
// with the dashboard's HTML error page (Config.PageError) when there is one.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, rt Route, err error) {
	switch {
	case rt.Page && airtight.ErrorCode(err) == airtight.EUnauthorized:
		http.Redirect(w, r, loginURL(r.URL), http.StatusSeeOther)
	case rt.Page && s.cfg.PageError != nil:
		s.cfg.PageError(w, r, err)
	default:
		s.writeError(w, r, err)
	}
}

// loginURL is /login with next set to the requested local path.
func loginURL(u *url.URL) string {
	next := u.Path
	if u.RawQuery != "" {
		next += "?" + u.RawQuery
	}
	if !LocalPath(next) {
		return "/login"
	}
	return "/login?" + url.Values{"next": {next}}.Encode()
}

// LocalPath reports whether p is a path on this server, safe to redirect
// to: it starts with one slash and cannot be read as another host.
func LocalPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") &&
		!strings.ContainsAny(p, "\\\r\n\t")
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// csrfOK checks the session's CSRF token in the X-CSRF-Token header or the
// csrf_token form field, in constant time.
func csrfOK(r *http.Request, sess *auth.Session) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && isForm(r) {
		got = r.PostFormValue("csrf_token")
	}
	return got != "" && sess.CSRFToken != "" &&
		subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) == 1
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}
