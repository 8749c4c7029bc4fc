package smtpgw

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/airtight/airtight/dlp/vault"
)

// Opener reads messages back from the vault; *vault.Vault implements it.
type Opener interface {
	Open(id string) (io.ReadCloser, vault.Meta, error)
}

// AuditEvent is one event of the secure portal, for the audit log. It
// holds the record id and what happened, not the recipient's address.
type AuditEvent struct {
	Kind       string // "secure.download", "secure.code_failed", "secure.locked"
	RecordID   string
	VaultID    string
	RemoteAddr string
	At         time.Time
}

// SecurePortal serves GET and POST /secure/{id}: the recipient enters the
// access code and downloads the message as an .eml file. Expired, revoked,
// locked (too many wrong codes) or exhausted records and unknown ids all
// look the same: "not available".
type SecurePortal struct {
	Store  SecureStore
	Vault  Opener
	Audit  func(context.Context, AuditEvent) // optional
	Logger *slog.Logger
	Now    func() time.Time

	locks recordLocks // one code check or download per record at a time
}

// recordLocks serializes the check-and-count steps per record id, so that
// parallel requests cannot all read the same attempt or download count
// and together go past MaxAttempts or MaxDownloads. Stores shared by
// several processes must also enforce the limits themselves (see
// SecureStore.RecordDownload).
type recordLocks struct {
	mu sync.Mutex
	m  map[string]*recordLock
}

type recordLock struct {
	sync.Mutex
	users int
}

// lock locks id and returns the unlock function.
func (l *recordLocks) lock(id string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*recordLock{}
	}
	e := l.m[id]
	if e == nil {
		e = &recordLock{}
		l.m[id] = e
	}
	e.users++
	l.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.m, id)
		}
		l.mu.Unlock()
	}
}

// Handler returns the portal's routes.
func (p *SecurePortal) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /secure/{id}", p.form)
	mux.HandleFunc("POST /secure/{id}", p.download)
	return securityHeaders(mux)
}

// ServeHTTP implements http.Handler.
func (p *SecurePortal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.Handler().ServeHTTP(w, r) }

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Secure message</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
input,button{font-size:1.1rem;padding:.4rem}.err{color:#a00}</style></head><body>
<h1>Secure message</h1>
{{if .Unavailable}}<p>This secure message is not available. The link may have expired or been withdrawn.
Ask the sender to send it again.</p>
{{else}}<p>Enter the access code you received to download the message.</p>
{{if .Wrong}}<p class="err">The code is not correct.</p>{{end}}
<form method="post"><label>Access code <input name="code" autocomplete="off" maxlength="20" required autofocus></label>
<button type="submit">Download</button></form>
<p>The link expires on {{.Expires}}.</p>{{end}}
</body></html>
`))

type pageData struct {
	Unavailable bool
	Wrong       bool
	Expires     string
}

func (p *SecurePortal) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *SecurePortal) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// available returns the record when it may still be downloaded.
func (p *SecurePortal) available(ctx context.Context, id string) (SecureRecord, bool) {
	rec, err := p.Store.GetSecure(ctx, id)
	if err != nil {
		if !errors.Is(err, ErrSecureNotFound) {
			p.logger().Error("secure store", "error", err.Error())
		}
		return SecureRecord{}, false
	}
	return rec, rec.downloadable(p.now())
}

func (p *SecurePortal) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	pageTmpl.Execute(w, d)
}

func (p *SecurePortal) form(w http.ResponseWriter, r *http.Request) {
	rec, ok := p.available(r.Context(), r.PathValue("id"))
	if !ok {
		p.render(w, http.StatusNotFound, pageData{Unavailable: true})
		return
	}
	p.render(w, http.StatusOK, pageData{Expires: rec.Expires.UTC().Format("2 January 2006 15:04 MST")})
}

func (p *SecurePortal) download(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// The record is read, the code checked and the attempt or download
	// counted under the record's lock; the message is streamed after it.
	unlock := p.locks.lock(id)
	rec, ok := p.available(ctx, id)
	if !ok {
		unlock()
		p.render(w, http.StatusNotFound, pageData{Unavailable: true})
		return
	}
	if !checkCode(rec, r.PostForm.Get("code")) {
		p.wrongCode(w, r, rec)
		unlock()
		return
	}
	rc, ok := p.claim(w, r, rec)
	unlock()
	if !ok {
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="secure-message.eml"`)
	if _, err := io.Copy(w, rc); err != nil {
		p.logger().Error("secure message download failed", "record", rec.ID, "error", err.Error())
	}
}

func (p *SecurePortal) wrongCode(w http.ResponseWriter, r *http.Request, rec SecureRecord) {
	ctx := r.Context()
	n, err := p.Store.RecordFailedAttempt(ctx, rec.ID)
	if err != nil {
		p.logger().Error("secure store", "error", err.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	kind := "secure.code_failed"
	if n >= MaxAttempts {
		kind = "secure.locked"
	}
	p.audit(ctx, kind, rec, r)
	if n >= MaxAttempts {
		p.render(w, http.StatusNotFound, pageData{Unavailable: true})
		return
	}
	p.render(w, http.StatusForbidden, pageData{Wrong: true, Expires: rec.Expires.UTC().Format("2 January 2006 15:04 MST")})
}

// claim opens the message and records the download (audit first: a
// download that cannot be recorded does not happen). On failure it has
// answered the request and returns false.
func (p *SecurePortal) claim(w http.ResponseWriter, r *http.Request, rec SecureRecord) (io.ReadCloser, bool) {
	ctx := r.Context()
	rc, _, err := p.Vault.Open(rec.VaultID)
	if err != nil {
		p.logger().Error("secure message unreadable", "record", rec.ID, "error", err.Error())
		p.render(w, http.StatusNotFound, pageData{Unavailable: true})
		return nil, false
	}
	d := Download{At: p.now(), RemoteAddr: r.RemoteAddr, UserAgent: truncate(r.UserAgent(), 200)}
	if err := p.Store.RecordDownload(ctx, rec.ID, d); err != nil {
		rc.Close()
		if errors.Is(err, ErrSecureUnavailable) || errors.Is(err, ErrSecureNotFound) {
			p.render(w, http.StatusNotFound, pageData{Unavailable: true})
			return nil, false
		}
		p.logger().Error("secure store", "error", err.Error())
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return nil, false
	}
	p.audit(ctx, "secure.download", rec, r)
	return rc, true
}

func (p *SecurePortal) audit(ctx context.Context, kind string, rec SecureRecord, r *http.Request) {
	p.logger().Info("secure portal", "event", kind, "record", rec.ID)
	if p.Audit != nil {
		p.Audit(ctx, AuditEvent{Kind: kind, RecordID: rec.ID, VaultID: rec.VaultID, RemoteAddr: r.RemoteAddr, At: p.now()})
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
