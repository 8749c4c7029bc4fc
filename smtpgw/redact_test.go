package smtpgw

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/deid"
	"github.com/airtight/airtight/dlp/extract"
	"github.com/emersion/go-message"
)

// phiValues are the identifiers of the redact fixtures; none may reach a
// recipient of redacted mail.
var verdictLine = regexp.MustCompile(`(?m)^X-Airtight-DLP: [^\r\n]*\r?\n`)

var phiValues = []string{"John", "Smith", "4471823", "123-45-6789", "6789", "1962"}

func newExtractScanner(t testing.TB) *extract.Scanner {
	t.Helper()
	s, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// leaf is a decoded leaf of a parsed message.
type leaf struct {
	mediaType string
	header    message.Header
	text      string
}

// parseLeaves parses msg with go-message, as a recipient would, and
// returns its leaves decoded; any MIME error fails the test.
func parseLeaves(t *testing.T, msg []byte) (message.Header, []leaf) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("parse redacted message: %v", err)
	}
	var out []leaf
	err = e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, _, err := p.Header.ContentType()
		if err != nil || strings.HasPrefix(mt, "multipart/") {
			return err
		}
		b, err := io.ReadAll(p.Body)
		out = append(out, leaf{mt, p.Header, string(b)})
		return err
	})
	if err != nil {
		t.Fatalf("walk redacted message: %v", err)
	}
	return e.Header, out
}

func TestRedact(t *testing.T) {
	const house = "dr.house@hospital.example"
	to := []string{"colleague@redact.example"}
	tests := []struct {
		name    string
		file    string
		types   string   // in the verdict header
		keep    []string // text that must survive, decoded
		subject string   // decoded Subject after redaction; "" keeps the original
		check   func(t *testing.T, leaves []leaf)
	}{
		{"plain", "testdata/redact_plain.eml", "types=DATE,MRN,NAME,SSN",
			[]string{"Patient [NAME], DOB [DATE], MRN [MRN], SSN [SSN].", "Please see the attached notes."},
			"Referral for Mr. [NAME]", wantTypes("text/plain")},
		{"quoted-printable latin-1", "testdata/redact_qp.eml", "types=MRN,NAME,SSN",
			[]string{"Grüße, the follow-up for patient [NAME]", "[SSN]", "[MRN]", "Café meeting at noon."}, "", wantTypes("text/plain")},
		{"html alternative", "testdata/redact_html.eml", "types=MRN,NAME,SSN",
			[]string{"Lab results for patient [NAME], SSN [SSN], MRN [MRN]: normal.", "<b>[NAME]</b>", `<span style="color:green">normal</span>`},
			"", wantTypes("text/plain", "text/html")},
		{"pdf attachment removed with a note", "testdata/redact_pdf.eml", "types=MRN,NAME,SSN",
			[]string{"The discharge summary of patient [NAME] (MRN [MRN]) is attached.", "Ward notes: patient [NAME], SSN [SSN], stable.",
				"part 2 of the original message: application/pdf"}, "",
			func(t *testing.T, leaves []leaf) {
				wantTypes("text/plain", "text/plain", "text/plain")(t, leaves)
				if _, p, _ := leaves[1].header.ContentDisposition(); p["filename"] != "notes.txt" {
					t.Errorf("text attachment lost its name: %v", p)
				}
				if !strings.Contains(leaves[2].text, "removed attachments") {
					t.Errorf("last part is not the note: %q", leaves[2].text)
				}
			}},
		{"RFC 2047 subject with a name", "testdata/redact_subject.eml", "types=NAME",
			[]string{"Please see the patient on Monday."}, "Referral for Mr. [NAME] – cardiology", wantTypes("text/plain")},
	}
	for _, s := range senders {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				e := newEnv(t, nil)
				e.scanner.set(newExtractScanner(t))
				if c, text, _ := s.send(t, e.addr, house, to, tt.file); c != 250 {
					t.Fatalf("reply %d %q, want 250", c, text)
				}
				got := onlyMessage(t, e)
				hdr, _, _ := bytes.Cut(got.data, []byte("\r\n"))
				re := regexp.MustCompile(`^X-Airtight-DLP: redacted; rule=redact-external; ` + regexp.QuoteMeta(tt.types) + `; id=[0-9a-f]{18}$`)
				if !re.Match(hdr) {
					t.Errorf("verdict header %q, want %s", hdr, re)
				}
				checkRedacted(t, readFile(t, tt.file), got.data, tt.keep, tt.subject)
				_, leaves := parseLeaves(t, got.data)
				tt.check(t, leaves)
				checkLogs(t, e.logs.String())
			})
		}
	}
}

