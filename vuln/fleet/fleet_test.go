package fleet

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGenerateDeterministic(t *testing.T) {
	c := Config{Seed: 7, Devices: 50, Products: 5, Components: 20, Advisories: 30}
	a, b := Generate(c), Generate(c)
	if diff := cmp.Diff(a.Products, b.Products); diff != "" {
		t.Errorf("products differ:\n%s", diff)
	}
	if diff := cmp.Diff(a.Advisories, b.Advisories); diff != "" {
		t.Errorf("advisories differ:\n%s", diff)
	}
	if other := Generate(Config{Seed: 8, Devices: 50, Products: 5, Components: 20, Advisories: 30}); cmp.Equal(a.Products, other.Products) {
		t.Error("another seed gave the same fleet")
	}
	if len(a.Devices) != 50 || len(a.Products) != 5 || len(a.Advisories) != 30 {
		t.Fatalf("sizes %d %d %d", len(a.Devices), len(a.Products), len(a.Advisories))
	}
	types := map[string]bool{}
	for _, p := range a.Products {
		if len(p.Components) != 20 {
			t.Errorf("%s: %d components", p.ID, len(p.Components))
		}
		for _, c := range p.Components {
			types[strings.SplitN(strings.TrimPrefix(c.PURL, "pkg:"), "/", 2)[0]] = true
			if strings.HasPrefix(c.PURL, "pkg:deb/") && !strings.HasPrefix(c.CPE, "cpe:2.3:a:") {
				t.Errorf("debian component without CPE: %+v", c)
			}
		}
	}
	for _, typ := range []string{"golang", "pypi", "npm", "maven", "deb"} {
		if !types[typ] {
			t.Errorf("no %s components", typ)
		}
	}
}
