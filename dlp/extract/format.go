package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
)

// Format is a content format this package tells apart.
type Format string

// Formats.
const (
	FormatText   Format = "text"
	FormatCSV    Format = "csv"
	FormatTSV    Format = "tsv"
	FormatJSON   Format = "json"
	FormatFHIR   Format = "fhir"
	FormatHL7    Format = "hl7"
	FormatMIME   Format = "mime"
	FormatHTML   Format = "html"
	FormatXML    Format = "xml"
	FormatZIP    Format = "zip" // also Office Open XML documents, told apart by their members
	FormatGzip   Format = "gzip"
	FormatTar    Format = "tar"
	FormatPDF    Format = "pdf"
	FormatDICOM  Format = "dicom"
	FormatMedia  Format = "media"  // images, audio, video, fonts: only printable runs are scanned
	FormatBinary Format = "binary" // anything else: printable runs are scanned
)

// sniffSize is how much of a part detection looks at; FHIR detection
// wants the "resourceType" member within it.
const sniffSize = 64 << 10

// magic numbers, checked before names: content wins over a wrong name.
var magics = []struct {
	off   int
	magic string
	f     Format
}{
	{0, "PK\x03\x04", FormatZIP},
	{0, "PK\x05\x06", FormatZIP},
	{0, "\x1f\x8b", FormatGzip},
	{128, "DICM", FormatDICOM},
	{257, "ustar", FormatTar},
	{0, "\x89PNG\r\n\x1a\n", FormatMedia},
	{0, "\xff\xd8\xff", FormatMedia},
	{0, "GIF8", FormatMedia},
	{0, "II*\x00", FormatMedia},
	{0, "MM\x00*", FormatMedia},
	{0, "RIFF", FormatMedia},
	{0, "OggS", FormatMedia},
	{0, "ID3", FormatMedia},
	{0, "wOFF", FormatMedia},
	{0, "wOF2", FormatMedia},
	{0, "\xd0\xcf\x11\xe0", FormatBinary}, // OLE2: legacy .doc, .xls, .msg
}

var extensions = map[string]Format{
	".txt": FormatText, ".text": FormatText, ".log": FormatText, ".md": FormatText, ".rtf": FormatText,
	".csv": FormatCSV, ".tsv": FormatTSV, ".tab": FormatTSV,
	".json": FormatJSON, ".fhir": FormatJSON, ".ndjson": FormatText,
	".hl7": FormatHL7, ".eml": FormatMIME, ".mht": FormatMIME, ".mhtml": FormatMIME,
	".html": FormatHTML, ".htm": FormatHTML, ".xhtml": FormatHTML, ".xml": FormatXML,
	".zip": FormatZIP, ".docx": FormatZIP, ".xlsx": FormatZIP, ".pptx": FormatZIP,
	".docm": FormatZIP, ".xlsm": FormatZIP, ".pptm": FormatZIP,
	".gz": FormatGzip, ".tgz": FormatGzip, ".tar": FormatTar, ".pdf": FormatPDF, ".dcm": FormatDICOM,
}

var mediaTypes = map[string]Format{
	"text/plain": FormatText, "text/csv": FormatCSV, "text/tab-separated-values": FormatTSV,
	"application/json": FormatJSON, "application/fhir+json": FormatJSON, "text/html": FormatHTML,
	"application/xhtml+xml": FormatHTML, "text/xml": FormatXML, "application/xml": FormatXML,
	"message/rfc822": FormatMIME, "message/global": FormatMIME, "x-application/hl7-v2+er7": FormatHL7,
	"application/zip": FormatZIP, "application/x-zip-compressed": FormatZIP, "application/gzip": FormatGzip,
	"application/x-gzip": FormatGzip, "application/x-tar": FormatTar, "application/pdf": FormatPDF,
	"application/dicom": FormatDICOM,
}

