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
	files  pki.KeyStore // nil: locked (no CA passphrase)
	hsm    pki.KeyStore // nil: no HSM configured
	why    error        // why files is nil
	genHSM bool         // new keys go to the HSM (ca init --hsm)
}

var (
	_ pki.KeyStore    = (*keyRouter)(nil)
	_ pki.KeyExporter = (*keyRouter)(nil)
)

func (k *keyRouter) Generate(ctx context.Context, label, alg string) (crypto.Signer, string, error) {
	if k.genHSM {
		if k.hsm == nil {
			return nil, "", errNoHSM
		}
		return k.hsm.Generate(ctx, label, alg)
	}
	if k.files == nil {
		return nil, "", k.why
	}
	return k.files.Generate(ctx, label, alg)
}

var errNoHSM = airtight.Errorf(airtight.EInvalid, "no HSM is configured: set AIRTIGHT_PKCS11_MODULE, AIRTIGHT_PKCS11_TOKEN and AIRTIGHT_PKCS11_PIN (and use a binary built with -tags pkcs11)")

// exporter returns the file store when it can export ref (an offline
// root); HSM keys never leave the HSM.
func (k *keyRouter) exporter(ref string) (pki.KeyExporter, error) {
	exp, ok := k.files.(pki.KeyExporter)
	if !ok || !strings.HasPrefix(ref, "file:") {
		return nil, airtight.Errorf(airtight.EInvalid, "this key store cannot export keys (HSM keys stay in the HSM)")
	}
	return exp, nil
}

func (k *keyRouter) Export(ctx context.Context, ref string, passphrase []byte) ([]byte, error) {
	exp, err := k.exporter(ref)
	if err != nil {
		return nil, err
	}
	return exp.Export(ctx, ref, passphrase)
}

func (k *keyRouter) Delete(ctx context.Context, ref string) error {
	exp, err := k.exporter(ref)
	if err != nil {
		return err
	}
	return exp.Delete(ctx, ref)
}

func (k *keyRouter) Load(ctx context.Context, ref string) (crypto.Signer, error) {
	switch {
	case strings.HasPrefix(ref, "pkcs11:"):
		if k.hsm == nil {
			return nil, errNoHSM
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
	closeHSM, err := e.openHSM(k)
	if err != nil {
		return nil, nil, err
	}
	return k, closeHSM, nil
}

// openHSM opens the PKCS#11 key store the AIRTIGHT_PKCS11_* variables name,
// if any, into k.
func (e *env) openHSM(k *keyRouter) (func(), error) {
	module := e.getenv("AIRTIGHT_PKCS11_MODULE")
	if module == "" {
		return func() {}, nil
	}
	hsm, err := pkcs11.Open(pkcs11.Config{ModulePath: module, TokenLabel: e.getenv("AIRTIGHT_PKCS11_TOKEN"), PIN: e.getenv("AIRTIGHT_PKCS11_PIN")})
	if err != nil {
		return nil, err
	}
	k.hsm = hsm
	return func() { hsm.Close() }, nil
}
