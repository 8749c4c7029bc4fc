package extract

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/internal/shareddata"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMail checks that PHI is found, at the right part, field and offsets,
// in each place a mail can carry it.
func TestMail(t *testing.T) {
	const (
		body    = "Hello,\r\n\r\nPatient Robert Miller, SSN 321-54-9876, was seen on 03/14/2024.\r\nPlease file the note.\r\n"
		html    = "\nPatient Maria Garcia, MRN: 00456789\n\nCall <home> 617-555-0199 & ask\n"
		labs    = "Lab results\nPatient: Linda Brown\nSSN: 234-56-7890\nDOB: 07/04/1955\n"
		qp      = "Patient José Hernández, phone 415-555-0142, account = 1234.\r\nSSN 345-67-8901 on file.\r\n"
		subject = "Patient James Wilson SSN 456-78-9012"
		from    = "Dr. Sarah Connor <sarah.connor@clinic.example>"
		inner   = "Please see Patricia Lewis, SSN 567-89-0123, DOB 11/30/1948.\r\n"
		fwd     = "attachment[2]:referral.eml"
	)
	tests := []struct {
		file  string
		wants []want
	}{
		{"body.eml", []want{
			{"body[1]:plain", "", dlp.Name, body, "Robert Miller"},
			{"body[1]:plain", "", dlp.SSN, body, "321-54-9876"},
			{"body[1]:plain", "", dlp.Date, body, "03/14/2024"},
			{"", "From", dlp.Email, "Clinic Desk <desk@clinic.example>", "desk@clinic.example"},
		}},
		{"html.eml", []want{
			{"body[2]:html", "", dlp.Name, html, "Maria Garcia"},
			{"body[2]:html", "", dlp.MRN, html, "00456789"},
			{"body[2]:html", "", dlp.Phone, html, "617-555-0199"},
		}},
		{"base64.eml", []want{
			{"attachment[2]:labs.txt", "", dlp.Name, labs, "Linda Brown"},
			{"attachment[2]:labs.txt", "", dlp.SSN, labs, "234-56-7890"},
			{"attachment[2]:labs.txt", "", dlp.Date, labs, "07/04/1955"},
		}},
		{"qp.eml", []want{
			{"body[1]:plain", "", dlp.Phone, qp, "415-555-0142"},
			{"body[1]:plain", "", dlp.SSN, qp, "345-67-8901"},
		}},
		{"rfc2047.eml", []want{
			{"", "Subject", dlp.Name, subject, "James Wilson"},
			{"", "Subject", dlp.SSN, subject, "456-78-9012"},
			{"", "From", dlp.Name, from, "Sarah Connor"},
			{"", "From", dlp.Email, from, "sarah.connor@clinic.example"},
		}},
		{"nested.eml", []want{
			{fwd + "/body[1]:plain", "", dlp.Name, inner, "Patricia Lewis"},
			{fwd + "/body[1]:plain", "", dlp.SSN, inner, "567-89-0123"},
			{fwd + "/body[1]:plain", "", dlp.Date, inner, "11/30/1948"},
			{fwd, "Subject", dlp.Name, "Referral for Patricia Lewis", "Patricia Lewis"},
			{fwd, "From", dlp.Email, "Dr. Emily Clark <eclark@referrer.example>", "eclark@referrer.example"},
		}},
	}
	s := newScanner(t, Limits{})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep := scan(t, s, tt.file, readTestdata(t, filepath.Join("mail", tt.file)))
			checkFindings(t, rep, tt.wants)
			if len(rep.Unscannable) > 0 {
				t.Errorf("unscannable: %v", rep.Unscannable)
			}
		})
	}
}

// TestMailHTMLSkipsScriptAndComments checks that script, style and
// comment text is not taken for body text.
func TestMailHTMLSkipsScriptAndComments(t *testing.T) {
	rep := scan(t, newScanner(t, Limits{}), "html.eml", readTestdata(t, "mail/html.eml"))
	for _, f := range rep.Findings {
		if f.Type == dlp.SSN {
			t.Errorf("SSN found in script or comment: %+v", f)
		}
	}
}

