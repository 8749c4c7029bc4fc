package deid

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
	"github.com/airtight/airtight/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testKey = "test key: not a secret, 32 bytes"

func newS(t testing.TB, mode Mode) *Surrogates {
	t.Helper()
	s, err := NewSurrogates([]byte(testKey), mode)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func engine(t testing.TB) *dlp.Engine {
	t.Helper()
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noneRemain fails when a value in orig is still in out.
func noneRemain(t *testing.T, out []byte, orig []string) {
	t.Helper()
	for _, v := range orig {
		if len(v) >= 4 && bytes.Contains(out, []byte(v)) {
			t.Errorf("original value %q remains", v)
		}
	}
}

func TestTextGolden(t *testing.T) {
	eng := engine(t)
	in := read(t, "note.txt")
	fs := eng.Scan(in)
	var orig []string
	for _, f := range fs {
		if f.Type != dlp.Age { // ages up to 89 stay
			orig = append(orig, string(in[f.Start:f.End]))
		}
	}
	for _, mode := range []struct {
		name string
		m    Mode
	}{{"note.surrogate.golden", ModeSurrogate}, {"note.safeharbor.golden", ModeSafeHarbor}} {
		t.Run(mode.name, func(t *testing.T) {
			out := Text(in, fs, newS(t, mode.m))
			golden(t, mode.name, out)
			noneRemain(t, out, orig)
		})
	}
}

func TestHL7Golden(t *testing.T) {
	eng := engine(t)
	in := read(t, "msg.hl7")
	out, err := HL7(in, eng, newS(t, ModeSurrogate))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "msg.hl7.golden", out)
	checkHL7(t, in, out, eng)
}

// checkHL7: the output parses with the same segments and field counts, and
// no value found in the original remains at its place.
func checkHL7(t *testing.T, in, out []byte, eng *dlp.Engine) {
	t.Helper()
	mi, err := hl7.Parse(in, hl7.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mo, err := hl7.Parse(out, hl7.Limits{})
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if len(mi.Segments) != len(mo.Segments) {
		t.Fatalf("%d segments, want %d", len(mo.Segments), len(mi.Segments))
	}
	for i := range mi.Segments {
		if len(mi.Segments[i].Field) != len(mo.Segments[i].Field) {
			t.Errorf("segment %d: %d fields, want %d", i, len(mo.Segments[i].Field), len(mi.Segments[i].Field))
		}
	}
	before := byPath(in, mi.Scan(eng))
	after := byPath(out, mo.Scan(eng))
	for path, v := range before {
		if len(v) > 1 && after[path] == v && v != "F" {
			t.Errorf("%s kept its value", path)
		}
	}
}

func byPath(msg []byte, fs []hl7.Finding) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Path+"|"+string(f.Type)] = string(msg[f.Start:f.End])
	}
	return m
}

func TestFHIRGolden(t *testing.T) {
	eng := engine(t)
	in := read(t, "patient.json")
	out, err := FHIR(in, eng, newS(t, ModeSurrogate))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "patient.json.golden", out)
	checkFHIR(t, in, out, eng)
}

func checkFHIR(t *testing.T, in, out []byte, eng *dlp.Engine) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatal("output is not valid JSON")
	}
	fi, err := fhir.Scan(in, eng)
	if err != nil {
		t.Fatal(err)
	}
	fo, err := fhir.Scan(out, eng)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]string{}
	for _, f := range fo {
		after[f.Path] += "|" + string(out[f.Start:f.End])
	}
	for _, f := range fi {
		v := string(in[f.Start:f.End])
		if len(v) > 2 && strings.Contains(after[f.Path], "|"+v) {
			t.Errorf("%s kept its value", f.Path)
		}
	}
}

// TestSharedMessages de-identifies the shared HL7 and FHIR examples.
func TestSharedMessages(t *testing.T) {
	root := shareddata.Dir(t, "dlp")
	eng := engine(t)
	s := newS(t, ModeSurrogate)
	hl7s, _ := filepath.Glob(filepath.Join(root, "hl7v2", "*", "*.hl7"))
	fhirs, _ := filepath.Glob(filepath.Join(root, "fhir", "Test", "*", "*.fhir"))
	for _, p := range hl7s[:min(len(hl7s), 25)] {
		in, _ := os.ReadFile(p)
		out, err := HL7(in, eng, s)
		if err != nil {
			continue // not every example is a single message
		}
		t.Run(filepath.Base(p), func(t *testing.T) { checkHL7(t, in, out, eng) })
	}
	for _, p := range fhirs[:min(len(fhirs), 5)] {
		in, _ := os.ReadFile(p)
		out, err := FHIR(in, eng, s)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) { checkFHIR(t, in, out, eng) })
	}
}

