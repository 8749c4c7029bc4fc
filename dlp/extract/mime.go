package extract

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charsets of mail bodies and encoded words
)

// maxMailHeader bounds the header block of a mail or MIME part.
const maxMailHeader = 1 << 20

// mailHeaders are the header fields scanned for PHI: people's names and
// addresses, and free text written by the sender.
var scannedHeaders = []string{"Subject", "From", "To", "Cc", "Bcc", "Reply-To", "Sender",
	"Comments", "Keywords", "Return-Path", "Delivered-To", "X-Original-To", "Resent-From",
	"Resent-To", "Resent-Cc", "Disposition-Notification-To", "Thread-Topic", "Content-Description"}

// mailWalk is the state of one mail (a top-level one or one attached).
type mailWalk struct {
	st    *run
	path  string // prefix of the mail's parts
	leaf  int    // leaves so far
	batch *fieldBatch
}

// scanMail scans a MIME mail: its header fields, then every leaf by its
// own type (text, HTML, attachments, attached mails).
func (st *run) scanMail(p partCtx, r io.Reader) error {
	e, err := message.ReadWithOptions(r, &message.ReadOptions{MaxHeaderBytes: maxMailHeader})
	if e == nil {
		return malformed("malformed mail header")
	}
	w := &mailWalk{st: st, path: p.path, batch: st.newBatch()}
	w.headers(p.path, &e.Header)
	w.entity(p, e, err)
	w.batch.flush()
	return nil
}

// headers queues the scanned header fields of h, decoded (RFC 2047).
func (w *mailWalk) headers(part string, h *message.Header) {
	dec := mime.WordDecoder{CharsetReader: message.CharsetReader}
	for _, key := range scannedHeaders {
		fields := h.FieldsByKey(key)
		for fields.Next() {
			v := fields.Value()
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
			w.batch.add(fieldSpan{part: part, field: key}, key, []byte(v))
		}
	}
}

// entity scans e, a mail's root or one of its parts; p is the context of
// the multipart (or mail) around it.
func (w *mailWalk) entity(p partCtx, e *message.Entity, err error) {
	if w.st.stopped() {
		return
	}
	if mr := e.MultipartReader(); mr != nil {
		w.multipart(p, e, mr)
		return
	}
	w.leaf++
	mediaType, params, _ := e.Header.ContentType()
	if mediaType == "" {
		mediaType = "text/plain"
	}
	name := fileName(&e.Header, params)
	lbl := "body[" + strconv.Itoa(w.leaf) + "]:" + cleanName(subtype(mediaType))
	if name != "" {
		lbl = "attachment[" + strconv.Itoa(w.leaf) + "]:" + cleanName(name)
		w.batch.add(fieldSpan{part: join(w.path, lbl), field: "filename"}, "filename", []byte(name))
	}
	leaf := partCtx{path: join(w.path, lbl), name: name, ctype: mediaType, depth: p.depth + 1}
	enc := strings.ToLower(strings.TrimSpace(e.Header.Get("Content-Transfer-Encoding")))
	if message.IsUnknownEncoding(err) || !knownEncodings[enc] {
		w.st.unscannable(leaf.path, "unknown transfer encoding") // scanned as it is
	}
	w.st.part(leaf, &transferErrors{r: e.Body, enc: enc})
}

// multipart scans the parts of a multipart entity, one level deeper.
func (w *mailWalk) multipart(p partCtx, e *message.Entity, mr message.MultipartReader) {
	_, params, _ := e.Header.ContentType()
	if params["boundary"] == "" {
		w.st.unscannable(p.path, "multipart without boundary")
		w.leaf++
		leaf := partCtx{path: join(w.path, "body["+strconv.Itoa(w.leaf)+"]:plain"), depth: p.depth + 1}
		w.st.part(leaf, e.Body)
		return
	}
	inner := p
	inner.depth++
	if inner.depth > w.st.s.lim.MaxDepth {
		w.st.unscannable(join(w.path, "multipart"), tooDeep(w.st.s.lim.MaxDepth))
		return
	}
	for !w.st.stopped() {
		part, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if part == nil {
			if !w.st.stopped() {
				w.st.unscannable(join(w.path, "multipart"), "malformed multipart")
			}
			return
		}
		w.entity(inner, part, err)
	}
}

// subtype is the part of a media type after its "/": "plain", "html".
func subtype(mediaType string) string {
	if i := strings.IndexByte(mediaType, '/'); i >= 0 {
		return mediaType[i+1:]
	}
	return mediaType
}

// fileName is a part's file name: the Content-Disposition filename, or
// the Content-Type name, RFC 2047-decoded; "" when it has none.
func fileName(h *message.Header, ctParams map[string]string) string {
	name := ""
	if _, dp, err := h.ContentDisposition(); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = ctParams["name"]
	}
	dec := mime.WordDecoder{CharsetReader: message.CharsetReader}
	if d, err := dec.DecodeHeader(name); err == nil {
		name = d
	}
	return strings.TrimSpace(name)
}

// knownEncodings are the transfer encodings go-message decodes.
var knownEncodings = map[string]bool{"": true, "7bit": true, "8bit": true, "binary": true,
	"base64": true, "quoted-printable": true}

// transferErrors turns the errors of a decoded body into content errors
// with safe reasons.
type transferErrors struct {
	r   io.Reader
	enc string
}

func (t *transferErrors) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	var ce base64.CorruptInputError
	switch {
	case errors.As(err, &ce), t.enc == "base64" && errors.Is(err, io.ErrUnexpectedEOF):
		return n, malformed("malformed base64 body")
	case t.enc == "quoted-printable" && !isLimit(err):
		return n, malformed("malformed quoted-printable body")
	}
	return n, err
}

func isLimit(err error) bool {
	var le *limitError
	return errors.As(err, &le)
}
