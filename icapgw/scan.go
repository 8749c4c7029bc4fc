package icapgw

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"path"
	"strings"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
)

// httpInfo is what the server needs from the encapsulated HTTP headers.
type httpInfo struct {
	host        string // destination host, lowercase, without port
	name        string // file name guessed from the URL path
	contentType string
	encoding    string // Content-Encoding
}

// parseHTTP reads the encapsulated HTTP request and response headers.
// Malformed headers leave fields empty: the body is still scanned.
func parseHTTP(req *request) httpInfo {
	var info httpInfo
	if len(req.ReqHdr) > 0 {
		if r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(req.ReqHdr))); err == nil {
			info.host = policy.Domain(r.Host)
			if info.host == "" && r.URL != nil {
				info.host = policy.Domain(r.URL.Host)
			}
			if r.URL != nil {
				info.name = path.Base(r.URL.Path)
			}
			info.contentType = r.Header.Get("Content-Type")
			info.encoding = r.Header.Get("Content-Encoding")
		}
	}
	if req.Method == "RESPMOD" {
		info.contentType, info.encoding = "", ""
		if len(req.ResHdr) > 0 {
			if r, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(req.ResHdr)), nil); err == nil {
				info.contentType = r.Header.Get("Content-Type")
				info.encoding = r.Header.Get("Content-Encoding")
			}
		}
	}
	if info.name == "" || info.name == "/" || info.name == "." {
		info.name = "body"
	}
	return info
}

// scan fills ex.report; every failure becomes an Unscannable entry, so
// the policy (not an error path) decides. Decoded copies are reserved from
// the request's share of the body budget; a copy is given back as soon as
// its scan is over, unless a scanner abandoned at ScanTimeout may still
// read it (then it goes back when that scanner ends).
func (ex *exchange) scan() {
	ctx, cancel := context.WithTimeout(context.Background(), ex.s.cfg.ScanTimeout)
	defer cancel()
	rep := &dlp.Report{Bytes: ex.body.Total}
	ex.report = rep
	switch {
	case ex.body.Busy:
		ex.busy()
		return
	case ex.body.Over:
		rep.Unscannable = append(rep.Unscannable, dlp.Unscannable{Reason: fmt.Sprintf("body larger than %d bytes", ex.s.cfg.Limits.MaxBodyBytes)})
		return
	case ex.body.Total == 0:
		return
	}
	data, copied, err := decode(ex.body.Bytes(), ex.http.encoding, ex.s.cfg.Limits.MaxBodyBytes, ex.res)
	if err != nil {
		ex.unscannable("", err)
		return
	}
	if copied {
		defer ex.release(data)
	}
	mt, params, _ := mime.ParseMediaType(ex.http.contentType)
	switch {
	case mt == "multipart/form-data" && params["boundary"] != "":
		ex.scanMultipart(ctx, data, params["boundary"])
	case mt == "application/x-www-form-urlencoded":
		ex.scanForm(ctx, data)
	default:
		ex.scanPart(ctx, "", ex.http.name, data)
	}
}

// busyReason is the Unscannable reason when the body budget is spent.
const busyReason = "scanner busy: body buffer budget exhausted"

// busy marks the content unscannable because the budget is spent.
func (ex *exchange) busy() {
	ex.overloaded = true
	ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Reason: busyReason})
	ex.s.log.Warn("icap body buffer budget exhausted, content not scanned", "id", ex.id, "method", ex.req.Method,
		"host", ex.http.host, "buffered", ex.s.mem.InUse(), "max_buffered", ex.s.cfg.MaxBufferedBytes)
}

// unscannable records why a part (prefix) could not be decoded.
func (ex *exchange) unscannable(part string, err error) {
	switch {
	case errors.Is(err, errBudget):
		ex.busy()
	case errors.Is(err, errTooLarge):
		ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: part,
			Reason: fmt.Sprintf("decoded content larger than %d bytes", ex.s.cfg.Limits.MaxBodyBytes)})
	default:
		reason := "malformed encoded content"
		var re reasonError
		if errors.As(err, &re) {
			reason = string(re)
		}
		ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: part, Reason: reason})
	}
}

// release gives a decoded copy's reservation back once no scanner may
// still read it.
func (ex *exchange) release(data []byte) {
	if !ex.abandoned {
		ex.res.Shrink(int64(cap(data)))
	}
}

