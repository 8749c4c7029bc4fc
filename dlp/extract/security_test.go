package extract

import (
	"testing"

	"github.com/airtight/airtight/dlp"
)

// TestMediaMagicIsNoHidingPlace checks that text behind a media magic
// number, or named as media by its type, is still scanned: before, a
// "GIF8" prefix made the scanner skip the part and report it clean.
func TestMediaMagicIsNoHidingPlace(t *testing.T) {
	const note = "Patient Lisa Martin, SSN 789-01-2345\n"
	s := newScanner(t, Limits{})
	for _, magic := range []string{"GIF89a\n", "\x89PNG\r\n\x1a\n", "\xff\xd8\xff\xe0\x00", "RIFF\x00\x00\x00\x00", "ID3\x03\x00"} {
		rep := scan(t, s, "cat.gif", []byte(magic+note))
		if !hasType(rep, dlp.SSN) {
			t.Errorf("%q + note: no SSN found, findings %v, unscannable %v", magic, rep.Findings, rep.Unscannable)
		}
	}
	// An EXIF-like comment inside a real-looking JPEG.
	jpeg := append([]byte("\xff\xd8\xff\xfe\x00\x30"), []byte("comment: "+note)...)
	jpeg = append(jpeg, 0xff, 0xd9)
	if rep := scan(t, s, "xray.jpg", jpeg); !hasType(rep, dlp.SSN) {
		t.Errorf("JPEG comment: no SSN found")
	}
}

func hasType(rep *dlp.Report, typ dlp.Type) bool {
	for _, f := range rep.Findings {
		if f.Type == typ {
			return true
		}
	}
	return false
}

// ole2 returns a compound-file-like blob with a directory entry named
// name (UTF-16LE, as in an OLE2 directory sector) amid binary noise.
func ole2(name string) []byte {
	b := []byte(ole2Magic)
	b = append(b, make([]byte, 504)...)
	for _, c := range name {
		b = append(b, byte(c), 0)
	}
	b = append(b, 0, 0, 0x13, 0x87, 0xfe, 0x01, 0xc3)
	return append(b, make([]byte, 512)...)
}

// TestEncryptedOfficeIsUnscannable checks that a password-protected
// Office document (an OLE2 file with an EncryptedPackage stream) is
// reported unscannable: before, its printable runs were scanned, nothing
// was found, and the ciphertext passed as clean.
func TestEncryptedOfficeIsUnscannable(t *testing.T) {
	s := newScanner(t, Limits{})
	rep := scan(t, s, "results.xlsx", ole2("EncryptedPackage"))
	if !hasReason(rep, "", "encrypted Office document") {
		t.Errorf("encrypted: unscannable = %v", rep.Unscannable)
	}
	rep = scan(t, s, "letter.doc", ole2("WordDocument"))
	if len(rep.Unscannable) != 0 {
		t.Errorf("plain OLE2: unscannable = %v", rep.Unscannable)
	}
}
