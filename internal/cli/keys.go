package cli

import (
	"context"
	"crypto"
	"path/filepath"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/pki"
	"github.com/airtight/airtight/pki/keyfile"
	"github.com/airtight/airtight/pki/pkcs11"
)

// keyRouter sends each CA key reference to the store that holds it: key
// files ("file:...") by default, a PKCS#11 HSM ("pkcs11:...") when one is
// configured. New keys go to the file store.
type keyRouter struct {
	files pki.KeyStore // nil: locked (no CA passphrase)
	hsm   pki.KeyStore // nil: no HSM configured
	why   error        // why files is nil
}

var _ pki.KeyStore = (*keyRouter)(nil)

func (k *keyRouter) Generate(ctx context.Context, label, alg string) (crypto.Signer, string, error) {
	if k.files == nil {
		return nil, "", k.why
	}
	return k.files.Generate(ctx, label, alg)
}

func (k *keyRouter) Load(ctx context.Context, ref string) (crypto.Signer, error) {
	switch {
	case strings.HasPrefix(ref, "pkcs11:"):
		if k.hsm == nil {
			return nil, airtight.Errorf(airtight.EInvalid, "this CA key is in an HSM, and no HSM is configured: set AIRTIGHT_PKCS11_MODULE, AIRTIGHT_PKCS11_TOKEN and AIRTIGHT_PKCS11_PIN")
		}
		return k.hsm.Load(ctx, ref)
	case k.files == nil:
		return nil, k.why
	}
	return k.files.Load(ctx, ref)
}

// serverKeys opens the CA key stores the server signs with. Without a CA
// passphrase (no 'airtight ca init' yet, or AIRTIGHT_CA_PASSPHRASE unset)
// the file store stays locked: the server runs, and issuing says why not.
func (e *env) serverKeys(c *Config) (*keyRouter, func(), error) {
	k := &keyRouter{}
	if pass, err := e.caPassphrase(c.Data, false); err != nil {
		k.why = airtight.Errorf(airtight.EInvalid, "the CA keys are locked: run 'airtight ca init' or set AIRTIGHT_CA_PASSPHRASE")
	} else {
		files, err := keyfile.New(filepath.Join(c.Data, caKeyDir), pass)
		clear(pass)
		if err != nil {
			return nil, nil, err
		}
		k.files = files
	}
	closeHSM := func() {}
	if module := e.getenv("AIRTIGHT_PKCS11_MODULE"); module != "" {
		hsm, err := pkcs11.Open(pkcs11.Config{ModulePath: module, TokenLabel: e.getenv("AIRTIGHT_PKCS11_TOKEN"), PIN: e.getenv("AIRTIGHT_PKCS11_PIN")})
		if err != nil {
			return nil, nil, err
		}
		k.hsm, closeHSM = hsm, func() { hsm.Close() }
	}
	return k, closeHSM, nil
}
