// Package demo seeds a realistic sample hospital for "airtight demo" and
// generates device fleets for tests and benchmarks.
//
// The hospital, its people and its devices' serial numbers, addresses and
// hostnames are fictional; the device makers and models (catalog.go) are
// real, so that vulnerability data matches them.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/inventory"
)

// Store is what Seed needs from storage. *sqlstore.DB implements it.
type Store interface {
	airtight.OrganizationService
	inventory.ManufacturerService
	inventory.DeviceService
	inventory.GrantService
	auth.UserService
}

// The demo tenants.
const (
	HospitalSlug = "riverside-general"
	HospitalName = "Riverside General Hospital"
	MakerSlug    = "philips-demo"
	MakerName    = "Philips (demo device-maker tenant)"
	// makerManufacturer is the hospital-side manufacturer the maker tenant
	// is granted; it must be in the catalog.
	makerManufacturer = "Philips"

	// DefaultDevices is the fleet size when Options.Devices is 0.
	DefaultDevices = 360
	// DefaultSeed is the fleet seed when Options.Seed is 0.
	DefaultSeed = 20261130

	emailDomain = "riverside.example" // RFC 2606: never a real mailbox
	makerDomain = "philips-demo.example"
)

// Options tune Seed. The zero value seeds the default demo.
type Options struct {
	Devices int             // fleet size; 0 means DefaultDevices
	Seed    int64           // fleet seed; 0 means DefaultSeed
	Params  argon2id.Params // password hashing; the zero value means argon2id.Default

	// ResetAdminPassword gives the hospital admin a new password, returned
	// in Result.Logins, when the demo was seeded already (so that "airtight
	// demo" can print a working login at every start). Nothing else changes.
	ResetAdminPassword bool
}

// Login is a demo account. Password is shown once by the CLI and never
// stored in clear.
type Login struct {
	Org      string        `json:"org"` // the organization's slug
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Role     airtight.Role `json:"role"`
	Password string        `json:"password"`
}

// Result says what Seed did.
type Result struct {
	AlreadySeeded bool    `json:"already_seeded"`
	HospitalID    int64   `json:"hospital_id,omitempty"`
	HospitalSlug  string  `json:"hospital_slug"`
	HospitalName  string  `json:"hospital_name"`
	MakerID       int64   `json:"maker_id,omitempty"`
	MakerSlug     string  `json:"maker_slug,omitempty"`
	GrantID       int64   `json:"grant_id,omitempty"`
	Devices       int     `json:"devices,omitempty"`
	Logins        []Login `json:"logins,omitempty"`
}

// people are the demo accounts, per tenant.
var people = []struct {
	maker bool
	local string
	name  string
	role  airtight.Role
}{
	{false, "admin", "Hospital Administrator", airtight.RoleAdmin},
	{false, "biomed", "Dana Whitfield (Clinical Engineering)", airtight.RoleBiomed},
	{false, "analyst", "Sam Okafor (Security Analyst)", airtight.RoleAnalyst},
	{false, "auditor", "Priya Raman (Compliance Auditor)", airtight.RoleAuditor},
	{true, "admin", "Device Maker Administrator", airtight.RoleAdmin},
}

// Seed creates the demo hospital with its fleet and users, a device-maker
// tenant with a grant to its installed base, and returns the logins with
// their one-time passwords. It is idempotent: when the hospital exists
// already it changes nothing and returns AlreadySeeded. (A seed interrupted
// after the hospital was created is not resumed; delete the database.)
func Seed(ctx context.Context, s Store, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	ctx = airtight.NewContext(ctx, nil) // organizations are created as the system
	switch hospital, err := s.FindOrganizationBySlug(ctx, HospitalSlug); {
	case err == nil:
		return reseeded(ctx, s, opts, hospital)
	case airtight.ErrorCode(err) != airtight.ENotFound:
		return nil, fmt.Errorf("demo: look up hospital: %w", err)
	}
	recs, err := fleet(opts)
	if err != nil {
		return nil, err
	}
	res := &Result{HospitalSlug: HospitalSlug, HospitalName: HospitalName, MakerSlug: MakerSlug}
	hospital, err := seedHospital(ctx, s, opts, recs, res)
	if err != nil {
		return nil, err
	}
	if err := seedMaker(ctx, s, opts, hospital, res); err != nil {
		return nil, err
	}
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.Devices <= 0 {
		o.Devices = DefaultDevices
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Params == (argon2id.Params{}) {
		o.Params = argon2id.Default
	}
	return o
}

// fleet generates the hospital's devices and checks, before anything is
// written, that the maker tenant will have an installed base.
func fleet(opts Options) ([]inventory.Record, error) {
	if opts.Devices > inventory.MaxCSVRows {
		return nil, airtight.Errorf(airtight.EInvalid, "demo: at most %d devices", inventory.MaxCSVRows)
	}
	recs := GenerateRecords(opts.Devices, opts.Seed)
	for i := range recs {
		if recs[i].Manufacturer == makerManufacturer {
			return recs, nil
		}
	}
	return nil, airtight.Errorf(airtight.EInvalid, "demo: a fleet of %d devices has no %s device for the device-maker tenant; use more devices",
		opts.Devices, makerManufacturer)
}

// seedHospital creates the hospital, imports its fleet and creates its users.
func seedHospital(ctx context.Context, s Store, opts Options, recs []inventory.Record, res *Result) (*airtight.Organization, error) {
	org := &airtight.Organization{Slug: HospitalSlug, Name: HospitalName, Kind: airtight.OrgHospital}
	if err := s.CreateOrganization(ctx, org); err != nil {
		return nil, fmt.Errorf("demo: create hospital: %w", err)
	}
	res.HospitalID = org.ID
	hctx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "demo"))
	imp, err := s.ImportDevices(hctx, recs)
	if err != nil {
		return nil, fmt.Errorf("demo: import devices: %w", err)
	}
	res.Devices = imp.Created + imp.Updated
	if err := createUsers(hctx, s, opts, org, false, res); err != nil {
		return nil, err
	}
	return org, nil
}

