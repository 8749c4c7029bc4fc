package extract

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
)

// clinicalNotes returns about n bytes of notes with identifiers in them;
// with long, every tenth line is a few KiB long.
func clinicalNotes(n int, long bool) []byte {
	r := rand.New(rand.NewSource(7))
	clean := []string{"Patient is alert and oriented, in no acute distress.", "BP 128/76, HR 84, RR 18.",
		"Continue metoprolol 25 mg po bid.", "Lungs clear to auscultation bilaterally.", "Plan: follow up in 2 weeks."}
	phi := []string{"Seen with Dr. Alice Wong on 07/22/2019.", "Husband at bedside, call 617-555-1234.",
		"MRN: 00123456, DOB Jan 3rd 1950.", "SSN 321-54-9876 on file.", "Lives at 12 Oak Hill Rd, Boston, MA 02115."}
	var b strings.Builder
	for line := 0; b.Len() < n; line++ {
		parts := 1 + r.Intn(4)
		if long && line%10 == 0 {
			parts = 200
		}
		for i := 0; i < parts; i++ {
			if r.Intn(6) == 0 {
				b.WriteString(phi[r.Intn(len(phi))])
			} else {
				b.WriteString(clean[r.Intn(len(clean))])
			}
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// TestStreamingMatchesWholeScan checks that scanning in small chunks with
// an overlap finds what one engine call over the whole text finds, at the
// same offsets, once (the confidence may differ where the engine looks
// further back for context than the overlap): short lines (cuts at line breaks) and long ones
// (cuts inside lines).
func TestStreamingMatchesWholeScan(t *testing.T) {
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, long := range []bool{false, true} {
		text := clinicalNotes(400<<10, long)
		whole := eng.Scan(text)
		s, err := New(Options{Engine: eng, Limits: Limits{ChunkSize: 4096, Overlap: 256}})
		if err != nil {
			t.Fatal(err)
		}
		rep := scan(t, s, "notes.txt", text)
		type span struct {
			typ        dlp.Type
			start, end int
		}
		got := map[span]int{}
		for _, f := range rep.Findings {
			got[span{f.Type, f.Start, f.End}]++
		}
		missing := 0
		for _, f := range whole {
			if got[span{f.Type, f.Start, f.End}] != 1 {
				missing++
				t.Logf("long=%v: %s %q at %d found %d times", long, f.Type, text[f.Start:f.End], f.Start, got[span{f.Type, f.Start, f.End}])
			}
		}
		// the engine's own context window may differ at a cut: allow
		// one in two hundred, never a duplicate or an overlap
		if missing*200 > len(whole) {
			t.Errorf("long=%v: %d of %d findings differ", long, missing, len(whole))
		}
		for i := 1; i < len(rep.Findings); i++ {
			if rep.Findings[i].Start < rep.Findings[i-1].End {
				t.Errorf("overlapping findings %+v and %+v", rep.Findings[i-1], rep.Findings[i])
			}
		}
		if len(rep.Findings) > len(whole)+len(whole)/200 {
			t.Errorf("long=%v: %d findings streamed, %d whole", long, len(rep.Findings), len(whole))
		}
	}
}

// TestNoPHIInReasons scans broken and oversized content full of PHI and
// checks that no PHI value reaches an Unscannable reason, an error or the
// log.
func TestNoPHIInReasons(t *testing.T) {
	phi := []string{"Robert Miller", "321-54-9876", "617-555-0199", "00456789", "robert.miller@example.com"}
	text := []byte("Patient Robert Miller SSN 321-54-9876 phone 617-555-0199 MRN 00456789 robert.miller@example.com\n")
	mail := makeMail("Robert Miller <robert.miller@example.com>", "x@y.example", "SSN 321-54-9876",
		attachment{"text/plain", "notes.txt", "base64", text},
		attachment{"application/pdf", "r.pdf", "base64", makePDF(t, "Robert Miller", true, string(text))})
	cases := map[string][]byte{
		"truncated.eml":  mail[:len(mail)*2/3],
		"badb64.eml":     bytes.Replace(mail, []byte("Content-Transfer-Encoding: base64\r\n\r\n"), []byte("Content-Transfer-Encoding: base64\r\n\r\n!!"), 1),
		"badcharset.eml": append([]byte("From: x@y.example\r\nContent-Type: text/plain; charset=\"321-54-9876\"\r\nContent-Transfer-Encoding: x-321-54-9876\r\n\r\n"), text...),
		"noboundary.eml": append([]byte("From: x@y.example\r\nContent-Type: multipart/mixed\r\n\r\n"), text...),
		"broken.zip":     makeZip(t, member{"Robert Miller 321-54-9876.txt", text})[:60],
		"broken.pdf":     append([]byte("%PDF-1.4\n1 0 obj\n<< /Length 10 /Filter /FlateDecode >>\nstream\n"), text...),
		"enc.pdf":        append(makePDF(t, "Robert Miller", false, string(text)), "trailer << /Encrypt 9 0 R >>"...),
		"bad.json":       append([]byte(`{"Robert Miller": "321-54-9876", `), text...),
		"bad.csv":        append([]byte("a,b\n\"321-54-9876"), bytes.Repeat(text, 100000)...),
		"bad.xml":        append([]byte("<?xml version=\"1.0\"?><a><b>Robert Miller</a>"), text...),
		"bad.docx":       makeZip(t, member{"word/document.xml", append([]byte("<w:document><w:t>"), text...)}),
		"big.txt":        bytes.Repeat(text, 50000),
		"gz.gz":          gz(t, "Robert Miller.txt", text)[:40],
	}
	var logs bytes.Buffer
	s, err := New(Options{Limits: Limits{MaxPartSize: 1 << 20}, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	reasons := 0
	for name, data := range cases {
		rep, err := s.ScanContent(context.Background(), name, bytes.NewReader(data))
		var texts []string
		if err != nil {
			texts = append(texts, err.Error())
		}
		for _, u := range rep.Unscannable {
			texts = append(texts, u.Reason)
			reasons++
		}
		for _, x := range texts {
			for _, v := range phi {
				if strings.Contains(x, v) {
					t.Errorf("%s: %q reveals %q", name, x, v)
				}
			}
		}
		t.Logf("%s: %v", name, rep.Unscannable)
	}
	for _, v := range phi {
		if strings.Contains(logs.String(), v) {
			t.Errorf("log reveals %q", v)
		}
	}
	if reasons < len(cases)/2 || logs.Len() == 0 {
		t.Errorf("only %d reasons and %d log bytes: the test does not exercise the error paths", reasons, logs.Len())
	}
}
