package httpapi

import (
	"net/http"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

// Admins manage API tokens; auditors may review them. A token's secret is
// shown once, in the creation response; only its hash is stored.
func (s *Server) tokenRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/tokens", Roles: overseers, Summary: "List API tokens (never their secrets)", Handler: s.listTokens},
		{Method: "POST", Pattern: "/api/v1/tokens", Roles: admins, Summary: "Create an API token; the secret is returned once", Handler: s.createToken},
		{Method: "DELETE", Pattern: "/api/v1/tokens/{id}", Roles: admins, Summary: "Revoke an API token", Handler: s.withID(s.revokeToken)},
	}
}

// Token lifetimes: every token expires.
const (
	defaultTokenTTL = 90 * 24 * time.Hour
	maxTokenTTL     = 366 * 24 * time.Hour
	tokenPrefixLen  = len(auth.TokenPrefix) + 8
)

type tokenList struct {
	Tokens []*auth.Token `json:"tokens"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := s.svc.Tokens.ListTokens(r.Context())
	s.respond(w, r, http.StatusOK, tokenList{Tokens: nonNil(ts)}, err)
}

type tokenInput struct {
	Name      string        `json:"name"`
	Role      airtight.Role `json:"role"`
	ExpiresAt *time.Time    `json:"expires_at"` // default: in 90 days; at most a year ahead
}

type newToken struct {
	Token  *auth.Token `json:"token"`
	Secret string      `json:"secret"` // shown this once
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.newToken(airtight.ActorFrom(r.Context()), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	secret, hash := auth.NewSecret(auth.TokenPrefix)
	t.Hash, t.Prefix = hash, secret[:tokenPrefixLen]
	err = s.svc.Tokens.CreateToken(r.Context(), t)
	s.respond(w, r, http.StatusCreated, newToken{Token: t, Secret: secret}, err)
}

func (s *Server) newToken(a *airtight.Actor, in tokenInput) (*auth.Token, error) {
	now := s.now()
	exp := now.Add(defaultTokenTTL)
	if in.ExpiresAt != nil {
		exp = *in.ExpiresAt
	}
	if !exp.After(now) || exp.After(now.Add(maxTokenTTL)) {
		return nil, fieldError("expires_at", "must be in the future and at most a year ahead")
	}
	t := &auth.Token{Name: in.Name, Role: in.Role, CreatedBy: a.Name, ExpiresAt: &exp}
	return t, t.Validate()
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, id int64) {
	s.respond(w, r, http.StatusNoContent, nil, s.svc.Tokens.RevokeToken(r.Context(), id))
}
