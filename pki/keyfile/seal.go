package keyfile

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strconv"

	"golang.org/x/crypto/argon2"

	"github.com/airtight/airtight"
)

// PEMType is the PEM block type of a key file.
const PEMType = "AIRTIGHT ENCRYPTED PRIVATE KEY"

// Params are argon2id costs.
type Params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, 3
// passes, 4 lanes).
var DefaultParams = Params{Time: 3, Memory: 64 << 10, Threads: 4}

// Bounds on parameters read from a file.
const (
	maxMemory = 1 << 20 // KiB: 1 GiB
	maxTime   = 16
)

func (p Params) valid() bool {
	return p.Time >= 1 && p.Time <= maxTime && p.Memory >= 8*uint32(p.Threads) && p.Memory <= maxMemory && p.Threads >= 1
}

// Seal encrypts key under passphrase in the key file format, labelled label.
func Seal(key crypto.Signer, label string, passphrase []byte, p Params) ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("seal key: bad argon2id parameters")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	defer clear(der)
	salt, nonce := make([]byte, 16), make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	h := header{label: label, params: p, salt: salt, nonce: nonce}
	encKey, check := deriveKeys(passphrase, h)
	defer clear(encKey)
	h.check = check
	aead, err := gcm(encKey)
	if err != nil {
		return nil, err
	}
	block := &pem.Block{Type: PEMType, Headers: h.pemHeaders(), Bytes: aead.Seal(nil, nonce, der, h.aad())}
	return pem.EncodeToMemory(block), nil
}

// Open decrypts a key file with passphrase and returns the key and its
// label. A wrong passphrase and a damaged or edited file give different
// errors; neither reveals anything about the key.
func Open(data, passphrase []byte) (crypto.Signer, string, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != PEMType {
		return nil, "", airtight.Errorf(airtight.EInvalid, "not an airtight encrypted key file")
	}
	h, err := parseHeader(block.Headers)
	if err != nil {
		return nil, "", err
	}
	encKey, check := deriveKeys(passphrase, h)
	defer clear(encKey)
	if subtle.ConstantTimeCompare(check, h.check) != 1 {
		return nil, "", airtight.Errorf(airtight.EUnauthorized, "wrong CA passphrase (or the key file's header was altered)")
	}
	aead, err := gcm(encKey)
	if err != nil {
		return nil, "", err
	}
	der, err := aead.Open(nil, h.nonce, block.Bytes, h.aad())
	if err != nil {
		return nil, "", airtight.Errorf(airtight.EInvalid, "key file is corrupted or has been tampered with")
	}
	defer clear(der)
	key, err := signer(der)
	if err != nil {
		return nil, "", airtight.Errorf(airtight.EInvalid, "key file is corrupted: %v", err)
	}
	return key, h.label, nil
}

// header is the authenticated metadata of a key file.
type header struct {
	label  string
	params Params
	salt   []byte
	nonce  []byte
	check  []byte
}

func (h header) pemHeaders() map[string]string {
	return map[string]string{
		"Version": "1", "KDF": "argon2id", "Label": h.label,
		"Argon2-Time":    strconv.FormatUint(uint64(h.params.Time), 10),
		"Argon2-Memory":  strconv.FormatUint(uint64(h.params.Memory), 10),
		"Argon2-Threads": strconv.FormatUint(uint64(h.params.Threads), 10),
		"Salt":           hex.EncodeToString(h.salt), "Nonce": hex.EncodeToString(h.nonce),
		"Check": hex.EncodeToString(h.check),
	}
}

// aad is the canonical form of the header the ciphertext is bound to.
func (h header) aad() []byte {
	return fmt.Appendf(nil, "airtight keyfile v1\nlabel=%s\nkdf=argon2id\nt=%d\nm=%d\np=%d\nsalt=%x\n",
		h.label, h.params.Time, h.params.Memory, h.params.Threads, h.salt)
}

func parseHeader(m map[string]string) (header, error) {
	bad := func(what string) (header, error) {
		return header{}, airtight.Errorf(airtight.EInvalid, "key file header: bad or missing %s", what)
	}
	if m["Version"] != "1" {
		return bad("Version (want 1)")
	}
	if m["KDF"] != "argon2id" {
		return bad("KDF")
	}
	h := header{label: m["Label"]}
	if !validLabel(h.label) {
		return bad("Label")
	}
	t, err1 := strconv.ParseUint(m["Argon2-Time"], 10, 32)
	mem, err2 := strconv.ParseUint(m["Argon2-Memory"], 10, 32)
	th, err3 := strconv.ParseUint(m["Argon2-Threads"], 10, 8)
	h.params = Params{Time: uint32(t), Memory: uint32(mem), Threads: uint8(th)}
	if err1 != nil || err2 != nil || err3 != nil || !h.params.valid() {
		return bad("argon2id parameters")
	}
	var err error
	if h.salt, err = hex.DecodeString(m["Salt"]); err != nil || len(h.salt) != 16 {
		return bad("Salt")
	}
	if h.nonce, err = hex.DecodeString(m["Nonce"]); err != nil || len(h.nonce) != 12 {
		return bad("Nonce")
	}
	if h.check, err = hex.DecodeString(m["Check"]); err != nil || len(h.check) != 16 {
		return bad("Check")
	}
	return h, nil
}

// deriveKeys returns the AES key and the passphrase check value.
func deriveKeys(passphrase []byte, h header) (encKey, check []byte) {
	k := argon2.IDKey(passphrase, h.salt, h.params.Time, h.params.Memory, h.params.Threads, 32)
	defer clear(k)
	return mac(k, "airtight keyfile v1 encrypt"), mac(k, "airtight keyfile v1 check")[:16]
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