// scanPart scans one piece and merges its report under prefix. A scanner
// that outlives ScanTimeout is abandoned (the part is unscannable); it
// holds the request's reservation until it returns.
func (ex *exchange) scanPart(ctx context.Context, prefix, name string, data []byte) {
	type result struct {
		rep *dlp.Report
		err error
	}
	ch := make(chan result, 1)
	ex.res.Hold()
	go func() {
		defer ex.res.Done()
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: errors.New("scanner panicked")}
			}
		}()
		r, err := ex.s.cfg.Scanner.ScanContent(ctx, name, bytes.NewReader(data))
		ch <- result{r, err}
	}()
	var res result
	select {
	case res = <-ch:
	case <-ctx.Done():
		ex.abandoned = true
		res.err = errors.New("scan timed out")
	}
	rep := ex.report
	rep.Parts++
	if res.err != nil || res.rep == nil {
		ex.s.log.Warn("icap scan failed", "id", ex.id, "error", fmt.Sprint(res.err))
		rep.Unscannable = append(rep.Unscannable, dlp.Unscannable{Part: prefix, Reason: "scan failed"})
		return
	}
	for _, f := range res.rep.Findings {
		f.Part = joinPart(prefix, f.Part)
		rep.Findings = append(rep.Findings, f)
	}
	for _, u := range res.rep.Unscannable {
		u.Part = joinPart(prefix, u.Part)
		rep.Unscannable = append(rep.Unscannable, u)
	}
}

func joinPart(prefix, part string) string {
	switch {
	case prefix == "":
		return part
	case part == "":
		return prefix
	}
	return prefix + "/" + part
}

// scanMultipart scans each form part: files under their file names,
// fields as text. A part is decoded (base64, quoted-printable) as it is
// read, into one reserved copy.
func (ex *exchange) scanMultipart(ctx context.Context, data []byte, boundary string) {
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "malformed multipart form"})
			return
		}
		if i >= ex.s.cfg.Limits.MaxParts {
			ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "too many form parts"})
			return
		}
		r, encoded := partReader(p)
		content, err := readReserved(r, ex.res, ex.s.cfg.Limits.MaxBodyBytes)
		switch {
		case errors.Is(err, errBudget):
			ex.busy()
			return
		case err != nil && !encoded && !errors.Is(err, errTooLarge):
			ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "malformed multipart form"})
			return
		case err != nil:
			ex.unscannable(partName(i, p), err)
			continue
		}
		name := p.FileName()
		if name == "" {
			name = p.FormName() + ".txt"
		}
		ex.scanPart(ctx, partName(i, p), name, content)
		ex.release(content)
	}
}

// partReader undoes a base64 or quoted-printable transfer encoding as
// the part is read; encoded says whether there was one.
func partReader(p *multipart.Part) (r io.Reader, encoded bool) {
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, p), true
	case "quoted-printable":
		return quotedprintable.NewReader(p), true
	}
	return p, false
}

func partName(i int, p *multipart.Part) string {
	if f := p.FileName(); f != "" {
		return fmt.Sprintf("form[%d]:%s", i, f)
	}
	return fmt.Sprintf("form[%d]:%s", i, p.FormName())
}

// scanForm scans url-encoded fields as "name: value" lines, in the order
// they were sent. The text is at most the form's length plus three bytes
// a field; it is reserved before it is built, and a form whose text could
// exceed MaxBodyBytes is unscannable.
func (ex *exchange) scanForm(ctx context.Context, data []byte) {
	fields := bytes.Count(data, []byte("&")) + 1
	size := int64(len(data)) + 3*int64(fields)
	if size > ex.s.cfg.Limits.MaxBodyBytes {
		ex.unscannable("form", errTooLarge)
		return
	}
	if !ex.res.Grow(size) {
		ex.busy()
		return
	}
	text, err := formText(data, make([]byte, 0, size))
	if err != nil {
		ex.res.Shrink(size)
		ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "malformed url-encoded form"})
		return
	}
	ex.scanPart(ctx, "form", "form.txt", text)
	if !ex.abandoned {
		ex.res.Shrink(size)
	}
}

// formText appends "name: value" lines for the fields of data to out,
// unescaping in place: no other copy of the form is made.
func formText(data, out []byte) ([]byte, error) {
	var err error
	for field := range bytes.SplitSeq(data, []byte("&")) {
		if len(field) == 0 {
			continue
		}
		k, v, _ := bytes.Cut(field, []byte("="))
		if out, err = appendUnescaped(out, k); err != nil {
			return nil, err
		}
		out = append(out, ": "...)
		if out, err = appendUnescaped(out, v); err != nil {
			return nil, err
		}
		out = append(out, '\n')
	}
	return out, nil
}

// appendUnescaped appends the form-decoded s ('+' is a space, %XX a
// byte) to out.
func appendUnescaped(out, s []byte) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			out = append(out, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, errors.New("bad percent escape")
			}
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// reasonError is a decoding failure whose text is a safe Unscannable
// reason.
type reasonError string

func (e reasonError) Error() string { return string(e) }

// decode undoes a Content-Encoding (gzip, deflate) into a copy of at most
// limit bytes reserved from res; copied says whether there is one.
func decode(data []byte, encoding string, limit int64, res *reservation) (out []byte, copied bool, err error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return data, false, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, false, reasonError("malformed gzip content")
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(data))
	default:
		return nil, false, reasonError("unsupported content encoding")
	}
	out, err = readReserved(r, res, limit)
	return out, err == nil, err
}
