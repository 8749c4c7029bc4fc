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
	want := []Device{{ID: "A1", Manufacturer: "Spacelabs", Model: "XTR", Version: "1.2"}, {ID: "A2", Manufacturer: "Philips", Model: "MX800"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadDevicesErrors(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"no model", "id,manufacturer\n", `inv.csv:1: no "model" column`},
		{"empty id", "id,manufacturer,model\nA,B,C\n,B,C\n", "inv.csv:3: id: empty device id"},
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
