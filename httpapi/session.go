package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
)

func invalidLogin() error {
	return airtight.Errorf(airtight.EUnauthorized, "invalid email or password")
}

// Login checks email and password and, on success, starts a session and
// sets its cookie on w. Attempts are rate limited per client IP and per
// email. Unknown emails, wrong passwords and disabled accounts all get the
// same error after the same work.
func (s *Server) Login(w http.ResponseWriter, r *http.Request, email, password string) error {
	_, _, err := s.login(w, r, email, password)
	return err
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, email, password string) (*auth.User, *auth.Session, error) {
	ip := s.clientIP(r)
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || password == "" {
		return nil, nil, invalidLogin()
	}
	if err := s.checkLoginRate(ip, email); err != nil {
		return nil, nil, err
	}
	u, err := s.verifyLogin(r.Context(), email, password)
	if err != nil {
		return nil, nil, err
	}
	s.endSession(r) // a new login never reuses an old session
	sess, err := s.startSession(w, r, u, ip)
	if err != nil {
		return nil, nil, err
	}
	ctx := airtight.NewContext(r.Context(), s.withAddr(userActor(u), r))
	if err := s.svc.Users.RecordLogin(ctx, u.ID, ip); err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

func (s *Server) checkLoginRate(ip, email string) error {
	now := s.now()
	for _, key := range []string{"ip:" + ip, "email:" + email} {
		if ok, wait := s.logins.allow(key, now); !ok {
			return rateLimited("too many login attempts; try again later", wait)
		}
	}
	return nil
}

// verifyLogin returns the user whose password matches. An unknown email is
// checked against a dummy hash so that it takes as long as a known one.
func (s *Server) verifyLogin(ctx context.Context, email, password string) (*auth.User, error) {
	if len(email) > 254 || len(password) > auth.MaxPasswordLen {
		_, _ = argon2id.Verify(password, s.dummyHash)
		return nil, invalidLogin()
	}
	u, err := s.svc.Users.FindUserByEmail(ctx, email)
	if airtight.ErrorCode(err) == airtight.ENotFound {
		_, _ = argon2id.Verify(password, s.dummyHash)
		return nil, invalidLogin()
	} else if err != nil {
		return nil, err
	}
	ok, err := argon2id.Verify(password, u.PasswordHash)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "stored password hash is malformed", slog.Int64("user_id", u.ID))
	}
	if !ok || u.DisabledAt != nil {
		return nil, invalidLogin()
	}
	return u, nil
}

// startSession stores a new session (only its hash) and sets the cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *auth.User, ip string) (*auth.Session, error) {
	secret, hash := auth.NewSecret(sessionPrefix)
	sess := &auth.Session{Hash: hash, UserID: u.ID, OrgID: u.OrgID, CSRFToken: newCSRFToken(),
		ExpiresAt: s.now().Add(auth.SessionTTL), RemoteAddr: ip}
	ctx := airtight.NewContext(r.Context(), s.withAddr(userActor(u), r))
	if err := s.svc.Sessions.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	http.SetCookie(w, s.sessionCookie(secret, sess.ExpiresAt))
	return sess, nil
}

func (s *Server) sessionCookie(value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteLaxMode}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires, c.MaxAge = expires, int(expires.Sub(s.now()).Seconds())
	}
	return c
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// Logout ends the request's session, if any, and clears the cookie.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) error {
	err := s.endSession(r)
	http.SetCookie(w, s.sessionCookie("", time.Time{}))
	return err
}

func (s *Server) endSession(r *http.Request) error {
	c, err := r.Cookie(SessionCookie)
	if err != nil || !validSecret(c.Value, sessionPrefix) {
		return nil
	}
	err = s.svc.Sessions.DeleteSession(r.Context(), auth.HashSecret(c.Value))
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return nil
	}
	return err
}

// CSRFToken returns the CSRF token of the request's session, for forms;
// "" when the request has no session.
func (s *Server) CSRFToken(r *http.Request) string {
	if sess := stateFrom(r.Context()).session; sess != nil {
		return sess.CSRFToken
	}
	return ""
}

// loginRequest is the body of POST /api/v1/session.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	User      *auth.User `json:"user"`
	CSRFToken string     `json:"csrf_token"`
	ExpiresAt time.Time  `json:"expires_at"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	err := decodeJSON(r, &req)
	if err == nil && (req.Email == "" || req.Password == "") {
		err = airtight.Errorf(airtight.EInvalid, "email and password are required")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, sess, err := s.login(w, r, req.Email, req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{User: u, CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.Logout(w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
