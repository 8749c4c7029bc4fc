//go:build pkcs11 && cgo

package pkcs11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

// BenchmarkSign measures signatures per second with a SoftHSM2 key and with
// an in-memory key of the same algorithm, one goroutine and GOMAXPROCS
// goroutines (-cpu picks them), so that the ratio comes from one run:
//
//	CGO_ENABLED=1 go test -tags pkcs11 -run '^$' -bench Sign ./pki/pkcs11/
func BenchmarkSign(b *testing.B) {
	hsm := openStore(b, newToken(b))
	for _, alg := range []string{"ecdsa-p256", "rsa-3072"} {
		k, _ := generate(b, hsm, "bench "+alg, alg)
		mem := memoryKey(b, alg)
		b.Run("softhsm/"+alg, func(b *testing.B) { benchSign(b, k) })
		b.Run("memory/"+alg, func(b *testing.B) { benchSign(b, mem) })
		b.Run("softhsm-parallel/"+alg, func(b *testing.B) { benchSignParallel(b, k) })
		b.Run("memory-parallel/"+alg, func(b *testing.B) { benchSignParallel(b, mem) })
	}
}

func memoryKey(b *testing.B, alg string) crypto.Signer {
	b.Helper()
	var k crypto.Signer
	var err error
	if alg == "rsa-3072" {
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		b.Fatal(err)
	}
	return k
}

func benchSign(b *testing.B, k crypto.Signer) {
	d := sha256.Sum256([]byte("to be signed"))
	for b.Loop() {
		if _, err := k.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
}

func benchSignParallel(b *testing.B, k crypto.Signer) {
	d := sha256.Sum256([]byte("to be signed"))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
}
