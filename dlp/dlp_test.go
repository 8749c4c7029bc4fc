package dlp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

type want struct {
	typ  Type
	text string
}

func scanText(t *testing.T, text string) []want {
	t.Helper()
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []want
	for _, f := range e.Scan([]byte(text)) {
		got = append(got, want{f.Type, text[f.Start:f.End]})
	}
	return got
}

// check asserts that every wanted finding is present (byte-exact) and,
// when exact, that nothing else is.
func check(t *testing.T, text string, exact bool, ws ...want) {
	t.Helper()
	got := scanText(t, text)
	for _, w := range ws {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("%q: missing %v; got %v", text, w, got)
		}
	}
	if exact && len(got) != len(ws) {
		t.Errorf("%q: got %v, want exactly %v", text, got, ws)
	}
}

func TestPositives(t *testing.T) {
	tests := []struct {
		name, text string
		want       []want
	}{
		{"ssn", "SSN: 123-45-6789.", []want{{SSN, "123-45-6789"}}},
		{"ssn bare with context", "social security 123456789", []want{{SSN, "123456789"}}},
		{"phone paren ext", "call (617) 555-1234 x204 today", []want{{Phone, "(617) 555-1234 x204"}}},
		{"phone dots", "cell 617.555.1234", []want{{Phone, "617.555.1234"}}},
		{"phone country", "tel +1 617-555-1234", []want{{Phone, "+1 617-555-1234"}}},
		{"fax", "Fax: 617-555-9876", []want{{Fax, "617-555-9876"}}},
		{"pager", "pager 12345", []want{{Phone, "12345"}}},
		{"email", "mail j.doe+x@mail.example.org.", []want{{Email, "j.doe+x@mail.example.org"}}},
		{"url", "see https://portal.example.com/p?id=3).", []want{{URL, "https://portal.example.com/p?id=3"}}},
		{"www", "at www.example.org", []want{{URL, "www.example.org"}}},
		{"ipv4", "from 192.168.10.42 ", []want{{IP, "192.168.10.42"}}},
		{"ipv6", "host 2001:db8::8a2e:370:7334", []want{{IP, "2001:db8::8a2e:370:7334"}}},
		{"date slash", "on 07/22/2019", []want{{Date, "07/22/2019"}}},
		{"date iso", "2019-07-22", []want{{Date, "2019-07-22"}}},
		{"date month day", "seen on 7/22", []want{{Date, "7/22"}}},
		{"date month name", "since Jan 3rd", []want{{Date, "Jan 3rd"}}},
		{"date long", "on January 3, 2019.", []want{{Date, "January 3, 2019"}}},
		{"date day month", "3 January 2019", []want{{Date, "3 January 2019"}}},
		{"date month year", "in March 2019", []want{{Date, "March 2019"}}},
		{"date short year", "s/p MI '92", []want{{Date, "'92"}}},
		{"date caps", "ADMITTED JAN 3RD", []want{{Date, "JAN 3RD"}}},
		{"age yo", "92 y/o F", []want{{Age, "92"}}},
		{"age word", "age 95", []want{{Age, "95"}}},
		{"age hyphen", "a 93-year-old man", []want{{Age, "93"}}},
		{"zip state", "Boston, MA 02115-1234", []want{{Location, "Boston, MA"}, {ZIP, "02115-1234"}}},
		{"street", "lives at 12 Oak Hill Rd. Apt 4", []want{{Location, "12 Oak Hill Rd. Apt 4"}}},
		{"facility", "transferred from Mercy General Hospital", []want{{Location, "Mercy General Hospital"}}},
		{"mrn", "MRN: 00123456", []want{{MRN, "00123456"}}},
		{"med rec", "Med Rec # A1234567", []want{{MRN, "A1234567"}}},
		{"account", "acct 99887766", []want{{Account, "99887766"}}},
		{"member id", "Member ID: XJH123456789", []want{{HealthPlan, "XJH123456789"}}},
		{"dl", "DL# S123-4567-8901", []want{{License, "S123-4567-8901"}}},
		{"dea", "DEA AB1234563", []want{{License, "AB1234563"}}},
		{"npi", "NPI 1234567893", []want{{License, "1234567893"}}},
		{"card", "card 4111-1111-1111-1111", []want{{Account, "4111-1111-1111-1111"}}},
		{"vin", "VIN 1HGCM82633A004352", []want{{Vehicle, "1HGCM82633A004352"}}},
		{"plate", "license plate: 7ABC123", []want{{Vehicle, "7ABC123"}}},
		{"serial", "pacemaker S/N: PJN123456", []want{{DeviceID, "PJN123456"}}},
		{"title", "seen by Dr. Alice Wong today", []want{{Name, "Alice Wong"}}},
		{"title caps", "DR. WONG AWARE", []want{{Name, "WONG"}}},
		{"relation", "husband Rich at bedside", []want{{Name, "Rich"}}},
		{"relation lower", "pt's daughter mary smith called", []want{{Name, "mary smith"}}},
		{"label", "Patient Name: JOHN Q. SMITH", []want{{Name, "JOHN Q. SMITH"}}},
		{"signed", "Electronically signed by Maria Gonzalez, MD", []want{{Name, "Maria Gonzalez"}}},
		{"pair", "Met with Karen Whitfield about discharge.", []want{{Name, "Karen Whitfield"}}},
		{"last first", "Seen: Whitfield, Karen", []want{{Name, "Whitfield, Karen"}}},
		{"biometric", "fingerprint on file", []want{{Biometric, "fingerprint"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.text, false, tc.want...) })
	}
}