// detect returns the format of a part from its first bytes, its file
// name and its media type (from a mail header; "" when unknown).
func detect(head []byte, name, mediaType string) Format {
	if f, ok := byMagic(head); ok {
		return f
	}
	if bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")) {
		return FormatPDF
	}
	if f, ok := byText(head); ok {
		return f
	}
	if f, ok := extensions[strings.ToLower(path.Ext(name))]; ok && f != FormatZIP && f != FormatGzip && f != FormatTar && f != FormatDICOM {
		return refine(f, head)
	}
	if f, ok := mediaTypes[strings.ToLower(mediaType)]; ok && f != FormatZIP && f != FormatGzip && f != FormatTar && f != FormatDICOM {
		return refine(f, head)
	}
	switch {
	case strings.HasPrefix(mediaType, "image/"), strings.HasPrefix(mediaType, "audio/"),
		strings.HasPrefix(mediaType, "video/"), strings.HasPrefix(mediaType, "font/"):
		return FormatMedia
	case looksJSON(head):
		return FormatJSON
	case looksMail(head):
		return FormatMIME
	case looksHTML(head):
		return FormatHTML
	case bytes.HasPrefix(skipSpace(head), []byte("<?xml")):
		return FormatXML
	case looksText(head):
		return FormatText
	}
	return FormatBinary
}

func byMagic(head []byte) (Format, bool) {
	for _, m := range magics {
		if len(head) >= m.off+len(m.magic) && string(head[m.off:m.off+len(m.magic)]) == m.magic {
			return m.f, true
		}
	}
	return "", false
}

// byText detects the self-describing structured text formats.
func byText(head []byte) (Format, bool) {
	switch {
	case hl7.Detect(head):
		return FormatHL7, true
	case fhir.Detect(head):
		return FormatFHIR, true
	}
	return "", false
}

// refine checks a format named by extension or media type against the
// content, where a wrong name would make the parser fail.
func refine(f Format, head []byte) Format {
	switch f {
	case FormatJSON:
		if !looksJSON(head) {
			return FormatText
		}
	case FormatHL7:
		return FormatText // not detected by content: scan as text
	case FormatMIME:
		if !looksMail(head) {
			return FormatText
		}
	}
	return f
}

func skipSpace(b []byte) []byte {
	return bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
}

// looksJSON reports whether head starts a JSON object or array: it
// decodes tokens until head ends and accepts when no syntax error came
// first.
func looksJSON(head []byte) bool {
	h := skipSpace(head)
	if len(h) == 0 || (h[0] != '{' && h[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			var se *json.SyntaxError
			return !errors.As(err, &se)
		}
	}
}

// mailHeaders are header names that start a mail in practice.
var mailHeaders = []string{"from", "to", "subject", "date", "received", "return-path", "message-id",
	"mime-version", "delivered-to", "content-type", "x-", "reply-to", "sender", "cc", "dkim-signature",
	"authentication-results", "arc-"}

// looksMail reports whether head starts with RFC 5322 header fields: a
// known one among the first, and no line before the first blank one that
// is not a header field or its continuation.
func looksMail(head []byte) bool {
	h := head
	if bytes.HasPrefix(h, []byte("From ")) { // mbox separator line
		if i := bytes.IndexByte(h, '\n'); i >= 0 {
			h = h[i+1:]
		}
	}
	known, lines := false, 0
	for len(h) > 0 && lines < 200 {
		line := h
		if i := bytes.IndexByte(h, '\n'); i >= 0 {
			line, h = h[:i], h[i+1:]
		} else {
			h = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		lines++
		if line[0] == ' ' || line[0] == '\t' {
			if lines == 1 {
				return false
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return false
		}
		key := strings.ToLower(string(line[:colon]))
		for _, k := range mailHeaders {
			if key == k || strings.HasSuffix(k, "-") && strings.HasPrefix(key, k) {
				known = true
			}
		}
	}
	return known
}

func looksHTML(head []byte) bool {
	h := bytes.ToLower(skipSpace(head[:min(len(head), 1024)]))
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<div", "<p>", "<table"} {
		if bytes.HasPrefix(h, []byte(p)) {
			return true
		}
	}
	return false
}

// looksText reports whether head is text: valid UTF-8 (a rune cut at the
// end allowed) or mostly printable single bytes, few control bytes, and a
// UTF-16 byte order mark or UTF-16 shape is text too.
func looksText(head []byte) bool {
	if len(head) == 0 {
		return true
	}
	if isUTF16(head) != nil {
		return true
	}
	bad := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
			bad++
		}
	}
	if bad*100 > len(head) {
		return false
	}
	cut := max(0, len(head)-utf8.UTFMax)
	return utf8.Valid(head[:cut]) || bad == 0
}
