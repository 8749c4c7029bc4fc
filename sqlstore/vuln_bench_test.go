package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/fleet"
)

// BenchmarkVulnReevaluate compares, on a 2,000-version fleet stored in
// SQLite (20 components each, 300 advisories), the re-evaluation after one
// new advisory (only the versions it touches) with a full evaluation of
// every version. versions/op is how many versions each re-evaluated.
func BenchmarkVulnReevaluate(b *testing.B) {
	db := openSQLiteDB(b)
	fl := fleet.Generate(fleet.Config{Seed: 7, Products: 2000, Components: 20, Advisories: 300})
	v := NewVuln(db, nil, nil)
	seedFleet(b, db, fl)
	sys := airtight.NewContext(context.Background(), airtight.SystemActor(0, "bench"))
	if _, err := v.ImportAdvisories(sys, vuln.AdvisoryImport{Advisories: fl.Advisories}); err != nil {
		b.Fatal(err)
	}
	if _, err := v.EvaluateAll(sys); err != nil {
		b.Fatal(err)
	}
	b.Run("one-new-advisory", func(b *testing.B) {
		versions := 0
		for b.Loop() {
			res, err := v.ImportAdvisories(sys, vuln.AdvisoryImport{Advisories: []vuln.Advisory{fl.NewAdvisory()}})
			if err != nil {
				b.Fatal(err)
			}
			versions += res.Eval.Versions
		}
		b.ReportMetric(float64(versions)/float64(b.N), "versions/op")
	})
	b.Run("full", func(b *testing.B) {
		versions := 0
		for b.Loop() {
			res, err := v.EvaluateAll(sys)
			if err != nil {
				b.Fatal(err)
			}
			versions += res.Versions
		}
		b.ReportMetric(float64(versions)/float64(b.N), "versions/op")
	})
}

// seedFleet stores the fleet's product versions with their SBOMs in one
// organization, one transaction for all SBOMs.
func seedFleet(b *testing.B, db *DB, fl *fleet.Fleet) {
	b.Helper()
	org := &airtight.Organization{Slug: "bench", Name: "Bench", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	act := &airtight.Actor{OrgID: org.ID, Kind: airtight.ActorUser, ID: 1, Name: "bench", Role: airtight.RoleAdmin}
	ctx := airtight.NewContext(context.Background(), act)
	m := &inventory.Manufacturer{Name: "Fleet Maker"}
	if err := db.CreateManufacturer(ctx, m); err != nil {
		b.Fatal(err)
	}
	p := &inventory.Product{ManufacturerID: m.ID, Model: "Fleet Device", Kind: "infusion-pump", Criticality: inventory.LifeSustaining}
	if err := db.CreateProduct(ctx, p); err != nil {
		b.Fatal(err)
	}
	err := db.withTx(ctx, func(tx *Tx) error {
		for i, pr := range fl.Products {
			pv := &inventory.ProductVersion{OrgID: org.ID, ProductID: p.ID, Version: fmt.Sprintf("%d.0", i)}
			pv.CreatedAt, pv.UpdatedAt = time.Now(), time.Now()
			id, err := tx.insertVersion(ctx, pv)
			if err != nil {
				return err
			}
			s := &vuln.SBOM{VersionID: id, Format: "cyclonedx-json", FileName: pr.ID + ".cdx.json", Components: pr.Components,
				Count: len(pr.Components), UploadedBy: "bench"}
			if err := tx.insertSBOM(ctx, act, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