func TestNegatives(t *testing.T) {
	for _, text := range []string{
		"BP 120/80, HR 88, RR 16, SpO2 98% on 2L",
		"heparin 5 mg/kg IV q6h; 1/2 tab po bid",
		"Na 140 K 4.1 Cl 102 HCO3 24 BUN 18 Cr 1.1 Glu 104 WBC 12.3 Hgb 9.8 Plt 250",
		"ICD-10 I10, E11.9, J18.9; CPT 99213",
		"at 14:30 and 08:15:00 in room 412, bed 2",
		"in 2019 the patient improved",
		"History of Parkinson's disease and Crohn disease; Foley catheter placed.",
		"Pain 5/10, strength 4/5 in the left arm",
		"You may take 2 tabs; may 2 tabs",
		"The patient is stable. Will follow up. Denies chest pain.",
		"PATIENT DENIES CHEST PAIN. ABDOMEN SOFT, NONTENDER. WILL CONTINUE LASIX.",
		"patient denies chest pain, abdomen soft, will continue lasix",
		"version 1.2.3.4.5 of the software",
		"took 3 times daily for 2 weeks at 40 units",
		"MR moderate, MS mild on echo",
		"age 45, 88 yo",
	} {
		t.Run(text, func(t *testing.T) { check(t, text, true) })
	}
}

func TestOffsetsAreByteExact(t *testing.T) {
	text := "Ünïcödé — Dr. Ñúñez: 617-555-1234 ☎ on 07/22/2019"
	e, _ := New(Options{})
	fs := e.Scan([]byte(text))
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		if !utf8.ValidString(text[f.Start:f.End]) {
			t.Errorf("finding %v splits a character", f)
		}
	}
	check(t, text, false, want{Phone, "617-555-1234"}, want{Date, "07/22/2019"})
}

func TestCaseVariants(t *testing.T) {
	base := "Husband Rich Miller called on Jan 3rd from 617-555-1234 re MRN 1234567."
	for _, text := range []string{base, strings.ToUpper(base), strings.ToLower(base)} {
		at := func(i, n int) string { return text[i : i+n] }
		check(t, text, false, want{Phone, at(strings.Index(text, "617"), 12)},
			want{MRN, at(strings.Index(text, "1234567."), 7)}, want{Date, at(strings.Index(base, "Jan"), 7)})
		got := scanText(t, text)
		if len(got) == 0 || got[0].typ != Name {
			t.Errorf("%q: no name first: %v", text, got)
		}
	}
}

func TestOptions(t *testing.T) {
	e, err := New(Options{Types: []Type{SSN}})
	if err != nil {
		t.Fatal(err)
	}
	fs := e.Scan([]byte("SSN 123-45-6789 call 617-555-1234"))
	if len(fs) != 1 || fs[0].Type != SSN {
		t.Errorf("got %v", fs)
	}
	if _, err := New(Options{Types: []Type{"BOGUS"}}); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := New(Options{MinConfidence: 2}); err == nil {
		t.Error("confidence 2 accepted")
	}
}

func TestChecks(t *testing.T) {
	if !validNPI([]byte("1234567893")) || validNPI([]byte("1234567890")) {
		t.Error("npi")
	}
	if !validDEA([]byte("AB1234563")) || validDEA([]byte("AB1234564")) {
		t.Error("dea")
	}
	if !validVIN([]byte("1HGCM82633A004352")) || validVIN([]byte("1HGCM82633A004353")) {
		t.Error("vin")
	}
	if check := scanText(t, "SSN 666-12-3456 and 900-12-3456"); len(check) != 0 {
		t.Errorf("invalid area accepted: %v", check)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"Dr. Smith 617-555-1234 07/22/2019", "a@b.co http://x", "\x00\xff:::1", "'92 MI", ""} {
		f.Add([]byte(s))
	}
	e, err := New(Options{MinConfidence: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		prev := -1
		for _, fd := range e.Scan(b) {
			if fd.Start < 0 || fd.End > len(b) || fd.Start >= fd.End || fd.Start < prev {
				t.Fatalf("bad finding %+v (len %d, prev end %d)", fd, len(b), prev)
			}
			prev = fd.End
		}
	})
}
