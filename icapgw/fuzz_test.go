package icapgw

import (
	"bufio"
	"bytes"
	"testing"
)

func fuzzLimits() *Limits {
	l := &Limits{MaxLineBytes: 1024, MaxHeaders: 20, MaxHeaderBytes: 4096, MaxEncapsulated: 4096, MaxChunkBytes: 1 << 16, MaxBodyBytes: 1 << 16}
	l.defaults()
	return l
}

// FuzzReadRequest feeds arbitrary bytes to the request parser and the
// body reader that follows it: errors are fine, panics and unbounded
// memory are not.
func FuzzReadRequest(f *testing.F) {
	for _, q := range []icapReq{
		{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(phiText), preview: -1},
		{method: "REQMOD", service: "reqmod", httpReq: postHdr, body: []byte(phiText), preview: 10},
		{method: "RESPMOD", service: "respmod", httpReq: "GET / HTTP/1.1\r\nHost: a", httpResp: "HTTP/1.1 200 OK", body: []byte("x"), preview: -1},
		{method: "REQMOD", service: "reqmod", httpReq: "GET / HTTP/1.1\r\nHost: a", preview: -1},
	} {
		head, chunks := q.build()
		f.Add(append(append(head, chunks(0, len(q.body))...), "0; ieof\r\n\r\n"...))
	}
	f.Add([]byte("OPTIONS icap://h/reqmod ICAP/1.0\r\nHost: h\r\n\r\n"))
	f.Add([]byte("REQMOD icap://h/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=3\r\n\r\n\r\n\r\n5;ext\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := fuzzLimits()
		br := bufio.NewReader(bytes.NewReader(data))
		req, err := readRequest(br, lim)
		if err != nil {
			return
		}
		if len(req.ReqHdr)+len(req.ResHdr) > lim.MaxEncapsulated {
			t.Fatalf("encapsulated headers over the limit")
		}
		parseHTTP(req)
		serviceOf(req)
		if req.HasBody {
			b := &body{limit: lim.MaxBodyBytes}
			readChunks(br, b, lim)
			if int64(len(b.Bytes())) > lim.MaxBodyBytes {
				t.Fatalf("kept %d bytes over the limit", len(b.Bytes()))
			}
		}
	})
}

// FuzzChunked checks the chunked decoder against the encoder: whatever
// writeChunked produces decodes to the same bytes, and arbitrary input
// never panics or exceeds the limit.
func FuzzChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), []byte("hello"))
	f.Add([]byte("3;name=v\r\nabc\r\n0; ieof\r\n\r\n"), []byte(""))
	f.Add([]byte("ffffffffffffffffff\r\n"), []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, raw, payload []byte) {
		lim := fuzzLimits()
		b := &body{limit: 100}
		readChunks(bufio.NewReader(bytes.NewReader(raw)), b, lim)
		if len(b.Bytes()) > 100 {
			t.Fatalf("kept %d bytes over the limit", len(b.Bytes()))
		}
		var enc bytes.Buffer
		writeChunked(&enc, payload)
		got := &body{limit: 1 << 20}
		if _, err := readChunks(bufio.NewReader(&enc), got, lim); err != nil {
			t.Fatalf("decode own encoding: %v", err)
		}
		if !bytes.Equal(got.Bytes(), payload) {
			t.Fatalf("round trip differs")
		}
	})
}
