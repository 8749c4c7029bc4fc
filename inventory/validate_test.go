package inventory_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

// checkInvalid asserts that err is an *airtight.Error with code EInvalid, a
// message starting with field and a Details entry naming field. An empty
// field asserts err is nil.
func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return
	}
	var e *airtight.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *airtight.Error for field %q", err, err, field)
	}
	if e.Code != airtight.EInvalid {
		t.Errorf("Code = %q, want %q", e.Code, airtight.EInvalid)
	}
	if !strings.HasPrefix(e.Message, field+": ") {
		t.Errorf("Message = %q, want prefix %q", e.Message, field+": ")
	}
	for _, d := range e.Details {
		if d.Field == field && d.Message != "" {
			return
		}
	}
	t.Errorf("Details %+v name no field %q", e.Details, field)
}

// deviceTextFields sets each free-text device field.
var deviceTextFields = []struct {
	name string
	max  int
	set  func(d *inventory.Device, v string)
}{
	{"asset_tag", 64, func(d *inventory.Device, v string) { d.AssetTag = v }},
	{"serial_number", 256, func(d *inventory.Device, v string) { d.SerialNumber = v }},
	{"udi", 256, func(d *inventory.Device, v string) { d.UDI = v }},
	{"site", 256, func(d *inventory.Device, v string) { d.Site = v }},
	{"department", 256, func(d *inventory.Device, v string) { d.Department = v }},
	{"room", 256, func(d *inventory.Device, v string) { d.Room = v }},
	{"network_zone", 256, func(d *inventory.Device, v string) { d.NetworkZone = v }},
	{"hostname", 256, func(d *inventory.Device, v string) { d.Hostname = v }},
	{"hl7_application", 256, func(d *inventory.Device, v string) { d.HL7Application = v }},
	{"owner", 256, func(d *inventory.Device, v string) { d.Owner = v }},
}

func validDevice() inventory.Device {
	return inventory.Device{ProductVersionID: 1, AssetTag: "CT-0001"}
}