func wantTypes(types ...string) func(t *testing.T, leaves []leaf) {
	return func(t *testing.T, leaves []leaf) {
		t.Helper()
		var got []string
		for _, l := range leaves {
			got = append(got, l.mediaType)
		}
		if strings.Join(got, " ") != strings.Join(types, " ") {
			t.Errorf("leaves %v, want %v", got, types)
		}
	}
}

// checkRedacted verifies a relayed redacted message against its original:
// valid MIME, utf-8 quoted-printable text parts, the kept text and header
// fields, no identifier in any decoded part or in the raw bytes, and a
// rescan without findings outside the address headers.
func checkRedacted(t *testing.T, orig, got []byte, keep []string, subject string) {
	t.Helper()
	h, leaves := parseLeaves(t, got)
	oe, err := message.Read(bytes.NewReader(crlf(orig)))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"From", "To", "Message-Id", "Date", "Mime-Version"} {
		if h.Get(k) != oe.Header.Get(k) {
			t.Errorf("header %s = %q, want %q", k, h.Get(k), oe.Header.Get(k))
		}
	}
	wantSubj, _ := oe.Header.Text("Subject")
	if subject != "" {
		wantSubj = subject
	}
	if s, _ := h.Text("Subject"); s != wantSubj {
		t.Errorf("Subject %q, want %q", s, wantSubj)
	}
	var all strings.Builder
	for _, l := range leaves {
		_, p, _ := l.header.ContentType()
		if p["charset"] != "utf-8" || l.header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("%s part: charset %q, encoding %q", l.mediaType, p["charset"], l.header.Get("Content-Transfer-Encoding"))
		}
		all.WriteString(l.text + "\n")
	}
	for _, k := range keep {
		if !strings.Contains(all.String(), k) {
			t.Errorf("redacted text lacks %q:\n%s", k, all.String())
		}
	}
	// The verdict header's random id may contain any digits by chance:
	// leave that line out of the raw check.
	raw := verdictLine.ReplaceAll(got, nil)
	for _, v := range phiValues {
		v = strings.ToLower(v)
		if strings.Contains(strings.ToLower(all.String()), v) || bytes.Contains(bytes.ToLower(raw), []byte(v)) {
			t.Errorf("redacted message still contains %q:\n%s", v, got)
		}
	}
	rep, err := newExtractScanner(t).ScanContent(context.Background(), "message.eml", bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unscannable) > 0 {
		t.Errorf("rescan: unscannable %+v", rep.Unscannable)
	}
	for _, f := range rep.Findings {
		if !addressHeaders[strings.ToLower(f.Field)] {
			t.Errorf("rescan finds %s in %s %s", f.Type, f.Part, f.Field)
		}
	}
}

func TestRedactBlocks(t *testing.T) {
	tests := []struct {
		name, file, reason string
	}{
		{"multipart/signed", "testdata/redact_signed.eml", "signed or encrypted content"},
	}
	for _, s := range senders {
		for _, tt := range tests {
			t.Run(s.name+"/"+tt.name, func(t *testing.T) {
				e := newEnv(t, nil)
				e.scanner.set(newExtractScanner(t))
				c, text, _ := s.send(t, e.addr, "dr.house@hospital.example", []string{"colleague@redact.example"}, tt.file)
				if c != 550 || !strings.Contains(text, "rule redact-external") || !strings.Contains(text, "could not be redacted ("+tt.reason+")") {
					t.Fatalf("reply %d %q, want 550 naming the rule and %q", c, text, tt.reason)
				}
				if n := len(e.sink.received()); n != 0 {
					t.Fatalf("next hop got %d messages", n)
				}
				checkLogs(t, e.logs.String())
			})
		}
	}
}

