package httpapi_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
)

type enrollmentJSON struct {
	Token     string    `json:"token"`
	ID        int64     `json:"id"`
	DeviceID  int64     `json:"device_id"`
	Profile   string    `json:"profile"`
	ExpiresAt time.Time `json:"expires_at"`
	ESTURL    string    `json:"est_url"`
}

func TestEnrollmentToken(t *testing.T) {
	e := newEnv(t)
	a := e.a
	w := e.do(request{method: "POST", path: "/api/v1/pki/enrollment-tokens", token: a.tokens["biomed"], body: `{"device_id":` + itoa(a.device) + `}`})
	var tok enrollmentJSON
	decode(t, w, &tok)
	if w.Code != http.StatusCreated || !strings.HasPrefix(tok.Token, "aet_") || tok.DeviceID != a.device ||
		tok.Profile != "device-ldevid" || tok.ESTURL != "/.well-known/est/st-mary/simpleenroll" {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	if d := time.Until(tok.ExpiresAt) - 72*time.Hour; d > time.Minute || d < -time.Minute {
		t.Errorf("expires at %s, want in 72 hours", tok.ExpiresAt)
	}
	if strings.Contains(w.Body.String(), "hash") {
		t.Errorf("the response shows the hash: %s", w.Body)
	}
	checkOnlyHashStored(t, e, tok.Token)

	// EST spends the token by its hash, once.
	if err := useToken(e, tok.Token); airtight.ErrorCode(err) != airtight.EUnauthorized {
		t.Errorf("the secret itself is usable as a stored hash: %v", err)
	}
	if err := useToken(e, auth.HashSecret(tok.Token)); err != nil {
		t.Fatalf("use: %v", err)
	}
	if err := useToken(e, auth.HashSecret(tok.Token)); airtight.ErrorCode(err) != airtight.EUnauthorized {
		t.Errorf("second use: %v, want unauthorized", err)
	}

	w = e.do(request{method: "POST", path: "/api/v1/pki/enrollment-tokens", token: a.tokens["admin"],
		body: `{"device_id":` + itoa(a.device) + `,"profile":"device-short","expires_in_hours":1}`})
	decode(t, w, &tok)
	if d := time.Until(tok.ExpiresAt) - time.Hour; w.Code != http.StatusCreated || tok.Profile != "device-short" || d > time.Minute || d < -time.Minute {
		t.Errorf("one hour, device-short: %d %s", w.Code, w.Body)
	}
}

func TestEnrollmentTokenErrors(t *testing.T) {
	e := newEnv(t)
	a := e.a
	noSerial := e.deviceWithoutSerial(a)
	dev := `"device_id":` + itoa(a.device)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"another organization's device", `{"device_id":` + itoa(e.b.device) + `}`, 404},
		{"no such device", `{"device_id":999999}`, 404},
		{"no device", `{}`, 400},
		{"negative device", `{"device_id":-1}`, 400},
		{"device without a serial number", `{"device_id":` + itoa(noSerial) + `}`, 400},
		{"too long", `{` + dev + `,"expires_in_hours":721}`, 400},
		{"negative hours", `{` + dev + `,"expires_in_hours":-1}`, 400},
		{"not a device profile", `{` + dev + `,"profile":"server"}`, 400},
		{"unknown profile", `{` + dev + `,"profile":"anything"}`, 400},
		{"unknown field", `{` + dev + `,"secret":"mine"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(request{method: "POST", path: "/api/v1/pki/enrollment-tokens", token: a.tokens["admin"], body: tc.body})
			if w.Code != tc.status || strings.Contains(w.Body.String(), "aet_") {
				t.Errorf("%d %s, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}

func useToken(e *env, hash string) error {
	_, err := e.db.UseEnrollmentToken(context.Background(), hash)
	return err
}

// checkOnlyHashStored reads the database files: the token's hash is there,
// its secret is not.
func checkOnlyHashStored(t *testing.T, e *env, secret string) {
	t.Helper()
	files, err := filepath.Glob(e.path + "*")
	must(t, err)
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		all.Write(b)
	}
	if strings.Contains(all.String(), secret) || strings.Contains(all.String(), secret[len("aet_"):]) {
		t.Errorf("the database holds the enrollment token's secret")
	}
	if !strings.Contains(all.String(), auth.HashSecret(secret)) {
		t.Errorf("the database does not hold the token's hash (files %v)", files)
	}
}
