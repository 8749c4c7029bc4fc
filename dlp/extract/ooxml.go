package extract

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"path"
	"strings"

	"github.com/emersion/go-message/charset"
)

// memberRoute is how an archive member is scanned.
type memberRoute int

const (
	routePart     memberRoute = iota // by its own type
	routeSkip                        // not at all: document styles, settings, relationships, media
	routeText                        // Office XML: text runs
	routeMetadata                    // Office XML: document properties
)

// officeKind tells an Office Open XML document from a plain ZIP archive
// by its main part: "docx", "xlsx", "pptx" or "".
func officeKind(files []*zip.File) string {
	for _, f := range files {
		switch f.Name {
		case "word/document.xml":
			return "docx"
		case "xl/workbook.xml":
			return "xlsx"
		case "ppt/presentation.xml":
			return "pptx"
		}
	}
	return ""
}

// officeText are the members with document text, by kind, as path
// patterns.
var officeText = map[string][]string{
	"docx": {"word/document.xml", "word/header*.xml", "word/footer*.xml", "word/comments*.xml",
		"word/footnotes.xml", "word/endnotes.xml"},
	"xlsx": {"xl/sharedStrings.xml", "xl/worksheets/sheet*.xml", "xl/comments*.xml",
		"xl/threadedComments/*.xml"},
	"pptx": {"ppt/slides/slide*.xml", "ppt/notesSlides/notesSlide*.xml", "ppt/comments/*.xml"},
}

// routeZipMember says how member name of a document of kind is scanned;
// members of a plain archive ("" kind) are scanned by their own type.
func routeZipMember(kind, name string) memberRoute {
	if kind == "" {
		return routePart
	}
	switch name {
	case "docProps/core.xml", "docProps/app.xml":
		return routeMetadata
	}
	for _, pat := range officeText[kind] {
		if ok, _ := path.Match(pat, name); ok {
			return routeText
		}
	}
	dir := strings.SplitN(name, "/", 3)
	if len(dir) == 3 && dir[1] == "embeddings" {
		return routePart // embedded documents: a spreadsheet in a letter
	}
	return routeSkip
}

// memberRoute scans an archive member by route.
func (st *run) memberRoute(m partCtx, r io.Reader, route memberRoute) {
	if route == routePart {
		st.part(m, r)
		return
	}
	st.parts++
	st.rep.Parts++
	hits := st.hits
	var err error
	if route == routeText {
		err = st.scanXML(m, r, officeXML, m.path)
	} else {
		err = st.scanMetadata(m, r)
	}
	if st.hits == hits {
		st.report(m.path, err)
	}
}

// xmlRules say which text of an XML document is scanned.
type xmlRules struct {
	text   map[string]bool   // local names of elements whose character data is text; nil: all
	breaks map[string]string // separators written at the end of elements, by local name
	attrs  bool              // scan attribute values too
}

var officeXML = &xmlRules{
	text: map[string]bool{"t": true, "v": true, "delText": true},
	breaks: map[string]string{"p": "\n", "br": "\n", "cr": "\n", "tr": "\n", "row": "\n", "si": "\n",
		"tab": "\t", "tc": "\t", "c": "\t"},
}

var genericXML = &xmlRules{
	breaks: map[string]string{},
	attrs:  true,
}

// scanXML scans the text of an XML part as rules say, streamed token by
// token: offsets are into the text it extracts.
func (st *run) scanXML(p partCtx, r io.Reader, rules *xmlRules, part string) error {
	sink := st.newTextSink(part, "")
	defer sink.Close()
	dec := xml.NewDecoder(r)
	dec.Strict, dec.AutoClose, dec.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	dec.CharsetReader = charset.Reader
	x := &xmlText{rules: rules, out: sink}
	for !st.stopped() {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if isLimit(err) {
				return err
			}
			return malformed("malformed XML")
		}
		x.token(tok)
	}
	return nil
}

// xmlText writes the text of XML tokens.
type xmlText struct {
	rules  *xmlRules
	out    io.StringWriter
	inText int  // open text elements
	shared bool // in a spreadsheet cell whose value is a shared-string index
	inV    bool // in a spreadsheet cell's value
}

func (x *xmlText) token(tok xml.Token) {
	switch t := tok.(type) {
	case xml.StartElement:
		if x.rules.text[t.Name.Local] {
			x.inText++
		}
		switch t.Name.Local {
		case "c":
			x.shared = attr(t, "t") == "s"
		case "v":
			x.inV = true
		}
		if x.rules.attrs {
			for _, a := range t.Attr {
				x.out.WriteString(a.Value)
				x.out.WriteString("\n")
			}
		}
	case xml.EndElement:
		if x.rules.text[t.Name.Local] && x.inText > 0 {
			x.inText--
		}
		if t.Name.Local == "v" {
			x.inV = false
		}
		if sep, ok := x.rules.breaks[t.Name.Local]; ok {
			x.out.WriteString(sep)
		} else if x.rules.text == nil {
			x.out.WriteString("\n") // generic XML: every element its own line
		}
	case xml.CharData:
		if x.rules.text == nil || x.inText > 0 && !(x.inV && x.shared) {
			x.out.WriteString(string(t))
		}
	}
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// metadataFields are the document properties that name people or hold
// free text, by local name.
var metadataFields = map[string]bool{"creator": true, "lastModifiedBy": true, "title": true,
	"subject": true, "description": true, "keywords": true, "category": true, "Company": true,
	"Manager": true}

// scanMetadata scans the document properties (docProps/core.xml,
// docProps/app.xml) field by field: Field is the element, "dc:creator".
func (st *run) scanMetadata(p partCtx, r io.Reader) error {
	dec := xml.NewDecoder(io.LimitReader(r, 1<<20))
	dec.CharsetReader = charset.Reader
	b := st.newBatch()
	defer b.flush()
	var name string
	for !st.stopped() {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return malformed("malformed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name = ""
			if metadataFields[t.Name.Local] {
				name = t.Name.Local
				if t.Name.Space != "" {
					name = t.Name.Space + ":" + name
				}
			}
		case xml.CharData:
			if name != "" && len(strings.TrimSpace(string(t))) > 0 {
				b.add(fieldSpan{part: p.path, field: label(name)}, label(name), []byte(t))
			}
		case xml.EndElement:
			name = ""
		}
	}
	return nil
}