func newTestSurrogates(t testing.TB) *deid.Surrogates {
	t.Helper()
	s, err := deid.NewSurrogates(bytes.Repeat([]byte{1}, deid.MinKeySize), deid.ModeSafeHarbor)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mimeMsg builds a message from a Content-Type and a body.
func mimeMsg(ctype, body string) []byte {
	return []byte("From: a@hospital.example\r\nTo: b@redact.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: " +
		ctype + "\r\n\r\n" + body)
}

func TestRedactMessageUnredactable(t *testing.T) {
	nested := "multipart/mixed; boundary=b0"
	body := ""
	for i := range maxRedactDepth + 2 {
		body += fmt.Sprintf("--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	tests := []struct {
		name   string
		msg    []byte
		reason string
	}{
		{"encrypted", mimeMsg(`multipart/encrypted; protocol="application/pgp-encrypted"; boundary=e`,
			"--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e--\r\n"), "signed or encrypted content"},
		{"s/mime enveloped", mimeMsg(`application/pkcs7-mime; smime-type=enveloped-data`, "MIAG\r\n"), "signed or encrypted content"},
		{"inline pgp", mimeMsg("text/plain", "-----BEGIN PGP MESSAGE-----\r\nhQEMA\r\n-----END PGP MESSAGE-----\r\n"), "encrypted content"},
		{"signed inside mixed", mimeMsg("multipart/mixed; boundary=m",
			"--m\r\nContent-Type: multipart/signed; boundary=s\r\n\r\n--s\r\n\r\nhi\r\n--s--\r\n--m--\r\n"), "signed or encrypted content"},
		{"unterminated multipart", mimeMsg("multipart/mixed; boundary=m", "--m\r\nContent-Type: text/plain\r\n\r\nJohn Smith\r\n"), "malformed text part body"},
		{"no boundary", mimeMsg("multipart/mixed", "hello\r\n"), "multipart without boundary"},
		{"bad content type", mimeMsg("text/plain; charset", "hello\r\n"), "malformed content type"},
		{"unknown charset", mimeMsg("text/plain; charset=x-unknown-42", "hello\r\n"), "unknown charset or transfer encoding in a text part"},
		{"unknown encoding", mimeMsg("text/plain\r\nContent-Transfer-Encoding: x-uuencode", "hello\r\n"), "unknown charset or transfer encoding in a text part"},
		{"hl7 pasted into the body", mimeMsg("text/plain", "MSH|^~\\&|LAB|HOSP|EHR|HOSP|202603021000||ORU^R01|1|P|2.5\r"+
			"PID|1||4471823^^^HOSP^MR||Smith^John||19620314|M\r"), "structured content in a text part"},
		{"bad base64 text", mimeMsg("text/plain\r\nContent-Transfer-Encoding: base64", "!!!notbase64***\r\n"), "malformed text part body"},
		{"too deep", mimeMsg(nested, body), "nested deeper than 16"},
		{"header garbage", []byte("no header here"), "malformed message header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := redactMessage(context.Background(), newExtractScanner(t), newTestSurrogates(t), tt.msg)
			reason, ok := isUnredactable(err)
			if !ok || reason != tt.reason {
				t.Fatalf("err %v (out %q), want unredactable %q", err, out, tt.reason)
			}
		})
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>John Smith</p>", "\nJohn Smith\n"},
		{"a<!-- John -->b", "ab"},
		{"<b>John</b>&nbsp;Smith", "John Smith"},
		{"J&#111;hn &amp; S&#x6d;ith", "John & Smith"},
		{"<script>var n='John';</script>x", "x"},
		{"<STYLE>p{}</Style >x", "x"},
		{`<a title="x > y">t</a>`, "t"},
		{"a < b and c<d", "a < b and c"},
		{"AT&T &bogus; &", "AT&T &bogus; &"},
		{"<P\nclass=x>Hi", "\nHi"},
		{"<style>", ""},
	}
	for _, tt := range tests {
		text, at := htmlText([]byte(tt.in))
		if string(text) != tt.want || len(at) != len(text) {
			t.Errorf("htmlText(%q) = %q (%d offsets), want %q", tt.in, text, len(at), tt.want)
		}
		for i, sp := range at {
			if sp.start < 0 || sp.end > len(tt.in) || sp.start >= sp.end || (i > 0 && sp.start < at[i-1].start) {
				t.Errorf("htmlText(%q): byte %d from %v", tt.in, i, sp)
			}
		}
	}
}

// smithScanner finds "Smith" as a name: a scanner whose findings the
// structure tests control.
var smithScanner = scannerFunc(func(_ context.Context, _ string, r io.Reader) (*dlp.Report, error) {
	b, _ := io.ReadAll(r)
	rep := &dlp.Report{}
	for i := 0; ; i += 5 {
		k := bytes.Index(b[i:], []byte("Smith"))
		if k < 0 {
			return rep, nil
		}
		i += k
		rep.Findings = append(rep.Findings, dlp.Located{Finding: dlp.Finding{Type: dlp.Name, Start: i, End: i + 5}})
	}
})

func TestRedactMessageStructure(t *testing.T) {
	tests := []struct {
		name   string
		msg    []byte
		top    string // media type of the rewritten message
		leaves []string
		note   string // in the last leaf when attachments were removed
	}{
		{"single pdf becomes the note", mimeMsg("application/pdf\r\nContent-Transfer-Encoding: base64", "JVBERi0xLjQK\r\n"),
			"text/plain", []string{"text/plain"}, "part 1 of the original message: application/pdf, 9 bytes"},
		{"related html with an image is wrapped in mixed", mimeMsg("multipart/related; boundary=r",
			"--r\r\nContent-Type: text/html\r\n\r\n<p>Mr Smith</p>\r\n--r\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n"),
			"multipart/mixed", []string{"text/html", "text/plain"}, "part 2 of the original message: image/png"},
		{"nested multipart left empty is dropped", mimeMsg("multipart/mixed; boundary=m",
			"--m\r\nContent-Type: text/plain\r\n\r\nDear Smith\r\n--m\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n"+
				"--n\r\nContent-Type: message/rfc822\r\n\r\nSubject: Smith\r\n\r\nhi\r\n--n--\r\n--m--\r\n"),
			"multipart/mixed", []string{"text/plain", "text/plain"}, "part 2 of the original message: message/rfc822"},
		{"html attachment removed", mimeMsg("multipart/mixed; boundary=m",
			"--m\r\n\r\nhello\r\n--m\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=Smith.html\r\n\r\n<p>x</p>\r\n--m--\r\n"),
			"multipart/mixed", []string{"text/plain", "text/plain"}, "part 2 of the original message: text/html"},
		{"odd media type hidden", mimeMsg("multipart/mixed; boundary=m",
			"--m\r\n\r\nhello\r\n--m\r\nContent-Type: application/x-smith!john\r\n\r\nx\r\n--m--\r\n"),
			"multipart/mixed", []string{"text/plain", "text/plain"}, "part 2 of the original message: unknown type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := redactMessage(context.Background(), smithScanner, newTestSurrogates(t), tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			h, leaves := parseLeaves(t, out)
			if mt, _, _ := h.ContentType(); mt != tt.top {
				t.Errorf("top %s, want %s", mt, tt.top)
			}
			wantTypes(tt.leaves...)(t, leaves)
			if last := leaves[len(leaves)-1].text; !strings.Contains(last, tt.note) {
				t.Errorf("note %q lacks %q", last, tt.note)
			}
			if bytes.Contains(bytes.ToLower(out), []byte("smith")) {
				t.Errorf("rewritten message contains the name:\n%s", out)
			}
			if h.Get("From") != "a@hospital.example" {
				t.Errorf("From %q", h.Get("From"))
			}
		})
	}
}

