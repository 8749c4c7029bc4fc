// Package nvd parses NVD CVE API 2.0 JSON — a response page
// ({"vulnerabilities":[{"cve":{...}}]}) or a single CVE object, as in the
// fkie-cad nvd-json-data-feeds mirror — into vuln.Advisory values carrying
// the CPE configurations, and parses CPE 2.3 names. Matching is in package
// match.
package nvd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// Limits on a document.
const (
	MaxCVEs        = 200000 // CVE records of one document
	MaxMatches     = 100000 // cpeMatch entries of one CVE, all configurations together
	MaxNodes       = 10000  // configurations and nodes of one CVE
	MaxVersionSize = 256    // bytes of a version bound
)

type document struct {
	cve                             // a single CVE object
	Format          string          `json:"format"`
	Vulnerabilities []vulnerability `json:"vulnerabilities"`
}

type vulnerability struct {
	CVE *cve `json:"cve"`
}

type cve struct {
	ID           string `json:"id"`
	VulnStatus   string `json:"vulnStatus"`
	Descriptions []struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	} `json:"descriptions"`
	Metrics struct {
		V31 []metric `json:"cvssMetricV31"`
		V30 []metric `json:"cvssMetricV30"`
	} `json:"metrics"`
	Configurations []configuration `json:"configurations"`
}

type metric struct {
	CVSSData struct {
		BaseScore    float64 `json:"baseScore"`
		VectorString string  `json:"vectorString"`
	} `json:"cvssData"`
}

type configuration struct {
	Operator string `json:"operator"`
	Negate   bool   `json:"negate"`
	Nodes    []node `json:"nodes"`
}

type node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate"`
	CPEMatch []cpeMatch `json:"cpeMatch"`
}

type cpeMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding"`
	VersionStartExcluding string `json:"versionStartExcluding"`
	VersionEndIncluding   string `json:"versionEndIncluding"`
	VersionEndExcluding   string `json:"versionEndExcluding"`
}

// Detect reports whether data looks like NVD CVE API 2.0 JSON: a response
// (format NVD_CVE, or vulnerabilities with resultsPerPage) or a single CVE
// object (sourceIdentifier with vulnStatus or configurations). CSAF
// documents, which also have "vulnerabilities", must be detected first.
func Detect(data []byte) bool {
	d := bytes.TrimSpace(data)
	if len(d) == 0 || d[0] != '{' {
		return false
	}
	has := func(s string) bool { return bytes.Contains(d, []byte(s)) }
	return has(`"NVD_CVE"`) ||
		has(`"vulnerabilities"`) && has(`"cve"`) && has(`"resultsPerPage"`) ||
		has(`"sourceIdentifier"`) && (has(`"vulnStatus"`) || has(`"configurations"`))
}

// Parse parses an NVD CVE API 2.0 response or single CVE object read from
// file. Rejected CVEs are left out.
func Parse(file string, data []byte) ([]vuln.Advisory, error) {
	var d document
	if err := vuln.DecodeJSON(file, data, &d); err != nil {
		return nil, err
	}
	var out []vuln.Advisory
	switch {
	case d.Vulnerabilities != nil:
		if len(d.Vulnerabilities) > MaxCVEs {
			return nil, &vuln.ParseError{File: file, Place: "vulnerabilities",
				Err: fmt.Errorf("%d records exceed the limit of %d", len(d.Vulnerabilities), MaxCVEs)}
		}
		for i, v := range d.Vulnerabilities {
			place := fmt.Sprintf("vulnerabilities[%d].cve", i)
			if v.CVE == nil {
				return nil, &vuln.ParseError{File: file, Place: place, Err: errors.New("missing")}
			}
			a, ok, err := convert(file, place+".", v.CVE)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, a)
			}
		}
	case d.ID != "":
		a, ok, err := convert(file, "", &d.cve)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	default:
		return nil, &vuln.ParseError{File: file, Err: errors.New("neither an NVD response (vulnerabilities) nor a CVE record (id)")}
	}
	return out, nil
}

