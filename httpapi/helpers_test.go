package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/detect"
	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/httpapi"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/sqlstore"
)

const testPassword = "correct horse battery staple"

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a server on a real SQLite store with three organizations: two
// hospitals (A, B) and a device maker (M) that A granted one manufacturer.
// Each has its own root and issuing CA, made by a real Authority.
type env struct {
	t    *testing.T
	db   *sqlstore.DB
	ca   *pki.Authority
	path string
	srv  *httpapi.Server
	logs *syncBuffer
	a, b *orgFixture
	m    *orgFixture
}

// orgFixture is one organization's records and one API token per role.
type orgFixture struct {
	org                                  *airtight.Organization
	tokens                               map[airtight.Role]string
	manufacturer, product, version       int64
	device, otherDevice, user, victimTok int64
	grant, alert, incident, quarantine   int64
	discovered                           int64
	planEntry, suppression               int64 // vulnerability plan entry and suppression
	issuingCA                            int64
	cert                                 string // serial of a certificate of device
	email                                string
}

type option func(*httpapi.Config, *httpapi.Services)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "airtight.db")
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, ca: newAuthority(t, db), path: path, logs: &syncBuffer{}}
	e.a = e.seed("st-mary", airtight.OrgHospital)
	e.b = e.seed("general", airtight.OrgHospital)
	e.m = e.seed("acme-devices", airtight.OrgManufacturer)
	e.grant(e.a, e.m)
	e.srv = e.newServer(opts...)
	return e
}

func services(db *sqlstore.DB, ca pki.Service) httpapi.Services {
	return httpapi.Services{Orgs: db, Manufacturers: db, Products: db, Versions: db, Devices: db, Grants: db,
		Users: db, Tokens: db, Sessions: db, Audit: db, Alerts: db, Incidents: db, Network: db, PKI: ca, PKIStore: db, Ready: db.Ping,
		DLPScanner: textScanner{}, DLPPolicy: blockExternal{}, DLPEvents: db, Vuln: sqlstore.NewVuln(db, db, nil)}
}

// textScanner scans a body as one piece of free text (the real scanner,
// package dlp/extract, handles formats).
type textScanner struct{}

func (textScanner) ScanContent(_ context.Context, _ string, r io.Reader) (*dlp.Report, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		return nil, err
	}
	rep := &dlp.Report{Bytes: int64(len(b)), Parts: 1}
	for _, f := range eng.Scan(b) {
		rep.Findings = append(rep.Findings, dlp.Located{Finding: f})
	}
	return rep, nil
}

// blockExternal blocks PHI to external destinations and logs the rest.
type blockExternal struct{}

func (blockExternal) Decide(r *dlp.Report, d dlp.Destination) dlp.Decision {
	if len(r.Findings) > 0 && d.External {
		return dlp.Decision{Action: dlp.ActionBlock, Rule: "phi-external", Reason: "patient data to an external destination", Types: r.Counts()}
	}
	return dlp.Decision{Action: dlp.ActionLog, Rule: "default", Reason: "logged", Types: r.Counts()}
}

// newAuthority is a real Authority whose CA keys are files encrypted with
// cheap argon2id parameters.
func newAuthority(t *testing.T, db *sqlstore.DB) *pki.Authority {
	t.Helper()
	keys, err := keyfile.New(filepath.Join(t.TempDir(), "keys"), []byte("test CA passphrase"),
		keyfile.WithParams(keyfile.Params{Time: 1, Memory: 64, Threads: 1}))
	must(t, err)
	return pki.NewAuthority(db, keys)
}

func (e *env) newServer(opts ...option) *httpapi.Server {
	e.t.Helper()
	cfg := httpapi.Config{
		Logger:         slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PasswordParams: argon2id.Fast,
		Pages:          testPages(),
		Version:        "test",
	}
	svc := services(e.db, e.ca)
	for _, o := range opts {
		o(&cfg, &svc)
	}
	srv, err := httpapi.New(cfg, svc)
	if err != nil {
		e.t.Fatal(err)
	}
	return srv
}

// testPages stand in for package web's dashboard routes.
func testPages() []httpapi.Route {
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") }
	return []httpapi.Route{
		{Method: "GET", Pattern: "/login", Public: true, Page: true, Summary: "Login page", Handler: ok},
		{Method: "GET", Pattern: "/devices", Page: true, Roles: []airtight.Role{airtight.RoleAdmin, airtight.RoleAnalyst, airtight.RoleBiomed, airtight.RoleAuditor}, Summary: "Device list page", Handler: ok},
		{Method: "POST", Pattern: "/devices/notes", Page: true, Roles: []airtight.Role{airtight.RoleAdmin, airtight.RoleBiomed}, Summary: "A form post", Handler: ok},
	}
}

