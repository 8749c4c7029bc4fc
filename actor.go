package airtight

import "context"

// Role is what a principal may do inside its organization.
type Role string

// Roles.
const (
	RoleAdmin   Role = "admin"   // everything in the organization: users, tokens, grants
	RoleAnalyst Role = "analyst" // security: reads everything, triages findings and alerts
	RoleBiomed  Role = "biomed"  // clinical engineering: inventory and patching
	RoleAuditor Role = "auditor" // read-only, plus the audit log
	RoleDevice  Role = "device"  // a machine identity (later: mTLS client certificates)
)

// Roles lists every role, in a stable order.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleBiomed, RoleAuditor, RoleDevice}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// ActorKind says how a principal authenticated.
type ActorKind string

// Actor kinds.
const (
	ActorUser   ActorKind = "user"   // a person with a session
	ActorToken  ActorKind = "token"  // an API token
	ActorSystem ActorKind = "system" // the CLI or the server itself
)

// Actor is the authenticated principal of a request or command. Stores use it
// to scope every query to Actor.OrgID and to attribute audit entries.
type Actor struct {
	OrgID      int64     `json:"org_id"`
	Kind       ActorKind `json:"kind"`
	ID         int64     `json:"id"` // user or token ID; 0 for system
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
}

// Is reports whether the actor holds one of roles.
func (a *Actor) Is(roles ...Role) bool {
	if a == nil {
		return false
	}
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

type actorKey struct{}

// NewContext returns a context carrying the actor. The actor is request data
// (who is asking), not a dependency.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// SystemActor returns an actor for administrative commands run on the server
// machine itself, acting inside org as an admin.
func SystemActor(orgID int64, name string) *Actor {
	return &Actor{OrgID: orgID, Kind: ActorSystem, Name: name, Role: RoleAdmin}
}

// RequireActor returns the actor of ctx or an unauthorized error.
func RequireActor(ctx context.Context) (*Actor, error) {
	a := ActorFrom(ctx)
	if a == nil || a.OrgID == 0 {
		return nil, Errorf(EUnauthorized, "authentication required")
	}
	return a, nil
}