func convert(file, place string, c *cve) (vuln.Advisory, bool, error) {
	if c.ID == "" {
		return vuln.Advisory{}, false, &vuln.ParseError{File: file, Place: place + "id", Err: errors.New("missing")}
	}
	if strings.EqualFold(c.VulnStatus, "Rejected") {
		return vuln.Advisory{}, false, nil
	}
	a := vuln.Advisory{ID: c.ID, Source: file, Aliases: []string{c.ID}}
	for _, d := range c.Descriptions {
		if strings.EqualFold(d.Lang, "en") {
			a.Summary = d.Value
			break
		}
	}
	for _, ms := range [][]metric{c.Metrics.V31, c.Metrics.V30} {
		for _, m := range ms {
			if m.CVSSData.BaseScore > a.CVSS {
				a.CVSS, a.Vector = m.CVSSData.BaseScore, m.CVSSData.VectorString
			}
		}
	}
	nodes, matches := 0, 0
	for i, cf := range c.Configurations {
		cp := fmt.Sprintf("%sconfigurations[%d]", place, i)
		op, err := operator(cf.Operator)
		if err != nil {
			return a, false, &vuln.ParseError{File: file, Place: cp + ".operator", Err: err}
		}
		conf := vuln.Configuration{Operator: op, Negate: cf.Negate}
		for j, n := range cf.Nodes {
			np := fmt.Sprintf("%s.nodes[%d]", cp, j)
			if nodes++; nodes > MaxNodes {
				return a, false, &vuln.ParseError{File: file, Place: np, Err: fmt.Errorf("more than %d nodes", MaxNodes)}
			}
			op, err := operator(n.Operator)
			if err != nil {
				return a, false, &vuln.ParseError{File: file, Place: np + ".operator", Err: err}
			}
			vn := vuln.Node{Operator: op, Negate: n.Negate}
			for k, m := range n.CPEMatch {
				mp := fmt.Sprintf("%s.cpeMatch[%d]", np, k)
				if matches++; matches > MaxMatches {
					return a, false, &vuln.ParseError{File: file, Place: mp, Err: fmt.Errorf("more than %d CPE matches", MaxMatches)}
				}
				vm, err := convertMatch(m)
				if err != nil {
					return a, false, &vuln.ParseError{File: file, Place: mp, Err: err}
				}
				vn.Matches = append(vn.Matches, vm)
			}
			conf.Nodes = append(conf.Nodes, vn)
		}
		a.Configurations = append(a.Configurations, conf)
	}
	return a, true, nil
}

func operator(op string) (string, error) {
	switch u := strings.ToUpper(op); u {
	case "", "OR", "AND":
		return u, nil
	}
	return "", fmt.Errorf("%q, want AND or OR", trunc(op))
}

func convertMatch(m cpeMatch) (vuln.CPEMatch, error) {
	if _, err := ParseCPE(m.Criteria); err != nil {
		return vuln.CPEMatch{}, fmt.Errorf("criteria: %w", err)
	}
	vm := vuln.CPEMatch{Vulnerable: m.Vulnerable, Criteria: m.Criteria,
		StartIncluding: m.VersionStartIncluding, StartExcluding: m.VersionStartExcluding,
		EndIncluding: m.VersionEndIncluding, EndExcluding: m.VersionEndExcluding}
	for _, b := range []struct{ name, v string }{
		{"versionStartIncluding", vm.StartIncluding}, {"versionStartExcluding", vm.StartExcluding},
		{"versionEndIncluding", vm.EndIncluding}, {"versionEndExcluding", vm.EndExcluding},
	} {
		if len(b.v) > MaxVersionSize {
			return vm, fmt.Errorf("%s: %d bytes exceeds the limit of %d", b.name, len(b.v), MaxVersionSize)
		}
	}
	if vm.StartIncluding != "" && vm.StartExcluding != "" || vm.EndIncluding != "" && vm.EndExcluding != "" {
		return vm, errors.New("both an including and an excluding bound on the same side")
	}
	return vm, nil
}
