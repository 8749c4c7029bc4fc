package est

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// benchClients is the number of parallel keep-alive clients.
var benchClients = envInt("EST_BENCH_CLIENTS", 8)

// BenchmarkESTIssuance measures simpleenroll end to end: TLS keep-alive
// connections on loopback, httpapi's middleware, a one-time token spent and
// a certificate signed, stored and audited in SQLite, the client included.
// Tokens and CSRs (the device's key generation) are made before the timer.
//
//	go test -run '^$' -bench ESTIssuance -benchtime 5000x ./est/
func BenchmarkESTIssuance(b *testing.B) {
	e := newRealEnv(b, 100)
	secrets := make([]string, b.N)
	bodies := make([][]byte, b.N)
	key := newKey(b) // one key: CSR generation is the device's cost
	for i := range secrets {
		d := e.devices[i%len(e.devices)]
		secrets[i] = e.token(b, i%len(e.devices))
		bodies[i] = csrBase64(b, &x509.CertificateRequest{Subject: pkix.Name{CommonName: d.AssetTag},
			DNSNames: []string{d.Hostname}}, key)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool(e.srv.Certificate())},
		MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := e.url("simpleenroll")
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < b.N; i = int(next.Add(1) - 1) {
				if err := enrollOnce(client, url, secrets[i], bodies[i]); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}

func enrollOnce(c *http.Client, url, secret string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/pkcs10")
	req.SetBasicAuth("device", secret)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, out)
	}
	return nil
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n < 1 {
		return def
	}
	return n
}
