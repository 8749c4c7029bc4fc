package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
)

// TestRequestErrors checks the error shape for bad input of every kind.
func TestRequestErrors(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Services) { c.MaxBodyBytes = 4096 })
	admin := e.a.tokens["admin"]
	for _, tc := range []struct {
		name     string
		rq       request
		status   int
		code     string
		contains string
	}{
		{"unknown field", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":"X","evil":1}`}, 400, "invalid", `"evil"`},
		{"syntax error", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":"X",}`}, 400, "invalid", "byte offset 13"},
		{"wrong type", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":5}`}, 400, "invalid", `"name"`},
		{"trailing data", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":"X"} {}`}, 400, "invalid", "after the JSON value"},
		{"empty body", request{method: "PATCH", path: fillPath("/api/v1/devices/{id}", e.a), body: " "}, 400, "invalid", "empty"},
		{"wrong content type", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":"X"}`, contentType: "text/plain"}, 415, "unsupported_media_type", "application/json"},
		{"body too large", request{method: "POST", path: "/api/v1/manufacturers", body: `{"name":"` + strings.Repeat("x", 5000) + `"}`}, 413, "too_large", "too large"},
		{"unknown query parameter", request{method: "GET", path: "/api/v1/devices?colour=red"}, 400, "invalid", `"colour"`},
		{"bad number", request{method: "GET", path: "/api/v1/devices?manufacturer_id=abc"}, 400, "invalid", `"manufacturer_id"`},
		{"limit out of range", request{method: "GET", path: "/api/v1/devices?limit=501"}, 400, "invalid", `"limit"`},
		{"repeated parameter", request{method: "GET", path: "/api/v1/devices?kind=a&kind=b"}, 400, "invalid", `"kind"`},
		{"bad status", request{method: "GET", path: "/api/v1/devices?status=gone"}, 400, "invalid", "status"},
		{"query on a get", request{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a) + "?x=1"}, 400, "invalid", `"x"`},
		{"id not a number", request{method: "GET", path: "/api/v1/devices/abc"}, 404, "not_found", ""},
		{"id zero", request{method: "GET", path: "/api/v1/devices/0"}, 404, "not_found", ""},
		{"id leading zero", request{method: "GET", path: "/api/v1/devices/01"}, 404, "not_found", ""},
		{"id signed", request{method: "GET", path: "/api/v1/devices/+1"}, 404, "not_found", ""},
		{"id overflow", request{method: "GET", path: "/api/v1/devices/99999999999999999999"}, 404, "not_found", ""},
		{"no such route", request{method: "GET", path: "/api/v1/nothing"}, 404, "not_found", ""},
		{"method not allowed", request{method: "PUT", path: "/api/v1/devices"}, 405, "method_not_allowed", ""},
		{"weak password", request{method: "POST", path: "/api/v1/users", body: `{"email":"n@st-mary.example","name":"N","role":"analyst","password":"short"}`}, 400, "invalid", "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.token = admin
			w := e.do(tc.rq)
			var body struct {
				Error struct {
					Code      string `json:"code"`
					RequestID string `json:"request_id"`
				} `json:"error"`
			}
			decode(t, w, &body)
			if w.Code != tc.status || body.Error.Code != tc.code || !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("got %d %s; want %d %s containing %q", w.Code, w.Body, tc.status, tc.code, tc.contains)
			}
			if body.Error.RequestID == "" || body.Error.RequestID != w.Header().Get("X-Request-ID") {
				t.Errorf("request_id %q, header %q", body.Error.RequestID, w.Header().Get("X-Request-ID"))
			}
		})
	}
}

// TestCRUD runs a device's life through the API.
func TestCRUD(t *testing.T) {
	e := newEnv(t)
	biomed := e.a.tokens["biomed"]
	w := e.do(request{method: "POST", path: "/api/v1/manufacturers", token: biomed, body: `{"name":"Mindray"}`})
	var m inventory.Manufacturer
	decode(t, w, &m)
	w = e.do(request{method: "POST", path: "/api/v1/products", token: biomed,
		body: `{"manufacturer_id":` + itoa(m.ID) + `,"model":"BeneVision N17","kind":"patient-monitor","criticality":"life-supporting"}`})
	var p inventory.Product
	decode(t, w, &p)
	w = e.do(request{method: "POST", path: "/api/v1/products/" + itoa(p.ID) + "/versions", token: biomed, body: `{"version":"03.20"}`})
	var v inventory.ProductVersion
	decode(t, w, &v)
	w = e.do(request{method: "POST", path: "/api/v1/devices", token: biomed,
		body: `{"product_version_id":` + itoa(v.ID) + `,"asset_tag":"MON-1","ip":"10.0.0.7"}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("create device: %d %s", w.Code, w.Body)
	}
	var d inventory.Device
	decode(t, w, &d)
	w = e.do(request{method: "PATCH", path: "/api/v1/devices/" + itoa(d.ID), token: biomed, body: `{"status":"quarantined"}`})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"quarantined"`) {
		t.Fatalf("patch: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: "/api/v1/devices?status=quarantined&limit=10", token: e.a.tokens["analyst"]})
	if !strings.Contains(w.Body.String(), "MON-1") || strings.Contains(w.Body.String(), "TAG-st-mary") {
		t.Fatalf("filtered list: %s", w.Body)
	}
	w = e.do(request{method: "DELETE", path: "/api/v1/devices/" + itoa(d.ID), token: biomed})
	if w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	w = e.do(request{method: "GET", path: "/api/v1/audit?action=device.create", token: e.a.tokens["auditor"]})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "device.create") {
		t.Fatalf("audit: %d %s", w.Code, w.Body)
	}
}

// failingDevices makes FindDevice fail the way a broken database would.
type failingDevices struct{ inventory.DeviceService }

func (failingDevices) FindDevice(context.Context, int64) (*inventory.Device, error) {
	return nil, errors.New("database is on fire")
}

func withFailingDevices(_ *httpapi.Config, s *httpapi.Services) {
	s.Devices = failingDevices{s.Devices}
}

func withPanicPage(c *httpapi.Config, _ *httpapi.Services) {
	c.Pages = append(c.Pages, httpapi.Route{Method: "GET", Pattern: "/boom", Public: true, Page: true,
		Handler: func(http.ResponseWriter, *http.Request) { panic("secret panic text") }})
}

// TestInternalErrors: a failing store and a panic both give a bare 500;
// the cause reaches the log, not the client.
func TestInternalErrors(t *testing.T) {
	e := newEnv(t, withFailingDevices, withPanicPage)
	for _, rq := range []request{
		{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a), token: e.a.tokens["admin"]},
		{method: "GET", path: "/boom"},
	} {
		w := e.do(rq)
		if w.Code != 500 || !strings.Contains(w.Body.String(), `"internal error"`) ||
			strings.Contains(w.Body.String(), "fire") || strings.Contains(w.Body.String(), "secret panic") {
			t.Errorf("%s: %d %s", rq.path, w.Code, w.Body)
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "database is on fire") || !strings.Contains(logs, `"panic":"string"`) {
		t.Errorf("the log lacks the causes: %s", logs)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path   string
		token  string
		status int
		want   string
	}{
		{"/healthz", "", 200, `"ok"`},
		{"/readyz", "", 200, `"ready"`},
		{"/api/v1/openapi.json", "", 200, `"openapi"`},
		{"/metrics", e.a.tokens["auditor"], 200, "airtight_http_requests_total"},
		{"/metrics", e.a.tokens["analyst"], 403, "forbidden"},
	} {
		w := e.do(request{method: "GET", path: tc.path, token: tc.token})
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
			t.Errorf("%s: %d %.200s", tc.path, w.Code, w.Body)
		}
	}
	notReady := func(_ *httpapi.Config, s *httpapi.Services) {
		s.Ready = func(context.Context) error { return errors.New("down") }
	}
	e.srv = e.newServer(notReady)
	if w := e.do(request{method: "GET", path: "/readyz"}); w.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz when not ready: %d", w.Code)
	}
}

// TestMetricsLabels: label values are route patterns, never raw paths.
func TestMetricsLabels(t *testing.T) {
	e := newEnv(t)
	e.do(request{method: "GET", path: fillPath("/api/v1/devices/{id}", e.a), token: e.a.tokens["admin"]})
	e.do(request{method: "GET", path: "/no/such/path-with-phi"})
	e.do(request{method: "BREW", path: "/healthz"})
	w := e.do(request{method: "GET", path: "/metrics", token: e.a.tokens["admin"]})
	body := w.Body.String()
	for _, want := range []string{`route="/api/v1/devices/{id}"`, `route="unmatched"`, `method="OTHER"`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "path-with-phi") || strings.Contains(body, "BREW") {
		t.Errorf("metrics hold raw request data")
	}
}
