package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/internal/pgtest"
	"github.com/airtight/airtight/inventory"
)

// benchOrg opens a fresh SQLite database with one hospital and returns a
// context acting in it.
func benchOrg(b *testing.B) (*DB, context.Context) {
	b.Helper()
	return benchOrgAt(b, filepath.Join(b.TempDir(), "bench.db"))
}

func benchOrgAt(b *testing.B, url string) (*DB, context.Context) {
	b.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	o := &airtight.Organization{Slug: "bench", Name: "Bench", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	return db, airtight.NewContext(context.Background(), airtight.SystemActor(o.ID, "bench"))
}

func benchImport(b *testing.B, n int, open func(b *testing.B) (*DB, context.Context)) {
	recs := records(n, "B")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, ctx := open(b)
		b.StartTimer()
		res, err := db.ImportDevices(ctx, recs)
		if err != nil || res.Created != n {
			b.Fatalf("import: %+v, %v", res, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "devices/s")
}

// BenchmarkImportDevices imports 10,000 records into a fresh SQLite database.
func BenchmarkImportDevices(b *testing.B) { benchImport(b, 10_000, benchOrg) }

// BenchmarkImportDevices100k imports 100,000 records into a fresh SQLite
// database (the target is under 10 s).
func BenchmarkImportDevices100k(b *testing.B) { benchImport(b, 100_000, benchOrg) }

// BenchmarkImportDevicesPostgres imports 100,000 records into a fresh
// PostgreSQL database (skipped without PostgreSQL).
func BenchmarkImportDevicesPostgres(b *testing.B) {
	benchImport(b, 100_000, func(b *testing.B) (*DB, context.Context) { return benchOrgAt(b, pgtest.URL(b)) })
}

// BenchmarkListDevices lists pages of 50 out of 100,000 devices.
func BenchmarkListDevices(b *testing.B) {
	db, ctx := benchOrg(b)
	defer db.Close()
	if _, err := db.ImportDevices(ctx, records(100_000, "L")); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    inventory.DeviceFilter
	}{
		{"all", inventory.DeviceFilter{}}, {"department", inventory.DeviceFilter{Department: "ICU"}},
		{"kind", inventory.DeviceFilter{Kind: "infusion-pump"}}, {"query", inventory.DeviceFilter{Query: "host-9999"}},
		{"query-miss", inventory.DeviceFilter{Query: "no-such-device"}},
		{"department-late-page", inventory.DeviceFilter{Department: "ER", Cursor: encodeCursor(90_000)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := db.ListDevices(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
