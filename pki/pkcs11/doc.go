// Package pkcs11 keeps certificate authority keys in a PKCS#11 hardware
// security module. Its KeyStore implements pki.KeyStore: keys are generated
// on the token as non-extractable, sensitive token objects, and callers only
// ever get a crypto.Signer whose Sign runs inside the HSM.
//
// # Building with HSM support
//
// PKCS#11 modules are C shared libraries, so talking to one needs cgo. The
// default airtight binary is built with CGO_ENABLED=0 and does not include
// this support; build it in with the pkcs11 tag:
//
//	CGO_ENABLED=1 go build -tags pkcs11 ./cmd/airtight
//
// In a binary built without it, Open returns ErrNotBuilt ("this binary was
// built without PKCS#11 support; rebuild with -tags pkcs11"), so a CA whose
// key reference starts with "pkcs11:" fails clearly instead of silently.
// ParseRef and Ref work in both builds, so references can be validated
// anywhere.
//
// # Key references
//
// Generate returns an RFC 7512 PKCS#11 URI naming the key:
//
//	pkcs11:token=airtight;id=%3A%9F...;object=Riverside%20issuing%20CA
//
// token is the token label, id the key's random CKA_ID (every byte
// percent-encoded), object its CKA_LABEL. ParseRef is strict: it accepts
// only token, id, object and type=private, each at most once, and no query
// part — in particular never a pin-value: the PIN comes from Config only.
//
// # Concurrency
//
// A KeyStore and the signers it returns are safe for concurrent use.
// github.com/ThalesGroup/crypto11 keeps one logged-in session for the life
// of the store and a pool of further sessions; each operation takes a session
// for itself, as PKCS#11 requires (a session must not be used by two threads
// at once). Config.MaxSessions bounds the pool; an operation waits at most
// Config.SessionWait for a free session.
//
// # Testing
//
// The tests (go test -tags pkcs11) create a throwaway SoftHSM2 token; they
// are skipped when SoftHSM2 is not installed unless AIRTIGHT_TEST_TOOLS is
// "required".
//
// Ed25519 is not supported: SoftHSM2 implements CKM_EC_EDWARDS_KEY_PAIR_GEN,
// but crypto11 v1.6.2 has no EdDSA keys; Generate returns
// ErrUnsupportedAlgorithm for it.
package pkcs11
