package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/internal/pgtest"
	"github.com/airtight/airtight/inventory"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openSQLite opens a fresh SQLite database file for one test.
func openSQLiteDB(t testing.TB) *DB {
	t.Helper()
	return openURL(t, filepath.Join(t.TempDir(), "airtight.db"))
}

// openPostgres opens a fresh PostgreSQL database for one test.
func openPostgresDB(t testing.TB) *DB {
	t.Helper()
	return openURL(t, pgtest.URL(t))
}

func openURL(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformanceSQLite(t *testing.T) {
	testConformance(t, func(t *testing.T) *DB { return openSQLiteDB(t) })
}

func TestConformancePostgres(t *testing.T) {
	testConformance(t, func(t *testing.T) *DB { return openPostgresDB(t) })
}

// testConformance is the behaviour every storage engine must show. Each
// subtest gets a fresh database from open.
func testConformance(t *testing.T, open func(t *testing.T) *DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Manufacturers", testManufacturers},
		{"Products", testProducts},
		{"Versions", testVersions},
		{"Devices", testDevices},
		{"DeviceUpdateMovesVersion", testDeviceUpdateVersion},
		{"SearchTextFollowsRenames", testSearchTextRenames},
		{"ListDevicesPagination", testPagination},
		{"ListDevicesFilters", testFilters},
		{"ImportAllOrNothing", testImportAllOrNothing},
		{"ImportUpsert", testImportUpsert},
		{"Export", testExport},
		{"Summarize", testSummarize},
		{"IsolationReads", testIsolationReads},
		{"IsolationWrites", testIsolationWrites},
		{"Grants", testGrants},
		{"GrantValidation", testGrantValidation},
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"SessionsEndOnCredentialChange", testSessionsEndOnCredentialChange},
		{"AuditListing", testAuditListing},
		{"AlertLifecycle", testAlertLifecycle},
		{"AlertIsolationAndList", testAlertIsolationAndList},
		{"Incidents", testIncidents},
		{"DLPEvents", testDLPEvents},
		{"SecureMessages", testSecureMessages},
		{"SecureDownloadLimit", testSecureDownloadLimit},
		{"VulnImportEvaluate", testVulnImportEvaluate},
		{"VulnPlanRiskSuppress", testVulnPlanRiskSuppress},
		{"VulnSharing", testVulnSharing},
		{"VulnICSMA", testVulnICSMA},
		{"VulnRecalls", testVulnRecalls},
		{"NoActor", testNoActor},
		{"AuditEveryChange", testAuditEveryChange},
		{"AuditTamper", func(t *testing.T, _ *fixture) { testAuditTamper(t, open) }},
		{"PKI", func(t *testing.T, _ *fixture) { testPKI(t, open) }},
		{"Observations", func(t *testing.T, _ *fixture) { testObserve(t, open) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newFixture(t, open(t)))
		})
	}
}

// fixture holds a database with two hospitals and two device makers, and a
// context acting as an admin of each.
type fixture struct {
	t                *testing.T
	db               *DB
	now              time.Time
	a, b, maker, mk2 context.Context // hospital A, hospital B, device makers
	orgA, orgB       *airtight.Organization
	orgM, orgM2      *airtight.Organization
}

func newFixture(t *testing.T, db *DB) *fixture {
	f := &fixture{t: t, db: db, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return f.now }
	f.orgA, f.a = f.org("hospital-a", airtight.OrgHospital)
	f.orgB, f.b = f.org("hospital-b", airtight.OrgHospital)
	f.orgM, f.maker = f.org("maker", airtight.OrgManufacturer)
	f.orgM2, f.mk2 = f.org("maker-2", airtight.OrgManufacturer)
	return f
}

func (f *fixture) org(slug string, kind airtight.OrgKind) (*airtight.Organization, context.Context) {
	f.t.Helper()
	o := &airtight.Organization{Slug: slug, Name: "Org " + slug, Kind: kind}
	if err := f.db.CreateOrganization(context.Background(), o); err != nil {
		f.t.Fatalf("create organization: %v", err)
	}
	a := &airtight.Actor{OrgID: o.ID, Kind: airtight.ActorUser, ID: 1, Name: "admin@" + slug, Role: airtight.RoleAdmin, RemoteAddr: "192.0.2.1"}
	return o, airtight.NewContext(context.Background(), a)
}

// wantCode fails unless err has the application error code.
func wantCode(t *testing.T, err error, code airtight.Code) {
	t.Helper()
	if got := airtight.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q); want code %q", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) manufacturer(ctx context.Context, name string) *inventory.Manufacturer {
	f.t.Helper()
	m := &inventory.Manufacturer{Name: name}
	must(f.t, f.db.CreateManufacturer(ctx, m))
	return m
}

func (f *fixture) product(ctx context.Context, makerID int64, model string, kind inventory.Kind, c inventory.Criticality) *inventory.Product {
	f.t.Helper()
	p := &inventory.Product{ManufacturerID: makerID, Model: model, Kind: kind, Criticality: c}
	must(f.t, f.db.CreateProduct(ctx, p))
	return p
}

func (f *fixture) version(ctx context.Context, productID int64, v string) *inventory.ProductVersion {
	f.t.Helper()
	pv := &inventory.ProductVersion{ProductID: productID, Version: v}
	must(f.t, f.db.CreateVersion(ctx, pv))
	return pv
}

func (f *fixture) device(ctx context.Context, versionID int64, tag string) *inventory.Device {
	f.t.Helper()
	d := &inventory.Device{ProductVersionID: versionID, AssetTag: tag, Department: "Radiology"}
	must(f.t, f.db.CreateDevice(ctx, d))
	return d
}

// chain creates a manufacturer, product and version in ctx's organization.
func (f *fixture) chain(ctx context.Context, maker string) (*inventory.Manufacturer, *inventory.Product, *inventory.ProductVersion) {
	f.t.Helper()
	m := f.manufacturer(ctx, maker)
	p := f.product(ctx, m.ID, maker+" CT 1", "ct-scanner", inventory.Diagnostic)
	return m, p, f.version(ctx, p.ID, "1.0")
}

// records generates n import records spread over makers, models and
// departments.
func records(n int, prefix string) []inventory.Record {
	recs := make([]inventory.Record, n)
	for i := range recs {
		recs[i] = inventory.Record{
			Line: i + 2, Manufacturer: fmt.Sprintf("Maker %d", i%3), Model: fmt.Sprintf("Model %d", i%5),
			Kind: []inventory.Kind{"ct-scanner", "infusion-pump"}[i%5%2], Criticality: inventory.Criticalities[i%5%4],
			Version: fmt.Sprintf("%d.0", i%2),
			Device: inventory.Device{AssetTag: fmt.Sprintf("%s-%05d", prefix, i), SerialNumber: fmt.Sprintf("SN%d", i),
				Department: []string{"ICU", "Radiology", "", "ER"}[i%4], NetworkZone: []string{"clinical", "imaging"}[i%2],
				Hostname: fmt.Sprintf("host-%d.example", i), IP: fmt.Sprintf("10.%d.%d.%d", i/62500, i/250%250, i%250+1)},
		}
	}
	return recs
}
