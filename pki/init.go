package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"
	"time"

	"github.com/airtight/airtight"
)

// ProfileIssuingCA is the Certificate.Profile of an issuing CA's
// certificate, recorded under its root so that it can be revoked.
const ProfileIssuingCA = "issuing-ca"

func (o InitOptions) withDefaults(orgID int64) (InitOptions, error) {
	if o.Name == "" {
		o.Name = fmt.Sprintf("Organization %d Device CA", orgID)
	}
	if len(o.Name) > 64-len(" Root") {
		return o, fieldError("name", "must be at most %d characters", 64-len(" Root"))
	}
	if o.Algorithm == "" {
		o.Algorithm = "ecdsa-p256"
	}
	if !slices.Contains(KeyAlgorithms, o.Algorithm) {
		return o, fieldError("algorithm", "unknown key algorithm %q (ecdsa-p256, ecdsa-p384, rsa-3072, ed25519)", truncate(o.Algorithm, 32))
	}
	if o.RootLife == 0 {
		o.RootLife = 20 * 365 * day
	}
	if o.IssuingLife == 0 {
		o.IssuingLife = 10 * 365 * day
	}
	if o.RootLife < 0 || o.IssuingLife < 0 || o.IssuingLife > o.RootLife {
		return o, fieldError("issuing_life", "must be positive and no longer than the root's")
	}
	if o.OfflineRoot && (o.OfflineRootSink == nil || len(o.OfflineRootPassphrase) == 0) {
		return o, fieldError("offline_root", "an offline root needs a passphrase and a place to write the key")
	}
	return o, nil
}

// Init creates the actor's organization's root and issuing CAs. It fails
// with EConflict when the organization already has an issuing CA.
func (a *Authority) Init(ctx context.Context, opts InitOptions) (root, issuing *CA, err error) {
	actor, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if opts, err = opts.withDefaults(actor.OrgID); err != nil {
		return nil, nil, err
	}
	if err := a.checkNoCA(ctx); err != nil {
		return nil, nil, err
	}
	root, rootKey, err := a.createRoot(ctx, actor.OrgID, opts)
	if err != nil {
		return nil, nil, err
	}
	issuing, err = a.createIssuing(ctx, actor.OrgID, opts, root, rootKey)
	if err != nil {
		return nil, nil, err
	}
	a.mu.Lock()
	delete(a.defaults, actor.OrgID)
	a.mu.Unlock()
	return root, issuing, nil
}

func (a *Authority) checkNoCA(ctx context.Context) error {
	cas, err := a.store.ListCAs(ctx)
	if err != nil {
		return err
	}
	for _, ca := range cas {
		if ca.Kind == IssuingCA {
			return airtight.Errorf(airtight.EConflict, "the organization already has an issuing CA (%q)", ca.Name)
		}
	}
	return nil
}

// createRoot generates, self-signs and records the root; with an offline
// root the key is exported to the sink and removed from the KeyStore first.
func (a *Authority) createRoot(ctx context.Context, orgID int64, o InitOptions) (*CA, *caKey, error) {
	var exp KeyExporter
	if o.OfflineRoot {
		var ok bool
		if exp, ok = a.keys.(KeyExporter); !ok {
			return nil, nil, fieldError("offline_root", "this key store cannot export keys")
		}
	}
	key, ref, err := a.keys.Generate(ctx, fmt.Sprintf("org%d-root", orgID), o.Algorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("generate root key: %w", err)
	}
	name := o.Name + " Root"
	tmpl, err := a.caTemplate(name, key.Public(), o.RootLife, 1)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("sign root certificate: %w", err)
	}
	if o.OfflineRoot {
		if err := sealOffline(ctx, exp, ref, o); err != nil {
			return nil, nil, err
		}
		ref = ""
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse root certificate: %w", err)
	}
	ca := &CA{OrgID: orgID, Name: name, Kind: RootCA, CertDER: der, KeyRef: ref, Offline: o.OfflineRoot, NotAfter: cert.NotAfter}
	if err := a.store.CreateCA(ctx, ca); err != nil {
		return nil, nil, err
	}
	return ca, &caKey{ca: ca, cert: cert, signer: key}, nil
}

// sealOffline hands the encrypted root key to the sink, then deletes it
// from the KeyStore (also when the sink fails: nothing is recorded then).
func sealOffline(ctx context.Context, exp KeyExporter, ref string, o InitOptions) error {
	sealed, err := exp.Export(ctx, ref, o.OfflineRootPassphrase)
	if err == nil {
		err = o.OfflineRootSink(sealed)
	}
	if derr := exp.Delete(ctx, ref); derr != nil && err == nil {
		err = fmt.Errorf("remove root key from the key store: %w", derr)
	}
	if err != nil {
		return fmt.Errorf("offline root: %w", err)
	}
	return nil
}

func (a *Authority) createIssuing(ctx context.Context, orgID int64, o InitOptions, root *CA, rk *caKey) (*CA, error) {
	key, ref, err := a.keys.Generate(ctx, fmt.Sprintf("org%d-issuing", orgID), o.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("generate issuing key: %w", err)
	}
	tmpl, err := a.caTemplate(o.Name, key.Public(), o.IssuingLife, 0)
	if err != nil {
		return nil, err
	}
	if tmpl.NotAfter.After(rk.cert.NotAfter) {
		tmpl.NotAfter = rk.cert.NotAfter
	}
	crl, ocsp := a.urls(root.ID)
	if crl != "" {
		tmpl.CRLDistributionPoints = []string{crl}
		if !root.Offline {
			tmpl.OCSPServer = []string{ocsp}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, rk.cert, key.Public(), rk.signer)
	if err != nil {
		return nil, fmt.Errorf("sign issuing certificate: %w", err)
	}
	ca := &CA{OrgID: orgID, Name: o.Name, Kind: IssuingCA, ParentID: root.ID, CertDER: der, KeyRef: ref, NotAfter: tmpl.NotAfter}
	if err := a.store.CreateCA(ctx, ca); err != nil {
		return nil, err
	}
	rec := &Certificate{
		Serial: FormatSerial(tmpl.SerialNumber), OrgID: orgID, CAID: root.ID, Profile: ProfileIssuingCA,
		Subject: tmpl.Subject.String(), NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, DER: der, Status: StatusGood,
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, fmt.Errorf("record issuing certificate: %w", err)
	}
	return ca, nil
}

// caTemplate is a CA certificate template; pathLen 1 for a root, 0 for an
// issuing CA.
func (a *Authority) caTemplate(cn string, pub crypto.PublicKey, life time.Duration, pathLen int) (*x509.Certificate, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	now := a.now().UTC().Truncate(time.Second)
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(life),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            pathLen,
		MaxPathLenZero:        pathLen == 0,
		SubjectKeyId:          ski,
	}, nil
}
