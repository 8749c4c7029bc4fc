package vuln

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadDevices(t *testing.T) {
	csv := "site,Version,asset_tag,Model,manufacturer\nICU,1.2,A1,XTR,Spacelabs\nER,,A2,MX800,Philips\n"
	got, err := ReadDevices("inv.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{{ID: "A1", Manufacturer: "Spacelabs", Model: "XTR", Version: "1.2", Row: 2}, {ID: "A2", Manufacturer: "Philips", Model: "MX800", Row: 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadDevicesRiskColumns(t *testing.T) {
	csv := "id,manufacturer,model,version,Criticality,network_zone,internet_reachable,end_of_support\n" +
		"V1,Hamilton,C6,1.1,life-supporting,icu,no,2027-01-01\nW1,Philips,PC,2.0,,guest,yes,\n"
	got, err := ReadDevices("inv.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{ID: "V1", Manufacturer: "Hamilton", Model: "C6", Version: "1.1", Row: 2, Criticality: CriticalityLifeSustaining, Zone: "icu", EndOfSupport: "2027-01-01"},
		{ID: "W1", Manufacturer: "Philips", Model: "PC", Version: "2.0", Row: 3, Zone: "guest", InternetReachable: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadDevicesErrors(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"no model", "id,manufacturer\n", `inv.csv:1: no "model" column`},
		{"empty id", "id,manufacturer,model\nA,B,C\n,B,C\n", "inv.csv:3: id: empty device id"},
		{"bad criticality", "id,manufacturer,model,criticality\nA,B,C,urgent\n", "inv.csv:2: criticality: unknown criticality"},
		{"bad internet", "id,manufacturer,model,internet\nA,B,C,maybe\n", "inv.csv:2: internet: want yes or no"},
		{"bad quote", "id,manufacturer,model\n\"A,B,C\n", "inv.csv: parse error on line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadDevices("inv.csv", strings.NewReader(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzReadDevices(f *testing.F) {
	f.Add("id,manufacturer,model,version\nA,B,C,1\n")
	f.Fuzz(func(t *testing.T, s string) {
		ReadDevices("fuzz.csv", strings.NewReader(s))
	})
}
