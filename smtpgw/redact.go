package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode legacy charsets of bodies and encoded words
)

// Limits of the MIME rewrite for the redact action. A message beyond them
// is not rewritten but blocked.
const (
	maxRedactDepth  = 16      // nested multiparts
	maxRedactParts  = 500     // entities in one message
	maxRedactHeader = 1 << 20 // header block of the message or of one part
	maxRedactNames  = 50      // removed attachments listed in the note
)

// unredactable says why a message cannot be redacted safely; reason is
// fixed text without content, fit for logs.
type unredactable struct{ reason string }

func (e *unredactable) Error() string { return "cannot redact: " + e.reason }

func cannot(reason string) error { return &unredactable{reason} }

// freeTextHeaders are the top-level header fields written by the sender
// that are redacted like the body (Thread-Topic repeats the Subject).
var freeTextHeaders = []string{"Subject", "Thread-Topic", "Comments", "Keywords"}

// droppedHeaders are signatures the rewrite invalidates.
var droppedHeaders = []string{"DKIM-Signature"}

// lockedTypes are media types whose content or integrity cannot be
// preserved through a rewrite: signed and encrypted mail.
var lockedTypes = map[string]bool{
	"multipart/signed": true, "multipart/encrypted": true,
	"application/pkcs7-mime": true, "application/x-pkcs7-mime": true,
	"application/pkcs7-signature": true, "application/x-pkcs7-signature": true,
	"application/pgp-encrypted": true, "application/pgp-signature": true,
}

// node is one entity of the rewritten message: a multipart with parts or
// a text leaf with its redacted UTF-8 body.
type node struct {
	header message.Header
	parts  []*node
	text   []byte
	multi  bool
	mixed  bool // multipart/mixed
}

// removedPart describes a dropped attachment for the note, without its
// name (file names often carry patients' names).
type removedPart struct {
	index     int
	mediaType string
	size      int64
}

// redaction is the rewrite of one message.
type redaction struct {
	ctx     context.Context
	scan    dlp.ContentScanner
	subs    *deid.Surrogates
	entries int
	leaves  int
	removed []removedPart
	types   map[dlp.Type]int // replaced findings
}

// redactMessage returns msg with the findings of its text parts and
// free-text headers replaced Safe-Harbor style, attachments that are not
// plain text removed and listed in an added note, and the replaced types.
// Anything it cannot rewrite safely is an *unredactable error.
func redactMessage(ctx context.Context, scan dlp.ContentScanner, subs *deid.Surrogates, msg []byte) ([]byte, map[dlp.Type]int, error) {
	r := &redaction{ctx: ctx, scan: scan, subs: subs, types: map[dlp.Type]int{}}
	e, err := message.ReadWithOptions(bytes.NewReader(msg), &message.ReadOptions{MaxHeaderBytes: maxRedactHeader})
	if e == nil {
		return nil, nil, cannot("malformed message header")
	}
	top := e.Header.Copy()
	root, err := r.entity(e, err, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := r.headers(&top); err != nil {
		return nil, nil, err
	}
	root = r.withNote(top, root)
	var out bytes.Buffer
	if err := writeNode(&out, root); err != nil {
		return nil, nil, fmt.Errorf("write redacted message: %w", err)
	}
	return out.Bytes(), r.types, nil
}

// entity rewrites e, read with error readErr; nil means it was removed.
func (r *redaction) entity(e *message.Entity, readErr error, depth int) (*node, error) {
	if r.entries++; r.entries > maxRedactParts {
		return nil, cannot(fmt.Sprintf("more than %d parts", maxRedactParts))
	}
	if depth > maxRedactDepth {
		return nil, cannot(fmt.Sprintf("nested deeper than %d", maxRedactDepth))
	}
	mediaType, params, err := e.Header.ContentType()
	if err != nil {
		return nil, cannot("malformed content type")
	}
	mediaType = strings.ToLower(mediaType)
	switch {
	case lockedTypes[mediaType]:
		return nil, cannot("signed or encrypted content")
	case strings.HasPrefix(mediaType, "multipart/"):
		return r.multipart(e, mediaType, params, depth)
	}
	r.leaves++
	if !redactable(&e.Header, mediaType) {
		return nil, r.remove(e, mediaType)
	}
	if readErr != nil {
		return nil, cannot("unknown charset or transfer encoding in a text part")
	}
	return r.textLeaf(e, mediaType, params)
}

// redactable reports whether a leaf is text the redaction can rewrite:
// plain text anywhere, HTML as a message body (not as an attachment).
func redactable(h *message.Header, mediaType string) bool {
	switch mediaType {
	case "text/plain":
		return true
	case "text/html":
		disp, _, _ := h.ContentDisposition()
		return !strings.EqualFold(disp, "attachment")
	}
	return false
}

// multipart rewrites the parts of e; a multipart left without parts is
// removed.
func (r *redaction) multipart(e *message.Entity, mediaType string, params map[string]string, depth int) (*node, error) {
	if params["boundary"] == "" {
		return nil, cannot("multipart without boundary")
	}
	mr := e.MultipartReader()
	n := &node{header: e.Header.Copy(), multi: true, mixed: mediaType == "multipart/mixed"}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if p == nil {
			return nil, cannot("malformed multipart")
		}
		child, err := r.entity(p, err, depth+1)
		if err != nil {
			return nil, err
		}
		if child != nil {
			n.parts = append(n.parts, child)
		}
	}
	if len(n.parts) == 0 {
		return nil, nil
	}
	delete(params, "boundary") // a fresh one: the rewritten text must not meet the old
	delete(params, "charset")
	n.header.SetContentType(mediaType, params)
	return n, nil
}

