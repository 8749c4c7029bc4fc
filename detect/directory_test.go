package detect

import (
	"errors"
	"net/netip"
	"testing"
)

func TestMemDirectory(t *testing.T) {
	dir := NewMemDirectory()
	ct := DeviceRef{ID: 1, AssetTag: "RGH-1", Criticality: CriticalityDiagnostic, IP: netip.MustParseAddr("10.16.0.21"), AETitle: " CT_MC0101 "}
	lab := DeviceRef{ID: 2, AssetTag: "RGH-2", HL7App: "ANALYZER01^LAB"}
	his := DeviceRef{ID: 3, AssetTag: "RGH-3", HL7App: "his_adt", Criticality: CriticalityAdministrative}
	for _, d := range []DeviceRef{ct, lab, his} {
		if err := dir.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		got  func() (DeviceRef, bool)
		want int64
	}{
		{"ip", func() (DeviceRef, bool) { return dir.LookupIP(netip.MustParseAddr("10.16.0.21")) }, 1},
		{"mapped ip", func() (DeviceRef, bool) { return dir.LookupIP(netip.MustParseAddr("::ffff:10.16.0.21")) }, 1},
		{"unknown ip", func() (DeviceRef, bool) { return dir.LookupIP(netip.MustParseAddr("10.16.0.22")) }, 0},
		{"ae padded", func() (DeviceRef, bool) { return dir.LookupAE("CT_MC0101  ") }, 1},
		{"ae case matters", func() (DeviceRef, bool) { return dir.LookupAE("ct_mc0101") }, 0},
		{"empty ae", func() (DeviceRef, bool) { return dir.LookupAE("  ") }, 0},
		{"hl7 with facility", func() (DeviceRef, bool) { return dir.LookupHL7App("analyzer01", "LAB") }, 2},
		{"hl7 other facility", func() (DeviceRef, bool) { return dir.LookupHL7App("ANALYZER01", "ER") }, 0},
		{"hl7 without facility registered", func() (DeviceRef, bool) { return dir.LookupHL7App("HIS_ADT", "GENHOSP") }, 3},
		{"empty hl7", func() (DeviceRef, bool) { return dir.LookupHL7App("", "LAB") }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := tc.got()
			if ok != (tc.want != 0) || d.ID != tc.want {
				t.Errorf("got %d %v, want %d", d.ID, ok, tc.want)
			}
		})
	}
	if !ct.Clinical() || his.Clinical() || !(DeviceRef{}).Clinical() {
		t.Error("Clinical: diagnostic and unknown are clinical, administrative is not")
	}
	for _, d := range []DeviceRef{
		{ID: 4, IP: netip.MustParseAddr("10.16.0.21")}, {ID: 5, AETitle: "CT_MC0101"}, {ID: 6, HL7App: "ANALYZER01|LAB"},
	} {
		if err := dir.Add(d); !errors.Is(err, ErrDuplicate) {
			t.Errorf("add %+v: %v, want ErrDuplicate", d, err)
		}
	}
	if err := dir.Add(DeviceRef{}); err == nil {
		t.Error("id 0 accepted")
	}
	if dir.Len() != 3 {
		t.Errorf("%d devices after failed adds", dir.Len())
	}
}

func TestIsPublic(t *testing.T) {
	tests := map[string]bool{
		"8.8.8.8": true, "198.51.100.23": true, "203.0.113.50": true, "192.0.2.1": true, "2001:db8::1": true,
		"2606:4700::1111": true, "::ffff:8.8.8.8": true,
		"10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "100.64.0.1": false, "127.0.0.1": false,
		"169.254.1.1": false, "224.0.0.251": false, "255.255.255.255": false, "0.0.0.0": false, "198.18.0.1": false,
		"192.0.0.8": false, "fd00::1": false, "fe80::1": false, "::1": false, "ff02::1": false, "::ffff:10.0.0.1": false,
		"240.0.0.1": false,
	}
	for s, want := range tests {
		if got := IsPublic(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", s, got, want)
		}
	}
	if IsPublic(netip.Addr{}) {
		t.Error("the zero address is public")
	}
}
