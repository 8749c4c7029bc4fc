package httpapi

import (
	"context"
	"encoding/pem"
	"net/http"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// PKIStore is what the API reads and writes directly in the certificate
// store, beside what it asks of the Authority: CA and certificate records,
// enrollment tokens and trust anchors. *sqlstore.DB implements it.
type PKIStore interface {
	pki.Store
	pki.EnrollmentStore
}

// Device PKI routes. Every staff role reads CAs, certificates and trust
// anchors (auditors included: they are public certificates, never keys).
// Revoking a compromised device certificate is incident response, so the
// analysts who triage alerts may do it as well as admins and biomed; a
// CA's own certificate, whose revocation stops every certificate under it,
// only admins revoke (mayRevoke).
// Issuing a certificate or an enrollment token decides which device joins
// the network under which identity: the inventory's editors (admin,
// biomed), who know the devices. Trust anchors decide whose factory
// identities the organization accepts for every device, so only admins
// add them.
func (s *Server) pkiRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/pki/cas", Roles: readers, Summary: "List the organization's certificate authorities", Handler: s.listCAs},
		{Method: "GET", Pattern: "/api/v1/pki/certificates", Roles: readers, Summary: "List certificates", Handler: s.listCertificates},
		{Method: "POST", Pattern: "/api/v1/pki/certificates", Roles: editors, Summary: "Issue a certificate from a certificate signing request", Handler: s.issueCertificate},
		{Method: "GET", Pattern: "/api/v1/pki/certificates/{serial}", Roles: readers, Summary: "Get a certificate with its PEM", Handler: s.withSerial(s.getCertificate)},
		{Method: "POST", Pattern: "/api/v1/pki/certificates/{serial}/revoke", Roles: triagers, Summary: "Revoke a certificate", Handler: s.withSerial(s.revokeCertificate)},
		{Method: "POST", Pattern: "/api/v1/pki/enrollment-tokens", Roles: editors, Summary: "Create a one-time EST enrollment token for a device; the secret is returned once", Handler: s.createEnrollmentToken},
		{Method: "GET", Pattern: "/api/v1/pki/trust-anchors", Roles: readers, Summary: "List trusted device-maker (IDevID) CAs", Handler: s.listTrustAnchors},
		{Method: "POST", Pattern: "/api/v1/pki/trust-anchors", Roles: admins, Summary: "Trust a device maker's factory (IDevID) CA", Handler: s.addTrustAnchor},
	}
}

// withSerial runs fn with the {serial} path value. It is handed to the
// store as it is: a serial no certificate can have is "not found" there.
func (s *Server) withSerial(fn func(w http.ResponseWriter, r *http.Request, serial string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := noQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		fn(w, r, r.PathValue("serial"))
	}
}

// certPEM encodes DER certificates as PEM, one block after another.
func certPEM(ders ...[]byte) string {
	var b strings.Builder
	for _, der := range ders {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return b.String()
}

// caView is a CA as the API shows it: never its key reference, which may
// name an HSM slot or carry a PIN.
type caView struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Kind           pki.CAKind `json:"kind"`
	ParentID       int64      `json:"parent_id,omitempty"`
	NotAfter       time.Time  `json:"not_after"`
	Offline        bool       `json:"offline"`
	CreatedAt      time.Time  `json:"created_at"`
	CertificatePEM string     `json:"certificate_pem"`
}

func caViewOf(ca *pki.CA) caView {
	return caView{ID: ca.ID, Name: ca.Name, Kind: ca.Kind, ParentID: ca.ParentID, NotAfter: ca.NotAfter,
		Offline: ca.Offline, CreatedAt: ca.CreatedAt, CertificatePEM: certPEM(ca.CertDER)}
}

type caList struct {
	CAs []caView `json:"cas"`
}

func (s *Server) listCAs(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	cas, err := s.svc.PKIStore.ListCAs(r.Context())
	views := make([]caView, 0, len(cas))
	for _, ca := range cas {
		views = append(views, caViewOf(ca))
	}
	s.respond(w, r, http.StatusOK, caList{CAs: views}, err)
}

