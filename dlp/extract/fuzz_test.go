package extract

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airtight/airtight/internal/shareddata"
)

// fuzzLimits keep one fuzz input cheap.
var fuzzLimits = Limits{MaxPartSize: 1 << 20, MaxTotalSize: 4 << 20, MaxStructured: 1 << 20,
	RatioGrace: 64 << 10, MaxParts: 200, MaxMembers: 50, ChunkSize: 4096, Overlap: 256}

// addMailSeeds adds the shared test mails and this package's test mails.
func addMailSeeds(f *testing.F) {
	var files []string
	if dir, ok := shareddata.Path("dlp", "eml"); ok {
		files, _ = filepath.Glob(filepath.Join(dir, "*.raw"))
	}
	local, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	for _, file := range append(files, local...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(filepath.Base(file), data)
		}
	}
}

// checkReport fails on offsets outside sane bounds.
func checkReport(t *testing.T, s *Scanner, name string, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := s.ScanContent(ctx, name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ScanContent: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Start < 0 || f.End <= f.Start {
			t.Fatalf("bad finding %+v", f)
		}
	}
	for _, u := range rep.Unscannable {
		if u.Reason == "" {
			t.Fatalf("empty reason for %q", u.Part)
		}
	}
}

func FuzzScanContent(f *testing.F) {
	addMailSeeds(f)
	f.Add("a.zip", makeZip(f, member{"notes.txt", []byte("SSN 321-54-9876")}, member{"b.csv", []byte("a,b\n1,\"2\n")}))
	f.Add("a.pdf", makePDF(f, "Dr. Paul Walker", true, "Patient Karen Thompson", "SSN 501-23-4567"))
	f.Add("a.docx", makeDOCX(f, "Helen Carter", "Kevin Turner", "617-555-0123", "Thomas Anderson"))
	f.Add("a.xlsx", makeXLSX(f, "Nancy Wright", [][]string{{"Name"}, {"Lisa Martin"}}))
	f.Add("a.json", []byte(`{"a":[{"b":"SSN 321-54-9876"}],"c":1}`))
	f.Add("a.hl7", []byte("MSH|^~\\&|A|B|||20240101||ORU^R01|1|P|2.5\rPID|1||123^^^H^MR||Smith^John\r"))
	f.Add("a.html", []byte("<p>Patient <b>Maria</b> &amp; SSN&#32;321-54-9876<script>x</script>"))
	s := newScanner(f, fuzzLimits)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		checkReport(t, s, name, data)
	})
}

func FuzzPDF(f *testing.F) {
	f.Add(makePDF(f, "Dr. Paul Walker", true, "Patient Karen Thompson", "SSN 501-23-4567", "Phone 202-555-0164"))
	f.Add(makePDF(f, "", false, "(nested (parens)) \\\\ \\061", "<41>"))
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<< /Length 5 0 R /Filter [/ASCIIHexDecode] >>\nstream\n42 54 20 28 78 29 54 6a>\nendstream\n"))
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Length 40/Filter/ASCII85Decode>>stream\n87cURD]i,\"Ebo80~>\nendstream endobj BI /W 1 ID xx EI"))
	s := newScanner(f, fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReport(t, s, "f.pdf", data)
		pdfText(data) // content streams directly
	})
}

func FuzzMIME(f *testing.F) {
	addMailSeeds(f)
	f.Add("n.eml", makeMail("Robert Miller <r@m.example>", "x@y.example", "Résumé of José",
		attachment{"text/html", "", "quoted-printable", []byte("<p>SSN 321-54-=\r\n9876</p>")},
		attachment{"message/rfc822", "fwd.eml", "", []byte("Subject: x\r\n\r\nbody")}))
	s := newScanner(f, fuzzLimits)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		checkReport(t, s, name+".eml", data)
	})
}
