package vuln

import (
	"context"
	"strings"
	"time"
)

// The platform side of vulnerability management: advisories stored once
// for the installation, SBOMs and VEX attached to the product versions of an
// organization, findings kept per product version (devices take the
// findings of the version they run), a patch plan whose entries move
// through audited states, and suppressions that survive version bumps.
// Service is implemented by sqlstore; every method but the system ones
// (ImportAdvisories, EvaluateAll) is scoped to the actor's organization.

// AdvisoryImport is one batch of advisories and the enrichment data that
// came with them. KEV nil means "no catalog in this import" (the stored
// catalog stays); an empty, non-nil KEV is an empty catalog. Recalls are
// FDA device recalls, stored beside the advisories under their recall
// number and matched to product versions by device identity.
type AdvisoryImport struct {
	Advisories []Advisory
	Recalls    []Recall
	KEV        map[string]string  // CVE id → date added to the catalog
	EPSS       map[string]float64 // CVE id → probability of exploitation
}

// ImportResult says what an advisory import changed and what it caused.
// Added, Changed and Unchanged count advisories and recalls together.
type ImportResult struct {
	Recalls   int `json:"recalls"` // distinct recalls in the import
	Added     int `json:"added"`
	Changed   int `json:"changed"`   // content, KEV listing or EPSS score changed
	Unchanged int `json:"unchanged"` // same content hash: not rewritten
	KEV       int `json:"kev"`       // catalog entries stored
	EPSS      int `json:"epss"`      // scores stored
	Eval      EvalResult
}

// EvalResult counts what an evaluation did.
type EvalResult struct {
	Versions int `json:"versions"` // product versions re-evaluated
	Findings int `json:"findings"` // findings stored (open)
	New      int `json:"new"`      // findings that were not open before
	Resolved int `json:"resolved"` // open findings no longer produced
	Alerts   int `json:"alerts"`   // alerts raised or refreshed
}

// Add adds o's counts to r.
func (r *EvalResult) Add(o EvalResult) {
	r.Versions += o.Versions
	r.Findings += o.Findings
	r.New += o.New
	r.Resolved += o.Resolved
	r.Alerts += o.Alerts
}

// SBOM is an SBOM attached to a product version. A device maker's SBOMs are
// shared with a hospital's product version of the same manufacturer name,
// model and version when the hospital granted the maker that manufacturer
// (an active inventory grant); Shared marks those.
type SBOM struct {
	ID         int64       `json:"id"`
	OrgID      int64       `json:"org_id"`
	VersionID  int64       `json:"version_id"`
	Format     string      `json:"format"` // cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value
	FileName   string      `json:"file_name"`
	SHA256     string      `json:"sha256"`
	Components []Component `json:"components,omitempty"`
	Count      int         `json:"component_count"`
	UploadedBy string      `json:"uploaded_by"`
	UploadedAt time.Time   `json:"uploaded_at"`
	Shared     bool        `json:"shared"`              // published by the device maker
	Publisher  string      `json:"publisher,omitempty"` // the maker organization's name, when shared
}

