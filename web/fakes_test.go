package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/vuln"
)

// Hand-written fakes: each method calls its function field, and fails
// loudly when a test did not expect the call.

var errUnexpected = errors.New("fake: unexpected call")

type fakeDevices struct {
	ListDevicesFn func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error)
	FindDeviceFn  func(context.Context, int64) (*inventory.Device, error)
	SummarizeFn   func(context.Context) (*inventory.Summary, error)
}

func (f *fakeDevices) CreateDevice(context.Context, *inventory.Device) error { return errUnexpected }
func (f *fakeDevices) FindDevice(ctx context.Context, id int64) (*inventory.Device, error) {
	if f.FindDeviceFn == nil {
		return nil, errUnexpected
	}
	return f.FindDeviceFn(ctx, id)
}
func (f *fakeDevices) ListDevices(ctx context.Context, fl inventory.DeviceFilter) (*inventory.DevicePage, error) {
	if f.ListDevicesFn == nil {
		return nil, errUnexpected
	}
	return f.ListDevicesFn(ctx, fl)
}
func (f *fakeDevices) UpdateDevice(context.Context, int64, inventory.DeviceUpdate) (*inventory.Device, error) {
	return nil, errUnexpected
}
func (f *fakeDevices) DeleteDevice(context.Context, int64) error { return errUnexpected }
func (f *fakeDevices) ImportDevices(context.Context, []inventory.Record) (*inventory.ImportResult, error) {
	return nil, errUnexpected
}
func (f *fakeDevices) ExportDevices(context.Context, inventory.DeviceFilter, func(*inventory.Device) error) error {
	return errUnexpected
}
func (f *fakeDevices) Summarize(ctx context.Context) (*inventory.Summary, error) {
	if f.SummarizeFn == nil {
		return nil, errUnexpected
	}
	return f.SummarizeFn(ctx)
}

type fakeManufacturers struct{}

func (fakeManufacturers) CreateManufacturer(context.Context, *inventory.Manufacturer) error {
	return errUnexpected
}
func (fakeManufacturers) FindManufacturer(context.Context, int64) (*inventory.Manufacturer, error) {
	return nil, errUnexpected
}
func (fakeManufacturers) ListManufacturers(context.Context) ([]*inventory.Manufacturer, error) {
	return nil, errUnexpected
}
func (fakeManufacturers) UpdateManufacturer(context.Context, int64, inventory.ManufacturerUpdate) (*inventory.Manufacturer, error) {
	return nil, errUnexpected
}
func (fakeManufacturers) DeleteManufacturer(context.Context, int64) error { return errUnexpected }

type fakeGrants struct {
	ListGrantsFn        func(context.Context) ([]*inventory.Grant, error)
	RevokeGrantFn       func(context.Context, int64) error
	ListInstalledBaseFn func(context.Context, inventory.DeviceFilter) (*inventory.DevicePage, error)
}

func (f *fakeGrants) CreateGrant(context.Context, *inventory.Grant) error { return errUnexpected }
func (f *fakeGrants) ListGrants(ctx context.Context) ([]*inventory.Grant, error) {
	if f.ListGrantsFn == nil {
		return nil, errUnexpected
	}
	return f.ListGrantsFn(ctx)
}
func (f *fakeGrants) FindGrant(context.Context, int64) (*inventory.Grant, error) {
	return nil, errUnexpected
}
func (f *fakeGrants) RevokeGrant(ctx context.Context, id int64) error {
	if f.RevokeGrantFn == nil {
		return errUnexpected
	}
	return f.RevokeGrantFn(ctx, id)
}
func (f *fakeGrants) ListInstalledBase(ctx context.Context, fl inventory.DeviceFilter) (*inventory.DevicePage, error) {
	if f.ListInstalledBaseFn == nil {
		return nil, errUnexpected
	}
	return f.ListInstalledBaseFn(ctx, fl)
}

type fakeOrgs struct {
	FindByIDFn func(context.Context, int64) (*airtight.Organization, error)
}

