package extract

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/airtight/airtight/dlp"
)

func gz(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Name = name
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarOf(t *testing.T, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range members {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o600, Size: int64(len(m.data)), Typeflag: tar.TypeReg})
		tw.Write(m.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func utf16LE(t *testing.T, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFormats checks detection, part names, fields and offsets for each
// format outside mail.
func TestFormats(t *testing.T) {
	const (
		note  = "Patient Lisa Martin, SSN 789-01-2345\n"
		hl7   = "MSH|^~\\&|LAB|HOSP|||20240101||ORU^R01|1|P|2.5\rPID|1||00123456^^^HOSP^MR||Smith^John||19500101|M\r"
		csv   = "Name,SSN,Phone,Notes\nLisa Martin,789-01-2345,312-555-0188,\"seen 02/03/2024, stable\"\n"
		json  = `{"patients":[{"ssn":"789-01-2345","note":"Call 312-555-0188"}]}`
		fhirJ = `{"resourceType":"Patient","name":[{"family":"Martin","given":["Lisa"]}],"birthDate":"1950-01-01"}`
		html  = "<html><body><p>Patient <i>Lisa Martin</i>, SSN&#32;789-01-2345</p></body></html>"
		xml   = `<?xml version="1.0"?><doc><note>SSN 789-01-2345</note><pt><given>Lisa</given></pt></doc>`
	)
	zipped := makeZip(t, member{"notes.txt", []byte(note)}, member{"sub/list.csv", []byte(csv)})
	tests := []struct {
		name  string
		data  []byte
		wants []want
	}{
		{"note.txt", []byte(note), []want{{"", "", dlp.SSN, note, "789-01-2345"}}},
		{"latin1.txt", []byte("Patient Ren\xe9e Martin, SSN 789-01-2345\n"),
			[]want{{"", "", dlp.SSN, "Patient Renée Martin, SSN 789-01-2345\n", "789-01-2345"}}},
		{"utf16.txt", utf16LE(t, note), []want{{"", "", dlp.Name, note, "Lisa Martin"}, {"", "", dlp.SSN, note, "789-01-2345"}}},
		{"msg.hl7", []byte(hl7), []want{{"", "PID-5.1", dlp.Name, hl7, "Smith"}, {"", "PID-3.1", dlp.MRN, hl7, "00123456"}}},
		{"noname", []byte(hl7), []want{{"", "PID-7.1", dlp.Date, hl7, "19500101"}}},
		{"list.csv", []byte(csv), []want{
			{"", "row 2, column Name", dlp.Name, "Lisa Martin", "Lisa Martin"},
			{"", "row 2, column SSN", dlp.SSN, "789-01-2345", "789-01-2345"},
			{"", "row 2, column Notes", dlp.Date, "seen 02/03/2024, stable", "02/03/2024"},
		}},
		{"list.tsv", []byte("Name\tSSN\nLisa Martin\t789-01-2345\n"), []want{{"", "row 2, column SSN", dlp.SSN, "789-01-2345", "789-01-2345"}}},
		{"data.json", []byte(json), []want{
			{"", "patients[0].ssn", dlp.SSN, "789-01-2345", "789-01-2345"},
			{"", "patients[0].note", dlp.Phone, "Call 312-555-0188", "312-555-0188"},
		}},
		{"patient.json", []byte(fhirJ), []want{{"", "Patient.name[0].family", dlp.Name, fhirJ, "Martin"}}},
		{"page.html", []byte(html), []want{{"", "", dlp.SSN, "\nPatient Lisa Martin, SSN 789-01-2345\n", "789-01-2345"}}},
		{"doc.xml", []byte(xml), []want{{"", "", dlp.SSN, "SSN 789-01-2345\n", "789-01-2345"}}},
		{"export.zip", zipped, []want{
			{"export.zip/notes.txt", "", dlp.SSN, note, "789-01-2345"},
			{"export.zip/sub/list.csv", "row 2, column Phone", dlp.Phone, "312-555-0188", "312-555-0188"},
		}},
		{"note.txt.gz", gz(t, "", []byte(note)), []want{{"note.txt.gz/note.txt", "", dlp.SSN, note, "789-01-2345"}}},
		{"backup.tgz", gz(t, "", tarOf(t, member{"a/note.txt", []byte(note)})),
			[]want{{"backup.tgz/backup.tar/a/note.txt", "", dlp.SSN, note, "789-01-2345"}}},
		{"legacy.doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 1, 2, 3}, utf16LE(t, note)[2:]...),
			[]want{{"", "", dlp.SSN, note, "789-01-2345"}}},
		{"scan.pdf", makePDF(t, "x", false, "Patient Lisa Martin", "SSN 789-01-2345"),
			[]want{{"", "", dlp.SSN, "Patient Lisa Martin\nSSN 789-01-2345\n", "789-01-2345"}}},
	}
	s := newScanner(t, Limits{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := scan(t, s, tt.name, tt.data)
			checkFindings(t, rep, tt.wants)
			if len(rep.Unscannable) > 0 {
				t.Errorf("unscannable: %v", rep.Unscannable)
			}
		})
	}
}

// TestDetect checks format detection from content, name and media type.
func TestDetect(t *testing.T) {
	tests := []struct {
		head, name, ctype string
		want              Format
	}{
		{"PK\x03\x04rest", "x.txt", "", FormatZIP},
		{"%PDF-1.7\n", "", "", FormatPDF},
		{"\x1f\x8b\x08", "", "", FormatGzip},
		{"MSH|^~\\&|A|B\r", "x.txt", "", FormatHL7},
		{`{"resourceType":"Bundle"}`, "", "", FormatFHIR},
		{`{"a": [1, 2`, "", "", FormatJSON},
		{`[note] patient`, "x.json", "", FormatText},
		{"From: a@b.example\r\nSubject: x\r\n\r\nbody", "", "", FormatMIME},
		{"Dear colleague: see below", "", "", FormatText},
		{"<!DOCTYPE html><html>", "", "", FormatHTML},
		{"a,b\n1,2\n", "", "text/csv", FormatCSV},
		{"a,b\n1,2\n", "x.csv", "", FormatCSV},
		{"\x89PNG\r\n\x1a\n", "", "", FormatMedia},
		{"\x00\x01\x02\x03\x04\x05\x06\x07", "", "", FormatBinary},
	}
	for _, tt := range tests {
		if got := detect([]byte(tt.head), tt.name, tt.ctype); got != tt.want {
			t.Errorf("detect(%q, %q, %q) = %s, want %s", tt.head, tt.name, tt.ctype, got, tt.want)
		}
	}
}

// TestPluggableParts checks that an outside part scanner (DICOM) is used,
// with its parts prefixed, and that DICOM without one is unscannable.
func TestPluggableParts(t *testing.T) {
	dcm := append(make([]byte, 128), "DICMrest"...)
	zipped := makeZip(t, member{"study/1.dcm", dcm})
	rep := scan(t, newScanner(t, Limits{}), "x.zip", zipped)
	if !hasReason(rep, "x.zip/study/1.dcm", "DICOM not supported") {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
	called := 0
	s, err := New(Options{Parts: map[Format]PartScanner{FormatDICOM: func(_ context.Context, r io.Reader) ([]dlp.Located, []dlp.Unscannable, error) {
		called++
		b, _ := io.ReadAll(r)
		if !bytes.Equal(b, dcm) {
			t.Errorf("part scanner got %d bytes, want %d", len(b), len(dcm))
		}
		return []dlp.Located{{Finding: dlp.Finding{Type: dlp.Name, Start: 1, End: 2}, Field: "(0010,0010) PatientName"}},
			[]dlp.Unscannable{{Part: "frame[1]", Reason: "compressed pixel data"}}, nil
	}}})
	if err != nil {
		t.Fatal(err)
	}
	rep = scan(t, s, "x.zip", zipped)
	if called != 1 || len(rep.Findings) != 1 || rep.Findings[0].Part != "x.zip/study/1.dcm" ||
		!hasReason(rep, "x.zip/study/1.dcm/frame[1]", "compressed pixel data") {
		t.Errorf("called %d, report %+v", called, rep)
	}
}
