package extract

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"html"
	"mime"
	"strings"
	"testing"
)

// This file generates test content: ZIP archives, minimal Office Open XML
// documents, minimal PDFs and MIME mails.

type member struct {
	name string
	data []byte
}

// makeZip returns a ZIP archive of members, deflated.
func makeZip(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const coreXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Discharge summary</dc:title><dc:creator>%s</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T10:00:00Z</dcterms:created></cp:coreProperties>`

func esc(s string) string { return html.EscapeString(s) }

// makeDOCX returns a minimal Word document: one paragraph per entry of
// paras, a header paragraph and a comment, and author as creator.
func makeDOCX(t testing.TB, author, header, comment string, paras ...string) []byte {
	t.Helper()
	const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	var body strings.Builder
	for _, p := range paras {
		// two runs per paragraph, as Word splits text
		half := len(p) / 2
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>%s</w:t></w:r></w:p>`,
			esc(p[:half]), esc(p[half:]))
	}
	return makeZip(t,
		member{"[Content_Types].xml", []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		member{"word/document.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document ` + w + `><w:body>` + body.String() + `</w:body></w:document>`)},
		member{"word/header1.xml", []byte(`<w:hdr ` + w + `><w:p><w:r><w:t>` + esc(header) + `</w:t></w:r></w:p></w:hdr>`)},
		member{"word/comments.xml", []byte(`<w:comments ` + w + `><w:comment w:id="0" w:author="x"><w:p><w:r><w:t>` + esc(comment) + `</w:t></w:r></w:p></w:comment></w:comments>`)},
		member{"word/styles.xml", []byte(`<w:styles ` + w + `><w:style><w:name w:val="SSN 123-45-6789"/></w:style></w:styles>`)},
		member{"docProps/core.xml", []byte(fmt.Sprintf(coreXML, esc(author)))},
	)
}

// makeXLSX returns a minimal workbook: the cells of rows, the first cell
// of each row from the shared strings, the others inline strings.
func makeXLSX(t testing.TB, author string, rows [][]string) []byte {
	t.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	var shared, sheet strings.Builder
	n := 0
	for r, row := range rows {
		fmt.Fprintf(&sheet, `<row r="%d">`, r+1)
		for c, cell := range row {
			ref := fmt.Sprintf("%c%d", 'A'+c, r+1)
			if c == 0 {
				fmt.Fprintf(&shared, `<si><t>%s</t></si>`, esc(cell))
				fmt.Fprintf(&sheet, `<c r="%s" t="s"><v>%d</v></c>`, ref, n)
				n++
				continue
			}
			fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, esc(cell))
		}
		sheet.WriteString(`</row>`)
	}
	return makeZip(t,
		member{"[Content_Types].xml", []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		member{"xl/workbook.xml", []byte(`<workbook ` + ns + `><sheets><sheet name="Patients" sheetId="1"/></sheets></workbook>`)},
		member{"xl/sharedStrings.xml", []byte(fmt.Sprintf(`<sst %s count="%d">%s</sst>`, ns, n, shared.String()))},
		member{"xl/worksheets/sheet1.xml", []byte(`<worksheet ` + ns + `><sheetData>` + sheet.String() + `</sheetData></worksheet>`)},
		member{"docProps/core.xml", []byte(fmt.Sprintf(coreXML, esc(author)))},
	)
}

// makePPTX returns a minimal presentation: one slide per entry of slides
// and a notes page with notes.
func makePPTX(t testing.TB, notes string, slides ...string) []byte {
	t.Helper()
	const ns = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"`
	ms := []member{
		{"[Content_Types].xml", []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		{"ppt/presentation.xml", []byte(`<p:presentation ` + ns + `/>`)},
	}
	for i, s := range slides {
		ms = append(ms, member{fmt.Sprintf("ppt/slides/slide%d.xml", i+1), []byte(
			`<p:sld ` + ns + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + esc(s) + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`)})
	}
	ms = append(ms, member{"ppt/notesSlides/notesSlide1.xml", []byte(
		`<p:notes ` + ns + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>` + esc(notes) + `</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>`)})
	return makeZip(t, ms...)
}

// pdfLiteral writes s as a PDF literal string.
func pdfLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return "(" + r.Replace(s) + ")"
}

// makePDF returns a minimal valid PDF (with a cross-reference table): one
// page showing lines, the content stream Flate-compressed when deflate is
// set, and author in the information dictionary. The second line is shown
// with TJ and a hex string, the others with Tj and '.
func makePDF(t testing.TB, author string, deflate bool, lines ...string) []byte {
	t.Helper()
	var content strings.Builder
	content.WriteString("BT\n/F1 12 Tf\n72 720 Td\n14 TL\n")
	for i, l := range lines {
		switch i {
		case 0:
			fmt.Fprintf(&content, "%s Tj\n", pdfLiteral(l))
		case 1:
			half := len(l) / 2
			fmt.Fprintf(&content, "T* [%s -20 <%X>] TJ\n", pdfLiteral(l[:half]), l[half:])
		default:
			fmt.Fprintf(&content, "%s '\n", pdfLiteral(l))
		}
	}
	content.WriteString("ET\n")
	stream, filter := []byte(content.String()), ""
	if deflate {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(stream)
		zw.Close()
		stream, filter = b.Bytes(), " /Filter /FlateDecode"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d%s >>\nstream\n%s\nendstream", len(stream), filter, stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Author %s /Producer (airtight test) >>", pdfLiteral(author)),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// attachment is a part of a generated mail.
type attachment struct {
	ctype, name, encoding string
	data                  []byte
}

// makeMail returns a multipart/mixed mail with subject (RFC 2047-encoded
// when it is not ASCII) and parts. The boundary is "BOUNDARY-1" unless a
// part is a mail itself: then it is unique to the level.
func makeMail(from, to, subject string, parts ...attachment) []byte {
	boundary := "BOUNDARY-1"
	for _, p := range parts {
		if p.ctype == "message/rfc822" {
			boundary = fmt.Sprintf("BOUNDARY-%d", len(p.data))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n",
		from, to, mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\nThis is a multipart message.\r\n", boundary)
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s\r\n", boundary, p.ctype)
		if p.name != "" {
			fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\r\n", p.name)
		}
		data := string(p.data)
		if p.encoding == "base64" {
			data = wrap76(base64.StdEncoding.EncodeToString(p.data))
		}
		if p.encoding != "" {
			fmt.Fprintf(&b, "Content-Transfer-Encoding: %s\r\n", p.encoding)
		}
		fmt.Fprintf(&b, "\r\n%s\r\n", data)
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return []byte(b.String())
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}
