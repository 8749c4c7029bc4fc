package icapgw

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/policy"
	"github.com/airtight/airtight/dlp/vault"
)

// serveRequest reads, handles and answers one request; it reports whether
// the connection may carry another.
func (s *Server) serveRequest(br *bufio.Reader, bw *bufio.Writer) bool {
	req, err := readRequest(br, &s.cfg.Limits)
	if err != nil {
		if errors.Is(err, errProtocol) {
			s.log.Warn("icap bad request", "error", err.Error())
			s.writeStatus(bw, 400, "Bad Request", "Connection: close\r\n")
		}
		return false
	}
	service := serviceOf(req)
	switch {
	case service == "":
		s.writeStatus(bw, 404, "ICAP Service Not Found", "")
		return s.drain(br, req) && keepAlive(req)
	case req.Method == "OPTIONS":
		s.writeOptions(bw, service)
		return s.drain(br, req) && keepAlive(req)
	case req.Method != service:
		s.writeStatus(bw, 405, "Method Not Allowed For Service", "")
		return s.drain(br, req) && keepAlive(req)
	}
	ok := s.modify(br, bw, req)
	return ok && keepAlive(req)
}

// serviceOf maps the URI path to the method it serves: /reqmod, /respmod
// (any prefix, so /dlp/reqmod works too).
func serviceOf(req *request) string {
	p := strings.ToLower(strings.TrimSuffix(req.URL.Path, "/"))
	switch {
	case strings.HasSuffix(p, "reqmod"):
		return "REQMOD"
	case strings.HasSuffix(p, "respmod"):
		return "RESPMOD"
	}
	return ""
}

func keepAlive(req *request) bool {
	return !strings.EqualFold(req.Header.Get("Connection"), "close")
}

// drain reads the body of a request that is answered without it.
func (s *Server) drain(br *bufio.Reader, req *request) bool {
	if !req.HasBody {
		return true
	}
	b := &body{limit: 0}
	_, err := readChunks(br, b, &s.cfg.Limits)
	return err == nil
}

func (s *Server) writeStatus(bw *bufio.Writer, code int, text, extra string) {
	fmt.Fprintf(bw, "ICAP/1.0 %d %s\r\nISTag: %s\r\nDate: %s\r\n%sEncapsulated: null-body=0\r\n\r\n",
		code, text, s.istag(), httpDate(), extra)
}

func (s *Server) istag() string { return `"` + s.cfg.ISTag + `"` }