// seedMaker creates the device-maker tenant, the hospital's grant to it and
// its admin.
func seedMaker(ctx context.Context, s Store, opts Options, hospital *airtight.Organization, res *Result) error {
	hctx := airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "demo"))
	mfr, err := findManufacturer(hctx, s, makerManufacturer)
	if err != nil {
		return err
	}
	org := &airtight.Organization{Slug: MakerSlug, Name: MakerName, Kind: airtight.OrgManufacturer}
	if err := s.CreateOrganization(ctx, org); err != nil {
		return fmt.Errorf("demo: create device-maker organization: %w", err)
	}
	res.MakerID = org.ID
	g := &inventory.Grant{GranteeOrgID: org.ID, ManufacturerID: mfr.ID,
		Note: "Demo: " + makerManufacturer + " may read its installed base at " + HospitalName + "."}
	if err := s.CreateGrant(hctx, g); err != nil {
		return fmt.Errorf("demo: create grant: %w", err)
	}
	res.GrantID = g.ID
	mctx := airtight.NewContext(ctx, airtight.SystemActor(org.ID, "demo"))
	return createUsers(mctx, s, opts, org, true, res)
}

// findManufacturer returns the hospital's manufacturer named name.
func findManufacturer(ctx context.Context, s Store, name string) (*inventory.Manufacturer, error) {
	ms, err := s.ListManufacturers(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: list manufacturers: %w", err)
	}
	for _, m := range ms {
		if strings.EqualFold(m.Name, name) {
			return m, nil
		}
	}
	return nil, fmt.Errorf("demo: the fleet has no %s devices; use more devices", name)
}

// createUsers creates the demo accounts of one tenant, with fresh random
// passwords.
func createUsers(ctx context.Context, s Store, opts Options, org *airtight.Organization, maker bool, res *Result) error {
	domain := emailDomain
	if maker {
		domain = makerDomain
	}
	for _, p := range people {
		if p.maker != maker {
			continue
		}
		pw := NewPassword()
		hash, err := argon2id.Hash(pw, opts.Params)
		if err != nil {
			return fmt.Errorf("demo: hash password: %w", err)
		}
		u := &auth.User{OrgID: org.ID, Email: p.local + "@" + domain, Name: p.name, Role: p.role, PasswordHash: hash}
		if err := s.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.Email, err)
		}
		res.Logins = append(res.Logins, Login{Org: org.Slug, Email: u.Email, Name: u.Name, Role: u.Role, Password: pw})
	}
	return nil
}

// reseeded is Seed's answer when the hospital exists: nothing changes but,
// when asked, the hospital admin's password.
func reseeded(ctx context.Context, s Store, opts Options, hospital *airtight.Organization) (*Result, error) {
	res := &Result{AlreadySeeded: true, HospitalID: hospital.ID, HospitalSlug: hospital.Slug, HospitalName: hospital.Name}
	if !opts.ResetAdminPassword {
		return res, nil
	}
	email := people[0].local + "@" + emailDomain
	u, err := s.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("demo: find %s: %w", email, err)
	}
	if u.OrgID != hospital.ID {
		return nil, airtight.Errorf(airtight.EConflict, "demo: %s is not a user of %s", email, hospital.Slug)
	}
	pw := NewPassword()
	hash, err := argon2id.Hash(pw, opts.Params)
	if err != nil {
		return nil, fmt.Errorf("demo: hash password: %w", err)
	}
	hctx := airtight.NewContext(ctx, airtight.SystemActor(hospital.ID, "demo"))
	if _, err := s.UpdateUser(hctx, u.ID, auth.UserUpdate{PasswordHash: &hash}); err != nil {
		return nil, fmt.Errorf("demo: reset %s password: %w", email, err)
	}
	res.Logins = []Login{{Org: hospital.Slug, Email: u.Email, Name: u.Name, Role: u.Role, Password: pw}}
	return res, nil
}

// NewPassword returns a random password of 26 base32 characters (at least
// 128 bits from crypto/rand).
func NewPassword() string { return rand.Text() }