// certView is a certificate as the API shows it: the reason by its RFC
// 5280 name, and the PEM only where one certificate is asked for.
type certView struct {
	Serial         string     `json:"serial"`
	CAID           int64      `json:"ca_id"`
	DeviceID       int64      `json:"device_id,omitempty"`
	Profile        string     `json:"profile"`
	Subject        string     `json:"subject"`
	NotBefore      time.Time  `json:"not_before"`
	NotAfter       time.Time  `json:"not_after"`
	Status         pki.Status `json:"status"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	Reason         string     `json:"reason,omitempty"` // set when revoked
	CreatedAt      time.Time  `json:"created_at"`
	CertificatePEM string     `json:"certificate_pem,omitempty"`
	ChainPEM       string     `json:"chain_pem,omitempty"` // issuing CA first, root last
}

func certViewOf(c *pki.Certificate, withPEM bool) *certView {
	v := &certView{Serial: c.Serial, CAID: c.CAID, DeviceID: c.DeviceID, Profile: c.Profile, Subject: c.Subject,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Status: c.Status, RevokedAt: c.RevokedAt, CreatedAt: c.CreatedAt}
	if c.Status == pki.StatusRevoked {
		v.Reason = c.Reason.String()
	}
	if withPEM {
		v.CertificatePEM = certPEM(c.DER)
	}
	return v
}

type certPage struct {
	Certificates []*certView `json:"certificates"`
	NextCursor   string      `json:"next_cursor,omitempty"`
}

// maxExpiringDays bounds expiring_within_days: ten years.
const maxExpiringDays = 3650

// certificateFilter reads a certificate filter from the query string.
func certificateFilter(r *http.Request) (pki.CertificateFilter, error) {
	p, err := queryParams(r, "ca_id", "device_id", "status", "expiring_within_days", "cursor", "limit")
	if err != nil {
		return pki.CertificateFilter{}, err
	}
	f := pki.CertificateFilter{CAID: p.id("ca_id"), DeviceID: p.id("device_id"), Status: pki.Status(p.str("status")),
		Cursor: p.str("cursor"), Limit: p.int("limit", 1, 500)}
	f.ExpiringWithin = time.Duration(p.int("expiring_within_days", 1, maxExpiringDays)) * 24 * time.Hour
	switch {
	case p.err != nil:
		return f, p.err
	case f.Status != "" && f.Status != pki.StatusGood && f.Status != pki.StatusRevoked:
		return f, fieldError("status", `must be "good" or "revoked"`)
	case f.Status == pki.StatusRevoked && f.ExpiringWithin > 0:
		return f, fieldError("status", "expiring_within_days lists good certificates only")
	}
	return f, nil
}

func (s *Server) listCertificates(w http.ResponseWriter, r *http.Request) {
	f, err := certificateFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, next, err := s.svc.PKIStore.ListCertificates(r.Context(), f)
	page := certPage{Certificates: make([]*certView, 0, len(cs)), NextCursor: next}
	for _, c := range cs {
		page.Certificates = append(page.Certificates, certViewOf(c, false))
	}
	s.respond(w, r, http.StatusOK, page, err)
}

func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request, serial string) {
	c, err := s.svc.PKIStore.FindCertificate(r.Context(), serial)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, certViewOf(c, true), nil)
}

// issueInput asks for a certificate. With device_id, the certificate
// identifies that inventory device: its serial number and UDI come from
// the inventory, not from the request.
type issueInput struct {
	CSRPEM   string   `json:"csr_pem"`
	Profile  string   `json:"profile"`
	DeviceID int64    `json:"device_id"`
	CAID     int64    `json:"ca_id"`     // 0: the organization's default issuing CA
	RoleOIDs []string `json:"role_oids"` // device roles as extended key usages, e.g. IEEE 11073 SDC roles
}

func (s *Server) issueCertificate(w http.ResponseWriter, r *http.Request) {
	var in issueInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.issueRequest(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.svc.PKI.Issue(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The certificate is recorded now: should its chain fail to load, the
	// 500 does not undo it, and a GET finds it.
	v := certViewOf(c, true)
	chain, err := s.svc.PKI.Chain(r.Context(), c.CAID)
	for _, ca := range chain {
		v.ChainPEM += certPEM(ca.Raw)
	}
	s.respond(w, r, http.StatusCreated, v, err)
}

// issueRequest checks in and builds the Authority's request: the CSR
// parsed and verified, the device's identity read from the inventory.
func (s *Server) issueRequest(ctx context.Context, in issueInput) (pki.IssueRequest, error) {
	switch {
	case in.CSRPEM == "":
		return pki.IssueRequest{}, fieldError("csr_pem", "is required")
	case in.DeviceID < 0:
		return pki.IssueRequest{}, fieldError("device_id", "must be a positive integer")
	case in.CAID < 0:
		return pki.IssueRequest{}, fieldError("ca_id", "must be a positive integer")
	}
	p, err := pki.LookupProfile(in.Profile)
	if err != nil {
		return pki.IssueRequest{}, err
	}
	csr, err := pki.ParseCSR([]byte(in.CSRPEM))
	if err != nil {
		return pki.IssueRequest{}, err
	}
	req := pki.IssueRequest{CAID: in.CAID, Profile: p.Name, CSR: csr, DeviceID: in.DeviceID}
	if len(in.RoleOIDs) > pki.MaxRoleOIDs {
		return req, fieldError("role_oids", "too many")
	}
	for _, o := range in.RoleOIDs {
		oid, err := pki.ParseOID(o)
		if err != nil {
			return req, fieldError("role_oids", airtight.ErrorMessage(err))
		}
		req.RoleOIDs = append(req.RoleOIDs, oid)
	}
	if in.DeviceID == 0 {
		if p.Device {
			return req, fieldError("device_id", "is required for device profiles")
		}
		return req, nil
	}
	d, err := s.svc.Devices.FindDevice(ctx, in.DeviceID)
	if err != nil {
		return req, err
	}
	if p.Device && d.SerialNumber == "" {
		return req, fieldError("device_id", "the device has no serial number in the inventory; device certificates need one")
	}
	req.DeviceSerial, req.UDI = d.SerialNumber, d.UDI
	return req, nil
}

type revokeInput struct {
	Reason string `json:"reason"` // RFC 5280 name, e.g. keyCompromise
}

// revokeCertificate revokes one of the organization's certificates.
// Revoking a revoked certificate returns it as it was. OnRevoke runs after
// every successful call, so that a missed invalidation heals on retry.
func (s *Server) revokeCertificate(w http.ResponseWriter, r *http.Request, serial string) {
	var in revokeInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.svc.PKIStore.FindCertificate(r.Context(), serial)
	if err == nil {
		err = mayRevoke(r.Context(), c)
	}
	if err == nil {
		c, err = s.revoke(r.Context(), c.Serial, in.Reason)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusOK, certViewOf(c, false), nil)
}

// mayRevoke keeps the revocation of a CA's own certificate, which stops
// every certificate under it, to admins.
func mayRevoke(ctx context.Context, c *pki.Certificate) error {
	if c.Profile == pki.ProfileIssuingCA && airtight.ActorFrom(ctx).Role != airtight.RoleAdmin {
		return airtight.Errorf(airtight.EForbidden, "only admins may revoke a CA certificate")
	}
	return nil
}

func (s *Server) revoke(ctx context.Context, serial, reasonName string) (*pki.Certificate, error) {
	if reasonName == "" {
		return nil, fieldError("reason", "is required: an RFC 5280 reason such as keyCompromise or superseded")
	}
	reason, err := pki.ParseReason(reasonName)
	if err != nil {
		return nil, err
	}
	c, err := s.svc.PKI.Revoke(ctx, serial, reason)
	if err != nil {
		return nil, err
	}
	if s.svc.OnRevoke != nil {
		s.svc.OnRevoke(c.CAID, c.Serial)
	}
	return c, nil
}
