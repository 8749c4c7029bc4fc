package match

import (
	"fmt"
	"net/url"
	"strings"
)

// purl is a parsed package URL.
type purl struct {
	typ, namespace, name, version string
}

// parsePURL parses "pkg:type/namespace/name@version?qualifiers#subpath".
func parsePURL(s string) (purl, error) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return purl{}, fmt.Errorf("package URL %q does not start with pkg:", s)
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, _, _ = strings.Cut(rest, "?")
	rest = strings.TrimLeft(rest, "/")
	var p purl
	if i := strings.LastIndexByte(rest, '@'); i > strings.LastIndexByte(rest, '/') {
		p.version = unescape(rest[i+1:])
		rest = rest[:i]
	}
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || path == "" {
		return purl{}, fmt.Errorf("package URL %q has no type or name", s)
	}
	p.typ = strings.ToLower(typ)
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		p.namespace, p.name = unescape(path[:i]), unescape(path[i+1:])
	} else {
		p.name = unescape(path)
	}
	return p, nil
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// purlEcosystems maps purl types to OSV ecosystems.
var purlEcosystems = map[string]string{
	"golang": "Go", "pypi": "PyPI", "npm": "npm", "maven": "Maven", "nuget": "NuGet",
	"gem": "RubyGems", "cargo": "crates.io", "composer": "Packagist", "hex": "Hex",
	"pub": "Pub", "swift": "SwiftURL", "cran": "CRAN", "hackage": "Hackage",
}

// osvName is the OSV ecosystem and package name of p, "" when p's type has
// no OSV ecosystem.
func (p purl) osvName() (eco, name string) {
	eco = purlEcosystems[p.typ]
	switch {
	case eco == "":
		return "", ""
	case p.namespace == "":
		return eco, p.name
	case p.typ == "maven":
		return eco, p.namespace + ":" + p.name
	}
	return eco, p.namespace + "/" + p.name
}

// packageKey is the index key of a package: ecosystem and name, normalised
// as the ecosystem compares names (PyPI: PEP 503).
func packageKey(eco, name string) string {
	eco = strings.ToLower(eco)
	if i := strings.IndexByte(eco, ':'); i >= 0 { // "Debian:11" → "debian"
		eco = eco[:i]
	}
	name = strings.ToLower(name)
	if eco == "pypi" {
		name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }), "-")
	}
	return eco + "\x00" + name
}