func sysCtx(org *airtight.Organization) context.Context {
	return airtight.NewContext(context.Background(), airtight.SystemActor(org.ID, "test"))
}

func (e *env) seed(slug string, kind airtight.OrgKind) *orgFixture {
	e.t.Helper()
	org := &airtight.Organization{Slug: slug, Name: "Org " + slug, Kind: kind}
	must(e.t, e.db.CreateOrganization(context.Background(), org))
	ctx := sysCtx(org)
	f := &orgFixture{org: org, tokens: map[airtight.Role]string{}}
	f.manufacturer, f.version, f.product, f.device = e.seedDevice(ctx, slug, "x")
	_, _, _, f.otherDevice = e.seedDevice(ctx, slug, "y")
	f.email = "admin@" + slug + ".example"
	f.user = e.seedUser(ctx, f.email, airtight.RoleAdmin)
	for _, role := range airtight.Roles {
		secret, _ := e.seedToken(ctx, "tok-"+slug+"-"+string(role), role, nil)
		f.tokens[role] = secret
	}
	_, f.victimTok = e.seedToken(ctx, "victim-"+slug, airtight.RoleAnalyst, nil)
	a, _, err := e.db.Raise(ctx, &alert.Alert{Source: "pki", Kind: "certificate.expiry", Key: "k-" + slug,
		Severity: alert.High, DeviceID: f.device, Subject: "device:" + slug, Title: "Certificate of " + slug + " expires"})
	must(e.t, err)
	f.alert, f.incident = a.ID, a.IncidentID
	q := &dlp.Quarantined{VaultID: "vault-" + slug}
	must(e.t, e.db.RecordDLPEvent(ctx, &dlp.Event{Channel: dlp.ChannelSMTP, Actor: "sender@" + slug + ".example",
		Action: dlp.ActionQuarantine, Rule: "r", Reason: "quarantined for " + slug, Types: map[dlp.Type]int{dlp.SSN: 1}}, q))
	f.quarantine = q.ID
	f.discovered = e.seedDiscovered(ctx, slug)
	f.issuingCA, f.cert = e.seedPKI(ctx, slug, f.device)
	f.planEntry, f.suppression = e.seedVuln(ctx, slug, f.version)
	return f
}

// seedPKI creates the organization's CAs and issues an LDevID certificate
// to the device whose serial number is SN-<slug>-x.
func (e *env) seedPKI(ctx context.Context, slug string, device int64) (caID int64, serial string) {
	e.t.Helper()
	_, issuing, err := e.ca.Init(ctx, pki.InitOptions{Name: "CA " + slug})
	must(e.t, err)
	c, err := e.ca.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileDeviceLDevID, CSR: parseCSR(e.t, newCSR(e.t, nil)),
		DeviceID: device, DeviceSerial: "SN-" + slug + "-x"})
	must(e.t, err)
	return issuing.ID, c.Serial
}

