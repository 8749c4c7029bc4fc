package ocsp

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkOCSP measures cached `good` answers for 1,000 device
// certificates through the HTTP handler, in-process and over keep-alive
// HTTP on loopback with parallel clients, each next to a baseline: a
// trivial handler writing a response of the same size through the same
// stack. go test -run '^$' -bench BenchmarkOCSP -benchtime 3s ./ocsp/
func BenchmarkOCSP(b *testing.B) {
	e := newEnv(b, func(c *Config) { c.Now = time.Now }) // real time: statuses re-checked every second
	paths := make([]string, 1000)
	for i := range paths {
		der := request(b, e.ca.issue(b, int64(i+1)), e.ca.cert, crypto.SHA1)
		paths[i] = "/pki/ocsp/1/" + url.PathEscape(base64.StdEncoding.EncodeToString(der))
		if w := get(e.h, paths[i]); w.Code != http.StatusOK { // warm the cache
			b.Fatal(w.Code)
		}
	}
	size := get(e.h, paths[0]).Body.Len()
	base := baseline(paths, size)
	b.Run("handler/ocsp", func(b *testing.B) { benchHandler(b, e.h, paths) })
	b.Run("handler/baseline", func(b *testing.B) { benchHandler(b, base, paths) })
	b.Run("loopback/ocsp", func(b *testing.B) { benchLoopback(b, e.h, paths) })
	b.Run("loopback/baseline", func(b *testing.B) { benchLoopback(b, base, paths) })
}

// baseline is the same ServeMux with a handler that writes fixed bytes.
func baseline(paths []string, size int) http.Handler {
	body := bytes.Repeat([]byte{0x30}, size)
	m := http.NewServeMux()
	m.HandleFunc("GET /pki/ocsp/{caID}/{req...}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(body)
	})
	return m
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchHandler(b *testing.B, h http.Handler, paths []string) {
	reqs := make([]*http.Request, len(paths))
	for i, p := range paths {
		reqs[i] = httptest.NewRequest("GET", p, nil)
	}
	var n atomic.Int64
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for i := int(n.Add(1)); pb.Next(); i++ {
			clear(w.h)
			h.ServeHTTP(w, reqs[i%len(reqs)])
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "resp/s")
}

func benchLoopback(b *testing.B, h http.Handler, paths []string) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	b.SetParallelism(4) // 4 clients per core
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var n atomic.Int64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for i := int(n.Add(1)) * 7; pb.Next(); i++ {
			resp, err := client.Get(srv.URL + paths[i%len(paths)])
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "resp/s")
}
