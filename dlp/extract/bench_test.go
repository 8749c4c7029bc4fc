package extract

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/airtight/airtight/dlp"
)

// BenchmarkPlainText compares streaming a text file through the Scanner
// (1 MiB chunks, 256-byte overlap) with the baseline: read the whole file,
// then one Engine.Scan. Both report MB/s and the heap they allocate.
func BenchmarkPlainText(b *testing.B) {
	benchText := clinicalNotes(16<<20, false)
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline=readall+Engine.Scan", func(b *testing.B) {
		b.SetBytes(int64(len(benchText)))
		b.ReportAllocs()
		for b.Loop() {
			data, _ := io.ReadAll(bytes.NewReader(benchText))
			if len(eng.Scan(data)) == 0 {
				b.Fatal("no findings")
			}
		}
	})
	b.Run("streamed=ScanContent", func(b *testing.B) {
		s, err := New(Options{Engine: eng})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(benchText)))
		b.ReportAllocs()
		for b.Loop() {
			rep, err := s.ScanContent(context.Background(), "notes.txt", bytes.NewReader(benchText))
			if err != nil || len(rep.Findings) == 0 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMail scans a mail with an HTML body and base64 attachments: a
// text file, a DOCX, an XLSX and a PDF. findings/op is reported.
func BenchmarkMail(b *testing.B) {
	notes := clinicalNotes(256<<10, false)
	mail := makeMail("Desk <desk@clinic.example>", "records@hospital.example", "Patient James Wilson",
		attachment{ctype: "text/html", data: append([]byte("<html><body><p>"), append(notes[:64<<10], "</p></body></html>"...)...)},
		attachment{"text/plain", "notes.txt", "base64", notes},
		attachment{"application/octet-stream", "r.docx", "base64", makeDOCX(b, "Helen Carter", "x", "y", string(notes[:128<<10]))},
		attachment{"application/octet-stream", "l.xlsx", "base64", makeXLSX(b, "Nancy Wright", [][]string{{"Name", "SSN"}, {"Lisa Martin", "789-01-2345"}})},
		attachment{"application/pdf", "s.pdf", "base64", makePDF(b, "Paul Walker", true, string(bytes.ReplaceAll(notes[:64<<10], []byte("\n"), []byte(" "))))},
	)
	s := newScanner(b, Limits{})
	b.SetBytes(int64(len(mail)))
	b.ReportAllocs()
	var findings int
	for b.Loop() {
		rep, err := s.ScanContent(context.Background(), "m.eml", bytes.NewReader(mail))
		if err != nil || len(rep.Unscannable) > 0 {
			b.Fatal(err, rep.Unscannable)
		}
		findings = len(rep.Findings)
	}
	b.ReportMetric(float64(findings), "findings/op")
}
