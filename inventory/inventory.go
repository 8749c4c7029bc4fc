// Package inventory is the domain of the device fleet: manufacturers, their
// products (models), product versions (software or firmware) and devices (the
// physical units). A hospital grants a device maker read access to the devices
// of that maker's products through a Grant.
//
// It imports only the standard library.
package inventory

import "time"

// Kind is a device kind, such as "ct-scanner" or "infusion-pump". Kinds are
// free text normalised to lowercase words joined by dashes; Kinds lists the
// ones airtight knows a display name for.
type Kind string

// Criticality is the patient-safety criticality of a product.
type Criticality string

// Criticalities, most critical first.
const (
	LifeSustaining Criticality = "life-sustaining" // failure can kill (ventilator, infusion pump)
	LifeSupporting Criticality = "life-supporting" // supports therapy (patient monitor)
	Diagnostic     Criticality = "diagnostic"      // imaging, lab
	Administrative Criticality = "administrative"  // workstations, printers, servers
)

// Criticalities lists every criticality, most critical first.
var Criticalities = []Criticality{LifeSustaining, LifeSupporting, Diagnostic, Administrative}

// Valid reports whether c is known.
func (c Criticality) Valid() bool {
	for _, x := range Criticalities {
		if c == x {
			return true
		}
	}
	return false
}

// Status is a device's lifecycle status.
type Status string

// Statuses.
const (
	StatusActive         Status = "active"
	StatusMaintenance    Status = "maintenance"
	StatusQuarantined    Status = "quarantined"
	StatusDecommissioned Status = "decommissioned"
)

// Statuses lists every status.
var Statuses = []Status{StatusActive, StatusMaintenance, StatusQuarantined, StatusDecommissioned}

// Valid reports whether s is known.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Manufacturer makes products. Names are unique per organization, compared
// case-insensitively.
type Manufacturer struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Name      string    `json:"name"`
	Website   string    `json:"website,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Product is a device model of a manufacturer. (ManufacturerID, Model) is
// unique.
type Product struct {
	ID             int64       `json:"id"`
	OrgID          int64       `json:"org_id"`
	ManufacturerID int64       `json:"manufacturer_id"`
	Model          string      `json:"model"`
	Kind           Kind        `json:"kind"`
	FDAProductCode string      `json:"fda_product_code,omitempty"` // three letters, e.g. "JAK" (CT)
	Criticality    Criticality `json:"criticality"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`

	// Read-only, filled by finders.
	ManufacturerName string `json:"manufacturer_name,omitempty"`
}

// ProductVersion is one software or firmware version of a product. SBOMs
// attach here, so a fleet is matched through its versions, not its units.
type ProductVersion struct {
	ID           int64     `json:"id"`
	OrgID        int64     `json:"org_id"`
	ProductID    int64     `json:"product_id"`
	Version      string    `json:"version"`
	ReleaseDate  string    `json:"release_date,omitempty"`   // YYYY-MM-DD
	EndOfSupport string    `json:"end_of_support,omitempty"` // YYYY-MM-DD
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Read-only, filled by finders.
	Model            string `json:"model,omitempty"`
	ManufacturerName string `json:"manufacturer_name,omitempty"`
}

// UnknownVersion is the version recorded when a device's software version is
// not known (yet).
const UnknownVersion = "unknown"

// Device is one physical unit. AssetTag is unique per organization and is the
// key for CSV import (an import updates the device with the same tag).
type Device struct {
	ID               int64     `json:"id"`
	OrgID            int64     `json:"org_id"`
	ProductVersionID int64     `json:"product_version_id"`
	AssetTag         string    `json:"asset_tag"`
	SerialNumber     string    `json:"serial_number,omitempty"`
	UDI              string    `json:"udi,omitempty"`
	Site             string    `json:"site,omitempty"`
	Department       string    `json:"department,omitempty"`
	Room             string    `json:"room,omitempty"`
	NetworkZone      string    `json:"network_zone,omitempty"`
	IP               string    `json:"ip,omitempty"`
	MAC              string    `json:"mac,omitempty"`
	Hostname         string    `json:"hostname,omitempty"`
	AETitle          string    `json:"ae_title,omitempty"` // DICOM application entity title
	HL7Application   string    `json:"hl7_application,omitempty"`
	Owner            string    `json:"owner,omitempty"`
	Status           Status    `json:"status"`
	FirstSeen        time.Time `json:"first_seen,omitzero"`
	LastSeen         time.Time `json:"last_seen,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`

	// Read-only, filled by finders from the product version.
	Manufacturer   string      `json:"manufacturer,omitempty"`
	Model          string      `json:"model,omitempty"`
	Kind           Kind        `json:"kind,omitempty"`
	FDAProductCode string      `json:"fda_product_code,omitempty"`
	Criticality    Criticality `json:"criticality,omitempty"`
	Version        string      `json:"version,omitempty"`
	ProductID      int64       `json:"product_id,omitempty"`
	ManufacturerID int64       `json:"manufacturer_id,omitempty"`
}

// Grant lets a device-maker organization read the devices of one manufacturer
// at the granting organization (its installed base there). The granting
// organization creates and revokes it; both sides see it.
type Grant struct {
	ID             int64      `json:"id"`
	OrgID          int64      `json:"org_id"`          // the granting organization (hospital)
	GranteeOrgID   int64      `json:"grantee_org_id"`  // the device maker's organization
	ManufacturerID int64      `json:"manufacturer_id"` // in the granting organization's inventory
	Note           string     `json:"note,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	CreatedBy      string     `json:"created_by"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`

	// Read-only, filled by finders.
	OrgName          string `json:"org_name,omitempty"`
	GranteeOrgName   string `json:"grantee_org_name,omitempty"`
	ManufacturerName string `json:"manufacturer_name,omitempty"`
}

// Active reports whether the grant is in force.
func (g *Grant) Active() bool { return g.RevokedAt == nil }
