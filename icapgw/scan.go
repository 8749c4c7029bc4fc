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
	"net/url"
	"path"
	"sort"
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
// the policy (not an error path) decides.
func (ex *exchange) scan() {
	ctx, cancel := context.WithTimeout(context.Background(), ex.s.cfg.ScanTimeout)
	defer cancel()
	rep := &dlp.Report{Bytes: ex.body.Total}
	ex.report = rep
	if ex.body.Over {
		rep.Unscannable = append(rep.Unscannable, dlp.Unscannable{Reason: fmt.Sprintf("body larger than %d bytes", ex.s.cfg.Limits.MaxBodyBytes)})
		return
	}
	if ex.body.Total == 0 {
		return
	}
	data, err := decode(ex.body.buf.Bytes(), ex.http.encoding, ex.s.cfg.Limits.MaxBodyBytes)
	if err != nil {
		rep.Unscannable = append(rep.Unscannable, dlp.Unscannable{Reason: err.Error()})
		return
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

// scanPart scans one piece and merges its report under prefix.
func (ex *exchange) scanPart(ctx context.Context, prefix, name string, data []byte) {
	type result struct {
		rep *dlp.Report
		err error
	}
	ch := make(chan result, 1)
	go func() {
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
// fields as text.
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
		content, err := io.ReadAll(p)
		if err != nil {
			ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "malformed multipart form"})
			return
		}
		content, err = decodePart(p, content, ex.s.cfg.Limits.MaxBodyBytes)
		if err != nil {
			ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: partName(i, p), Reason: err.Error()})
			continue
		}
		name := p.FileName()
		if name == "" {
			name = p.FormName() + ".txt"
		}
		ex.scanPart(ctx, partName(i, p), name, content)
	}
}

// decodePart undoes a base64 or quoted-printable transfer encoding.
func decodePart(p *multipart.Part, content []byte, limit int64) ([]byte, error) {
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		return readLimited(base64Reader(content), limit)
	case "quoted-printable":
		return readLimited(qpReader(content), limit)
	}
	return content, nil
}

func partName(i int, p *multipart.Part) string {
	if f := p.FileName(); f != "" {
		return fmt.Sprintf("form[%d]:%s", i, f)
	}
	return fmt.Sprintf("form[%d]:%s", i, p.FormName())
}

// scanForm scans url-encoded fields as "name: value" lines.
func (ex *exchange) scanForm(ctx context.Context, data []byte) {
	vals, err := url.ParseQuery(string(data))
	if err != nil {
		ex.report.Unscannable = append(ex.report.Unscannable, dlp.Unscannable{Part: "form", Reason: "malformed url-encoded form"})
		return
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var text bytes.Buffer
	for _, k := range keys {
		for _, v := range vals[k] {
			fmt.Fprintf(&text, "%s: %s\n", k, v)
		}
	}
	ex.scanPart(ctx, "form", "form.txt", text.Bytes())
}

// decode undoes a Content-Encoding (gzip, deflate) within limit bytes.
func decode(data []byte, encoding string, limit int64) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return data, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, errors.New("malformed gzip content")
		}
		return readLimited(zr, limit)
	case "deflate":
		return readLimited(flate.NewReader(bytes.NewReader(data)), limit)
	}
	return nil, errors.New("unsupported content encoding")
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, errors.New("malformed encoded content")
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decoded content larger than %d bytes", limit)
	}
	return out, nil
}

func base64Reader(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b))
}

func qpReader(b []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(b)) }
