package vex

import (
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight/vuln"
)

type cdxDoc struct {
	BOMFormat string `json:"bomFormat"`
	Metadata  struct {
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Components      []cdxComponent `json:"components"`
	Vulnerabilities []struct {
		ID         string `json:"id"`
		References []struct {
			ID string `json:"id"`
		} `json:"references"`
		Analysis *struct {
			State         string   `json:"state"`
			Justification string   `json:"justification"`
			Response      []string `json:"response"`
			Detail        string   `json:"detail"`
		} `json:"analysis"`
		Affects []struct {
			Ref string `json:"ref"`
		} `json:"affects"`
	} `json:"vulnerabilities"`
}

type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	PURL       string         `json:"purl"`
	CPE        string         `json:"cpe"`
	Components []cdxComponent `json:"components"`
}

// cdxStates maps CycloneDX analysis states to statuses.
var cdxStates = map[string]vuln.Status{
	"exploitable": vuln.StatusAffected, "in_triage": vuln.StatusUnderInvestigation,
	"resolved": vuln.StatusFixed, "resolved_with_pedigree": vuln.StatusFixed,
	"false_positive": vuln.StatusNotAffected, "not_affected": vuln.StatusNotAffected,
}

// cdxJustifications maps CycloneDX justifications to OpenVEX ones.
var cdxJustifications = map[string]string{
	"code_not_present": "vulnerable_code_not_present", "code_not_reachable": "vulnerable_code_not_in_execute_path",
	"requires_configuration": "vulnerable_code_cannot_be_controlled_by_adversary",
	"requires_dependency":    "component_not_present", "requires_environment": "vulnerable_code_cannot_be_controlled_by_adversary",
	"protected_by_compiler": "inline_mitigations_already_exist", "protected_at_runtime": "inline_mitigations_already_exist",
	"protected_at_perimeter": "inline_mitigations_already_exist", "protected_by_mitigating_control": "inline_mitigations_already_exist",
}

// parseCycloneDX reads vulnerabilities[].analysis of a CycloneDX
// document. A statement's products are the affects refs and, for refs
// that name a component of the document, its purl, CPE and name@version.
func parseCycloneDX(file string, data []byte) ([]Statement, error) {
	var d cdxDoc
	if err := vuln.DecodeJSON(file, data, &d); err != nil {
		return nil, err
	}
	refs := map[string][]string{}
	if d.Metadata.Component != nil {
		indexComponents([]cdxComponent{*d.Metadata.Component}, refs, 1)
	}
	if err := indexComponents(d.Components, refs, 1); err != nil {
		return nil, &vuln.ParseError{File: file, Place: "components", Err: err}
	}
	var out []Statement
	for i, v := range d.Vulnerabilities {
		if v.Analysis == nil {
			continue // a vulnerability report without analysis is no VEX statement
		}
		place := fmt.Sprintf("vulnerabilities[%d]", i)
		st, ok := cdxStates[v.Analysis.State]
		switch {
		case v.ID == "":
			return nil, &vuln.ParseError{File: file, Place: place + ".id", Err: errors.New("missing")}
		case !ok:
			return nil, &vuln.ParseError{File: file, Place: place + ".analysis.state", Err: fmt.Errorf("unknown state %.40q", v.Analysis.State)}
		case len(v.Affects) > MaxProducts:
			return nil, &vuln.ParseError{File: file, Place: place + ".affects", Err: fmt.Errorf("more than %d", MaxProducts)}
		}
		s := Statement{Vulnerability: v.ID, Status: st, Source: file, Impact: v.Analysis.Detail}
		for _, r := range v.References {
			s.Aliases = append(s.Aliases, r.ID)
		}
		s.Justification = cdxJustifications[v.Analysis.Justification]
		if v.Analysis.State == "false_positive" && s.Justification == "" {
			s.Justification = "vulnerable_code_not_present"
		}
		if st != vuln.StatusNotAffected {
			s.Action, s.Impact = strings.TrimSpace(strings.Join(v.Analysis.Response, ", ")+": "+v.Analysis.Detail), ""
		}
		for _, a := range v.Affects {
			ref := a.Ref
			if _, after, ok := strings.Cut(ref, "#"); ok && strings.HasPrefix(ref, "urn:cdx:") {
				ref = after
			}
			s.Products = append(s.Products, ref)
			s.Products = append(s.Products, refs[ref]...)
		}
		out = append(out, s)
	}
	return out, nil
}

func indexComponents(cs []cdxComponent, refs map[string][]string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("nested deeper than %d", MaxDepth)
	}
	for _, c := range cs {
		if c.BOMRef != "" {
			for _, id := range []string{c.PURL, c.CPE, nameAt(c.Name, c.Version)} {
				if id != "" {
					refs[c.BOMRef] = append(refs[c.BOMRef], id)
				}
			}
		}
		if err := indexComponents(c.Components, refs, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func nameAt(name, version string) string {
	switch {
	case name == "":
		return ""
	case version == "":
		return name
	}
	return name + "@" + version
}
