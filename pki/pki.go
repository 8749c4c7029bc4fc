// Package pki is the domain of device identity: certificate authorities of an
// organization, the certificates they issue (each linked to an inventory
// device where there is one), revocation, and the profiles that shape
// certificates for medical devices (IEEE 802.1AR IDevID/LDevID, RFC 4108
// hardware module names, UDI).
//
// The Authority (authority.go) is the engine: it validates requests, builds
// certificates from profiles, signs them with keys it obtains through a
// KeyStore, records them through a Store and builds CRLs. Protocol adapters
// (est/, ocsp/) and the CLI use it through Service.
//
// It imports only the standard library.
package pki

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"
)

// CAKind says where a CA sits in the hierarchy.
type CAKind string

// CA kinds.
const (
	RootCA    CAKind = "root"    // self-signed; its key may be kept offline
	IssuingCA CAKind = "issuing" // signed by the root; signs end-entity certificates, CRLs and OCSP responses
)

// CA is a certificate authority of one organization.
type CA struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Name      string    `json:"name"`
	Kind      CAKind    `json:"kind"`
	ParentID  int64     `json:"parent_id,omitempty"` // the root, for an issuing CA
	CertDER   []byte    `json:"-"`
	KeyRef    string    `json:"key_ref"` // how the KeyStore finds the key: "file:NAME" or "pkcs11:..."; "" when offline
	Offline   bool      `json:"offline"` // the server does not hold the key (an offline root)
	NotAfter  time.Time `json:"not_after"`
	CreatedAt time.Time `json:"created_at"`
}

// Certificate parses CA.CertDER.
func (c *CA) Certificate() (*x509.Certificate, error) { return x509.ParseCertificate(c.CertDER) }

// Status is a certificate's revocation status.
type Status string

// Statuses.
const (
	StatusGood    Status = "good"
	StatusRevoked Status = "revoked"
)

// Reason is an RFC 5280 CRLReason code.
type Reason int

// Revocation reasons (RFC 5280 section 5.3.1; 7 is unused).
const (
	ReasonUnspecified          Reason = 0
	ReasonKeyCompromise        Reason = 1
	ReasonCACompromise         Reason = 2
	ReasonAffiliationChanged   Reason = 3
	ReasonSuperseded           Reason = 4
	ReasonCessationOfOperation Reason = 5
	ReasonCertificateHold      Reason = 6
	ReasonRemoveFromCRL        Reason = 8
	ReasonPrivilegeWithdrawn   Reason = 9
	ReasonAACompromise         Reason = 10
)