func (f *fakeOrgs) CreateOrganization(context.Context, *airtight.Organization) error {
	return errUnexpected
}
func (f *fakeOrgs) FindOrganizationByID(ctx context.Context, id int64) (*airtight.Organization, error) {
	if f.FindByIDFn == nil {
		return nil, errUnexpected
	}
	return f.FindByIDFn(ctx, id)
}
func (f *fakeOrgs) FindOrganizationBySlug(context.Context, string) (*airtight.Organization, error) {
	return nil, errUnexpected
}
func (f *fakeOrgs) ListOrganizations(context.Context) ([]*airtight.Organization, error) {
	return nil, errUnexpected
}

type fakeAudit struct {
	ListEntriesFn func(context.Context, audit.Filter) ([]*audit.Entry, error)
}

func (f *fakeAudit) ListEntries(ctx context.Context, fl audit.Filter) ([]*audit.Entry, error) {
	if f.ListEntriesFn == nil {
		return nil, errUnexpected
	}
	return f.ListEntriesFn(ctx, fl)
}
func (f *fakeAudit) WalkAll(context.Context, func(*audit.Entry) error) error { return errUnexpected }

type fakeAuth struct {
	LoginFn  func(w http.ResponseWriter, r *http.Request, email, password string) error
	LogoutFn func(w http.ResponseWriter, r *http.Request) error
}

func (f *fakeAuth) Login(w http.ResponseWriter, r *http.Request, email, password string) error {
	if f.LoginFn == nil {
		return errUnexpected
	}
	return f.LoginFn(w, r, email, password)
}
func (f *fakeAuth) Logout(w http.ResponseWriter, r *http.Request) error {
	if f.LogoutFn == nil {
		return nil
	}
	return f.LogoutFn(w, r)
}
func (f *fakeAuth) CSRFToken(*http.Request) string { return "csrf-test-token" }

type fakeAlerts struct {
	ListAlertsFn func(context.Context, alert.Filter) ([]*alert.Alert, string, error)
	SetStatusFn  func(context.Context, int64, alert.Status) (*alert.Alert, error)
}

func (f *fakeAlerts) Raise(context.Context, *alert.Alert) (*alert.Alert, bool, error) {
	return nil, false, errUnexpected
}
func (f *fakeAlerts) FindAlert(context.Context, int64) (*alert.Alert, error) {
	return nil, errUnexpected
}
func (f *fakeAlerts) ListAlerts(ctx context.Context, fl alert.Filter) ([]*alert.Alert, string, error) {
	if f.ListAlertsFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListAlertsFn(ctx, fl)
}
func (f *fakeAlerts) SetStatus(ctx context.Context, id int64, s alert.Status) (*alert.Alert, error) {
	if f.SetStatusFn == nil {
		return nil, errUnexpected
	}
	return f.SetStatusFn(ctx, id, s)
}

type fakeCerts struct {
	ListCAsFn          func(context.Context) ([]*pki.CA, error)
	ListCertificatesFn func(context.Context, pki.CertificateFilter) ([]*pki.Certificate, string, error)
}

func (f *fakeCerts) ListCAs(ctx context.Context) ([]*pki.CA, error) {
	if f.ListCAsFn == nil {
		return nil, errUnexpected
	}
	return f.ListCAsFn(ctx)
}
func (f *fakeCerts) ListCertificates(ctx context.Context, fl pki.CertificateFilter) ([]*pki.Certificate, string, error) {
	if f.ListCertificatesFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListCertificatesFn(ctx, fl)
}

type fakeIncidents struct {
	ListIncidentsFn  func(context.Context, alert.IncidentFilter) ([]*alert.Incident, string, error)
	FindIncidentFn   func(context.Context, int64) (*alert.Incident, []*alert.Alert, error)
	UpdateIncidentFn func(context.Context, int64, alert.IncidentUpdate) (*alert.Incident, error)
}

func (f *fakeIncidents) ListIncidents(ctx context.Context, fl alert.IncidentFilter) ([]*alert.Incident, string, error) {
	if f.ListIncidentsFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListIncidentsFn(ctx, fl)
}
func (f *fakeIncidents) FindIncident(ctx context.Context, id int64) (*alert.Incident, []*alert.Alert, error) {
	if f.FindIncidentFn == nil {
		return nil, nil, errUnexpected
	}
	return f.FindIncidentFn(ctx, id)
}
func (f *fakeIncidents) UpdateIncident(ctx context.Context, id int64, u alert.IncidentUpdate) (*alert.Incident, error) {
	if f.UpdateIncidentFn == nil {
		return nil, errUnexpected
	}
	return f.UpdateIncidentFn(ctx, id, u)
}

