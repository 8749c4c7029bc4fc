package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

// SessionCookie is the name of the dashboard session cookie.
const SessionCookie = "airtight_session"

// sessionPrefix starts every session secret.
const sessionPrefix = "ats_"

// maxSecretLen bounds a presented secret before it is hashed.
const maxSecretLen = 128

func unauthorized() error {
	return airtight.Errorf(airtight.EUnauthorized, "authentication required")
}

// authenticate finds the actor of r: an API token (Authorization: Bearer)
// takes precedence over a session cookie. No credentials at all yield a nil
// actor and no error; bad credentials yield unauthorized.
func (s *Server) authenticate(r *http.Request) (*airtight.Actor, *auth.Session, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		a, err := s.authenticateToken(r.Context(), h)
		return s.withAddr(a, r), nil, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, nil, nil
	}
	a, sess, err := s.authenticateSession(r.Context(), c.Value)
	return s.withAddr(a, r), sess, err
}

func (s *Server) withAddr(a *airtight.Actor, r *http.Request) *airtight.Actor {
	if a != nil {
		a.RemoteAddr = s.clientIP(r)
	}
	return a
}

func validSecret(secret, prefix string) bool {
	return strings.HasPrefix(secret, prefix) && len(secret) <= maxSecretLen
}

func (s *Server) authenticateToken(ctx context.Context, header string) (*airtight.Actor, error) {
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !validSecret(secret, auth.TokenPrefix) {
		return nil, unauthorized()
	}
	t, err := s.svc.Tokens.FindTokenByHash(ctx, auth.HashSecret(secret))
	if err != nil {
		return nil, s.authError(err)
	}
	now := s.now()
	if !t.Usable(now) {
		return nil, unauthorized()
	}
	if s.touches.due(t.ID, now) {
		_ = s.svc.Tokens.TouchToken(ctx, t.ID, now) // best effort
	}
	return &airtight.Actor{OrgID: t.OrgID, Kind: airtight.ActorToken, ID: t.ID, Name: t.Name, Role: t.Role}, nil
}

func (s *Server) authenticateSession(ctx context.Context, secret string) (*airtight.Actor, *auth.Session, error) {
	if !validSecret(secret, sessionPrefix) {
		return nil, nil, unauthorized()
	}
	sess, err := s.svc.Sessions.FindSessionByHash(ctx, auth.HashSecret(secret))
	if err != nil {
		return nil, nil, s.authError(err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, nil, unauthorized()
	}
	u, err := s.svc.Users.FindUser(airtight.NewContext(ctx, airtight.SystemActor(sess.OrgID, "session")), sess.UserID)
	if err != nil {
		return nil, nil, s.authError(err)
	}
	if u.DisabledAt != nil || u.OrgID != sess.OrgID {
		return nil, nil, unauthorized()
	}
	return userActor(u), sess, nil
}

func userActor(u *auth.User) *airtight.Actor {
	return &airtight.Actor{OrgID: u.OrgID, Kind: airtight.ActorUser, ID: u.ID, Name: u.Email, Role: u.Role}
}

// authError keeps store failures internal and turns every "no such
// credential" answer into the same unauthorized error.
func (s *Server) authError(err error) error {
	switch airtight.ErrorCode(err) {
	case airtight.EUnauthorized, airtight.ENotFound, airtight.EForbidden:
		return unauthorized()
	}
	return err
}

// clientIP is the TCP peer, or, when the peer is a trusted proxy, the
// right-most X-Forwarded-For address that is not a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	ip := peer.Addr().Unmap()
	if !s.trusted(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if ip = hop.Unmap(); !s.trusted(ip) {
			break
		}
	}
	return ip.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// touchThrottle lets a token's last-use time be written at most once a
// minute. It forgets everything when it grows past a bound.
type touchThrottle struct {
	mu   sync.Mutex
	last map[int64]time.Time
}

const (
	touchEvery    = time.Minute
	maxTouchCache = 10000
)

func newTouchThrottle() *touchThrottle { return &touchThrottle{last: map[int64]time.Time{}} }

func (t *touchThrottle) due(id int64, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[id]; ok && now.Sub(last) < touchEvery {
		return false
	}
	if len(t.last) >= maxTouchCache {
		clear(t.last)
	}
	t.last[id] = now
	return true
}
