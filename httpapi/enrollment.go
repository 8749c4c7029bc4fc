package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth"
	"github.com/airtight/airtight/pki"
)

// Enrollment tokens: a device enrolls over EST (package est) with a
// one-time secret sent as its HTTP Basic password. The secret is shown once,
// in the creation response; only its hash is stored.
const (
	EnrollmentTokenPrefix  = "aet_"
	defaultEnrollmentHours = 72
	maxEnrollmentHours     = 720
	// estPathPrefix is est.PathPrefix (package est imports this one).
	estPathPrefix = "/.well-known/est/"
)

type enrollmentInput struct {
	DeviceID       int64  `json:"device_id"`
	Profile        string `json:"profile"`          // a device profile; default device-ldevid
	ExpiresInHours int    `json:"expires_in_hours"` // default 72, at most 720
}

// newEnrollmentToken is the creation response: the token's record, its
// secret and where the device sends it.
type newEnrollmentToken struct {
	*pki.EnrollmentToken
	Token  string `json:"token"` // shown this once
	ESTURL string `json:"est_url"`
}

func (s *Server) createEnrollmentToken(w http.ResponseWriter, r *http.Request) {
	var in enrollmentInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.enrollmentToken(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.svc.Orgs.FindOrganizationByID(r.Context(), t.OrgID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	secret, hash := auth.NewSecret(EnrollmentTokenPrefix)
	t.Hash = hash
	err = s.svc.PKIStore.CreateEnrollmentToken(r.Context(), t)
	resp := newEnrollmentToken{EnrollmentToken: t, Token: secret, ESTURL: estPathPrefix + o.Slug + "/simpleenroll"}
	s.respond(w, r, http.StatusCreated, resp, err)
}

// enrollmentToken checks in and returns the token to store (without its
// hash) for a device of the actor's organization.
func (s *Server) enrollmentToken(ctx context.Context, in enrollmentInput) (*pki.EnrollmentToken, error) {
	if in.DeviceID <= 0 {
		return nil, fieldError("device_id", "is required")
	}
	if in.Profile == "" {
		in.Profile = pki.ProfileDeviceLDevID
	}
	hours, err := enrollmentHours(in.ExpiresInHours)
	if err != nil {
		return nil, err
	}
	p, err := pki.LookupProfile(in.Profile)
	if err != nil {
		return nil, err
	}
	if !p.Device {
		return nil, fieldError("profile", "must be a device profile (device-idevid, device-ldevid, device-short)")
	}
	orgID, err := actorOrg(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Devices.FindDevice(ctx, in.DeviceID) // another organization's device is not found
	if err != nil {
		return nil, err
	}
	if d.SerialNumber == "" {
		return nil, fieldError("device_id", "the device has no serial number in the inventory; device certificates need one")
	}
	return &pki.EnrollmentToken{OrgID: orgID, DeviceID: d.ID, Profile: p.Name,
		ExpiresAt: s.now().Add(time.Duration(hours) * time.Hour)}, nil
}

func enrollmentHours(h int) (int, error) {
	switch {
	case h == 0:
		return defaultEnrollmentHours, nil
	case h < 0 || h > maxEnrollmentHours:
		return 0, fieldError("expires_in_hours", "must be an integer from 1 to 720")
	}
	return h, nil
}

// actorOrg returns the organization the request acts in.
func actorOrg(ctx context.Context) (int64, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	return a.OrgID, nil
}

// trustAnchorView is a trust anchor with what identifies its certificate.
type trustAnchorView struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Subject        string    `json:"subject,omitempty"`
	NotAfter       time.Time `json:"not_after,omitzero"`
	SHA256         string    `json:"sha256"` // of the DER certificate
	CreatedAt      time.Time `json:"created_at"`
	CertificatePEM string    `json:"certificate_pem"`
}

func trustAnchorViewOf(a *pki.TrustAnchor) trustAnchorView {
	sum := sha256.Sum256(a.CertDER)
	v := trustAnchorView{ID: a.ID, Name: a.Name, SHA256: hex.EncodeToString(sum[:]), CreatedAt: a.CreatedAt,
		CertificatePEM: certPEM(a.CertDER)}
	if c, err := x509.ParseCertificate(a.CertDER); err == nil {
		v.Subject, v.NotAfter = c.Subject.String(), c.NotAfter
	}
	return v
}

type trustAnchorList struct {
	TrustAnchors []trustAnchorView `json:"trust_anchors"`
}

func (s *Server) listTrustAnchors(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	orgID, err := actorOrg(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.svc.PKIStore.ListTrustAnchors(r.Context(), orgID)
	views := make([]trustAnchorView, 0, len(as))
	for _, a := range as {
		views = append(views, trustAnchorViewOf(a))
	}
	s.respond(w, r, http.StatusOK, trustAnchorList{TrustAnchors: views}, err)
}

type trustAnchorInput struct {
	Name           string `json:"name"`
	CertificatePEM string `json:"certificate_pem"`
}

func (s *Server) addTrustAnchor(w http.ResponseWriter, r *http.Request) {
	var in trustAnchorInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	cert, err := parseCACertificate(in.CertificatePEM, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := &pki.TrustAnchor{Name: in.Name, CertDER: cert.Raw}
	if err := s.svc.PKIStore.AddTrustAnchor(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, http.StatusCreated, trustAnchorViewOf(a), nil)
}

// maxAnchorPEM bounds a trust anchor's PEM.
const maxAnchorPEM = 16 << 10

// parseCACertificate reads one PEM certificate that may sign others.
func parseCACertificate(data string, now time.Time) (*x509.Certificate, error) {
	const field = "certificate_pem"
	if len(data) > maxAnchorPEM {
		return nil, fieldError(field, "is larger than 16 KiB")
	}
	block, rest := pem.Decode([]byte(data))
	switch {
	case block == nil:
		return nil, fieldError(field, "is required, one PEM CERTIFICATE block")
	case block.Type != "CERTIFICATE":
		return nil, fieldError(field, "must be one PEM CERTIFICATE block")
	case strings.TrimSpace(string(rest)) != "":
		return nil, fieldError(field, "must hold exactly one certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	switch {
	case err != nil:
		return nil, fieldError(field, "is not a valid X.509 certificate")
	case !cert.BasicConstraintsValid || !cert.IsCA:
		return nil, fieldError(field, "is not a CA certificate (basicConstraints cA must be true)")
	case cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0:
		return nil, fieldError(field, "is not a CA certificate (keyUsage lacks keyCertSign)")
	case !now.Before(cert.NotAfter):
		return nil, fieldError(field, "has expired")
	}
	return cert, nil
}
