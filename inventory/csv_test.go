package inventory_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	exampleCSV = "testdata/devices-example.csv"
	header     = "asset_tag,manufacturer,model,kind,criticality,ip,mac,status\n"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appError asserts err is an *airtight.Error and returns it.
func appError(t *testing.T, err error) *airtight.Error {
	t.Helper()
	var e *airtight.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *airtight.Error", err, err)
	}
	return e
}

func TestReadCSVGood(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []inventory.Record // compared on Line, Manufacturer, Model, Kind, Device.AssetTag/IP/MAC/Status
	}{
		{
			name:  "minimal",
			input: header + "T1,Philips,IntelliVue MX800,patient-monitor,life-supporting,10.0.0.1,00-09-FB-01-02-03,\n",
			want: []inventory.Record{{Line: 2, Manufacturer: "Philips", Model: "IntelliVue MX800", Kind: "patient-monitor",
				Device: inventory.Device{AssetTag: "T1", IP: "10.0.0.1", MAC: "00:09:fb:01:02:03", Status: inventory.StatusActive}}},
		},
		{
			name:  "BOM",
			input: "\uFEFF" + header + "T1,Philips,MX800,patient-monitor,life-supporting,,,active\n",
			want: []inventory.Record{{Line: 2, Manufacturer: "Philips", Model: "MX800", Kind: "patient-monitor",
				Device: inventory.Device{AssetTag: "T1", Status: inventory.StatusActive}}},
		},
		{
			name:  "reordered columns, upper case header, CRLF, blank line",
			input: "Kind,ASSET_TAG,Criticality,Model,Manufacturer\r\nCT Scanner,T9,Diagnostic,Revolution CT,GE HealthCare\r\n\r\nct_scanner,T10,diagnostic,Optima CT660,GE HealthCare\r\n",
			want: []inventory.Record{
				{Line: 2, Manufacturer: "GE HealthCare", Model: "Revolution CT", Kind: "ct-scanner",
					Device: inventory.Device{AssetTag: "T9", Status: inventory.StatusActive}},
				{Line: 4, Manufacturer: "GE HealthCare", Model: "Optima CT660", Kind: "ct-scanner",
					Device: inventory.Device{AssetTag: "T10", Status: inventory.StatusActive}},
			},
		},
		{
			name:  "formula guard quote removed",
			input: header + "'=T1,'@Philips,'+MX800,patient-monitor,life-supporting,,,\n",
			want: []inventory.Record{{Line: 2, Manufacturer: "@Philips", Model: "+MX800", Kind: "patient-monitor",
				Device: inventory.Device{AssetTag: "=T1", Status: inventory.StatusActive}}},
		},
		{
			name:  "rows of empty cells skipped",
			input: header + ",,,,,,,\n , ,,,,,,\nT1,Philips,MX800,patient-monitor,life-supporting,,,\n,,,,,,,\n",
			want: []inventory.Record{{Line: 4, Manufacturer: "Philips", Model: "MX800", Kind: "patient-monitor",
				Device: inventory.Device{AssetTag: "T1", Status: inventory.StatusActive}}},
		},
		{
			name:  "header only",
			input: header,
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := inventory.ReadCSV(strings.NewReader(tt.input))
			if err != nil {
				t.Fatalf("ReadCSV: %v (details %v)", err, airtight.ErrorDetails(err))
			}
			if diff := cmp.Diff(tt.want, summarize(recs)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// summarize keeps the fields TestReadCSVGood compares.
func summarize(recs []inventory.Record) []inventory.Record {
	var out []inventory.Record
	for _, r := range recs {
		out = append(out, inventory.Record{Line: r.Line, Manufacturer: r.Manufacturer, Model: r.Model, Kind: r.Kind,
			Device: inventory.Device{AssetTag: r.Device.AssetTag, IP: r.Device.IP, MAC: r.Device.MAC, Status: r.Device.Status}})
	}
	return out
}

func TestReadCSVExample(t *testing.T) {
	f, err := os.Open(exampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := inventory.ReadCSV(f)
	if err != nil {
		t.Fatalf("ReadCSV: %v (details %v)", err, airtight.ErrorDetails(err))
	}
	if len(recs) != 10 {
		t.Fatalf("got %d records, want 10", len(recs))
	}
	for i, r := range recs {
		if r.Line != i+2 {
			t.Errorf("record %d: Line = %d, want %d", i, r.Line, i+2)
		}
	}
	ct := recs[0]
	if ct.FDAProductCode != "JAK" || ct.Device.AETitle != "CT_MC0101" || ct.Criticality != inventory.Diagnostic {
		t.Errorf("first record = %+v", ct)
	}
	if want := time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC); !ct.Device.FirstSeen.Equal(want) {
		t.Errorf("first_seen = %v, want %v", ct.Device.FirstSeen, want)
	}
	if want := time.Date(2026, 11, 30, 5, 12, 44, 0, time.UTC); !ct.Device.LastSeen.Equal(want) {
		t.Errorf("last_seen = %v, want %v", ct.Device.LastSeen, want)
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		code    airtight.Code
		details []airtight.Detail // nil: not compared
		msg     string            // substring of the message
	}{
		{name: "empty", input: "", code: airtight.EInvalid, msg: "header line is required"},
		{
			name:  "missing required column",
			input: "asset_tag,manufacturer,model,kind\nT1,Philips,MX800,patient-monitor\n",
			code:  airtight.EInvalid, msg: "missing required column criticality",
			details: []airtight.Detail{{Line: 1, Field: "criticality", Message: "missing required column"}},
		},
		{
			name:  "unknown columns",
			input: "asset_tag,manufacturer,model,kind,criticality,colour,Patient Name?\n",
			code:  airtight.EInvalid, msg: `unknown columns "colour", column 7`,
		},
		{
			name:  "many unknown columns",
			input: "asset_tag,manufacturer,model,kind,criticality" + strings.Repeat(",x", 300) + "\n",
			code:  airtight.EInvalid, msg: `unknown columns "x", "x", "x", "x", "x", "x", "x", "x", "x", "x" and more;`,
		},
		{
			name:  "duplicate column",
			input: "asset_tag,manufacturer,model,kind,criticality,ip,IP\n",
			code:  airtight.EInvalid, msg: "duplicate column ip",
		},
		{
			name: "bad rows all reported",
			input: header +
				"T1,Philips,MX800,patient-monitor,life-supporting,10.0.0.1,,\n" +
				"T2,Philips,MX800,patient-monitor,life-supporting,10.0.0.999,,\n" +
				"T3,Philips,MX800,patient-monitor,life-supporting,,,\n" +
				"T4,Philips,MX800,patient-monitor,life-supporting,,zz:zz,\n" +
				"T5,Philips,MX800,patient-monitor,life-supporting,,,retired\n" +
				"T6,Philips,MX800,patient-monitor,life-supporting,,,\n" +
				"T7,Philips,MX800,patient-monitor,very,,,\n" +
				",Philips,MX800,patient-monitor,life-supporting,,,\n",
			code: airtight.EInvalid, msg: "5 rows are invalid: line 3 ip",
			details: []airtight.Detail{
				{Line: 3, Field: "ip", Message: "is not an IP address"},
				{Line: 5, Field: "mac", Message: "is not a 48-bit MAC address"},
				{Line: 6, Field: "status", Message: "must be one of active, maintenance, quarantined, decommissioned"},
				{Line: 8, Field: "criticality", Message: "must be one of life-sustaining, life-supporting, diagnostic, administrative"},
				{Line: 9, Field: "asset_tag", Message: "is required"},
			},
		},
		{
			name:  "multi-line cell is invalid and counted",
			input: header + "T1,\"Dr\u00e4ger\",\"Evita\nV800\",ventilator,life-sustaining,,,\nT2,Dr\u00e4ger,Infinity Delta,patient-monitor,life-supporting,1.2.3,,\n",
			code:  airtight.EInvalid,
			details: []airtight.Detail{
				{Line: 2, Field: "model", Message: "contains control or bidirectional-override characters"},
				{Line: 4, Field: "ip", Message: "is not an IP address"},
			},
		},
		{
			name:    "bad time",
			input:   "asset_tag,manufacturer,model,kind,criticality,first_seen\nT1,Philips,MX800,monitor,diagnostic,31/12/2020\n",
			code:    airtight.EInvalid,
			details: []airtight.Detail{{Line: 2, Field: "first_seen", Message: "must be an RFC 3339 time or a YYYY-MM-DD date"}},
		},
		{
			name:  "wrong field count",
			input: header + "T1,Philips,MX800,patient-monitor,life-supporting,,,\nT2,Philips,MX800\n",
			code:  airtight.EInvalid, msg: "line 3",
			details: []airtight.Detail{{Line: 3, Message: "has 3 fields, the header has 8"}},
		},
		{
			name:  "bare quote",
			input: header + "T1,Phil\"ips,MX800,patient-monitor,life-supporting,,,\n",
			code:  airtight.EInvalid, msg: "line 2",
		},
		{
			name:  "binary garbage",
			input: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
			code:  airtight.EInvalid, msg: "not a UTF-8 text CSV",
		},
		{
			name:  "NUL in a row",
			input: header + "T1,Philips,MX800,patient-monitor,life-supporting,,,\nT2,Phil\x00ips,MX800,patient-monitor,life-supporting,,,\n",
			code:  airtight.EInvalid, msg: "line 3: the file is not a UTF-8 text CSV file",
		},
		{
			name:    "Latin-1 cell",
			input:   header + "T1,Dr\xe4ger,Evita V800,ventilator,life-sustaining,,,\n",
			code:    airtight.EInvalid,
			details: []airtight.Detail{{Line: 2, Field: "manufacturer", Message: "is not valid UTF-8 (save the file as CSV UTF-8)"}},
		},
		{
			name:    "field too long",
			input:   header + "T1,Philips," + strings.Repeat("m", inventory.MaxCSVField+1) + ",patient-monitor,life-supporting,,,\n",
			code:    airtight.EInvalid,
			details: []airtight.Detail{{Line: 2, Field: "model", Message: "is longer than 1024 bytes"}},
		},
		{
			name:  "line too long",
			input: header + "T1,Philips,\"" + strings.Repeat("m\n", inventory.MaxCSVLine) + "\",patient-monitor,life-supporting,,,\n",
			code:  airtight.ETooLarge, msg: "longer than 65536 bytes",
		},
		{
			name:  "too many rows",
			input: header + strings.Repeat("T,P,M,ecg,diagnostic,,,\n", inventory.MaxCSVRows+1),
			code:  airtight.ETooLarge, msg: "more than 200000 rows",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := inventory.ReadCSV(strings.NewReader(tt.input))
			if err == nil {
				t.Fatalf("ReadCSV = %d records, want an error", len(recs))
			}
			e := appError(t, err)
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q (%v)", e.Code, tt.code, err)
			}
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tt.msg)
			}
			if tt.details != nil {
				if diff := cmp.Diff(tt.details, e.Details); diff != "" {
					t.Errorf("details (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestReadCSVNoValuesInErrors checks that no cell value reaches an error.
func TestReadCSVNoValuesInErrors(t *testing.T) {
	const secret = "Jane-Doe-MRN-0042"
	rows := []string{
		"T1,Philips,MX800,patient-monitor,life-supporting," + secret + ",,\n",
		"T1,Philips,MX800,patient-monitor,life-supporting,," + secret + ",\n",
		"T1,Philips,MX800,patient-monitor,life-supporting,,," + secret + "\n",
		"T1,Philips,MX800,patient-monitor," + secret + ",,,\n",
		"T1,Philips,MX800," + secret + "\n",
		"T1,Philips,MX800,patient-monitor,life-supporting,,,\"" + secret + "\"x\n",
	}
	for _, row := range rows {
		_, err := inventory.ReadCSV(strings.NewReader(header + row))
		if err == nil {
			t.Fatalf("no error for %q", row)
		}
		e := appError(t, err)
		text := e.Message + err.Error()
		for _, d := range e.Details {
			text += d.Field + d.Message
		}
		if strings.Contains(text, "Jane") {
			t.Errorf("error for %q echoes the cell: %q %v", row, err, e.Details)
		}
	}
}

func TestReadCSVDetailsCapped(t *testing.T) {
	input := header + strings.Repeat("T1,Philips,MX800,patient-monitor,life-supporting,bad,,\n", 150)
	_, err := inventory.ReadCSV(strings.NewReader(input))
	e := appError(t, err)
	if len(e.Details) != 100 || !strings.HasPrefix(e.Message, "150 rows are invalid") {
		t.Errorf("got %d details, message %q; want 100 and 150 rows", len(e.Details), e.Message)
	}
	if e.Details[99].Line != 101 {
		t.Errorf("last detail line = %d, want 101", e.Details[99].Line)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	seen := time.Date(2026, 11, 30, 5, 12, 44, 0, time.UTC)
	in := []inventory.Record{
		{Manufacturer: "BD", Model: "Alaris 8015 PC Unit", Kind: "infusion-pump", FDAProductCode: "FRN",
			Criticality: inventory.LifeSustaining, Version: "12.1.2",
			Device: inventory.Device{AssetTag: "RGH-1", SerialNumber: "12734592", Site: "Main Campus", Department: "ICU",
				Room: "ICU 3-04", NetworkZone: "clinical-wireless", IP: "10.32.0.40", MAC: "00:00:5e:00:53:01",
				Hostname: "mc-icu-pump-1", Owner: "Clinical Engineering", Status: inventory.StatusActive,
				FirstSeen: seen.AddDate(-3, 0, 0), LastSeen: seen}},
		{Manufacturer: "Dr\u00e4ger, AG", Model: "Evita \"V800\"", Kind: "ventilator", Criticality: inventory.LifeSustaining,
			Version: inventory.UnknownVersion,
			Device: inventory.Device{AssetTag: "=HYPERLINK(\"http://x\")", SerialNumber: "-12", Room: "@A1",
				Hostname: "\tcmd", Owner: "'=already quoted", Department: "'plain quote", AETitle: "+VENT1",
				IP: "2001:db8::1", Status: inventory.StatusQuarantined}},
	}
	var buf bytes.Buffer
	w := inventory.NewCSVWriter(&buf)
	for i := range in {
		if err := w.WriteRecord(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, cell := range []string{`'=HYPERLINK`, `'-12`, `'@A1`, `'+VENT1`, "'\tcmd", `''=already`, `,'plain quote,`} {
		if !strings.Contains(buf.String(), cell) {
			t.Errorf("output lacks %s:\n%s", cell, buf.String())
		}
	}
	out, err := inventory.ReadCSV(&buf)
	if err != nil {
		t.Fatalf("ReadCSV: %v %v", err, airtight.ErrorDetails(err))
	}
	for i := range in {
		in[i].Line = i + 2
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestCSVWriterEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := inventory.NewCSVWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(inventory.CSVHeader, ",") + "\n"; buf.String() != want {
		t.Errorf("got %q, want the header %q", buf.String(), want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCSVWriterError(t *testing.T) {
	w := inventory.NewCSVWriter(failWriter{})
	if err := w.Write(&inventory.Device{AssetTag: "T1"}); err != nil {
		t.Fatalf("Write buffers, got %v", err)
	}
	if err := w.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Flush = %v, want the write error", err)
	}
}

// TestCSVGolden reads the example and writes it back as an export.
func TestCSVGolden(t *testing.T) {
	recs, err := inventory.ReadCSV(bytes.NewReader(readFile(t, exampleCSV)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := inventory.NewCSVWriter(&buf)
	for i := range recs {
		d := recs[i].Device
		d.Manufacturer, d.Model, d.Kind = recs[i].Manufacturer, recs[i].Model, recs[i].Kind
		d.Criticality, d.Version = recs[i].Criticality, recs[i].Version
		if err := w.Write(&d); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "devices-export.golden.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(string(readFile(t, golden)), buf.String()); diff != "" {
		t.Errorf("export differs from %s (-want +got; run with -update to accept):\n%s", golden, diff)
	}
}

func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(strings.Join(inventory.CSVHeader, ",") + "\n")
	for i := range 10_000 {
		fmt.Fprintf(&buf, "RGH-%06d,BD,Alaris 8015 PC Unit,infusion-pump,FRN,life-sustaining,12.1.2,%08d,,Main Campus,ICU,ICU 3-04,"+
			"clinical-wireless,10.32.%d.%d,00:00:5e:00:53:%02x,mc-icu-pump-%05d,,,Clinical Engineering,active,2021-03-15,2026-11-30T05:12:44Z\n",
			i, i, i/250, 4+i%250, i%256, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		recs, err := inventory.ReadCSV(bytes.NewReader(data))
		if err != nil || len(recs) != 10_000 {
			b.Fatalf("ReadCSV = %d records, %v", len(recs), err)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(readFile(f, exampleCSV))
	f.Add([]byte("\uFEFF" + header + "T1,Philips,MX800,patient-monitor,life-supporting,10.0.0.1,00:09:fb:01:02:03,active\n"))
	f.Add([]byte(header + "'=T1,\"a\"\"b\",\"x\ny\",CT Scanner,diagnostic,,,\n"))
	f.Add([]byte("kind,asset_tag\nx"))
	f.Add([]byte{0xff, 0xfe, 0x00, '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := inventory.ReadCSV(bytes.NewReader(data))
		if err != nil {
			var e *airtight.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *airtight.Error", err, err)
			}
			if recs != nil {
				t.Fatalf("records returned with an error")
			}
			return
		}
		for i := range recs {
			if err := recs[i].Validate(); err != nil {
				t.Fatalf("record %d does not validate: %v", i, err)
			}
		}
	})
}
