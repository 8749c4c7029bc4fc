package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"

	"github.com/airtight/airtight"
)

// Issue checks the request, builds the certificate from its profile, signs
// it with the organization's issuing CA (or req.CAID, which must be the
// actor's) and records it, linked to req.DeviceID. Nothing is signed when
// any check fails. For device profiles the subject is built from
// req.DeviceSerial (and UDI); for others those fields are ignored.
func (a *Authority) Issue(ctx context.Context, req IssueRequest) (*Certificate, error) {
	actor, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	p, err := LookupProfile(req.Profile)
	if err != nil {
		return nil, err
	}
	if err := CheckCSR(req.CSR); err != nil {
		return nil, err
	}
	k, err := a.issuer(ctx, actor.OrgID, req.CAID)
	if err != nil {
		return nil, err
	}
	crl, ocsp := a.urls(k.ca.ID)
	tmpl, err := p.template(certInput{req: req, now: a.now(), issuer: k.cert, hwType: a.hwType, crlURL: crl, ocsp: ocsp})
	if err != nil {
		return nil, err
	}
	// A serial collision among 2^128 is not expected; the store's
	// uniqueness constraint turns one into EConflict, and we draw again.
	for attempt := 0; ; attempt++ {
		c, err := a.sign(ctx, k, tmpl, req, actor.OrgID, p.Name)
		if airtight.ErrorCode(err) == airtight.EConflict && attempt < 2 {
			continue
		}
		return c, err
	}
}

func (a *Authority) sign(ctx context.Context, k *caKey, tmpl *x509.Certificate, req IssueRequest, orgID int64, profile string) (*Certificate, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, k.cert, req.CSR.PublicKey, k.signer)
	if err != nil {
		return nil, fmt.Errorf("sign certificate: %w", err)
	}
	c := &Certificate{
		Serial: FormatSerial(serial), OrgID: orgID, CAID: k.ca.ID, DeviceID: req.DeviceID, Profile: profile,
		Subject: tmpl.Subject.String(), NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, DER: der, Status: StatusGood,
	}
	if err := a.record(ctx, c, req.SpendToken); err != nil {
		return nil, err
	}
	return c, nil
}

// record stores the certificate, spending the enrollment token in the same
// transaction when there is one.
func (a *Authority) record(ctx context.Context, c *Certificate, tokenHash string) error {
	if tokenHash == "" {
		return a.store.CreateCertificate(ctx, c)
	}
	ts, ok := a.store.(TokenSpender)
	if !ok {
		return fmt.Errorf("issue: the store cannot spend enrollment tokens")
	}
	return ts.CreateCertificateSpendingToken(ctx, c, tokenHash)
}