type fakeDLP struct {
	ListDLPEventsFn    func(context.Context, dlp.EventFilter) ([]*dlp.Event, string, error)
	DLPTrendFn         func(context.Context, time.Time) ([]dlp.TrendPoint, error)
	ListQuarantineFn   func(context.Context, dlp.QuarantineStatus, string, int) ([]*dlp.Quarantined, string, error)
	DecideQuarantineFn func(context.Context, int64, dlp.QuarantineStatus) (*dlp.Quarantined, error)
}

func (f *fakeDLP) RecordDLPEvent(context.Context, *dlp.Event, *dlp.Quarantined) error {
	return errUnexpected
}
func (f *fakeDLP) ListDLPEvents(ctx context.Context, fl dlp.EventFilter) ([]*dlp.Event, string, error) {
	if f.ListDLPEventsFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListDLPEventsFn(ctx, fl)
}
func (f *fakeDLP) DLPTrend(ctx context.Context, since time.Time) ([]dlp.TrendPoint, error) {
	if f.DLPTrendFn == nil {
		return nil, errUnexpected
	}
	return f.DLPTrendFn(ctx, since)
}
func (f *fakeDLP) ListQuarantine(ctx context.Context, s dlp.QuarantineStatus, cursor string, limit int) ([]*dlp.Quarantined, string, error) {
	if f.ListQuarantineFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListQuarantineFn(ctx, s, cursor, limit)
}
func (f *fakeDLP) FindQuarantined(context.Context, int64) (*dlp.Quarantined, error) {
	return nil, errUnexpected
}
func (f *fakeDLP) DecideQuarantine(ctx context.Context, id int64, s dlp.QuarantineStatus) (*dlp.Quarantined, error) {
	if f.DecideQuarantineFn == nil {
		return nil, errUnexpected
	}
	return f.DecideQuarantineFn(ctx, id, s)
}

// fakeReleaser records what it was asked to do and fails with err.
type fakeReleaser struct {
	released, shredded []int64
	err                error
}

func (f *fakeReleaser) Release(_ context.Context, q *dlp.Quarantined) error {
	f.released = append(f.released, q.ID)
	return f.err
}
func (f *fakeReleaser) Shred(_ context.Context, q *dlp.Quarantined) error {
	f.shredded = append(f.shredded, q.ID)
	return f.err
}

type fakeNetwork struct {
	ListLinksFn           func(context.Context, time.Time, int) ([]*detect.Link, error)
	EventRatesFn          func(context.Context, time.Time, time.Duration) ([]detect.RateBucket, error)
	AlertTrendFn          func(context.Context, time.Time) ([]detect.AlertTrendPoint, error)
	ListDiscoveredFn      func(context.Context, detect.DiscoveredStatus, string, int) ([]*detect.Discovered, string, error)
	SetDiscoveredStatusFn func(context.Context, int64, detect.DiscoveredStatus) (*detect.Discovered, error)
}

func (f *fakeNetwork) RecordObservations(context.Context, *detect.Observations) error {
	return errUnexpected
}
func (f *fakeNetwork) ListLinks(ctx context.Context, since time.Time, limit int) ([]*detect.Link, error) {
	if f.ListLinksFn == nil {
		return nil, errUnexpected
	}
	return f.ListLinksFn(ctx, since, limit)
}
func (f *fakeNetwork) EventRates(ctx context.Context, since time.Time, step time.Duration) ([]detect.RateBucket, error) {
	if f.EventRatesFn == nil {
		return nil, errUnexpected
	}
	return f.EventRatesFn(ctx, since, step)
}
func (f *fakeNetwork) AlertTrend(ctx context.Context, since time.Time) ([]detect.AlertTrendPoint, error) {
	if f.AlertTrendFn == nil {
		return nil, errUnexpected
	}
	return f.AlertTrendFn(ctx, since)
}
func (f *fakeNetwork) ListDiscovered(ctx context.Context, s detect.DiscoveredStatus, cursor string, limit int) ([]*detect.Discovered, string, error) {
	if f.ListDiscoveredFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListDiscoveredFn(ctx, s, cursor, limit)
}
func (f *fakeNetwork) SetDiscoveredStatus(ctx context.Context, id int64, s detect.DiscoveredStatus) (*detect.Discovered, error) {
	if f.SetDiscoveredStatusFn == nil {
		return nil, errUnexpected
	}
	return f.SetDiscoveredStatusFn(ctx, id, s)
}
func (f *fakeNetwork) PruneObservations(context.Context, time.Time) (int64, error) {
	return 0, errUnexpected
}