// Certificate is an issued end-entity (or CA) certificate and its status.
type Certificate struct {
	Serial    string     `json:"serial"` // lowercase hex, no leading zeros
	OrgID     int64      `json:"org_id"`
	CAID      int64      `json:"ca_id"`
	DeviceID  int64      `json:"device_id,omitempty"` // the inventory device, when the certificate identifies one
	Profile   string     `json:"profile"`
	Subject   string     `json:"subject"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  time.Time  `json:"not_after"`
	DER       []byte     `json:"-"`
	Status    Status     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Reason    Reason     `json:"reason,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// SerialNumber returns Serial as a number.
func (c *Certificate) SerialNumber() *big.Int {
	n, _ := new(big.Int).SetString(c.Serial, 16)
	return n
}

// FormatSerial renders a serial number as Certificate.Serial.
func FormatSerial(n *big.Int) string { return n.Text(16) }

// Revoked is one entry of a CRL.
type Revoked struct {
	Serial    string
	RevokedAt time.Time
	Reason    Reason
}

// IssueRequest asks for a certificate.
type IssueRequest struct {
	CAID     int64 // 0: the organization's default issuing CA
	Profile  string
	CSR      *x509.CertificateRequest // parsed and checked with ParseCSR
	DeviceID int64                    // the inventory device the certificate identifies, if any
	// Device identity fields, for device profiles.
	DeviceSerial string // the device's serial number: subject serialNumber and the hardware module name
	UDI          string // FDA Unique Device Identifier, optional
	Lifetime     time.Duration
	// Names the requester may put in the certificate; nil allows whatever
	// the profile allows from the CSR.
	AllowedNames []string
	// RoleOIDs are extended key usages naming the roles a device plays,
	// added to the profile's (device profiles only, at most MaxRoleOIDs):
	// for example the participant roles of IEEE 11073 SDC (IEEE
	// 11073-40101), whose OIDs the caller takes from that standard.
	RoleOIDs []asn1.ObjectIdentifier
	// SpendToken, when set, is the hash of a one-time enrollment token that
	// the store spends in the same transaction that records the certificate:
	// the certificate exists if and only if the token was still unused, and
	// a request refused before that point leaves the token usable. The store
	// must implement TokenSpender.
	SpendToken string
}

// MaxRoleOIDs bounds IssueRequest.RoleOIDs.
const MaxRoleOIDs = 8

// TokenSpender is a Store that can record a certificate and spend an
// enrollment token of the actor's organization in one transaction.
type TokenSpender interface {
	CreateCertificateSpendingToken(ctx context.Context, c *Certificate, tokenHash string) error
}

// Store persists CAs and certificates. Every method is scoped to the actor's
// organization (airtight.ActorFrom(ctx)) except those marked unscoped, which
// serve public protocols (OCSP, CRL distribution).
type Store interface {
	CreateCA(ctx context.Context, ca *CA) error
	ListCAs(ctx context.Context) ([]*CA, error)
	FindCA(ctx context.Context, id int64) (*CA, error)
	// FindCAUnscoped finds any organization's CA (OCSP, CRL, EST cacerts).
	FindCAUnscoped(ctx context.Context, id int64) (*CA, error)

	CreateCertificate(ctx context.Context, c *Certificate) error
	FindCertificate(ctx context.Context, serial string) (*Certificate, error)
	// FindCertificateUnscoped finds a certificate of a CA by serial (OCSP).
	FindCertificateUnscoped(ctx context.Context, caID int64, serial string) (*Certificate, error)
	ListCertificates(ctx context.Context, f CertificateFilter) ([]*Certificate, string, error)
	RevokeCertificate(ctx context.Context, serial string, reason Reason) (*Certificate, error)
	// WalkRevoked calls fn for every revoked certificate of the CA, in serial
	// order, without holding them all in memory (CRL generation).
	WalkRevoked(ctx context.Context, caID int64, fn func(Revoked) error) error
}

// DeltaStore is a Store that can list recent revocations, which delta CRLs
// (Authority.DeltaCRL) need. Optional: the Authority checks for it.
type DeltaStore interface {
	// WalkRevokedSince calls fn for every certificate of the CA revoked
	// strictly after since, in serial order, without holding them all in
	// memory. It is scoped like WalkRevoked.
	WalkRevokedSince(ctx context.Context, caID int64, since time.Time, fn func(Revoked) error) error
}

// CertificateFilter narrows a certificate list.
type CertificateFilter struct {
	CAID           int64
	DeviceID       int64
	Status         Status
	ExpiringWithin time.Duration // > 0: good certificates with NotAfter before now+ExpiringWithin
	Cursor         string
	Limit          int
}

// KeyStore holds CA private keys. Keys never leave it in clear; callers get
// a crypto.Signer.
type KeyStore interface {
	// Generate creates a key of the algorithm ("ecdsa-p256", "ecdsa-p384",
	// "rsa-3072", "ed25519") and returns it with the reference to find it again.
	Generate(ctx context.Context, label, algorithm string) (crypto.Signer, string, error)
	// Load returns the key a reference names.
	Load(ctx context.Context, ref string) (crypto.Signer, error)
}

// Service is what the CLI, the API and the protocol adapters use.
type Service interface {
	// Init creates the actor's organization's root and issuing CAs.
	Init(ctx context.Context, opts InitOptions) (root, issuing *CA, err error)
	// Chain returns the issuing CA's chain, issuing CA first, root last.
	Chain(ctx context.Context, caID int64) ([]*x509.Certificate, error)
	// Issue checks the request (the CSR's signature included, see
	// CheckCSR) before anything is signed.
	Issue(ctx context.Context, req IssueRequest) (*Certificate, error)
	Revoke(ctx context.Context, serial string, reason Reason) (*Certificate, error)
	// CRL returns the CA's current full CRL (DER), cached until NextUpdate
	// nears or a revocation invalidates it.
	CRL(ctx context.Context, caID int64) ([]byte, error)
	// OCSPSigner returns the key and certificate that sign OCSP responses
	// and CRLs for the CA (unscoped: OCSP is public).
	OCSPSigner(ctx context.Context, caID int64) (crypto.Signer, *x509.Certificate, error)
}

// InitOptions configure Init.
type InitOptions struct {
	Name        string        // e.g. "Riverside General Device CA"
	Algorithm   string        // default "ecdsa-p256"
	RootLife    time.Duration // default 20 years
	IssuingLife time.Duration // default 10 years
	OfflineRoot bool          // drop the root key from the KeyStore after signing the issuing CA, returning it PEM-encrypted to the caller

	// With OfflineRoot: the passphrase that encrypts the exported root key,
	// and the function that receives it (e.g. writes it to removable
	// media). The KeyStore must implement KeyExporter. Init fails, and
	// stores nothing, if the sink fails.
	OfflineRootPassphrase []byte
	OfflineRootSink       func(encryptedKey []byte) error
}

// KeyAlgorithms are the CA key algorithms a KeyStore generates.
var KeyAlgorithms = []string{"ecdsa-p256", "ecdsa-p384", "rsa-3072", "ed25519"}

// KeyExporter is implemented by key stores that can hand a key out
// encrypted and forget it: what an offline root needs.
type KeyExporter interface {
	// Export returns the key ref names, encrypted under passphrase (PEM).
	Export(ctx context.Context, ref string, passphrase []byte) ([]byte, error)
	// Delete removes the key ref names.
	Delete(ctx context.Context, ref string) error
}

// EnrollmentToken authorises one EST enrollment for one inventory device.
// The secret is shown once; only its hash is stored.
type EnrollmentToken struct {
	ID        int64      `json:"id"`
	OrgID     int64      `json:"org_id"`
	DeviceID  int64      `json:"device_id"`
	Profile   string     `json:"profile"`
	Hash      string     `json:"-"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// TrustAnchor is a device maker's factory (IDevID) CA that an organization
// trusts: a device presenting a factory certificate chaining to it may
// enroll for a local (LDevID) certificate.
type TrustAnchor struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Name      string    `json:"name"`
	CertDER   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// EnrollmentStore persists enrollment tokens and trust anchors.
type EnrollmentStore interface {
	// CreateEnrollmentToken stores t (Hash set by the caller) in the actor's organization.
	CreateEnrollmentToken(ctx context.Context, t *EnrollmentToken) error
	// UseEnrollmentToken is unscoped: it finds the token by hash and marks
	// it used in one step; unknown, used or expired tokens are unauthorized.
	UseEnrollmentToken(ctx context.Context, hash string) (*EnrollmentToken, error)
	// FindEnrollmentToken is unscoped and changes nothing: it returns the
	// unused, unexpired token with the hash (unauthorized otherwise), so that
	// a request can be checked before IssueRequest.SpendToken spends it.
	FindEnrollmentToken(ctx context.Context, hash string) (*EnrollmentToken, error)
	AddTrustAnchor(ctx context.Context, a *TrustAnchor) error
	// ListTrustAnchors is unscoped by actor: it lists the anchors of orgID.
	ListTrustAnchors(ctx context.Context, orgID int64) ([]*TrustAnchor, error)
}

// Profile names.
const (
	ProfileDeviceIDevID  = "device-idevid"  // factory identity a device maker gives its product (IEEE 802.1AR IDevID)
	ProfileDeviceLDevID  = "device-ldevid"  // local operational identity a hospital gives a device (802.1AR LDevID)
	ProfileDeviceShort   = "device-short"   // short-lived operational identity (hours), no revocation needed
	ProfileServer        = "server"         // TLS server (PACS, HL7 engine, EST/OCSP endpoints)
	ProfileUpdateSigning = "update-signing" // signs software update metadata
)