// newCSR returns a PEM certificate signing request for a new P-256 key;
// tmpl nil asks for a bare one.
func newCSR(t *testing.T, tmpl *x509.CertificateRequest) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	if tmpl == nil {
		tmpl = &x509.CertificateRequest{}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func parseCSR(t *testing.T, s string) *x509.CertificateRequest {
	t.Helper()
	csr, err := pki.ParseCSR([]byte(s))
	must(t, err)
	return csr
}

// seedDevice creates a manufacturer, product, version and device whose
// names all carry the organization's slug.
func (e *env) seedDevice(ctx context.Context, slug, n string) (mID, vID, pID, dID int64) {
	m := &inventory.Manufacturer{Name: "Maker " + slug + " " + n}
	must(e.t, e.db.CreateManufacturer(ctx, m))
	p := &inventory.Product{ManufacturerID: m.ID, Model: "Model " + slug + " " + n, Kind: "ct-scanner", Criticality: inventory.Diagnostic}
	must(e.t, e.db.CreateProduct(ctx, p))
	v := &inventory.ProductVersion{ProductID: p.ID, Version: "1.0"}
	must(e.t, e.db.CreateVersion(ctx, v))
	d := &inventory.Device{ProductVersionID: v.ID, AssetTag: "TAG-" + slug + "-" + n, SerialNumber: "SN-" + slug + "-" + n,
		Department: "Radiology"}
	must(e.t, e.db.CreateDevice(ctx, d))
	return m.ID, v.ID, p.ID, d.ID
}

func (e *env) seedUser(ctx context.Context, email string, role airtight.Role) int64 {
	h, err := argon2id.Hash(testPassword, argon2id.Fast)
	must(e.t, err)
	u := &auth.User{Email: email, Name: "User " + email, Role: role, PasswordHash: h}
	must(e.t, e.db.CreateUser(ctx, u))
	return u.ID
}

func (e *env) seedToken(ctx context.Context, name string, role airtight.Role, mod func(*auth.Token)) (string, int64) {
	secret, hash := auth.NewSecret(auth.TokenPrefix)
	tok := &auth.Token{Name: name, Role: role, Prefix: secret[:12], Hash: hash, CreatedBy: "test"}
	if mod != nil {
		mod(tok)
	}
	must(e.t, e.db.CreateToken(ctx, tok))
	return secret, tok.ID
}

func (e *env) grant(from, to *orgFixture) {
	g := &inventory.Grant{GranteeOrgID: to.org.ID, ManufacturerID: from.manufacturer}
	must(e.t, e.db.CreateGrant(sysCtx(from.org), g))
	from.grant = g.ID
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// request is one call to the server.
type request struct {
	method, path string
	token        string // API token secret
	cookie       string // session cookie value
	body         string
	contentType  string // default application/json when there is a body
	header       map[string]string
}

func (e *env) do(rq request) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	if rq.body != "" {
		ct := rq.contentType
		if ct == "" {
			ct = "application/json"
		}
		r.Header.Set("Content-Type", ct)
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	if rq.cookie != "" {
		r.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: rq.cookie})
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(w, r)
	return w
}

// login logs in through the API and returns the session cookie and CSRF token.
func (e *env) login(email string) (cookie, csrf string) {
	e.t.Helper()
	w := e.do(request{method: "POST", path: "/api/v1/session", body: `{"email":"` + email + `","password":"` + testPassword + `"}`})
	if w.Code != http.StatusOK {
		e.t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == httpapi.SessionCookie {
			cookie = c.Value
		}
	}
	var resp struct {
		CSRFToken string `json:"csrf_token"`
	}
	decode(e.t, w, &resp)
	return cookie, resp.CSRFToken
}

func decode(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
}

// fillPath replaces {id} or {serial} with the ID or serial of f's record of
// the route's kind.
func fillPath(pattern string, f *orgFixture) string {
	if strings.HasPrefix(pattern, "/api/v1/pki/certificates/") {
		return strings.Replace(pattern, "{serial}", f.cert, 1)
	}
	ids := []struct {
		prefix string
		id     int64
	}{
		{"/api/v1/devices/", f.device}, {"/api/v1/manufacturers/", f.manufacturer},
		{"/api/v1/products/", f.product}, {"/api/v1/versions/", f.version}, {"/api/v1/grants/", f.grant},
		{"/api/v1/users/", f.user}, {"/api/v1/tokens/", f.victimTok}, {"/api/v1/alerts/", f.alert},
		{"/api/v1/incidents/", f.incident}, {"/api/v1/dlp/quarantine/", f.quarantine},
		{"/api/v1/discovered/", f.discovered},
		{"/api/v1/vuln/versions/", f.version}, {"/api/v1/vuln/plan/", f.planEntry},
		{"/api/v1/vuln/suppressions/", f.suppression},
	}
	for _, x := range ids {
		if strings.HasPrefix(pattern, x.prefix) {
			return strings.Replace(pattern, "{id}", strconv.FormatInt(x.id, 10), 1)
		}
	}
	if strings.Contains(pattern, "{") && strings.HasPrefix(pattern, "/api/") {
		// A new {id} or {serial} route must get a fixture record here, or
		// the cross-organization test would pass without testing it.
		panic("fillPath: no fixture record for " + pattern)
	}
	return pattern
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// seedDiscovered records one device seen on the organization's network and
// returns its id.
func (e *env) seedDiscovered(ctx context.Context, slug string) int64 {
	now := time.Now().UTC().Truncate(time.Minute)
	must(e.t, e.db.RecordObservations(ctx, &detect.Observations{Discovered: []detect.Discovered{{
		IP: netip.MustParseAddr("10.9.8.7"), Hostname: "unknown-" + slug, Apps: []string{"dicom"}, Events: 3,
		FirstSeen: now, LastSeen: now}}}))
	ds, _, err := e.db.ListDiscovered(ctx, "", "", 10)
	must(e.t, err)
	if len(ds) != 1 {
		e.t.Fatalf("discovered devices of %s: %d", slug, len(ds))
	}
	return ds[0].ID
}
