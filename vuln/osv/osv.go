// Package osv parses advisories in the OSV format (https://ossf.github.io/osv-schema/)
// into vuln.Advisory values. Files, directories and zip archives such as
// all.zip are read by package feed, which hands each JSON document here.
package osv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/cvss"
)

// entry is the part of an OSV entry the scanner uses.
type entry struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Withdrawn string   `json:"withdrawn"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
		Versions []string `json:"versions"`
	} `json:"affected"`
}

// MaxAffected bounds the affected entries, ranges and events of one entry.
const MaxAffected = 10000

// Detect reports whether data looks like an OSV entry.
func Detect(data []byte) bool {
	d := bytes.TrimSpace(data)
	return len(d) > 0 && d[0] == '{' && bytes.Contains(d, []byte(`"id"`)) &&
		(bytes.Contains(d, []byte(`"affected"`)) || bytes.Contains(d, []byte(`"modified"`)))
}

// Parse parses one OSV entry read from file. A withdrawn entry yields ok
// false.
func Parse(file string, data []byte) (a vuln.Advisory, ok bool, err error) {
	var e entry
	if err := vuln.DecodeJSON(file, data, &e); err != nil {
		return a, false, err
	}
	if e.ID == "" {
		return a, false, &vuln.ParseError{File: file, Place: "id", Err: errors.New("missing")}
	}
	if e.Withdrawn != "" {
		return a, false, nil
	}
	a = vuln.Advisory{ID: e.ID, Source: file, Aliases: e.Aliases, Summary: e.Summary}
	if a.Summary == "" {
		a.Summary = firstLine(e.Details)
	}
	severity(&e, &a)
	if err := convertAffected(&e, &a); err != nil {
		return a, false, &vuln.ParseError{File: file, Place: "affected", Err: err}
	}
	return a, true, nil
}

// severity takes the CVSS v3 vector (scored here: OSV gives only the
// vector) and the v4 vector of an entry; vectors that do not parse are
// ignored.
func severity(e *entry, a *vuln.Advisory) {
	for _, s := range e.Severity {
		switch {
		case strings.HasPrefix(s.Type, "CVSS_V3"):
			if score, err := cvss.Score(s.Score); err == nil && (a.Vector == "" || score > a.CVSS) {
				a.Vector, a.CVSS = s.Score, score
			}
		case s.Type == "CVSS_V4" && a.VectorV4 == "":
			if _, err := cvss.Parse(s.Score); err == nil {
				a.VectorV4 = s.Score
			}
		}
	}
}

func convertAffected(e *entry, a *vuln.Advisory) error {
	n := 0
	for i, af := range e.Affected {
		out := vuln.Affected{Ecosystem: af.Package.Ecosystem, Package: af.Package.Name,
			PURL: af.Package.PURL, Versions: af.Versions, Status: vuln.StatusAffected}
		for j, r := range af.Ranges {
			rg := vuln.Range{Type: r.Type}
			for k, ev := range r.Events {
				event, err := convertEvent(ev)
				if err != nil {
					return fmt.Errorf("[%d].ranges[%d].events[%d]: %w", i, j, k, err)
				}
				rg.Events = append(rg.Events, event)
			}
			n += len(rg.Events)
			out.Ranges = append(out.Ranges, rg)
		}
		n += len(af.Versions) + 1
		if n > MaxAffected*10 {
			return fmt.Errorf("[%d]: more than %d affected versions and events", i, MaxAffected*10)
		}
		a.Affected = append(a.Affected, out)
	}
	return nil
}

func convertEvent(ev map[string]string) (vuln.Event, error) {
	if len(ev) != 1 {
		return vuln.Event{}, fmt.Errorf("event with %d keys, want 1", len(ev))
	}
	for k, v := range ev {
		switch k {
		case "introduced":
			return vuln.Event{Introduced: v}, nil
		case "fixed":
			return vuln.Event{Fixed: v}, nil
		case "last_affected":
			return vuln.Event{LastAffected: v}, nil
		case "limit":
			return vuln.Event{Limit: v}, nil
		}
		return vuln.Event{}, fmt.Errorf("unknown event %q", k)
	}
	return vuln.Event{}, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
