package airtight

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// OrgKind says what an organization is.
type OrgKind string

// Organization kinds.
const (
	OrgHospital     OrgKind = "hospital"     // a hospital or health system
	OrgManufacturer OrgKind = "manufacturer" // a device maker serving hospitals
)

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool { return k == OrgHospital || k == OrgManufacturer }

// Organization is a tenant. Every record belongs to exactly one.
type Organization struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Kind      OrgKind   `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the organization's fields.
func (o *Organization) Validate() error {
	if !slugRE.MatchString(o.Slug) {
		return Errorf(EInvalid, "organization slug must be 1-63 lowercase letters, digits or dashes")
	}
	if strings.TrimSpace(o.Name) == "" || len(o.Name) > 200 || !SafeText(o.Name) {
		return Errorf(EInvalid, "organization name is required: at most 200 bytes of text without control characters")
	}
	if !o.Kind.Valid() {
		return Errorf(EInvalid, "organization kind must be %q or %q", OrgHospital, OrgManufacturer)
	}
	return nil
}

// OrganizationService manages organizations. Creating one is a system
// operation (CLI or demo seeding); members only ever see their own.
type OrganizationService interface {
	CreateOrganization(ctx context.Context, o *Organization) error
	FindOrganizationByID(ctx context.Context, id int64) (*Organization, error)
	FindOrganizationBySlug(ctx context.Context, slug string) (*Organization, error)
	ListOrganizations(ctx context.Context) ([]*Organization, error)
}