// TestRedactFallbacks covers what happens around the rewrite: findings
// left after it block the message, scanner failures defer it, and
// recipients of another group get the original.
func TestRedactFallbacks(t *testing.T) {
	const from = "dr.house@hospital.example"
	ext := newExtractScanner(t)
	blind := scannerFunc(func(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
		if name == "part.txt" {
			return &dlp.Report{}, nil // misses everything in the parts
		}
		return ext.ScanContent(ctx, name, r)
	})
	failing := scannerFunc(func(ctx context.Context, name string, r io.Reader) (*dlp.Report, error) {
		if name == "part.txt" {
			return nil, errors.New("extractor crashed")
		}
		return ext.ScanContent(ctx, name, r)
	})
	t.Run("findings left after redaction block", func(t *testing.T) {
		e := newEnv(t, nil)
		e.scanner.set(blind)
		c, text := sendGo(t, e.addr, from, []string{"c@redact.example"}, crlf(readFile(t, "testdata/redact_plain.eml")))
		if c != 550 || !strings.Contains(text, "patient data left after redaction") || len(e.sink.received()) != 0 {
			t.Fatalf("reply %d %q, relayed %d", c, text, len(e.sink.received()))
		}
	})
	t.Run("scanner failure during redaction defers", func(t *testing.T) {
		e := newEnv(t, nil)
		e.scanner.set(failing)
		c, text := sendGo(t, e.addr, from, []string{"c@redact.example"}, crlf(readFile(t, "testdata/redact_plain.eml")))
		if c != 451 || len(e.sink.received()) != 0 {
			t.Fatalf("reply %d %q, relayed %d", c, text, len(e.sink.received()))
		}
		checkLogs(t, e.logs.String())
	})
	t.Run("internal recipients get the original", func(t *testing.T) {
		e := newEnv(t, nil)
		e.scanner.set(ext)
		orig := crlf(readFile(t, "testdata/redact_plain.eml"))
		if c, text := sendGo(t, e.addr, from, []string{"lab@hospital.example", "c@redact.example"}, orig); c != 250 {
			t.Fatalf("reply %d %q", c, text)
		}
		got := e.sink.received()
		if len(got) != 2 {
			t.Fatalf("next hop got %d messages, want 2", len(got))
		}
		for _, m := range got {
			switch m.to[0] {
			case "lab@hospital.example":
				if !bytes.HasSuffix(m.data, orig) {
					t.Error("internal copy altered")
				}
			case "c@redact.example":
				if bytes.Contains(m.data, []byte("Smith")) || !bytes.HasPrefix(m.data, []byte("X-Airtight-DLP: redacted;")) {
					t.Errorf("external copy not redacted:\n%s", m.data)
				}
			}
		}
	})
}

