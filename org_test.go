package airtight_test

import (
	"strings"
	"testing"

	"github.com/airtight/airtight"
)

func TestOrganizationValidate(t *testing.T) {
	valid := func() airtight.Organization {
		return airtight.Organization{Slug: "st-mary", Name: "St. Mary's Hospital", Kind: airtight.OrgHospital}
	}
	tests := []struct {
		name    string
		edit    func(o *airtight.Organization)
		wantErr string // substring of the message; "" means valid
	}{
		{name: "valid hospital", edit: func(o *airtight.Organization) {}},
		{name: "valid manufacturer", edit: func(o *airtight.Organization) { o.Kind = airtight.OrgManufacturer }},
		{name: "slug one char", edit: func(o *airtight.Organization) { o.Slug = "a" }},
		{name: "slug digit first", edit: func(o *airtight.Organization) { o.Slug = "9lives" }},
		{name: "slug 63 chars", edit: func(o *airtight.Organization) { o.Slug = strings.Repeat("a", 63) }},
		{name: "slug 64 chars", edit: func(o *airtight.Organization) { o.Slug = strings.Repeat("a", 64) }, wantErr: "slug"},
		{name: "slug empty", edit: func(o *airtight.Organization) { o.Slug = "" }, wantErr: "slug"},
		{name: "slug leading dash", edit: func(o *airtight.Organization) { o.Slug = "-mary" }, wantErr: "slug"},
		{name: "slug uppercase", edit: func(o *airtight.Organization) { o.Slug = "St-Mary" }, wantErr: "slug"},
		{name: "slug underscore", edit: func(o *airtight.Organization) { o.Slug = "st_mary" }, wantErr: "slug"},
		{name: "slug space", edit: func(o *airtight.Organization) { o.Slug = "st mary" }, wantErr: "slug"},
		{name: "slug trailing newline", edit: func(o *airtight.Organization) { o.Slug = "stmary\n" }, wantErr: "slug"},
		{name: "slug unicode", edit: func(o *airtight.Organization) { o.Slug = "münchen" }, wantErr: "slug"},
		{name: "slug path", edit: func(o *airtight.Organization) { o.Slug = "a/../b" }, wantErr: "slug"},
		{name: "name empty", edit: func(o *airtight.Organization) { o.Name = "" }, wantErr: "name"},
		{name: "name 200 bytes", edit: func(o *airtight.Organization) { o.Name = strings.Repeat("n", 200) }},
		{name: "name 201 bytes", edit: func(o *airtight.Organization) { o.Name = strings.Repeat("n", 201) }, wantErr: "name"},
		{name: "kind empty", edit: func(o *airtight.Organization) { o.Kind = "" }, wantErr: "kind"},
		{name: "kind unknown", edit: func(o *airtight.Organization) { o.Kind = "clinic" }, wantErr: "kind"},
		{name: "kind wrong case", edit: func(o *airtight.Organization) { o.Kind = "Hospital" }, wantErr: "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.edit(&o)
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if code := airtight.ErrorCode(err); code != airtight.EInvalid {
				t.Fatalf("Validate() = %v (code %q), want code %q", err, code, airtight.EInvalid)
			}
			if msg := airtight.ErrorMessage(err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("message %q does not mention %q", msg, tt.wantErr)
			}
		})
	}
}

func TestOrgKindValid(t *testing.T) {
	for kind, want := range map[airtight.OrgKind]bool{
		airtight.OrgHospital: true, airtight.OrgManufacturer: true, "": false, "vendor": false,
	} {
		if got := kind.Valid(); got != want {
			t.Errorf("OrgKind(%q).Valid() = %v, want %v", kind, got, want)
		}
	}
}
