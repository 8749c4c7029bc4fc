package vex

import (
	"fmt"
	"sort"
	"strings"

	"github.com/airtight/airtight/vuln"
)

type csafDoc struct {
	ProductTree struct {
		Branches         []csafBranch  `json:"branches"`
		FullProductNames []csafProduct `json:"full_product_names"`
		Relationships    []struct {
			FullProductName csafProduct `json:"full_product_name"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE string `json:"cve"`
		IDs []struct {
			Text string `json:"text"`
		} `json:"ids"`
		ProductStatus map[string][]string `json:"product_status"`
		Flags         []struct {
			Label      string   `json:"label"`
			ProductIDs []string `json:"product_ids"`
		} `json:"flags"`
		Threats []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
		} `json:"threats"`
		Remediations []struct {
			Details    string   `json:"details"`
			ProductIDs []string `json:"product_ids"`
		} `json:"remediations"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Product  *csafProduct `json:"product"`
	Branches []csafBranch `json:"branches"`
}

type csafProduct struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Helper    *struct {
		PURL string `json:"purl"`
		CPE  string `json:"cpe"`
	} `json:"product_identification_helper"`
}

var csafStatuses = map[string]vuln.Status{
	"known_not_affected": vuln.StatusNotAffected, "fixed": vuln.StatusFixed, "first_fixed": vuln.StatusFixed,
	"known_affected": vuln.StatusAffected, "first_affected": vuln.StatusAffected, "last_affected": vuln.StatusAffected,
	"under_investigation": vuln.StatusUnderInvestigation,
}

// parseCSAF reads the product statuses of a CSAF document as statements:
// one per vulnerability, status and product; known_not_affected takes its
// justification from flags and its impact statement from impact threats.
func parseCSAF(file string, data []byte) ([]Statement, error) {
	var d csafDoc
	if err := vuln.DecodeJSON(file, data, &d); err != nil {
		return nil, err
	}
	ids := map[string][]string{}
	for i := range d.ProductTree.Branches {
		if err := walkCSAF(&d.ProductTree.Branches[i], ids, 1); err != nil {
			return nil, &vuln.ParseError{File: file, Place: fmt.Sprintf("product_tree.branches[%d]", i), Err: err}
		}
	}
	for _, p := range d.ProductTree.FullProductNames {
		addCSAF(p, ids)
	}
	for _, r := range d.ProductTree.Relationships {
		addCSAF(r.FullProductName, ids)
	}
	var out []Statement
	for i, v := range d.Vulnerabilities {
		name := v.CVE
		if name == "" && len(v.IDs) > 0 {
			name = v.IDs[0].Text
		}
		if name == "" {
			continue
		}
		for key, pids := range v.ProductStatus {
			st, ok := csafStatuses[key]
			if !ok {
				continue
			}
			for _, pid := range pids {
				if len(out) >= MaxStatements {
					return nil, &vuln.ParseError{File: file, Place: fmt.Sprintf("vulnerabilities[%d]", i), Err: fmt.Errorf("more than %d statements", MaxStatements)}
				}
				s := Statement{Vulnerability: name, Status: st, Source: file, Products: append([]string{pid}, ids[pid]...)}
				for _, f := range v.Flags {
					if has(f.ProductIDs, pid) && st == vuln.StatusNotAffected {
						s.Justification = f.Label
					}
				}
				for _, t := range v.Threats {
					if t.Category == "impact" && has(t.ProductIDs, pid) && st == vuln.StatusNotAffected {
						s.Impact = t.Details
					}
				}
				for _, r := range v.Remediations {
					if has(r.ProductIDs, pid) && st == vuln.StatusAffected {
						s.Action = r.Details
					}
				}
				out = append(out, s)
			}
		}
	}
	sortStatements(out)
	return out, nil
}

func walkCSAF(b *csafBranch, ids map[string][]string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("branches nested deeper than %d", MaxDepth)
	}
	if b.Product != nil {
		addCSAF(*b.Product, ids)
	}
	for i := range b.Branches {
		if err := walkCSAF(&b.Branches[i], ids, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func addCSAF(p csafProduct, ids map[string][]string) {
	if p.ProductID == "" {
		return
	}
	if p.Name != "" {
		ids[p.ProductID] = append(ids[p.ProductID], p.Name)
	}
	if p.Helper != nil {
		for _, id := range []string{p.Helper.PURL, p.Helper.CPE} {
			if id != "" {
				ids[p.ProductID] = append(ids[p.ProductID], id)
			}
		}
	}
}

func has(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// sortStatements orders statements from a map walk: by vulnerability,
// then products, then status.
func sortStatements(s []Statement) {
	key := func(x Statement) string {
		return x.Vulnerability + "\x00" + strings.Join(x.Products, "\x00") + "\x00" + string(x.Status)
	}
	sort.SliceStable(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}
