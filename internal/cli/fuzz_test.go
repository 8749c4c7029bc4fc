package cli

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/airtight/airtight"
)

// fuzzTargets are the API endpoints that parse outside input: JSON bodies,
// CSV bodies and query strings.
var fuzzTargets = []struct{ method, path, contentType string }{
	{"POST", "/api/v1/devices", "application/json"},
	{"PATCH", "/api/v1/devices/1", "application/json"},
	{"POST", "/api/v1/manufacturers", "application/json"},
	{"POST", "/api/v1/products", "application/json"},
	{"POST", "/api/v1/grants", "application/json"},
	{"POST", "/api/v1/users", "application/json"},
	{"POST", "/api/v1/tokens", "application/json"},
	{"POST", "/api/v1/devices/import", "text/csv"},
	{"GET", "/api/v1/devices", ""},
	{"GET", "/api/v1/audit", ""},
	{"POST", "/api/v1/pki/certificates", "application/json"},
	{"POST", "/api/v1/pki/enrollment-tokens", "application/json"},
	{"POST", "/api/v1/pki/trust-anchors", "application/json"},
	{"GET", "/api/v1/pki/certificates", ""},
	{"POST", "/api/v1/alerts/1/status", "application/json"},
	{"GET", "/api/v1/alerts", ""},
}

// FuzzAPI sends arbitrary bodies and query strings to the parsing endpoints
// as an admin: every answer must be a success or a clean client error in the
// API's JSON error shape — never a 500, never a panic.
func FuzzAPI(f *testing.F) {
	f.Add(uint8(0), "", []byte(`{"product_version_id":1,"asset_tag":"X-1"}`))
	f.Add(uint8(1), "", []byte(`{"status":"quarantined"}`))
	f.Add(uint8(2), "", []byte(`{"name":"Acme","website":"https://acme.example"}`))
	f.Add(uint8(3), "", []byte(`{"manufacturer_id":1,"model":"M","kind":"ct-scanner","criticality":"diagnostic"}`))
	f.Add(uint8(4), "", []byte(`{"grantee_org":"nope","manufacturer_id":1}`))
	f.Add(uint8(5), "", []byte(`{"email":"a@b.example","name":"A","role":"admin","password":"correct horse battery"}`))
	f.Add(uint8(6), "", []byte(`{"name":"t","role":"biomed","expires_in_days":30}`))
	f.Add(uint8(7), "", []byte("asset_tag,manufacturer,model,kind,criticality\nA-1,Acme,M,ct-scanner,diagnostic\n"))
	f.Add(uint8(8), "q=ct&kind=ct-scanner&limit=10&cursor=MTA", []byte(nil))
	f.Add(uint8(9), "after=5&limit=2&action=device.create", []byte(nil))
	f.Add(uint8(0), "", []byte(`{"asset_tag":"\u202eevil","product_version_id":1e400}`))
	f.Add(uint8(8), "limit=-1&cursor=%ff%fe&zone=%00", []byte(nil))
	f.Add(uint8(10), "", []byte(`{"csr_pem":"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----","profile":"device-ldevid","device_id":1,"role_oids":["1.3.6"]}`))
	f.Add(uint8(11), "", []byte(`{"device_id":1,"profile":"device-ldevid","expires_in_hours":72}`))
	f.Add(uint8(12), "", []byte(`{"name":"maker","certificate_pem":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}`))
	f.Add(uint8(13), "status=good&expiring_within_days=30&cursor=zz", []byte(nil))
	f.Add(uint8(14), "", []byte(`{"status":"resolved"}`))
	f.Add(uint8(15), "status=open&min_severity=high&cursor=4.9", []byte(nil))
	app, _, tokens := wired(f)
	h := app.API.Handler()
	f.Fuzz(func(t *testing.T, target uint8, query string, body []byte) {
		tg := fuzzTargets[int(target)%len(fuzzTargets)]
		req := httptest.NewRequest(tg.method, tg.path, bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+tokens[airtight.RoleAdmin])
		if tg.contentType != "" {
			req.Header.Set("Content-Type", tg.contentType)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", tg.method, tg.path, query, w.Code, w.Body.String())
		}
		if w.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%d without the JSON error shape: %q", w.Code, w.Body.String())
			}
			if strings.Contains(e.Error.Message, "internal") {
				t.Fatalf("client error reported as internal: %q", e.Error.Message)
			}
		}
	})
}