// FuzzRedactMessage feeds arbitrary mail to the rewrite: it must never
// panic, and what it returns must parse again.
func FuzzRedactMessage(f *testing.F) {
	for _, name := range []string{"redact_plain.eml", "redact_qp.eml", "redact_html.eml", "redact_pdf.eml", "redact_subject.eml", "redact_signed.eml", "phi.eml"} {
		f.Add(crlf(readFile(f, "testdata/"+name)))
	}
	scan := smithScanner
	subs := newTestSurrogates(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, _, err := redactMessage(context.Background(), scan, subs, msg)
		if err != nil {
			if _, ok := isUnredactable(err); !ok {
				t.Fatalf("error not unredactable: %v", err)
			}
			return
		}
		if _, err := message.Read(bytes.NewReader(out)); err != nil && !message.IsUnknownCharset(err) {
			t.Fatalf("rewritten message does not parse: %v", err)
		}
	})
}

// FuzzHTMLText checks the offsets of htmlText on arbitrary markup: one
// range per text byte, inside the input, in order.
func FuzzHTMLText(f *testing.F) {
	f.Add([]byte("<p>Lab results for <b>John&nbsp;Smith</b> &#111;&amp;<!-- x --><script>y</script></p>"))
	f.Add(crlf(readFile(f, "testdata/redact_html.eml")))
	f.Fuzz(func(t *testing.T, in []byte) {
		text, at := htmlText(in)
		if len(at) != len(text) {
			t.Fatalf("%d offsets for %d bytes", len(at), len(text))
		}
		for i, sp := range at {
			if sp.start < 0 || sp.end > len(in) || sp.start >= sp.end || (i > 0 && sp.start < at[i-1].start) {
				t.Fatalf("byte %d from %v", i, sp)
			}
		}
	})
}

// BenchmarkRedact compares the rewrite (parts scanned again, message
// rewritten) with the baseline of one scan of the same message.
func BenchmarkRedact(b *testing.B) {
	msg := crlf(readFile(b, "testdata/redact_pdf.eml"))
	scan := newExtractScanner(b)
	subs := newTestSurrogates(b)
	b.Run("scan-baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := scan.ScanContent(context.Background(), "message.eml", bytes.NewReader(msg)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redact", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := redactMessage(context.Background(), scan, subs, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
