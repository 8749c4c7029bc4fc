package inventory

import (
	"context"
	"time"
)

// Services are implemented by sqlstore. Every method reads the acting
// principal with airtight.ActorFrom(ctx) and is scoped to its organization;
// records of other organizations are reported as not found. Every state
// change is one transaction that also appends an audit entry.

// ManufacturerService manages manufacturers.
type ManufacturerService interface {
	CreateManufacturer(ctx context.Context, m *Manufacturer) error
	FindManufacturer(ctx context.Context, id int64) (*Manufacturer, error)
	ListManufacturers(ctx context.Context) ([]*Manufacturer, error)
	UpdateManufacturer(ctx context.Context, id int64, u ManufacturerUpdate) (*Manufacturer, error)
	DeleteManufacturer(ctx context.Context, id int64) error // conflict while it has products
}

// ManufacturerUpdate holds the fields to change; nil means unchanged.
type ManufacturerUpdate struct {
	Name    *string `json:"name"`
	Website *string `json:"website"`
}

// ProductService manages products (models).
type ProductService interface {
	CreateProduct(ctx context.Context, p *Product) error
	FindProduct(ctx context.Context, id int64) (*Product, error)
	ListProducts(ctx context.Context, f ProductFilter) ([]*Product, error)
	UpdateProduct(ctx context.Context, id int64, u ProductUpdate) (*Product, error)
	DeleteProduct(ctx context.Context, id int64) error // conflict while it has versions
}

// ProductFilter narrows a product list.
type ProductFilter struct {
	ManufacturerID int64
	Kind           Kind
}

// ProductUpdate holds the fields to change; nil means unchanged.
type ProductUpdate struct {
	Model          *string      `json:"model"`
	Kind           *Kind        `json:"kind"`
	FDAProductCode *string      `json:"fda_product_code"`
	Criticality    *Criticality `json:"criticality"`
}

// VersionService manages product versions.
type VersionService interface {
	CreateVersion(ctx context.Context, v *ProductVersion) error
	FindVersion(ctx context.Context, id int64) (*ProductVersion, error)
	ListVersions(ctx context.Context, productID int64) ([]*ProductVersion, error)
	UpdateVersion(ctx context.Context, id int64, u VersionUpdate) (*ProductVersion, error)
	DeleteVersion(ctx context.Context, id int64) error // conflict while devices run it
}

// VersionUpdate holds the fields to change; nil means unchanged.
type VersionUpdate struct {
	ReleaseDate  *string `json:"release_date"`
	EndOfSupport *string `json:"end_of_support"`
}

// DeviceService manages devices.
type DeviceService interface {
	CreateDevice(ctx context.Context, d *Device) error
	FindDevice(ctx context.Context, id int64) (*Device, error)
	ListDevices(ctx context.Context, f DeviceFilter) (*DevicePage, error)
	UpdateDevice(ctx context.Context, id int64, u DeviceUpdate) (*Device, error)
	DeleteDevice(ctx context.Context, id int64) error

	// ImportDevices creates or updates (by asset tag) every record in one
	// transaction, creating manufacturers, products and versions as needed.
	// Either all records are written or none.
	ImportDevices(ctx context.Context, recs []Record) (*ImportResult, error)
	// ExportDevices calls fn for every device matching f, in ID order.
	ExportDevices(ctx context.Context, f DeviceFilter, fn func(*Device) error) error
	// Summarize counts the organization's devices by kind, department,
	// network zone, criticality and status.
	Summarize(ctx context.Context) (*Summary, error)
}

// DeviceUpdate holds the fields to change; nil means unchanged.
type DeviceUpdate struct {
	ProductVersionID *int64     `json:"product_version_id"`
	AssetTag         *string    `json:"asset_tag"`
	SerialNumber     *string    `json:"serial_number"`
	UDI              *string    `json:"udi"`
	Site             *string    `json:"site"`
	Department       *string    `json:"department"`
	Room             *string    `json:"room"`
	NetworkZone      *string    `json:"network_zone"`
	IP               *string    `json:"ip"`
	MAC              *string    `json:"mac"`
	Hostname         *string    `json:"hostname"`
	AETitle          *string    `json:"ae_title"`
	HL7Application   *string    `json:"hl7_application"`
	Owner            *string    `json:"owner"`
	Status           *Status    `json:"status"`
	LastSeen         *time.Time `json:"last_seen"`
}

// DeviceFilter narrows a device list. Empty fields match everything.
type DeviceFilter struct {
	Query          string // case-insensitive substring of asset tag, serial, hostname, IP, MAC, AE title, model, manufacturer
	Kind           Kind
	Criticality    Criticality
	Department     string
	Site           string
	NetworkZone    string
	Status         Status
	ManufacturerID int64
	ProductID      int64
	VersionID      int64
	Cursor         string // opaque, from DevicePage.NextCursor
	Limit          int    // 1..MaxPageSize; 0 means DefaultPageSize
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// DevicePage is one page of a device list.
type DevicePage struct {
	Devices    []*Device `json:"devices"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// Summary counts an organization's devices.
type Summary struct {
	Total          int     `json:"total"`
	ByKind         []Count `json:"by_kind"`
	ByDepartment   []Count `json:"by_department"`
	ByZone         []Count `json:"by_zone"`
	ByCriticality  []Count `json:"by_criticality"`
	ByStatus       []Count `json:"by_status"`
	ByManufacturer []Count `json:"by_manufacturer"`
}

// Count is one bucket of a summary, sorted by N descending then Key.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// GrantService manages installed-base grants between organizations.
type GrantService interface {
	// CreateGrant is called by the granting (hospital) organization.
	CreateGrant(ctx context.Context, g *Grant) error
	// ListGrants lists grants the actor's organization gave or received.
	ListGrants(ctx context.Context) ([]*Grant, error)
	FindGrant(ctx context.Context, id int64) (*Grant, error)
	// RevokeGrant is allowed to the granting organization only.
	RevokeGrant(ctx context.Context, id int64) error
	// ListInstalledBase lists, for a device-maker organization, the devices
	// it may read through active grants, across all granting organizations.
	// Device.OrgID tells the hospital each belongs to.
	ListInstalledBase(ctx context.Context, f DeviceFilter) (*DevicePage, error)
}
