package sqlstore

import (
	"context"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// FuzzVulnUpload: whatever an SBOM or VEX upload holds, the store answers
// with the stored record or an invalid-input error, never a panic or an
// internal error.
func FuzzVulnUpload(f *testing.F) {
	f.Add(cdx("example.com/mod@v1.0.0"), false)
	f.Add([]byte(`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library"><name>a</name><version>1</version></component></components></bom>`), false)
	f.Add([]byte("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nPackageName: zlib\nSPDXID: SPDXRef-zlib\nPackageVersion: 1.2.11\n"), false)
	f.Add([]byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"x"}],"status":"fixed"}]}`), true)
	f.Add([]byte(`{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"not_affected"}}]}`), true)
	f.Add([]byte(`{"bomFormat":"CycloneDX","components":[{"name":`), false)
	db := openURL(f, ":memory:")
	org := &airtight.Organization{Slug: "fuzz", Name: "Fuzz", Kind: airtight.OrgHospital}
	if err := db.CreateOrganization(context.Background(), org); err != nil {
		f.Fatal(err)
	}
	ctx := airtight.NewContext(context.Background(), airtight.SystemActor(org.ID, "fuzz"))
	m := &inventory.Manufacturer{Name: "M"}
	if err := db.CreateManufacturer(ctx, m); err != nil {
		f.Fatal(err)
	}
	p := &inventory.Product{ManufacturerID: m.ID, Model: "P", Kind: "pump", Criticality: inventory.LifeSustaining}
	if err := db.CreateProduct(ctx, p); err != nil {
		f.Fatal(err)
	}
	pv := &inventory.ProductVersion{ProductID: p.ID, Version: "1"}
	if err := db.CreateVersion(ctx, pv); err != nil {
		f.Fatal(err)
	}
	v := NewVuln(db, nil, nil)
	f.Fuzz(func(t *testing.T, data []byte, isVEX bool) {
		var err error
		if isVEX {
			_, err = v.ImportVEX(ctx, pv.ID, "upload.json", data)
		} else {
			_, err = v.PutSBOM(ctx, pv.ID, "upload.json", data)
		}
		if err != nil && airtight.ErrorCode(err) != airtight.EInvalid {
			t.Fatalf("upload error %v (code %s), want invalid", err, airtight.ErrorCode(err))
		}
	})
}