// remove records a dropped attachment; reading its body to the end keeps
// errors of the enclosing multipart visible to the next NextPart.
func (r *redaction) remove(e *message.Entity, mediaType string) error {
	size, _ := io.Copy(io.Discard, e.Body)
	r.removed = append(r.removed, removedPart{index: r.leaves, mediaType: mediaType, size: size})
	return nil
}

// textLeaf decodes, redacts and re-encodes one text part.
func (r *redaction) textLeaf(e *message.Entity, mediaType string, params map[string]string) (*node, error) {
	body, err := io.ReadAll(e.Body)
	if err != nil {
		return nil, cannot("malformed text part body")
	}
	body = toUTF8(body)
	if bytes.Contains(body, []byte("-----BEGIN PGP MESSAGE-----")) {
		return nil, cannot("encrypted content")
	}
	html := mediaType == "text/html"
	if body, err = r.redactText(body, html); err != nil {
		return nil, err
	}
	h := e.Header.Copy()
	if err := r.partHeaders(&h, mediaType, params); err != nil {
		return nil, err
	}
	return &node{header: h, text: body}, nil
}

// partHeaders sets a rewritten text part's type and encoding and redacts
// its file name and description.
func (r *redaction) partHeaders(h *message.Header, mediaType string, params map[string]string) error {
	if params == nil {
		params = map[string]string{}
	}
	params["charset"] = "utf-8"
	if name := params["name"]; name != "" {
		red, err := r.redactField("Filename", name)
		if err != nil {
			return err
		}
		params["name"] = red
	}
	h.SetContentType(mediaType, params)
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	if disp, dp, err := h.ContentDisposition(); err == nil && dp["filename"] != "" {
		red, err := r.redactField("Filename", dp["filename"])
		if err != nil {
			return err
		}
		dp["filename"] = red
		h.SetContentDisposition(disp, dp)
	}
	return r.redactHeader(h, "Content-Description")
}

// headers redacts the free-text fields of the message header and drops
// the signatures the rewrite breaks.
func (r *redaction) headers(h *message.Header) error {
	for _, k := range freeTextHeaders {
		if err := r.redactHeader(h, k); err != nil {
			return err
		}
	}
	for _, k := range droppedHeaders {
		h.Del(k)
	}
	return nil
}

// redactHeader redacts every field k of h (RFC 2047-decoded); fields
// without findings keep their original form.
func (r *redaction) redactHeader(h *message.Header, k string) error {
	var vals []string
	changed := false
	fields := h.FieldsByKey(k)
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			return cannot("undecodable " + k + " header")
		}
		red, err := r.redactField(k, v)
		if err != nil {
			return err
		}
		changed = changed || red != v
		vals = append(vals, red)
	}
	if !changed {
		return nil
	}
	h.Del(k)
	for _, v := range vals {
		h.Add(k, mime.QEncoding.Encode("utf-8", v))
	}
	return nil
}

// toUTF8 returns body as UTF-8: a body without a declared charset that
// is not valid UTF-8 is read as Latin-1, where every byte is a character.
func toUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	out := make([]byte, 0, len(body)+len(body)/4)
	for _, c := range body {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// sortedTypes lists the keys of counts in order, for the header.
func sortedTypes(counts map[dlp.Type]int) []string {
	out := make([]string, 0, len(counts))
	for t := range counts {
		out = append(out, string(t))
	}
	sort.Strings(out)
	return out
}

// errUnredactable matches *unredactable errors with errors.As.
func isUnredactable(err error) (string, bool) {
	var u *unredactable
	if errors.As(err, &u) {
		return u.reason, true
	}
	return "", false
}
