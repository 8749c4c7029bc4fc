package est

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
)

// caChain is an organization's current chain (for cacerts) and every CA
// it has (to verify certificates presented for re-enrollment, including
// those of an issuing CA since rotated).
type caChain struct {
	certs []*x509.Certificate // current issuing CA first, root last
	roots *x509.CertPool
	inter []*x509.Certificate
	p7    []byte // the cacerts response
}

// chain returns the organization's CA chain, remembered for CacheTTL.
func (s *Server) chain(ctx context.Context, orgID int64) (*caChain, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	c, ok := s.chains[orgID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.v, nil
	}
	ch, err := s.loadChain(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.chains[orgID] = cached[*caChain]{v: ch, expires: now.Add(s.cfg.CacheTTL)}
	s.mu.Unlock()
	return ch, nil
}

func (s *Server) loadChain(ctx context.Context) (*caChain, error) {
	certs, err := s.cfg.Service.Chain(ctx, 0)
	if airtight.ErrorCode(err) == airtight.ENotFound || err == nil && len(certs) == 0 {
		return nil, failf(http.StatusNotFound, err, "no certificate authority for this label")
	} else if err != nil {
		return nil, internal(fmt.Errorf("CA chain: %w", err))
	}
	cas, err := s.cfg.Certs.ListCAs(ctx)
	if err != nil {
		return nil, internal(fmt.Errorf("list CAs: %w", err))
	}
	ch := &caChain{certs: certs, roots: x509.NewCertPool()}
	for _, ca := range cas {
		c, err := ca.Certificate()
		if err != nil {
			return nil, internal(fmt.Errorf("parse CA %d: %w", ca.ID, err))
		}
		if ca.Kind == pki.RootCA {
			ch.roots.AddCert(c)
		} else {
			ch.inter = append(ch.inter, c)
		}
	}
	if ch.p7, err = encodeCertsOnly(certs); err != nil {
		return nil, internal(err)
	}
	return ch, nil
}

// serveCACerts answers /cacerts (RFC 7030 section 4.1): the chain as a
// certs-only PKCS#7. No authentication.
func (s *Server) serveCACerts(w http.ResponseWriter, r *http.Request) {
	org, err := s.organization(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ch, err := s.chain(systemContext(r.Context(), org.ID), org.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBase64(w, mediaCertsOnly, ch.p7)
}

// serveEnroll answers /simpleenroll (RFC 7030 section 4.2).
func (s *Server) serveEnroll(w http.ResponseWriter, r *http.Request) {
	cert, err := s.enroll(r, s.authenticateEnroll)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCert(w, cert)
}

// serveReenroll answers /simplereenroll (RFC 7030 section 4.2.2).
func (s *Server) serveReenroll(w http.ResponseWriter, r *http.Request) {
	cert, err := s.enroll(r, s.authenticateReenroll)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCert(w, cert)
}

type authenticator func(*http.Request, *airtight.Organization) (*enrollment, error)

// enroll runs one enrollment: resolve the label, refuse a request without
// credentials, check the CSR before spending any credential, authenticate,
// apply the name policy, issue.
func (s *Server) enroll(r *http.Request, authn authenticator) (*x509.Certificate, error) {
	e, csr, err := s.prepare(r, authn)
	if err != nil {
		return nil, err
	}
	return s.issue(e, csr)
}

// prepare does everything enroll does short of issuing.
func (s *Server) prepare(r *http.Request, authn authenticator) (*enrollment, *x509.CertificateRequest, error) {
	org, err := s.organization(r)
	if err != nil {
		return nil, nil, err
	}
	if !hasCredentials(r) {
		return nil, nil, unauthorized(nil)
	}
	der, err := readRequest(r, s.cfg.MaxBody)
	if err != nil {
		return nil, nil, err
	}
	csr, err := parseCSR(der)
	if err != nil {
		return nil, nil, err
	}
	e, err := authn(r, org)
	if err != nil {
		return nil, nil, err
	}
	if e.subject != "" && csr.Subject.String() != e.subject {
		return nil, nil, badCSR("the request's subject must be the current certificate's subject")
	}
	if err := e.policy.check(csr); err != nil {
		return nil, nil, err
	}
	return e, csr, nil
}

// issue asks the CA for the certificate and logs what was issued.
func (s *Server) issue(e *enrollment, csr *x509.CertificateRequest) (*x509.Certificate, error) {
	req := pki.IssueRequest{Profile: e.profile, CSR: csr, AllowedNames: e.policy.allowed(), SpendToken: e.token}
	if e.device != nil {
		req.DeviceID, req.DeviceSerial, req.UDI = e.device.ID, e.device.SerialNumber, e.device.UDI
	} else {
		req.DeviceSerial = e.policy.serial
	}
	rec, err := s.cfg.Service.Issue(e.ctx, req)
	if err != nil {
		return nil, fromDomain(fmt.Errorf("issue: %w", err))
	}
	cert, err := x509.ParseCertificate(rec.DER)
	if err != nil {
		return nil, internal(fmt.Errorf("parse issued certificate: %w", err))
	}
	s.log.Info("est: certificate issued", "org", e.org.Slug, "org_id", e.org.ID, "device_id", req.DeviceID,
		"serial", rec.Serial, "profile", rec.Profile, "method", e.method)
	return cert, nil
}

func (s *Server) writeCert(w http.ResponseWriter, cert *x509.Certificate) {
	p7, err := encodeCertsOnly([]*x509.Certificate{cert})
	if err != nil { // cannot happen with one parsed certificate
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeBase64(w, mediaCertsOnly, p7)
}
