package score

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/fhir"
	"github.com/airtight/airtight/dlp/hl7"
)

// Format is a structured format whose PHI fields are known by meaning.
type Format struct {
	Name string
	Ext  string // file name ending, ".hl7"
	// Fields returns the PHI by field meaning only (no free text): the gold
	// spans of a document.
	Fields func(doc []byte) ([]dlp.Finding, error)
	// Aware returns a format-aware detector using eng.
	Aware func(eng *dlp.Engine) Detector
}

// HL7 and FHIR are the formats scored by LoadFormat.
var (
	HL7 = Format{Name: "hl7v2", Ext: ".hl7",
		Fields: func(doc []byte) ([]dlp.Finding, error) { return hl7Findings(hl7.Scan(doc, nil)) },
		Aware: func(eng *dlp.Engine) Detector {
			return func(doc []byte) []dlp.Finding { fs, _ := hl7Findings(hl7.Scan(doc, eng)); return fs }
		}}
	FHIR = Format{Name: "fhir", Ext: ".fhir",
		Fields: func(doc []byte) ([]dlp.Finding, error) { return fhirFindings(fhir.Scan(doc, nil)) },
		Aware: func(eng *dlp.Engine) Detector {
			return func(doc []byte) []dlp.Finding { fs, _ := fhirFindings(fhir.Scan(doc, eng)); return fs }
		}}
)

func hl7Findings(fs []hl7.Finding, err error) ([]dlp.Finding, error) {
	out := make([]dlp.Finding, len(fs))
	for i, f := range fs {
		out[i] = f.Finding
	}
	return out, err
}

func fhirFindings(fs []fhir.Finding, err error) ([]dlp.Finding, error) {
	out := make([]dlp.Finding, len(fs))
	for i, f := range fs {
		out[i] = f.Finding
	}
	return out, err
}

// LoadFormat reads every file under dir ending in f.Ext and labels it with
// the PHI its fields carry by meaning (f.Fields). Files the parser rejects
// are counted in skipped, not returned. The gold has no labels inside free
// text (OBX-5, NTE-3, narratives): findings there score as false
// positives even where they are right.
func LoadFormat(dir string, f Format) (exs []Example, skipped int, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, f.Ext) {
			return err
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		gold, perr := f.Fields(doc)
		if perr != nil {
			skipped++
			return nil
		}
		exs = append(exs, Example{Text: string(doc), Spans: spansOf(gold)})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("load %s examples: %w", f.Name, err)
	}
	return exs, skipped, nil
}

func spansOf(fs []dlp.Finding) []Span {
	out := make([]Span, len(fs))
	for i, f := range fs {
		out[i] = Span{Type: f.Type, Start: f.Start, End: f.End}
	}
	return out
}
