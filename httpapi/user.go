package httpapi

import (
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
)

// Admins manage users; auditors may review who has access.
func (s *Server) userRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/users", Roles: overseers, Summary: "List users", Handler: s.listUsers},
		{Method: "POST", Pattern: "/api/v1/users", Roles: admins, Summary: "Create a user", Handler: s.createUser},
		{Method: "GET", Pattern: "/api/v1/users/{id}", Roles: overseers, Summary: "Get a user", Handler: s.withID(s.getUser)},
		{Method: "PATCH", Pattern: "/api/v1/users/{id}", Roles: admins, Summary: "Update a user (name, role, password, disabled)", Handler: s.withID(s.updateUser)},
	}
}

type userList struct {
	Users []*auth.User `json:"users"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	us, err := s.svc.Users.ListUsers(r.Context())
	s.respond(w, r, http.StatusOK, userList{Users: nonNil(us)}, err)
}

type userInput struct {
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Role     airtight.Role `json:"role"`
	Password string        `json:"password"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u := &auth.User{Email: in.Email, Name: in.Name, Role: in.Role}
	err := u.Validate()
	if err == nil {
		u.PasswordHash, err = s.hashPassword(in.Password)
	}
	if err == nil {
		err = s.svc.Users.CreateUser(r.Context(), u)
	}
	s.respond(w, r, http.StatusCreated, u, err)
}

// hashPassword applies the password policy and hashes with argon2id.
func (s *Server) hashPassword(pw string) (string, error) {
	if err := auth.CheckPassword(pw); err != nil {
		return "", err
	}
	return argon2id.Hash(pw, s.cfg.PasswordParams)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, id int64) {
	u, err := s.svc.Users.FindUser(r.Context(), id)
	s.respond(w, r, http.StatusOK, u, err)
}

type userPatch struct {
	Name     *string        `json:"name"`
	Role     *airtight.Role `json:"role"`
	Disabled *bool          `json:"disabled"`
	Password *string        `json:"password"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, id int64) {
	var in userPatch
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.userUpdate(airtight.ActorFrom(r.Context()), id, in)
	var out *auth.User
	if err == nil {
		out, err = s.svc.Users.UpdateUser(r.Context(), id, u)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

// userUpdate checks a patch: no one locks themselves out, and a new
// password meets the policy.
func (s *Server) userUpdate(a *airtight.Actor, id int64, in userPatch) (auth.UserUpdate, error) {
	u := auth.UserUpdate{Name: in.Name, Role: in.Role, Disabled: in.Disabled}
	self := a.Kind == airtight.ActorUser && a.ID == id
	if self && ((in.Disabled != nil && *in.Disabled) || (in.Role != nil && *in.Role != a.Role)) {
		return u, airtight.Errorf(airtight.EInvalid, "you cannot disable your own account or change your own role")
	}
	if in.Role != nil && !in.Role.Valid() {
		return u, fieldError("role", "is not a known role")
	}
	if in.Password != nil {
		h, err := s.hashPassword(*in.Password)
		if err != nil {
			return u, err
		}
		u.PasswordHash = &h
	}
	return u, nil
}