func TestDeviceValidate(t *testing.T) {
	type tc struct {
		name      string
		edit      func(d *inventory.Device)
		wantField string
		want      func(d *inventory.Device) // expected normalised device, when valid
	}
	tests := []tc{
		{name: "minimal", edit: func(d *inventory.Device) {},
			want: func(d *inventory.Device) { d.Status = inventory.StatusActive }},
		{name: "status kept", edit: func(d *inventory.Device) { d.Status = inventory.StatusQuarantined },
			want: func(d *inventory.Device) { d.Status = inventory.StatusQuarantined }},
		{name: "status unknown", edit: func(d *inventory.Device) { d.Status = "broken" }, wantField: "status"},
		{name: "status wrong case", edit: func(d *inventory.Device) { d.Status = "Active" }, wantField: "status"},
		{name: "product version required", edit: func(d *inventory.Device) { d.ProductVersionID = 0 }, wantField: "product_version_id"},
		{name: "asset tag empty", edit: func(d *inventory.Device) { d.AssetTag = "" }, wantField: "asset_tag"},
		{name: "asset tag blank", edit: func(d *inventory.Device) { d.AssetTag = " \t " }, wantField: "asset_tag"},
		{name: "network identity normalised", edit: func(d *inventory.Device) {
			d.IP, d.MAC = " 2001:DB8::1 ", "00-09-FB-01-02-03"
		}, want: func(d *inventory.Device) {
			d.IP, d.MAC, d.Status = "2001:db8::1", "00:09:fb:01:02:03", inventory.StatusActive
		}},
		{name: "ip invalid", edit: func(d *inventory.Device) { d.IP = "10.0.0.300" }, wantField: "ip"},
		{name: "mac invalid", edit: func(d *inventory.Device) { d.MAC = "00:09:fb" }, wantField: "mac"},
		{name: "ae title 16 chars", edit: func(d *inventory.Device) { d.AETitle = "CT_ROOM_1 MAIN-X" },
			want: func(d *inventory.Device) { d.AETitle, d.Status = "CT_ROOM_1 MAIN-X", inventory.StatusActive }},
		{name: "ae title 17 chars", edit: func(d *inventory.Device) { d.AETitle = "CT_ROOM_1_MAIN_XY" }, wantField: "ae_title"},
		{name: "ae title backslash", edit: func(d *inventory.Device) { d.AETitle = `CT\ROOM` }, wantField: "ae_title"},
		{name: "ae title non-ASCII", edit: func(d *inventory.Device) { d.AETitle = "RÖNTGEN" }, wantField: "ae_title"},
		{name: "ae title tab", edit: func(d *inventory.Device) { d.AETitle = "CT\tROOM" }, wantField: "ae_title"},
		{name: "ae title newline", edit: func(d *inventory.Device) { d.AETitle = "CT\n" }, wantField: "ae_title"},
		{name: "ae title DEL", edit: func(d *inventory.Device) { d.AETitle = "CT\x7f" }, wantField: "ae_title"},
	}
	for _, f := range deviceTextFields {
		full := strings.Repeat("x", f.max)
		tests = append(tests,
			tc{name: f.name + " at limit", edit: func(d *inventory.Device) { f.set(d, full) },
				want: func(d *inventory.Device) { f.set(d, full); d.Status = inventory.StatusActive }},
			tc{name: f.name + " over limit", edit: func(d *inventory.Device) { f.set(d, full+"x") }, wantField: f.name},
			tc{name: f.name + " multibyte over limit", edit: func(d *inventory.Device) { f.set(d, strings.Repeat("é", f.max/2+1)) }, wantField: f.name},
			tc{name: f.name + " newline", edit: func(d *inventory.Device) { f.set(d, "a\nb") }, wantField: f.name},
			tc{name: f.name + " carriage return", edit: func(d *inventory.Device) { f.set(d, "a\rb") }, wantField: f.name},
			tc{name: f.name + " NUL", edit: func(d *inventory.Device) { f.set(d, "a\x00b") }, wantField: f.name},
			tc{name: f.name + " invalid UTF-8", edit: func(d *inventory.Device) { f.set(d, "a\xffb") }, wantField: f.name},
			tc{name: f.name + " unicode", edit: func(d *inventory.Device) { f.set(d, "Radiologie Süd 3") },
				want: func(d *inventory.Device) { f.set(d, "Radiologie Süd 3"); d.Status = inventory.StatusActive }},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDevice()
			tt.edit(&d)
			err := d.Validate()
			checkInvalid(t, err, tt.wantField)
			if tt.want == nil {
				return
			}
			want := validDevice()
			tt.want(&want)
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("device after Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeviceValidateControlCharacters(t *testing.T) {
	for _, f := range deviceTextFields {
		for _, c := range []string{"\x1b[31m", "\x07", "\x08", "\x7f", "\u0085"} {
			d := validDevice()
			f.set(&d, "a"+c+"b")
			if err := d.Validate(); err == nil {
				t.Errorf("%s with %q: accepted", f.name, c)
			}
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "10.0.0.1", want: "10.0.0.1"},
		{in: "  192.168.1.20\t", want: "192.168.1.20"},
		{in: "2001:DB8::1", want: "2001:db8::1"},
		{in: "2001:0db8:0000:0000:0000:0000:0000:0001", want: "2001:db8::1"},
		{in: "fe80:0:0:0:0:0:0:1", want: "fe80::1"},
		{in: "::1", want: "::1"},
		{in: "::ffff:10.0.0.1", want: "10.0.0.1"},
		{in: "::FFFF:0a00:0001", want: "10.0.0.1"},
		{in: "", want: ""},
		{in: "   ", want: ""},
		{in: "not-an-ip", bad: true},
		{in: "10.0.0.256", bad: true},
		{in: "10.0.0", bad: true},
		{in: "010.0.0.1", bad: true},
		{in: "10.0.0.1/24", bad: true},
		{in: "10.0.0.1:104", bad: true},
		{in: "[::1]", bad: true},
		{in: "fe80::1%eth0", bad: true},
		{in: "2001:db8::g", bad: true},
		{in: "ct-01.hospital.example", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := inventory.NormalizeIP(tt.in)
			if tt.bad {
				checkInvalid(t, err, "ip")
				if got != "" {
					t.Errorf("NormalizeIP(%q) = %q with an error, want \"\"", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeIP(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeIP(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeMAC(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "colons", in: "00:09:FB:01:02:03", want: "00:09:fb:01:02:03"},
		{name: "dashes", in: "00-09-fb-01-02-03", want: "00:09:fb:01:02:03"},
		{name: "cisco dotted", in: "0009.FB01.0203", want: "00:09:fb:01:02:03"},
		{name: "padded", in: " 00:09:fb:01:02:03\n", want: "00:09:fb:01:02:03"},
		{name: "empty", in: "", want: ""},
		{name: "blank", in: "  ", want: ""},
		{name: "EUI-64", in: "00:09:fb:ff:fe:01:02:03", bad: true},
		{name: "EUI-64 dotted", in: "0009.fbff.fe01.0203", bad: true},
		{name: "InfiniBand 20 bytes", in: "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01", bad: true},
		{name: "five bytes", in: "00:09:fb:01:02", bad: true},
		{name: "bare hex", in: "0009FB010203", want: "00:09:fb:01:02:03"},
		{name: "EUI-64 bare hex", in: "0009fbfffe010203", bad: true},
		{name: "seven bytes bare hex", in: "0009fb01020304", bad: true},
		{name: "mixed separators", in: "00:09-fb:01:02:03", bad: true},
		{name: "not hex", in: "00:09:fg:01:02:03", bad: true},
		{name: "garbage", in: "unknown", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inventory.NormalizeMAC(tt.in)
			if tt.bad {
				checkInvalid(t, err, "mac")
				if got != "" {
					t.Errorf("NormalizeMAC(%q) = %q with an error, want \"\"", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeMAC(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeMAC(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzNormalizeIP(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "2001:DB8::1", "::ffff:10.0.0.1", " ::1 ", "", "garbage", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := inventory.NormalizeIP(s)
		if err != nil {
			if airtight.ErrorCode(err) != airtight.EInvalid {
				t.Fatalf("NormalizeIP(%q): error %v is not invalid", s, err)
			}
			return
		}
		again, err := inventory.NormalizeIP(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeIP(%q) = %q, but NormalizeIP(%q) = %q, %v", s, out, out, again, err)
		}
	})
}

func FuzzNormalizeMAC(f *testing.F) {
	for _, s := range []string{"00:09:FB:01:02:03", "00-09-fb-01-02-03", "0009.fb01.0203", "00:09:fb:ff:fe:01:02:03", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := inventory.NormalizeMAC(s)
		if err != nil {
			if airtight.ErrorCode(err) != airtight.EInvalid {
				t.Fatalf("NormalizeMAC(%q): error %v is not invalid", s, err)
			}
			return
		}
		if out != "" && len(out) != len("00:00:00:00:00:00") {
			t.Fatalf("NormalizeMAC(%q) = %q, not 48-bit colon form", s, out)
		}
		again, err := inventory.NormalizeMAC(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeMAC(%q) = %q, but NormalizeMAC(%q) = %q, %v", s, out, out, again, err)
		}
	})
}

func TestManufacturerValidate(t *testing.T) {
	tests := []struct {
		name      string
		m         inventory.Manufacturer
		wantField string
	}{
		{name: "valid", m: inventory.Manufacturer{Name: "Siemens Healthineers", Website: "https://www.siemens-healthineers.com"}},
		{name: "name required", m: inventory.Manufacturer{Name: "  "}, wantField: "name"},
		{name: "name 200 bytes", m: inventory.Manufacturer{Name: strings.Repeat("m", 200)}},
		{name: "name 201 bytes", m: inventory.Manufacturer{Name: strings.Repeat("m", 201)}, wantField: "name"},
		{name: "website newline", m: inventory.Manufacturer{Name: "GE", Website: "https://ge.example\n"}, wantField: "website"},
		{name: "website too long", m: inventory.Manufacturer{Name: "GE", Website: strings.Repeat("w", 257)}, wantField: "website"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalid(t, tt.m.Validate(), tt.wantField)
		})
	}
}

func TestProductValidate(t *testing.T) {
	valid := func() inventory.Product {
		return inventory.Product{ManufacturerID: 1, Model: "SOMATOM go.Up", Kind: "ct-scanner", FDAProductCode: "JAK", Criticality: inventory.Diagnostic}
	}
	tests := []struct {
		name      string
		edit      func(p *inventory.Product)
		wantField string
	}{
		{name: "valid", edit: func(p *inventory.Product) {}},
		{name: "no FDA code", edit: func(p *inventory.Product) { p.FDAProductCode = "" }},
		{name: "unknown but normal kind", edit: func(p *inventory.Product) { p.Kind = "robot-arm" }},
		{name: "manufacturer required", edit: func(p *inventory.Product) { p.ManufacturerID = 0 }, wantField: "manufacturer_id"},
		{name: "model required", edit: func(p *inventory.Product) { p.Model = "" }, wantField: "model"},
		{name: "model too long", edit: func(p *inventory.Product) { p.Model = strings.Repeat("m", 201) }, wantField: "model"},
		{name: "model newline", edit: func(p *inventory.Product) { p.Model = "X\nY" }, wantField: "model"},
		{name: "kind empty", edit: func(p *inventory.Product) { p.Kind = "" }, wantField: "kind"},
		{name: "kind not normalised", edit: func(p *inventory.Product) { p.Kind = "CT Scanner" }, wantField: "kind"},
		{name: "kind trailing dash", edit: func(p *inventory.Product) { p.Kind = "ct-" }, wantField: "kind"},
		{name: "FDA code lowercase", edit: func(p *inventory.Product) { p.FDAProductCode = "jak" }, wantField: "fda_product_code"},
		{name: "FDA code two letters", edit: func(p *inventory.Product) { p.FDAProductCode = "JA" }, wantField: "fda_product_code"},
		{name: "FDA code four letters", edit: func(p *inventory.Product) { p.FDAProductCode = "JAKK" }, wantField: "fda_product_code"},
		{name: "FDA code digit", edit: func(p *inventory.Product) { p.FDAProductCode = "JA1" }, wantField: "fda_product_code"},
		{name: "FDA code trailing newline", edit: func(p *inventory.Product) { p.FDAProductCode = "JAK\n" }, wantField: "fda_product_code"},
		{name: "criticality empty", edit: func(p *inventory.Product) { p.Criticality = "" }, wantField: "criticality"},
		{name: "criticality unknown", edit: func(p *inventory.Product) { p.Criticality = "critical" }, wantField: "criticality"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.edit(&p)
			checkInvalid(t, p.Validate(), tt.wantField)
		})
	}
}

func TestProductVersionValidate(t *testing.T) {
	valid := func() inventory.ProductVersion {
		return inventory.ProductVersion{ProductID: 1, Version: "VA30A", ReleaseDate: "2023-06-30", EndOfSupport: "2030-12-31"}
	}
	tests := []struct {
		name      string
		edit      func(v *inventory.ProductVersion)
		wantField string
	}{
		{name: "valid", edit: func(v *inventory.ProductVersion) {}},
		{name: "no dates", edit: func(v *inventory.ProductVersion) { v.ReleaseDate, v.EndOfSupport = "", "" }},
		{name: "version 100 bytes", edit: func(v *inventory.ProductVersion) { v.Version = strings.Repeat("v", 100) }},
		{name: "product required", edit: func(v *inventory.ProductVersion) { v.ProductID = 0 }, wantField: "product_id"},
		{name: "version required", edit: func(v *inventory.ProductVersion) { v.Version = " " }, wantField: "version"},
		{name: "version 101 bytes", edit: func(v *inventory.ProductVersion) { v.Version = strings.Repeat("v", 101) }, wantField: "version"},
		{name: "version newline", edit: func(v *inventory.ProductVersion) { v.Version = "1.0\n" }, wantField: "version"},
		{name: "release date unpadded", edit: func(v *inventory.ProductVersion) { v.ReleaseDate = "2023-6-30" }, wantField: "release_date"},
		{name: "release date European", edit: func(v *inventory.ProductVersion) { v.ReleaseDate = "30.06.2023" }, wantField: "release_date"},
		{name: "release date with time", edit: func(v *inventory.ProductVersion) { v.ReleaseDate = "2023-06-30T00:00:00Z" }, wantField: "release_date"},
		{name: "release date trailing newline", edit: func(v *inventory.ProductVersion) { v.ReleaseDate = "2023-06-30\n" }, wantField: "release_date"},
		{name: "end of support slashes", edit: func(v *inventory.ProductVersion) { v.EndOfSupport = "2030/12/31" }, wantField: "end_of_support"},
		{name: "end of support year only", edit: func(v *inventory.ProductVersion) { v.EndOfSupport = "2030" }, wantField: "end_of_support"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := valid()
			tt.edit(&v)
			checkInvalid(t, v.Validate(), tt.wantField)
		})
	}
}

func TestProductVersionValidateImpossibleDates(t *testing.T) {
	for _, d := range []string{"2023-13-01", "2023-02-30", "2023-00-10", "2023-04-31"} {
		v := inventory.ProductVersion{ProductID: 1, Version: "1", ReleaseDate: d}
		checkInvalid(t, v.Validate(), "release_date")
		v = inventory.ProductVersion{ProductID: 1, Version: "1", EndOfSupport: d}
		checkInvalid(t, v.Validate(), "end_of_support")
	}
}

func TestDeviceFilterValidate(t *testing.T) {
	tests := []struct {
		name      string
		f         inventory.DeviceFilter
		wantField string
		wantLimit int
	}{
		{name: "default limit", f: inventory.DeviceFilter{}, wantLimit: inventory.DefaultPageSize},
		{name: "limit 1", f: inventory.DeviceFilter{Limit: 1}, wantLimit: 1},
		{name: "limit max", f: inventory.DeviceFilter{Limit: inventory.MaxPageSize}, wantLimit: inventory.MaxPageSize},
		{name: "limit over max", f: inventory.DeviceFilter{Limit: inventory.MaxPageSize + 1}, wantField: "limit"},
		{name: "limit negative", f: inventory.DeviceFilter{Limit: -1}, wantField: "limit"},
		{name: "query 200 bytes", f: inventory.DeviceFilter{Query: strings.Repeat("q", 200)}, wantLimit: inventory.DefaultPageSize},
		{name: "query 201 bytes", f: inventory.DeviceFilter{Query: strings.Repeat("q", 201)}, wantField: "q"},
		{name: "status known", f: inventory.DeviceFilter{Status: inventory.StatusDecommissioned, Limit: 10}, wantLimit: 10},
		{name: "status unknown", f: inventory.DeviceFilter{Status: "gone"}, wantField: "status"},
		{name: "criticality known", f: inventory.DeviceFilter{Criticality: inventory.LifeSustaining}, wantLimit: inventory.DefaultPageSize},
		{name: "criticality unknown", f: inventory.DeviceFilter{Criticality: "high"}, wantField: "criticality"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			checkInvalid(t, f.Validate(), tt.wantField)
			if tt.wantField == "" && f.Limit != tt.wantLimit {
				t.Errorf("Limit = %d, want %d", f.Limit, tt.wantLimit)
			}
		})
	}
}

func TestGrantValidate(t *testing.T) {
	tests := []struct {
		name      string
		g         inventory.Grant
		wantField string
	}{
		{name: "valid", g: inventory.Grant{GranteeOrgID: 2, ManufacturerID: 5, Note: "service contract 2026"}},
		{name: "note 500 bytes", g: inventory.Grant{GranteeOrgID: 2, ManufacturerID: 5, Note: strings.Repeat("n", 500)}},
		{name: "grantee required", g: inventory.Grant{ManufacturerID: 5}, wantField: "grantee_org_id"},
		{name: "manufacturer required", g: inventory.Grant{GranteeOrgID: 2}, wantField: "manufacturer_id"},
		{name: "note 501 bytes", g: inventory.Grant{GranteeOrgID: 2, ManufacturerID: 5, Note: strings.Repeat("n", 501)}, wantField: "note"},
		{name: "note newline", g: inventory.Grant{GranteeOrgID: 2, ManufacturerID: 5, Note: "a\nb"}, wantField: "note"},
		{name: "note invalid UTF-8", g: inventory.Grant{GranteeOrgID: 2, ManufacturerID: 5, Note: "\xc3("}, wantField: "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalid(t, tt.g.Validate(), tt.wantField)
		})
	}
}

func TestRecordValidate(t *testing.T) {
	valid := func() inventory.Record {
		return inventory.Record{Line: 2, Manufacturer: "Philips", Model: "IntelliVue MX800", Kind: "patient-monitor",
			Criticality: inventory.LifeSupporting, Device: inventory.Device{AssetTag: "T1"}}
	}
	tests := []struct {
		name      string
		edit      func(r *inventory.Record)
		wantField string
		want      func(r *inventory.Record) // expected record after Validate, when valid
	}{
		{name: "defaults", edit: func(r *inventory.Record) {}, want: func(r *inventory.Record) {
			r.Version = inventory.UnknownVersion
			r.Device.Status = inventory.StatusActive
		}},
		{name: "version and status kept", edit: func(r *inventory.Record) {
			r.Version, r.Device.Status = "4.2", inventory.StatusMaintenance
		}, want: func(r *inventory.Record) { r.Version, r.Device.Status = "4.2", inventory.StatusMaintenance }},
		{name: "network identity normalised", edit: func(r *inventory.Record) {
			r.Device.IP, r.Device.MAC = "::FFFF:10.1.2.3", "0009.FB01.0203"
		}, want: func(r *inventory.Record) {
			r.Version, r.Device.Status = inventory.UnknownVersion, inventory.StatusActive
			r.Device.IP, r.Device.MAC = "10.1.2.3", "00:09:fb:01:02:03"
		}},
		{name: "manufacturer required", edit: func(r *inventory.Record) { r.Manufacturer = "" }, wantField: "manufacturer"},
		{name: "manufacturer newline", edit: func(r *inventory.Record) { r.Manufacturer = "GE\nHealthcare" }, wantField: "manufacturer"},
		{name: "model required", edit: func(r *inventory.Record) { r.Model = "" }, wantField: "model"},
		{name: "kind not normalised", edit: func(r *inventory.Record) { r.Kind = "Patient Monitor" }, wantField: "kind"},
		{name: "bad FDA code", edit: func(r *inventory.Record) { r.FDAProductCode = "mhx" }, wantField: "fda_product_code"},
		{name: "bad criticality", edit: func(r *inventory.Record) { r.Criticality = "" }, wantField: "criticality"},
		{name: "version too long", edit: func(r *inventory.Record) { r.Version = strings.Repeat("v", 101) }, wantField: "version"},
		{name: "asset tag required", edit: func(r *inventory.Record) { r.Device.AssetTag = "" }, wantField: "asset_tag"},
		{name: "device status unknown", edit: func(r *inventory.Record) { r.Device.Status = "lost" }, wantField: "status"},
		{name: "device ip invalid", edit: func(r *inventory.Record) { r.Device.IP = "10.1.2" }, wantField: "ip"},
		{name: "device room newline", edit: func(r *inventory.Record) { r.Device.Room = "3\n4" }, wantField: "room"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.edit(&r)
			checkInvalid(t, r.Validate(), tt.wantField)
			if tt.want == nil {
				return
			}
			want := valid()
			tt.want(&want)
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("record after Validate (-want +got):\n%s", diff)
			}
		})
	}
}
