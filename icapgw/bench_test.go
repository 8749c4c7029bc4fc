package icapgw

import (
	"testing"
)

// BenchmarkICAP measures requests per second on one kept-alive connection:
// OPTIONS (protocol cost only) against REQMOD uploads scanned whole.
func BenchmarkICAP(b *testing.B) {
	e := newEnv(b, nil)
	upload := append(filler(8<<10), cleanText...)
	cases := []struct {
		name string
		q    *icapReq
	}{
		{"options", nil},
		{"reqmod-clean-8KiB", &icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: upload, preview: 1024, chunk: 4096}},
		{"reqmod-phi-blocked", &icapReq{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(phiText), preview: -1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cl := dial(b, e.addr)
			for b.Loop() {
				if c.q == nil {
					cl.c.Write([]byte("OPTIONS icap://icap.test/reqmod ICAP/1.0\r\nHost: icap.test\r\n\r\n"))
					cl.read(b)
					continue
				}
				if r := cl.do(b, *c.q); r.code != 204 && r.code != 200 {
					b.Fatalf("code %d", r.code)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
