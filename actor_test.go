package airtight_test

import (
	"context"
	"testing"

	"github.com/airtight/airtight"
	"github.com/google/go-cmp/cmp"
)

func TestRoleValid(t *testing.T) {
	tests := []struct {
		role airtight.Role
		want bool
	}{
		{airtight.RoleAdmin, true},
		{airtight.RoleAnalyst, true},
		{airtight.RoleBiomed, true},
		{airtight.RoleAuditor, true},
		{airtight.RoleDevice, true},
		{"", false},
		{"Admin", false},
		{"admin ", false},
		{"root", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			if got := tt.role.Valid(); got != tt.want {
				t.Errorf("Role(%q).Valid() = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
	if len(airtight.Roles) != 5 {
		t.Errorf("Roles has %d entries, want 5", len(airtight.Roles))
	}
}

func TestActorIs(t *testing.T) {
	biomed := &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 7, Role: airtight.RoleBiomed}
	tests := []struct {
		name  string
		actor *airtight.Actor
		roles []airtight.Role
		want  bool
	}{
		{name: "nil actor", actor: nil, roles: []airtight.Role{airtight.RoleAdmin}, want: false},
		{name: "no roles", actor: biomed, roles: nil, want: false},
		{name: "single match", actor: biomed, roles: []airtight.Role{airtight.RoleBiomed}, want: true},
		{name: "single mismatch", actor: biomed, roles: []airtight.Role{airtight.RoleAdmin}, want: false},
		{name: "one of several", actor: biomed, roles: []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed}, want: true},
		{name: "none of several", actor: biomed, roles: []airtight.Role{airtight.RoleAdmin, airtight.RoleAuditor}, want: false},
		{name: "empty role matches nothing", actor: &airtight.Actor{OrgID: 1}, roles: []airtight.Role{airtight.RoleAdmin}, want: false},
		{name: "system actor is admin", actor: airtight.SystemActor(3, "cli"), roles: []airtight.Role{airtight.RoleAdmin}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Is(tt.roles...); got != tt.want {
				t.Errorf("Is(%v) = %v, want %v", tt.roles, got, tt.want)
			}
		})
	}
}

func TestSystemActor(t *testing.T) {
	want := &airtight.Actor{OrgID: 3, Kind: airtight.ActorSystem, Name: "cli", Role: airtight.RoleAdmin}
	if diff := cmp.Diff(want, airtight.SystemActor(3, "cli")); diff != "" {
		t.Errorf("SystemActor mismatch (-want +got):\n%s", diff)
	}
}

func TestContextRoundTrip(t *testing.T) {
	a := &airtight.Actor{OrgID: 2, Kind: airtight.ActorToken, ID: 9, Name: "scanner", Role: airtight.RoleDevice, RemoteAddr: "10.0.0.5"}
	ctx := airtight.NewContext(context.Background(), a)
	if got := airtight.ActorFrom(ctx); got != a {
		t.Errorf("ActorFrom = %+v, want the same pointer %+v", got, a)
	}
	if got := airtight.ActorFrom(context.Background()); got != nil {
		t.Errorf("ActorFrom(empty context) = %+v, want nil", got)
	}
	// A value stored under another key with the same underlying type is not the actor.
	type otherKey struct{}
	other := context.WithValue(context.Background(), otherKey{}, a)
	if got := airtight.ActorFrom(other); got != nil {
		t.Errorf("ActorFrom(context with foreign key) = %+v, want nil", got)
	}
	// An inner NewContext overrides the outer actor.
	b := &airtight.Actor{OrgID: 2, Name: "other"}
	if got := airtight.ActorFrom(airtight.NewContext(ctx, b)); got != b {
		t.Errorf("ActorFrom(nested) = %+v, want %+v", got, b)
	}
}

func TestRequireActor(t *testing.T) {
	good := &airtight.Actor{OrgID: 1, Kind: airtight.ActorUser, ID: 1, Role: airtight.RoleAnalyst}
	tests := []struct {
		name     string
		ctx      context.Context
		want     *airtight.Actor
		wantCode airtight.Code
	}{
		{name: "no actor", ctx: context.Background(), wantCode: airtight.EUnauthorized},
		{name: "nil actor", ctx: airtight.NewContext(context.Background(), nil), wantCode: airtight.EUnauthorized},
		{name: "org 0", ctx: airtight.NewContext(context.Background(), &airtight.Actor{Role: airtight.RoleAdmin}), wantCode: airtight.EUnauthorized},
		{name: "valid", ctx: airtight.NewContext(context.Background(), good), want: good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := airtight.RequireActor(tt.ctx)
			if code := airtight.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("RequireActor error code = %q (%v), want %q", code, err, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("RequireActor = %+v, want %+v", got, tt.want)
			}
		})
	}
}