type fakeVuln struct {
	ListFindingsFn     func(context.Context, vuln.FindingFilter) ([]*vuln.StoredFinding, string, error)
	RiskListFn         func(context.Context, int) ([]vuln.DeviceRisk, error)
	PlanFn             func(context.Context) ([]*vuln.PlanEntry, error)
	SetPlanStateFn     func(context.Context, int64, vuln.PlanUpdate) (*vuln.PlanEntry, error)
	SuppressFn         func(context.Context, *vuln.Suppression) error
	UnsuppressFn       func(context.Context, int64) error
	ListSuppressionsFn func(context.Context) ([]*vuln.Suppression, error)
	ExposureHistoryFn  func(context.Context, int) ([]vuln.ExposurePoint, error)
}

func (f *fakeVuln) ImportAdvisories(context.Context, vuln.AdvisoryImport) (*vuln.ImportResult, error) {
	return nil, errUnexpected
}
func (f *fakeVuln) EvaluateAll(context.Context) (*vuln.EvalResult, error) { return nil, errUnexpected }
func (f *fakeVuln) Evaluate(context.Context, int64) (*vuln.EvalResult, error) {
	return nil, errUnexpected
}
func (f *fakeVuln) PutSBOM(context.Context, int64, string, []byte) (*vuln.SBOM, error) {
	return nil, errUnexpected
}
func (f *fakeVuln) ListSBOMs(context.Context, int64) ([]*vuln.SBOM, error) { return nil, errUnexpected }
func (f *fakeVuln) ImportVEX(context.Context, int64, string, []byte) ([]*vuln.VEXStatement, error) {
	return nil, errUnexpected
}
func (f *fakeVuln) ListFindings(ctx context.Context, fl vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
	if f.ListFindingsFn == nil {
		return nil, "", errUnexpected
	}
	return f.ListFindingsFn(ctx, fl)
}
func (f *fakeVuln) RiskList(ctx context.Context, limit int) ([]vuln.DeviceRisk, error) {
	if f.RiskListFn == nil {
		return nil, errUnexpected
	}
	return f.RiskListFn(ctx, limit)
}
func (f *fakeVuln) Plan(ctx context.Context) ([]*vuln.PlanEntry, error) {
	if f.PlanFn == nil {
		return nil, errUnexpected
	}
	return f.PlanFn(ctx)
}
func (f *fakeVuln) SetPlanState(ctx context.Context, id int64, u vuln.PlanUpdate) (*vuln.PlanEntry, error) {
	if f.SetPlanStateFn == nil {
		return nil, errUnexpected
	}
	return f.SetPlanStateFn(ctx, id, u)
}
func (f *fakeVuln) Suppress(ctx context.Context, s *vuln.Suppression) error {
	if f.SuppressFn == nil {
		return errUnexpected
	}
	return f.SuppressFn(ctx, s)
}
func (f *fakeVuln) Unsuppress(ctx context.Context, id int64) error {
	if f.UnsuppressFn == nil {
		return errUnexpected
	}
	return f.UnsuppressFn(ctx, id)
}
func (f *fakeVuln) ListSuppressions(ctx context.Context) ([]*vuln.Suppression, error) {
	if f.ListSuppressionsFn == nil {
		return nil, errUnexpected
	}
	return f.ListSuppressionsFn(ctx)
}
func (f *fakeVuln) ExposureHistory(ctx context.Context, days int) ([]vuln.ExposurePoint, error) {
	if f.ExposureHistoryFn == nil {
		return nil, errUnexpected
	}
	return f.ExposureHistoryFn(ctx, days)
}
