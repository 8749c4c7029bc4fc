package match

import (
	"regexp"
	"strings"
)

// vendorNoise are words that do not tell vendors apart.
var vendorNoise = set("inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited",
	"llc", "gmbh", "ag", "sa", "se", "plc", "oy", "bv", "nv", "kg", "kk", "pty", "the", "and",
	"healthcare", "health", "medical", "systems", "system", "technologies", "technology",
	"international", "group", "holdings", "diagnostics", "solutions", "laboratories", "labs", "devices")

// vendorAliases maps a normalised vendor name to the canonical one: other
// spellings, abbreviations and former names.
var vendorAliases = map[string]string{
	"general electric": "ge", "ge": "ge",
	"phillips": "philips", "koninklijke philips": "philips", "royal philips": "philips",
	"becton dickinson": "bd", "becton": "bd",
	"hill rom": "hillrom", "draeger": "drager", "dräger": "drager",
	"siemens healthineers": "siemens", "b braun melsungen": "b braun",
}

// productNoise are words that do not tell products apart.
var productNoise = set("the", "model", "models", "number", "no", "series", "and", "for", "with", "of", "a")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

var (
	nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)
	parenRE  = regexp.MustCompile(`\(([^)]*)\)`)
	splitRE  = regexp.MustCompile(`\s*(?:,|;|/|&|\band\b)\s*`)
)

var folds = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "é", "e", "è", "e", "ß", "ss", "Ã¤", "a", "+", " plus ")

// tokens lowercases s, folds accents and splits it into words, dropping noise.
func tokens(s string, noise map[string]bool) []string {
	s = folds.Replace(strings.ToLower(s))
	var out []string
	for _, w := range strings.Fields(nonAlnum.ReplaceAllString(s, " ")) {
		if !noise[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 { // all noise: keep the words
		return strings.Fields(nonAlnum.ReplaceAllString(s, " "))
	}
	return out
}

// normVendor is the canonical form of a vendor name.
func normVendor(s string) string {
	n := strings.Join(tokens(s, vendorNoise), " ")
	if a, ok := vendorAliases[n]; ok {
		return a
	}
	return n
}

// vendorKeys are the canonical names a vendor string stands for: the whole
// name without parentheses, the parenthesised abbreviation ("Becton,
// Dickinson and Company (BD)") and, for joint advisories ("Silex Technology
// and GE Healthcare"), each vendor named. The first key is the whole name.
func vendorKeys(s string) []string {
	whole := parenRE.ReplaceAllString(s, " ")
	keys := []string{normVendor(whole)}
	for _, m := range parenRE.FindAllStringSubmatch(s, -1) {
		keys = append(keys, normVendor(m[1]))
	}
	for _, part := range splitRE.Split(whole, -1) {
		if k := normVendor(part); k != "" && len(k) > 1 {
			keys = append(keys, k)
		}
	}
	return keys
}

// vendorMatch scores how well an inventory manufacturer names an advisory
// vendor: 1 for the same canonical name, 0.9 for an abbreviation or one of
// several vendors, 0.8 when one name's words contain the other's, else 0.
func vendorMatch(manufacturer, vendor string) (float64, string) {
	m := normVendor(parenRE.ReplaceAllString(manufacturer, " "))
	if m == "" {
		return 0, ""
	}
	keys := vendorKeys(vendor)
	if m == keys[0] {
		return 1, "same vendor"
	}
	for _, k := range keys[1:] {
		if m == k {
			return 0.9, "vendor alias or co-vendor"
		}
	}
	if subset(strings.Fields(m), strings.Fields(keys[0])) || subset(strings.Fields(keys[0]), strings.Fields(m)) {
		return 0.8, "vendor names overlap"
	}
	return 0, ""
}

// productMatch scores how well an inventory model names an advisory
// product: 1 same words, 0.85 model words all in the product name, 0.8
// product words all in the model, 0.7 same characters ignoring spaces.
func productMatch(model, product string) (float64, string) {
	m, p := tokens(model, productNoise), tokens(product, productNoise)
	switch {
	case len(m) == 0 || len(p) == 0:
		return 0, ""
	case equal(m, p):
		return 1, "same product name"
	case subset(m, p):
		return 0.85, "model named in product name"
	case subset(p, m):
		return 0.8, "product name contained in model"
	case strings.Contains(strings.Join(p, ""), strings.Join(m, "")) && len(strings.Join(m, "")) >= 3:
		return 0.7, "model matches product name ignoring spaces"
	}
	return 0, ""
}

func equal(a, b []string) bool {
	return len(a) == len(b) && subset(a, b)
}

// subset reports whether every word of a is in b.
func subset(a, b []string) bool {
	if len(a) == 0 {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