func TestDates(t *testing.T) {
	s := newS(t, ModeSurrogate).ForPatient("MRN-1")
	d := s.ShiftDays()
	shifted := func(layout, v string) string {
		tm, err := time.Parse(layout, v)
		if err != nil {
			t.Fatal(err)
		}
		return tm.AddDate(0, 0, d).Format(layout)
	}
	tests := []struct{ in, want string }{
		{"07/22/2019", shifted("01/02/2006", "07/22/2019")},
		{"2019-07-22", shifted("2006-01-02", "2019-07-22")},
		{"2019-07-22T10:00:00-05:00", shifted("2006-01-02", "2019-07-22") + "T10:00:00-05:00"},
		{"19800214", shifted("20060102", "19800214")},
		{"19800214123000", shifted("20060102", "19800214") + "123000"},
		{"3 January 2019", shifted("2 January 2006", "3 January 2019")},
		{"JAN 3, 2019", strings.ToUpper(shifted("Jan 2, 2006", "Jan 3, 2019"))},
		{"22.07.2019", shifted("02.01.2006", "22.07.2019")},
		{"2019", "2019"},
		{"not a date", "[DATE]"},
	}
	for _, tt := range tests {
		if got := s.Date(tt.in); got != tt.want {
			t.Errorf("Date(%q) = %q, want %q (shift %d)", tt.in, got, tt.want, d)
		}
	}
	if got := s.Date("Jan 3rd"); !strings.HasSuffix(got, ordinal(atoi(strings.TrimRight(strings.Fields(got)[1], "stndrh")))) {
		t.Errorf("Date(Jan 3rd) = %q: ordinal suffix does not fit", got)
	}
}

func TestConsistency(t *testing.T) {
	s := newS(t, ModeSurrogate)
	if s.Name("John Smith") != s.Name("John Smith") || s.NameWord("Smith", Family) != s.NameWord("SMITH", Family) && s.NameWord("Smith", Family) != strings.Title(strings.ToLower(s.NameWord("SMITH", Family))) {
		t.Error("names are not consistent")
	}
	last := s.Name("SMITH, JOHN")
	if !strings.Contains(last, ", ") || last != strings.ToUpper(last) {
		t.Errorf("%q lost the shape of SMITH, JOHN", last)
	}
	if s.ForPatient("A1").ShiftDays() != s.ForPatient(" a1 ").ShiftDays() {
		t.Error("the same patient shifts differently")
	}
	other, _ := NewSurrogates([]byte("another key of at least 16 bytes"), ModeSurrogate)
	if other.Identifier("00482913") == s.Identifier("00482913") {
		t.Error("surrogates do not depend on the key")
	}
	if id := s.Identifier("AB-00482913"); len(id) != 11 || id[2] != '-' {
		t.Errorf("identifier %q lost its shape", id)
	}
	for in, want := range map[string]string{"617-555-1234": "555-555-01", "10.2.3.4": "192.0.2.", "92": "90+"} {
		typ := map[string]dlp.Type{"617-555-1234": dlp.Phone, "10.2.3.4": dlp.IP, "92": dlp.Age}[in]
		if got := s.Replace(typ, in); !strings.HasPrefix(got, want) {
			t.Errorf("Replace(%s) = %q, want prefix %q", typ, got, want)
		}
	}
	if _, err := NewSurrogates([]byte("short"), ModeSurrogate); err != ErrKey {
		t.Errorf("short key: %v", err)
	}
}

func FuzzHL7Deid(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "msg.hl7"))
	if err == nil {
		f.Add(b)
	}
	f.Add([]byte("MSH|^~\\&|A\rPID|1||1^^^X||A^B||2019\r"))
	eng := engine(f)
	s := newS(f, ModeSurrogate)
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, err := HL7(msg, eng, s)
		if err != nil {
			return
		}
		mi, _ := hl7.Parse(msg, hl7.Limits{})
		mo, err := hl7.Parse(out, hl7.Limits{})
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if len(mi.Segments) != len(mo.Segments) {
			t.Fatalf("%d segments, want %d", len(mo.Segments), len(mi.Segments))
		}
	})
}

func BenchmarkText(b *testing.B) {
	in, err := os.ReadFile(filepath.Join("testdata", "note.txt"))
	if err != nil {
		b.Fatal(err)
	}
	eng := engine(b)
	s := newS(b, ModeSurrogate)
	fs := eng.Scan(in)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Text(in, fs, s)
	}
}