// TestMailDocumentAttachments checks Office documents and a PDF attached
// to a mail (base64), generated here.
func TestMailDocumentAttachments(t *testing.T) {
	docx := makeDOCX(t, "Dr. Helen Carter", "Patient: Kevin Turner", "Call 617-555-0123 re: results",
		"Discharge summary for Thomas Anderson.", "SSN 678-90-1234, admitted 02/03/2024.")
	xlsx := makeXLSX(t, "Nancy Wright", [][]string{{"Name", "SSN", "Phone"}, {"Lisa Martin", "789-01-2345", "312-555-0188"}})
	pptx := makePPTX(t, "Speaker notes: call Mark Davis at 646-555-0177",
		"Case review: Steven Harris", "SSN 890-12-3456")
	pdf := makePDF(t, "Dr. Paul Walker", true,
		"Patient Karen Thompson was seen today.", "SSN 501-23-4567 on file.", "Phone 202-555-0164.")
	mail := makeMail("Desk <desk@clinic.example>", "records@hospital.example", "Documents",
		attachment{ctype: "text/plain", data: []byte("Documents attached.")},
		attachment{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "report.docx", "base64", docx},
		attachment{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "list.xlsx", "base64", xlsx},
		attachment{"application/vnd.openxmlformats-officedocument.presentationml.presentation", "case.pptx", "base64", pptx},
		attachment{"application/pdf", "summary.pdf", "base64", pdf},
	)
	const (
		doc    = "Discharge summary for Thomas Anderson.\nSSN 678-90-1234, admitted 02/03/2024.\n"
		sheet  = "\t789-01-2345\t312-555-0188\t\n" // the first cells are shared strings
		pdfTxt = "Patient Karen Thompson was seen today.\nSSN 501-23-4567 on file.\nPhone 202-555-0164.\n"
	)
	d, x, p, f := "attachment[2]:report.docx/", "attachment[3]:list.xlsx/", "attachment[4]:case.pptx/", "attachment[5]:summary.pdf"
	wants := []want{
		{d + "word/document.xml", "", dlp.Name, doc, "Thomas Anderson"},
		{d + "word/document.xml", "", dlp.SSN, doc, "678-90-1234"},
		{d + "word/document.xml", "", dlp.Date, doc, "02/03/2024"},
		{d + "word/header1.xml", "", dlp.Name, "Patient: Kevin Turner\n", "Kevin Turner"},
		{d + "word/comments.xml", "", dlp.Phone, "Call 617-555-0123 re: results\n", "617-555-0123"},
		{d + "docProps/core.xml", "dc:creator", dlp.Name, "Dr. Helen Carter", "Helen Carter"},
		{x + "xl/sharedStrings.xml", "", dlp.Name, "Name\nLisa Martin\n", "Lisa Martin"},
		{x + "xl/worksheets/sheet1.xml", "", dlp.SSN, "\tSSN\tPhone\t\n" + sheet, "789-01-2345"},
		{x + "xl/worksheets/sheet1.xml", "", dlp.Phone, "\tSSN\tPhone\t\n" + sheet, "312-555-0188"},
		{p + "ppt/slides/slide1.xml", "", dlp.Name, "Case review: Steven Harris\n", "Steven Harris"},
		{p + "ppt/slides/slide2.xml", "", dlp.SSN, "SSN 890-12-3456\n", "890-12-3456"},
		{p + "ppt/notesSlides/notesSlide1.xml", "", dlp.Phone, "Speaker notes: call Mark Davis at 646-555-0177\n", "646-555-0177"},
		{f, "", dlp.Name, pdfTxt, "Karen Thompson"},
		{f, "", dlp.SSN, pdfTxt, "501-23-4567"},
		{f, "", dlp.Phone, pdfTxt, "202-555-0164"},
		{f, "Info.Author", dlp.Name, "Dr. Paul Walker", "Paul Walker"},
	}
	rep := scan(t, newScanner(t, Limits{}), "docs.eml", mail)
	checkFindings(t, rep, wants)
	if len(rep.Unscannable) > 0 {
		t.Errorf("unscannable: %v", rep.Unscannable)
	}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Part, "styles.xml") {
			t.Errorf("styles scanned: %+v", f)
		}
	}
}

// brokenEML are the shared test mails with a genuinely broken part, and
// the reasons reported: truncated or invalid base64 (enmime cuts its PDF
// samples short; one mail declares base64 over plain text), a multipart
// without a boundary, one without parts, and one whose closing boundary
// is malformed (its epilogue is not scanned).
var brokenEML = map[string][]string{
	"epilogue-sample.raw":                          {"multipart: malformed multipart"},
	"header-only.raw":                              {"multipart: malformed multipart"},
	"inlinemultipart.raw":                          {"attachment[2]:test.pdf: malformed base64 body"},
	"malformed-multiple-address-header-values.raw": {"attachment[2]:test.pdf: malformed base64 body"},
	"mime-bad-content-transfer-encoding.raw":       {"body[1]:plain: malformed base64 body"},
	"mime-bad-content-type.raw":                    {"attachment[2]:Invoice_302232133150612.pdf: malformed base64 body"},
	"mime-blank-media-name.raw":                    {"attachment[2]:Invoice_302232133150612.pdf: malformed base64 body"},
	"mime-duplicate-param.raw":                     {"attachment[2]:Invoice_302232133150612.pdf: malformed base64 body"},
	"mime-unquoted-tspecials-param.raw":            {"attachment[2]:Invoice_(302232133150612).pdf: malformed base64 body"},
	"multipart-wo-boundary.raw":                    {": multipart without boundary"},
}

// TestSharedEML scans every shared test mail: none fails, and only the
// broken ones report Unscannable parts.
func TestSharedEML(t *testing.T) {
	dir := shareddata.Dir(t, "dlp", "eml")
	files, err := filepath.Glob(filepath.Join(dir, "*.raw"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no mails in %s: %v", dir, err)
	}
	s := newScanner(t, Limits{})
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rep := scan(t, s, name, data)
			var got []string
			for _, u := range rep.Unscannable {
				got = append(got, u.Part+": "+u.Reason)
			}
			if want := brokenEML[name]; !slices.Equal(got, want) {
				t.Errorf("unscannable = %q, want %q", got, want)
			}
			if rep.Parts == 0 || rep.Bytes != int64(len(data)) {
				t.Errorf("parts %d, bytes %d of %d", rep.Parts, rep.Bytes, len(data))
			}
		})
	}
}
