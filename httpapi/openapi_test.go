package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPI: the document describes exactly the mounted API routes, with
// the same roles.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t)
	w := e.do(request{method: "GET", path: "/api/v1/openapi.json"})
	if w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	decode(t, w, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented, mounted []string
	roles := map[string]string{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			key := strings.ToUpper(method) + " " + path
			documented = append(documented, key)
			var op struct {
				Roles []string `json:"x-airtight-roles"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			roles[key] = strings.Join(op.Roles, ",")
		}
	}
	for _, rt := range e.srv.Routes() {
		if !isAPIPath(rt.Pattern) {
			continue
		}
		key := rt.Method + " " + rt.Pattern
		mounted = append(mounted, key)
		if want := policyOf(rt); want != "public" && roles[key] != want {
			t.Errorf("%s: document says roles %q, route allows %q", key, roles[key], want)
		}
	}
	sort.Strings(documented)
	sort.Strings(mounted)
	if diff := cmp.Diff(mounted, documented); diff != "" {
		t.Errorf("routes (-mounted +documented):\n%s", diff)
	}
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/v1/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}
