package fhir

import (
	"errors"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
)

const bundle = `{"resourceType": "Bundle", "type": "message", "entry": [
 {"resource": {"resourceType": "MessageHeader", "id": "x"}},
 {"resource": {"resourceType": "Patient",
   "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "914193"},
                  {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "531-74-2290"}],
   "name": [{"family": "O\u2019Brien", "given": ["Mary", "Ann"]}],
   "telecom": [{"system": "phone", "value": "(617) 555-1212"}, {"value": "mary@example.com"}],
   "birthDate": "1980-02-14",
   "address": [{"line": ["12 Elm St"], "city": "Boston", "state": "MA", "postalCode": "02118"}],
   "text": {"div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Call 617-555-0199</div>"}}},
 {"resource": {"resourceType": "Observation", "effectiveDateTime": "2021-03-04",
   "valueString": "Reach John at john.smith@example.com", "note": [{"text": "SSN 531-74-2290"}]}}
]}`

func TestFHIRScan(t *testing.T) {
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Scan([]byte(bundle), eng)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, raw string
		typ       dlp.Type
	}{
		{"Bundle.entry[1].resource(Patient).identifier[0].value", "914193", dlp.MRN},
		{"Bundle.entry[1].resource(Patient).identifier[1].value", "531-74-2290", dlp.SSN},
		{"Bundle.entry[1].resource(Patient).name[0].family", `O\u2019Brien`, dlp.Name},
		{"Bundle.entry[1].resource(Patient).name[0].given[1]", "Ann", dlp.Name},
		{"Bundle.entry[1].resource(Patient).telecom[0].value", "(617) 555-1212", dlp.Phone},
		{"Bundle.entry[1].resource(Patient).telecom[1].value", "mary@example.com", dlp.Email},
		{"Bundle.entry[1].resource(Patient).birthDate", "1980-02-14", dlp.Date},
		{"Bundle.entry[1].resource(Patient).address[0].line[0]", "12 Elm St", dlp.Location},
		{"Bundle.entry[1].resource(Patient).address[0].postalCode", "02118", dlp.ZIP},
		{"Bundle.entry[1].resource(Patient).text.div", "617-555-0199", dlp.Phone},
		{"Bundle.entry[2].resource(Observation).effectiveDateTime", "2021-03-04", dlp.Date},
		{"Bundle.entry[2].resource(Observation).valueString", "john.smith@example.com", dlp.Email},
		{"Bundle.entry[2].resource(Observation).note[0].text", "531-74-2290", dlp.SSN},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			for _, f := range fs {
				if f.Path == tt.path && bundle[f.Start:f.End] == tt.raw {
					if f.Type != tt.typ {
						t.Errorf("type %s, want %s", f.Type, tt.typ)
					}
					return
				}
			}
			t.Errorf("not found among %d findings", len(fs))
		})
	}
	for _, f := range fs {
		if strings.Contains(f.Path, "MessageHeader") || strings.HasSuffix(f.Path, ".state") {
			t.Errorf("unexpected finding at %s", f.Path)
		}
	}
}

func TestFHIRScanErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		lim  Limits
		want error
	}{
		{"empty", "", Limits{}, ErrNotFHIR},
		{"array", `[1]`, Limits{}, ErrNotFHIR},
		{"truncated", `{"resourceType": "Patient", "name": [`, Limits{}, ErrMalformed},
		{"trailing", `{"resourceType": "Patient"} {}`, Limits{}, ErrMalformed},
		{"too large", bundle, Limits{MaxSize: 10}, ErrLimit},
		{"too deep", `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, Limits{}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ScanLimits([]byte(tt.doc), nil, tt.lim); !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFHIRDetect(t *testing.T) {
	for in, want := range map[string]bool{bundle: true, ` {"resourceType":"Patient"}`: true, `{"a":1}`: false, "MSH|": false} {
		if Detect([]byte(in)) != want {
			t.Errorf("Detect(%.12q) = %v", in, !want)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte(bundle))
	f.Add([]byte(`{"resourceType":"Patient","name":[{"given":["\ud83d\ude00\u00e9"]}],"text":{"div":"<b>x"}}`))
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		fs, err := Scan(doc, eng)
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.Start < 0 || x.End > len(doc) || x.Start >= x.End {
				t.Fatalf("bad offsets %d..%d of %d", x.Start, x.End, len(doc))
			}
		}
	})
}
