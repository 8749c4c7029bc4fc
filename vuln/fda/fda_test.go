package fda

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/airtight/airtight/internal/shareddata"
	"github.com/airtight/airtight/vuln"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/recalls.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Detect(data) {
		t.Fatal("not detected")
	}
	got, err := Parse("recalls.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []vuln.Recall{
		{Number: "Z-0421-2023", Event: "91234", Firm: "Baxter Healthcare Corporation",
			Product:    "Sigma Spectrum Infusion System, large volume infusion pump, software version 8.00.01",
			DeviceName: "Pump, Infusion", ProductCode: "FRN", Reason: "Infusion pump may deliver an under-infusion after a software fault.",
			Status: "Open, Classified", Initiated: "2022-11-02", CodeInfo: "Serial numbers 1000000 to 1099999", Source: "recalls.json"},
		{Number: "Z-1999-2019", Event: "82345", Firm: "Philips Medical Systems", Product: "IntelliVue MX800 patient monitor",
			DeviceName: "Monitor, Physiological, Patient", ProductCode: "MHX", Reason: "Display may freeze.",
			Status: "Terminated", Initiated: "2019-05-10", CodeInfo: "All units", Source: "recalls.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got[0].Open() || got[1].Open() {
		t.Error("Open")
	}
}

// TestParseEnforcement reads enforcement-report records, which carry the
// recall class and the termination date.
func TestParseEnforcement(t *testing.T) {
	data, err := os.ReadFile("testdata/enforcement.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("enforcement.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d recalls", len(got))
	}
	tests := []struct {
		number, class, name string
		open                bool
	}{
		{"Z-1544-2024", "I", "Class I", true},
		{"Z-0833-2021", "II", "Class II", false},
	}
	for i, tt := range tests {
		r := got[i]
		if r.Number != tt.number || r.Class != tt.class || r.ClassName() != tt.name || r.Open() != tt.open {
			t.Errorf("recall %d = %s class %q (%s) open %t, want %+v", i, r.Number, r.Class, r.ClassName(), r.Open(), tt)
		}
	}
	if got[1].Terminated != "2022-06-30" {
		t.Errorf("terminated = %q", got[1].Terminated)
	}
}

func TestParseRecallClass(t *testing.T) {
	for in, want := range map[string]string{"Class I": "I", "class ii": "II", " Class III ": "III", "2": "II",
		"Not Yet Classified": "", "": "", "Class IV": ""} {
		if got := vuln.ParseRecallClass(in); got != want {
			t.Errorf("ParseRecallClass(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSharedLegacyRecord reads the staged legacy enforcement report,
// whose recall number is only in the product description.
func TestSharedLegacyRecord(t *testing.T) {
	p := shareddata.Dir(t, "vuln", "openfda", "one-recall.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(p, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Number != "Z-1004-04" || !strings.HasPrefix(got[0].Firm, "Zimmer") || got[0].CodeInfo != "Lot # 20118000." {
		t.Errorf("got %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"results":[{"product_res_number":"Z-1-2020","recalling_firm":"A","product_description":"B"},{"recalling_firm":"A"}]}`, "r.json: results[1]: product_res_number: missing"},
		{`{"results":[{"product_res_number":"Z-1-2020","product_description":"B"}]}`, "recalling_firm: missing"},
		{`{"results":[{"product_res_number":5}]}`, "r.json: results[0]"},
		{`{"results":`, "r.json:1:"},
	}
	for _, tt := range tests {
		if _, err := Parse("r.json", []byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/recalls.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	if enf, err := os.ReadFile("testdata/enforcement.json"); err == nil {
		f.Add(enf)
	}
	f.Add([]byte(`{"recalling-firm":"Zimmer Inc.","product-description":"Nail. Recall # Z-1004-04."}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse("fuzz", data)
		for _, r := range rs {
			if err == nil && (r.Number == "" || r.Firm == "") {
				t.Fatalf("recall without number or firm: %+v", r)
			}
		}
	})
}
