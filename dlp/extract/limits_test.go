package extract

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
)

// zeros returns n zero bytes deflated into a ZIP member named name.
func zipOfZeros(t testing.TB, name string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
	zw.Close()
	return buf.Bytes()
}

// nestedBomb returns a 42.zip-like archive: levels of archives, each with
// fan copies of the level below, and at the bottom a member of size bytes
// of zeros. It decompresses to fan^levels × size bytes.
func nestedBomb(t testing.TB, levels, fan, size int) []byte {
	t.Helper()
	data := zipOfZeros(t, "0.dat", size)
	for l := 1; l < levels; l++ {
		ms := make([]member, fan)
		for i := range ms {
			ms[i] = member{fmt.Sprintf("%d-%d.zip", l, i), data}
		}
		data = makeZip(t, ms...)
	}
	return data
}

func TestZipBombNested(t *testing.T) {
	bomb := nestedBomb(t, 5, 16, 64<<20) // 16^4 × 64 MiB = 4 TiB
	t.Logf("nested bomb: %d bytes", len(bomb))
	rep := scan(t, newScanner(t, Limits{}), "42.zip", bomb)
	if !hasReason(rep, "*", "zip bomb: ratio above 100") {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
	if len(rep.Unscannable) > 5 {
		t.Errorf("%d unscannable parts, want the scan to stop at the first bomb", len(rep.Unscannable))
	}
}

func TestZipBombSingleMember(t *testing.T) {
	rep := scan(t, newScanner(t, Limits{}), "big.zip", zipOfZeros(t, "zeros.txt", 100<<20))
	if !hasReason(rep, "big.zip/zeros.txt", "zip bomb: ratio above 100") {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
}

// TestDecompressionBombStreamed checks the ratio guard on streams without
// declared sizes: gzip and a PDF Flate stream.
func TestDecompressionBombStreamed(t *testing.T) {
	zeros := make([]byte, 64<<20)
	copy(zeros, "SSN 321-54-9876\n")
	var fl bytes.Buffer
	zw := zlib.NewWriter(&fl)
	zw.Write(zeros)
	zw.Close()
	pdf := []byte(fmt.Sprintf("%%PDF-1.4\n1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n%%%%EOF\n", fl.Len(), fl.Bytes()))
	s := newScanner(t, Limits{})
	for name, data := range map[string][]byte{"zeros.txt.gz": gz(t, "", zeros), "bomb.pdf": pdf} {
		rep := scan(t, s, name, data)
		if !hasReason(rep, "*", "zip bomb: ratio above 100") {
			t.Errorf("%s: unscannable = %v", name, rep.Unscannable)
		}
	}
}

func TestNestingDepth(t *testing.T) {
	const note = "SSN 321-54-9876\n"
	data := []byte(note)
	name := "note.txt"
	for i := 0; i < 12; i++ {
		data = makeZip(t, member{name, data})
		name = fmt.Sprintf("level%d.zip", i)
	}
	rep := scan(t, newScanner(t, Limits{}), "deep.zip", data)
	if !hasReason(rep, "*", "nesting deeper than 8") || len(rep.Findings) > 0 {
		t.Errorf("findings %v, unscannable %v", rep.Findings, rep.Unscannable)
	}
	rep = scan(t, newScanner(t, Limits{MaxDepth: 20}), "deep.zip", data)
	if len(rep.Findings) != 1 || len(rep.Unscannable) > 0 {
		t.Errorf("with depth 20: findings %v, unscannable %v", rep.Findings, rep.Unscannable)
	}
}

func TestMIMENestingDepth(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nMIME-Version: 1.0\r\n")
	const levels = 40
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nSSN 321-54-9876\r\n")
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	rep := scan(t, newScanner(t, Limits{}), "deep.eml", []byte(b.String()))
	if !hasReason(rep, "*", "nesting deeper than 8") {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
	// attached mails nest too
	mail := []byte("From: a@b.example\r\nContent-Type: text/plain\r\n\r\nSSN 321-54-9876\r\n")
	for i := 0; i < 12; i++ {
		mail = makeMail("a@b.example", "c@d.example", "fwd", attachment{ctype: "message/rfc822", name: "fwd.eml", data: mail})
	}
	rep = scan(t, newScanner(t, Limits{}), "fwd.eml", mail)
	if !hasReason(rep, "*", "nesting deeper than 8") {
		t.Errorf("attached mails: unscannable = %v", rep.Unscannable)
	}
}

// TestHugeSingleLine streams a 24 MiB line without a break: identifiers
// anywhere in it are found once, at their offsets; a part limit stops it.
func TestHugeSingleLine(t *testing.T) {
	const ssn = "SSN 321-54-9876 "
	line := bytes.Repeat([]byte("lorem ipsum "), 2<<20) // 24 MiB
	at := []int{100, 1<<20 - 7, 3<<20 + 1, len(line) - len(ssn)}
	for _, off := range at {
		copy(line[off:], ssn)
	}
	rep := scan(t, newScanner(t, Limits{}), "line.txt", line)
	var got []int
	for _, f := range rep.Findings {
		if f.Type == dlp.SSN {
			got = append(got, f.Start-4)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(at) {
		t.Errorf("SSNs at %v, want %v", got, at)
	}
	rep = scan(t, newScanner(t, Limits{MaxPartSize: 4 << 20}), "line.txt", line)
	if !hasReason(rep, "", "part larger than 4194304 bytes") || len(rep.Findings) != 3 {
		t.Errorf("with a 4 MiB limit: %d findings, unscannable %v", len(rep.Findings), rep.Unscannable)
	}
}

func TestTruncatedBase64(t *testing.T) {
	mail := makeMail("a@b.example", "c@d.example", "labs",
		attachment{"text/plain", "labs.txt", "base64", []byte("Patient SSN 321-54-9876, more text follows here")})
	cut := bytes.LastIndex(mail, []byte("\r\n--BOUNDARY-1--"))
	broken := append(append([]byte{}, mail[:cut-3]...), mail[cut:]...) // drop the last 3 base64 characters
	rep := scan(t, newScanner(t, Limits{}), "labs.eml", broken)
	if !hasReason(rep, "attachment[1]:labs.txt", "malformed base64 body") {
		t.Errorf("unscannable = %v", rep.Unscannable)
	}
	if rep.Counts()[dlp.SSN] != 1 {
		t.Errorf("text before the damage not scanned: %v", rep.Findings)
	}
}

func TestArchiveLimits(t *testing.T) {
	ms := make([]member, 20)
	for i := range ms {
		ms[i] = member{fmt.Sprintf("%d.txt", i), []byte("SSN 321-54-9876")}
	}
	rep := scan(t, newScanner(t, Limits{MaxMembers: 10}), "many.zip", makeZip(t, ms...))
	if !hasReason(rep, "", "archive with more than 10 members") || len(rep.Findings) != 10 {
		t.Errorf("members: %d findings, unscannable %v", len(rep.Findings), rep.Unscannable)
	}
	rep = scan(t, newScanner(t, Limits{MaxParts: 5}), "many.zip", makeZip(t, ms...))
	if !hasReason(rep, "*", "more than 5 parts") {
		t.Errorf("parts: unscannable %v", rep.Unscannable)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, compresses well below ratio 100? no: checked by total
	rep = scan(t, newScanner(t, Limits{MaxTotalSize: 1 << 20, RatioGrace: 8 << 20}), "two.zip",
		makeZip(t, member{"a.txt", big}, member{"b.txt", big}))
	if !hasReason(rep, "two.zip/b.txt", "content larger than 1048576 bytes in total") {
		t.Errorf("total: unscannable %v", rep.Unscannable)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "secret.txt", Method: zip.Deflate, Flags: 0x1})
	w.Write([]byte("not really encrypted"))
	zw.Close()
	rep = scan(t, newScanner(t, Limits{}), "enc.zip", buf.Bytes())
	if !hasReason(rep, "enc.zip/secret.txt", "encrypted archive member") {
		t.Errorf("encrypted: unscannable %v", rep.Unscannable)
	}
}

func TestEncryptedPDF(t *testing.T) {
	pdf := makePDF(t, "Dr. Paul Walker", true, "SSN 321-54-9876")
	pdf = bytes.Replace(pdf, []byte("/Info 6 0 R"), []byte("/Info 6 0 R /Encrypt 7 0 R"), 1)
	rep := scan(t, newScanner(t, Limits{}), "enc.pdf", pdf)
	if !hasReason(rep, "", "encrypted PDF") || len(rep.Findings) != 0 {
		t.Errorf("findings %v, unscannable %v", rep.Findings, rep.Unscannable)
	}
}

// TestSpoolToFile checks archives larger than the in-memory spool.
func TestSpoolToFile(t *testing.T) {
	s, err := New(Options{Limits: Limits{SpoolMemory: 1 << 10}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	note := append(bytes.Repeat([]byte("filler text line\n"), 1000), "SSN 321-54-9876\n"...)
	rep := scan(t, s, "x.zip", makeZip(t, member{"n.txt", note}, member{"pad.bin", bytes.Repeat([]byte{7}, 4096)}))
	if rep.Counts()[dlp.SSN] != 1 {
		t.Errorf("findings %v, unscannable %v", rep.Findings, rep.Unscannable)
	}
}

func TestContextAndReaderErrors(t *testing.T) {
	s := newScanner(t, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := s.ScanContent(ctx, "a.txt", strings.NewReader("SSN 321-54-9876"))
	if !errors.Is(err, context.Canceled) || rep == nil || !hasReason(rep, "", "scan stopped") {
		t.Errorf("canceled: err %v, report %+v", err, rep)
	}
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("SSN 321-54-9876 "), &failReader{boom})
	if _, err := s.ScanContent(context.Background(), "a.zip", r); !errors.Is(err, boom) {
		t.Errorf("reader error: %v", err)
	}
}

type failReader struct{ err error }

func (f *failReader) Read([]byte) (int, error) { return 0, f.err }