func httpDate() string { return time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") }

func (s *Server) writeOptions(bw *bufio.Writer, method string) {
	fmt.Fprintf(bw, "ICAP/1.0 200 OK\r\nMethods: %s\r\nService: airtight DLP\r\nISTag: %s\r\nDate: %s\r\n"+
		"Max-Connections: %d\r\nOptions-TTL: 3600\r\nAllow: 204\r\nPreview: %d\r\nTransfer-Preview: *\r\n"+
		"Encapsulated: null-body=0\r\n\r\n",
		method, s.istag(), httpDate(), s.cfg.MaxConnections, s.cfg.PreviewBytes)
}

// modify handles REQMOD and RESPMOD: read the whole body (asking for the
// rest after a preview), scan, decide, answer. The body's reservation
// from the budget goes back when modify returns, whatever the path, or
// later when an abandoned scanner still reads it.
func (s *Server) modify(br *bufio.Reader, bw *bufio.Writer, req *request) bool {
	start := time.Now()
	res := s.mem.Reserve()
	defer res.Done()
	b := &body{limit: s.cfg.Limits.MaxBodyBytes, res: res}
	if req.HasBody {
		ieof, err := readChunks(br, b, &s.cfg.Limits)
		if err != nil {
			s.log.Warn("icap body", "error", err.Error())
			return false
		}
		// A body already dropped (too large, or the budget is spent) is
		// answered after the preview: RFC 3507 4.5 lets the server send
		// its final response instead of 100 Continue, and the client then
		// does not send the rest.
		if req.Preview >= 0 && !ieof && !b.dropped() {
			io.WriteString(bw, "ICAP/1.0 100 Continue\r\n\r\n")
			if bw.Flush() != nil {
				return false
			}
			if _, err := readChunks(br, b, &s.cfg.Limits); err != nil {
				s.log.Warn("icap body after preview", "error", err.Error())
				return false
			}
		}
	}
	ex := s.newExchange(req, b, res)
	ex.scan()
	ex.decide()
	s.answer(bw, ex)
	ex.log(time.Since(start))
	ex.record()
	return true
}

// exchange is one REQMOD or RESPMOD request being decided.
type exchange struct {
	s      *Server
	id     string
	req    *request
	http   httpInfo
	body   *body
	report *dlp.Report
	dst    dlp.Destination
	dec    dlp.Decision
	vault  string

	res        *reservation // the body's and decoded copies' share of the budget
	overloaded bool         // the budget was spent: content not scanned
	abandoned  bool         // a scanner outlived ScanTimeout and may still read the data
}

func (s *Server) newExchange(req *request, b *body, res *reservation) *exchange {
	idb := make([]byte, 8)
	rand.Read(idb)
	return &exchange{s: s, id: hex.EncodeToString(idb), req: req, http: parseHTTP(req), body: b, res: res}
}

func (ex *exchange) decide() {
	pol := ex.s.cfg.Policy
	host := ex.http.host
	ex.dst = dlp.Destination{Channel: dlp.ChannelICAP, Host: host, Sender: ex.user(),
		External: host == "" || !pol.IsInternal(host)}
	ex.dec = pol.Decide(ex.report, ex.dst)
	switch ex.dec.Action {
	case dlp.ActionAllow, dlp.ActionLog, dlp.ActionBlock:
	case dlp.ActionQuarantine:
		ex.quarantine()
	default: // redact and secure cannot be done on a web upload
		ex.dec.Action = dlp.ActionBlock
	}
}

// user is who uploads, as the proxy reports it.
func (ex *exchange) user() string {
	for _, h := range []string{"X-Authenticated-User", "X-Client-Username", "X-Client-Ip"} {
		if v := ex.req.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// quarantine keeps a copy of the content in the vault; the upload itself
// is blocked. Without a vault, or when storing fails, it is only blocked.
func (ex *exchange) quarantine() {
	ex.dec.Action = dlp.ActionBlock
	if ex.s.cfg.Vault == nil || ex.body.dropped() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ex.s.cfg.ScanTimeout)
	defer cancel()
	m, err := ex.s.cfg.Vault.Put(ctx, vault.Info{Kind: "quarantine", Channel: dlp.ChannelICAP, Rule: ex.dec.Rule, Types: ex.dec.Types},
		bytes.NewReader(ex.body.Bytes()))
	if err != nil {
		ex.s.log.Error("icap quarantine store failed", "id", ex.id, "error", err.Error())
		return
	}
	ex.vault = m.ID
	ex.dec.Action = dlp.ActionQuarantine
}

func (ex *exchange) log(took time.Duration) {
	attrs := []any{"id", ex.id, "method", ex.req.Method, "host", ex.dst.Host, "external", ex.dst.External,
		"bytes", ex.body.Total, "action", string(ex.dec.Action), "rule", ex.dec.Rule,
		"found", policy.FormatCounts(ex.report.Counts()), "unscannable", len(ex.report.Unscannable), "busy", ex.overloaded,
		"ms", took.Milliseconds()}
	if ex.vault != "" {
		attrs = append(attrs, "vault_id", ex.vault)
	}
	ex.s.log.Info("icap request", attrs...)
}

// record hands the decision to OnEvent.
func (ex *exchange) record() {
	if ex.s.cfg.OnEvent == nil {
		return
	}
	now := time.Now().UTC()
	ev := &dlp.Event{Channel: dlp.ChannelICAP, Actor: ex.dst.Sender, Destination: ex.dst.Host, External: ex.dst.External,
		Action: ex.dec.Action, Rule: ex.dec.Rule, Reason: ex.dec.Reason, Types: ex.dec.Types,
		Unscannable: len(ex.report.Unscannable), Bytes: ex.body.Total, Ref: ex.vault, CreatedAt: now}
	var q *dlp.Quarantined
	if ex.vault != "" {
		q = &dlp.Quarantined{VaultID: ex.vault, Channel: dlp.ChannelICAP, Actor: ex.dst.Sender, Status: dlp.QuarantineHeld,
			Types: ex.dec.Types, Bytes: ex.body.Total, CreatedAt: now}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ex.s.cfg.OnEvent(ctx, ev, q); err != nil {
		ex.s.log.Error("record dlp event", "id", ex.id, "error", err.Error())
	}
}

// answer writes 204, the unmodified message, or the block page.
func (s *Server) answer(bw *bufio.Writer, ex *exchange) {
	switch ex.dec.Action {
	case dlp.ActionAllow, dlp.ActionLog:
		if allows204(ex.req) {
			fmt.Fprintf(bw, "ICAP/1.0 204 No Content\r\nISTag: %s\r\nDate: %s\r\nEncapsulated: null-body=0\r\n\r\n", s.istag(), httpDate())
			return
		}
		// The policy allows unscannable content but the body was not kept
		// and the client cannot take 204: the proxy's bypass setting for
		// a failed service decides.
		if ex.body.Over {
			s.writeStatus(bw, 500, "Server Error", "X-Airtight-Reason: body too large to return unmodified\r\n")
			return
		}
		if ex.body.Busy {
			s.writeStatus(bw, 500, "Server Error", "X-Airtight-Reason: scanner busy, body not kept\r\n")
			return
		}
		s.writeEcho(bw, ex)
	default:
		s.writeBlock(bw, ex)
	}
}

func allows204(req *request) bool {
	for _, v := range req.Header.Values("Allow") {
		for _, f := range strings.Split(v, ",") {
			if strings.TrimSpace(f) == "204" {
				return true
			}
		}
	}
	return false
}

// writeEcho returns the encapsulated message unmodified.
func (s *Server) writeEcho(bw *bufio.Writer, ex *exchange) {
	hdr, hdrName, bodyName := ex.req.ReqHdr, "req-hdr", "req-body"
	if ex.req.Method == "RESPMOD" {
		hdr, hdrName, bodyName = ex.req.ResHdr, "res-hdr", "res-body"
	}
	var enc string
	switch {
	case len(hdr) > 0 && ex.req.HasBody:
		enc = fmt.Sprintf("%s=0, %s=%d", hdrName, bodyName, len(hdr))
	case len(hdr) > 0:
		enc = fmt.Sprintf("%s=0, null-body=%d", hdrName, len(hdr))
	case ex.req.HasBody:
		enc = bodyName + "=0"
	default:
		enc = "null-body=0"
	}
	fmt.Fprintf(bw, "ICAP/1.0 200 OK\r\nISTag: %s\r\nDate: %s\r\nEncapsulated: %s\r\n\r\n", s.istag(), httpDate(), enc)
	bw.Write(hdr)
	if ex.req.HasBody {
		writeChunked(bw, ex.body.Bytes())
	}
}

var blockPage = template.Must(template.New("block").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Blocked: patient data</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto">
<h1>This transfer was stopped</h1>
<p>{{.What}} It cannot be sent to {{.Where}}.</p>
{{if .Held}}<p>A copy is held for review by the privacy office (reference {{.Held}}).</p>{{end}}
<p>If you need to share patient information, use the hospital's secure transfer service{{if .Contact}}
or contact {{.Contact}}{{end}}.</p>
<p><small>Reference {{.ID}}, rule {{.Rule}}.</small></p>
</body></html>
`))

// writeBlock answers with an encapsulated HTTP 403 page: no content, only
// counts of identifier types.
func (s *Server) writeBlock(bw *bufio.Writer, ex *exchange) {
	what := "This content could not be checked for patient data."
	if ex.overloaded {
		what = "The scanner is busy, so this content could not be checked for patient data now. Please try again in a few minutes."
	}
	if c := policy.FormatCounts(ex.report.Counts()); c != "" {
		what = fmt.Sprintf("It contains patient data (%s).", c)
	}
	where := "a site inside the hospital"
	if ex.dst.External {
		where = "a site outside the hospital"
	}
	var page bytes.Buffer
	blockPage.Execute(&page, map[string]string{"What": what, "Where": where, "Held": ex.vault,
		"Contact": s.cfg.Contact, "ID": ex.id, "Rule": ex.dec.Rule})
	hdr := fmt.Sprintf("HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"+
		"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n", page.Len())
	fmt.Fprintf(bw, "ICAP/1.0 200 OK\r\nISTag: %s\r\nDate: %s\r\nEncapsulated: res-hdr=0, res-body=%d\r\n\r\n%s",
		s.istag(), httpDate(), len(hdr), hdr)
	writeChunked(bw, page.Bytes())
}