// VEXStatement is a stored VEX statement about a product version.
type VEXStatement struct {
	ID            int64     `json:"id"`
	OrgID         int64     `json:"org_id"`
	VersionID     int64     `json:"version_id"`
	Vulnerability string    `json:"vulnerability"`
	Aliases       []string  `json:"aliases,omitempty"`
	Products      []string  `json:"products,omitempty"` // empty: the whole product version
	Status        Status    `json:"status"`
	Justification string    `json:"justification,omitempty"`
	Impact        string    `json:"impact,omitempty"`
	Action        string    `json:"action,omitempty"`
	Source        string    `json:"source,omitempty"` // file name
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// StoredFinding is a finding of a product version. Devices are not stored
// with it: they are the devices that run the version.
type StoredFinding struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	VersionID  int64     `json:"version_id"`
	Advisory   string    `json:"advisory"`
	Aliases    []string  `json:"aliases"`
	Component  string    `json:"component,omitempty"` // purl or name@version; "" for device-identity matches
	Identity   string    `json:"component_identity"`  // what suppressions name
	Method     Method    `json:"method"`
	Confidence float64   `json:"confidence"`
	Reason     string    `json:"reason"`
	Status     Status    `json:"status"`
	CVSS       float64   `json:"cvss"`
	KEV        bool      `json:"kev"`
	EPSS       float64   `json:"epss"`
	Fixed      string    `json:"fixed,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Suppressed bool      `json:"suppressed,omitempty"`
	// RecallClass is set on FDA recall findings ("I", "II", "III", or "-"
	// when the recall gives no class); see Finding.
	RecallClass string `json:"recall_class,omitempty"`

	// Read-only, filled by finders.
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Version      string `json:"version,omitempty"`
	Devices      int    `json:"devices"`
}

// Finding is the scan form of f.
func (f *StoredFinding) Finding() Finding {
	return Finding{Component: f.Component, Advisory: f.Advisory, Aliases: f.Aliases, Method: f.Method,
		Confidence: f.Confidence, Reason: f.Reason, CVSS: f.CVSS, KEV: f.KEV, EPSS: f.EPSS, Fixed: f.Fixed, Status: f.Status,
		RecallClass: f.RecallClass}
}

// Severity is a CVSS severity band (CVSS v3 qualitative ratings).
type Severity string

// Severities.
const (
	SeverityLow      Severity = "low"      // 0.1 - 3.9
	SeverityMedium   Severity = "medium"   // 4.0 - 6.9
	SeverityHigh     Severity = "high"     // 7.0 - 8.9
	SeverityCritical Severity = "critical" // 9.0 - 10.0
)

// MinScore is the lowest CVSS score of the band, and false for an unknown
// severity.
func (s Severity) MinScore() (float64, bool) {
	switch s {
	case SeverityLow:
		return 0.1, true
	case SeverityMedium:
		return 4, true
	case SeverityHigh:
		return 7, true
	case SeverityCritical:
		return 9, true
	}
	return 0, false
}

// FindingFilter narrows a list of findings. Resolved findings (no longer
// produced by the last evaluation) and suppressed ones are left out unless
// asked for.
type FindingFilter struct {
	DeviceID          int64
	VersionID         int64
	Status            Status
	MinSeverity       Severity
	KEV               bool // only KEV-listed
	IncludeSuppressed bool
	Cursor            string
	Limit             int // default 50, at most 500
}

// DeviceRisk is a device ranked by its riskiest open finding.
type DeviceRisk struct {
	DeviceID  int64  `json:"device_id"`
	AssetTag  string `json:"asset_tag"`
	VersionID int64  `json:"version_id"`
	Score     int    `json:"score"`
	Explain   string `json:"explanation"`
	Findings  int    `json:"findings"` // open actionable findings
	KEV       bool   `json:"kev"`
}

// PlanState is the state of a patch plan entry.
type PlanState string

// Plan states: open → planned → patched → verified, and back to open.
const (
	PlanOpen     PlanState = "open"
	PlanPlanned  PlanState = "planned"
	PlanPatched  PlanState = "patched"
	PlanVerified PlanState = "verified"
)

// CanMove reports whether an entry may go from s to next: one step
// forward, or back to open from any state.
func (s PlanState) CanMove(next PlanState) bool {
	switch next {
	case s, PlanOpen:
		return next.Valid()
	case PlanPlanned:
		return s == PlanOpen
	case PlanPatched:
		return s == PlanPlanned
	case PlanVerified:
		return s == PlanPatched
	}
	return false
}

// Valid reports whether s is a known state.
func (s PlanState) Valid() bool {
	return s == PlanOpen || s == PlanPlanned || s == PlanPatched || s == PlanVerified
}

// PlanEntry is one step of the patch plan: a product version of the
// organization and the version that fixes (some of) its findings.
type PlanEntry struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	VersionID int64     `json:"version_id"`
	Fixed     string    `json:"fixed"` // "" when no fix is known
	State     PlanState `json:"state"`
	Assignee  string    `json:"assignee,omitempty"`
	Note      string    `json:"note,omitempty"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`

	// Read-only, computed from the open findings and devices.
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	Version      string   `json:"version"`
	Advisories   []string `json:"advisories"`
	KEV          bool     `json:"kev"`
	Top          int      `json:"top_score"`
	Explain      string   `json:"explanation"`
	Devices      int      `json:"devices"`
}

// PlanUpdate changes a plan entry; nil fields stay.
type PlanUpdate struct {
	State    *PlanState `json:"state"`
	Assignee *string    `json:"assignee"`
	Note     *string    `json:"note"`
}

// Validate checks the update's fields.
func (u PlanUpdate) Validate() error {
	switch {
	case u.State != nil && !u.State.Valid():
		return &FieldError{Field: "state", Message: "must be open, planned, patched or verified"}
	case u.Assignee != nil && (len(*u.Assignee) > 200 || !oneLine(*u.Assignee)):
		return &FieldError{Field: "assignee", Message: "at most 200 bytes of one-line text"}
	case u.Note != nil && len(*u.Note) > 4000:
		return &FieldError{Field: "note", Message: "at most 4000 bytes"}
	}
	return nil
}

// Suppression hides the findings of one advisory on one component (by
// identity: its package URL without version, else its type and name) in
// every version of the organization's products, present and future.
type Suppression struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Identity  string    `json:"component_identity"`
	Advisory  string    `json:"advisory"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a suppression before it is stored.
func (s *Suppression) Validate() error {
	switch {
	case s.Identity == "" || len(s.Identity) > 1000 || !oneLine(s.Identity):
		return &FieldError{Field: "component_identity", Message: "is required: one line of at most 1000 bytes"}
	case s.Advisory == "" || len(s.Advisory) > 200 || !oneLine(s.Advisory):
		return &FieldError{Field: "advisory", Message: "is required: one line of at most 200 bytes"}
	case s.Reason == "" || len(s.Reason) > 2000:
		return &FieldError{Field: "reason", Message: "is required (at most 2000 bytes): why the finding does not apply"}
	}
	return nil
}

// ExposurePoint is the number of open actionable findings at the end of a
// UTC day, and how many of them are KEV-listed.
type ExposurePoint struct {
	Day  time.Time `json:"day"`
	Open int       `json:"open"`
	KEV  int       `json:"kev"`
}

// FieldError is an invalid input field; the message is safe to show.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func oneLine(s string) bool { return !strings.ContainsAny(s, "\r\n\x00") }

// Service is vulnerability management on the platform.
type Service interface {
	// ImportAdvisories stores advisories and FDA device recalls for the
	// whole installation (a system actor only): all or nothing; an advisory
	// or recall whose content hash is unchanged is not rewritten. It then re-evaluates the product versions
	// the added or changed advisories can touch, and only those.
	ImportAdvisories(ctx context.Context, in AdvisoryImport) (*ImportResult, error)
	// EvaluateAll evaluates every product version of every organization (a
	// system actor only).
	EvaluateAll(ctx context.Context) (*EvalResult, error)
	// Evaluate evaluates one product version of the actor's organization,
	// or all of them when versionID is 0.
	Evaluate(ctx context.Context, versionID int64) (*EvalResult, error)

	// PutSBOM attaches an SBOM (any supported format, recognised by
	// content) to a product version and re-evaluates it.
	PutSBOM(ctx context.Context, versionID int64, fileName string, data []byte) (*SBOM, error)
	// ListSBOMs lists a version's SBOMs, newest first, with those its maker
	// shares; components are left out.
	ListSBOMs(ctx context.Context, versionID int64) ([]*SBOM, error)
	// ImportVEX stores the statements of a VEX document (OpenVEX, CycloneDX
	// or CSAF) about a product version and re-evaluates it.
	ImportVEX(ctx context.Context, versionID int64, fileName string, data []byte) ([]*VEXStatement, error)

	ListFindings(ctx context.Context, f FindingFilter) ([]*StoredFinding, string, error)
	// RiskList ranks the organization's devices by their riskiest open
	// finding, with the explanation of the score.
	RiskList(ctx context.Context, limit int) ([]DeviceRisk, error)
	// Plan lists the patch plan: entries with open findings, or not open.
	Plan(ctx context.Context) ([]*PlanEntry, error)
	SetPlanState(ctx context.Context, id int64, u PlanUpdate) (*PlanEntry, error)

	Suppress(ctx context.Context, s *Suppression) error
	Unsuppress(ctx context.Context, id int64) error
	ListSuppressions(ctx context.Context) ([]*Suppression, error)

	// ExposureHistory counts open findings at the end of each of the last
	// days UTC days, oldest first.
	ExposureHistory(ctx context.Context, days int) ([]ExposurePoint, error)
}
