package dicom

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/internal/testtool"
)

func deidentify(t testing.TB, file []byte, opts DeidOptions) ([]byte, Summary) {
	t.Helper()
	var out bytes.Buffer
	sum, err := Deidentify(bytes.NewReader(file), &out, opts)
	if err != nil {
		t.Fatalf("deidentify: %v", err)
	}
	return out.Bytes(), sum
}

// phiValues are the values Scan reports in file, at least minLen bytes.
func phiValues(t testing.TB, file []byte, eng *dlp.Engine, minLen int) map[string]bool {
	t.Helper()
	locs, _ := scanBytes(t, file, eng)
	out := map[string]bool{}
	for _, v := range found(t, file, locs) {
		if len(v) >= minLen {
			out[v] = true
		}
	}
	return out
}

// pixelHash hashes the pixel data value or fragments.
func pixelHash(t testing.TB, file []byte) [32]byte {
	t.Helper()
	f, err := Open(bytes.NewReader(file), Limits{MaxValue: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	inPixels := false // top-level pixel data, not icons
	for {
		tok, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f.Depth() > 0:
		case tok.Kind == KindFragStart:
			inPixels = true
		case tok.Kind == KindFragEnd:
			inPixels = false
		case tok.Kind == KindFragment && inPixels, tok.Kind == KindElement && tok.Tag == TagPixelData:
			if tok.Value != nil {
				h.Write(tok.Value)
			} else if err := f.CopyValue(h); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// TestDeidentifySharedFiles de-identifies every shared file and proves the
// result: our reader and dcmdump read it, no PHI value of the original is
// found in it, its pixels are unchanged, the meta and data set SOP
// instance UIDs agree.
func TestDeidentifySharedFiles(t *testing.T) {
	eng := engine(t)
	s := surrogates(t)
	for _, path := range sharedDICOM(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, sum := deidentify(t, file, DeidOptions{Surrogates: s})
			orig := phiValues(t, file, eng, 3)
			locs, _ := scanBytes(t, out, eng)
			for field, v := range found(t, out, locs) {
				if v != dummyPN { // D keeps Type 1 names present
					t.Errorf("finding remains in %s", field)
				}
			}
			rest := textValues(t, out)
			for v := range orig {
				if len(v) >= 6 && strings.Contains(rest, v) {
					t.Errorf("original PHI value of %d bytes still in the output", len(v))
				}
			}
			if pixelHash(t, out) != pixelHash(t, file) {
				t.Error("pixel data changed")
			}
			if got := values(t, out, TagIdentityRemoved); len(got) != 1 || got[0] != "YES" {
				t.Errorf("PatientIdentityRemoved = %v", got)
			}
			sop := values(t, out, TagSOPInstanceUID)
			if len(sop) != 1 || !strings.HasPrefix(sop[0], "2.25.") || values(t, out, TagMediaSOPInstance)[0] != sop[0] {
				t.Errorf("SOP instance UID %v does not match the meta's", sop)
			}
			if sum.UIDs == 0 || len(sum.Methods) != 1 || sum.Methods[0] != "113100" {
				t.Errorf("summary %+v", sum)
			}
		})
	}
}

const dummyPN = "ANONYMOUS"

// textValues joins every element value of file outside pixel data and
// the attributes the profile records itself.
func textValues(t testing.TB, file []byte) string {
	t.Helper()
	f, err := Open(bytes.NewReader(file), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for {
		tok, err := f.Next()
		if err != nil {
			break
		}
		if tok.Kind == KindElement && tok.Tag != TagPixelData && !recorded(tok.Tag) {
			b.Write(tok.Value)
			b.WriteByte('|')
		}
	}
	return b.String()
}

func TestDeidentifiedReadByDcmdump(t *testing.T) {
	dump := testtool.Path(t, "dcmdump")
	s := surrogates(t)
	for _, path := range sharedDICOM(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			file, _ := os.ReadFile(path)
			out, _ := deidentify(t, file, DeidOptions{Surrogates: s, RetainLongitudinalDates: true})
			tmp := filepath.Join(t.TempDir(), "out.dcm")
			if err := os.WriteFile(tmp, out, 0o600); err != nil {
				t.Fatal(err)
			}
			text, err := exec.Command(dump, "-q", "+E", tmp).CombinedOutput()
			if err != nil {
				t.Fatalf("dcmdump failed: %v\n%s", err, text)
			}
			for _, line := range strings.Split(string(text), "\n") {
				if strings.HasPrefix(line, "(0010,0010)") && !strings.Contains(line, "(no value available)") {
					t.Errorf("PatientName not empty: %s", line)
				}
				if strings.Contains(line, "E: ") || strings.Contains(line, "W: ") {
					t.Errorf("dcmdump complains: %s", line)
				}
			}
			if !strings.Contains(string(text), "(0012,0064) SQ") || !strings.Contains(string(text), "113107") {
				t.Error("no de-identification method code sequence with 113107")
			}
		})
	}
}

// TestDeidentifyConsistency: two studies of one patient get the same
// pseudonyms and the same date shift; shared UIDs map to the same new UID.
func TestDeidentifyConsistency(t *testing.T) {
	s := surrogates(t)
	opts := DeidOptions{Surrogates: s, PseudonymizePatient: true, RetainLongitudinalDates: true}
	a := build(t, ExplicitVRLittleEndian, sample("1.2.3.100", "20210314", "NO"))
	b := build(t, ImplicitVRLittleEndian, sample("1.2.3.200", "20190702", "NO"))
	outA, sumA := deidentify(t, a, opts)
	outB, _ := deidentify(t, b, opts)
	for _, tag := range []Tag{TagPatientName, TagPatientID, 0x0020000D} {
		va, vb := values(t, outA, tag), values(t, outB, tag)
		if len(va) != 1 || len(vb) != 1 || va[0] != vb[0] || va[0] == "" {
			t.Errorf("%s: %v and %v differ or are empty", tag, va, vb)
		}
		if orig := values(t, a, tag); va[0] == orig[0] {
			t.Errorf("%s kept its value", tag)
		}
	}
	if n := values(t, outA, TagPatientName)[0]; n != strings.ToUpper(n) || strings.Count(n, "^") != 2 {
		t.Errorf("pseudonym %q lost the shape of GONZALEZ^MARIA^T", n)
	}
	if values(t, outA, TagSOPInstanceUID)[0] == values(t, outB, TagSOPInstanceUID)[0] {
		t.Error("different SOP instances got the same UID")
	}
	shift := func(in, out []byte, tag Tag) int {
		o, _ := time.Parse("20060102", values(t, in, tag)[0])
		n, err := time.Parse("20060102", values(t, out, tag)[0])
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		return int(n.Sub(o).Hours() / 24)
	}
	da, db := shift(a, outA, 0x00080020), shift(b, outB, 0x00080020)
	if da != db || da == 0 || shift(a, outA, TagPatientBirthDate) != da {
		t.Errorf("date shifts %d, %d, birth %d: want one non-zero shift", da, db, shift(a, outA, TagPatientBirthDate))
	}
	if sumA.DatesShifted == 0 || sumA.Pseudonyms != 2 {
		t.Errorf("summary %+v", sumA)
	}
}

func TestDeidentifySyntaxesRoundTrip(t *testing.T) {
	eng := engine(t)
	s := surrogates(t)
	for _, ts := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian} {
		t.Run(ts, func(t *testing.T) {
			in := build(t, ts, sample("1.2.3.4", "20210314", "NO"))
			out, sum := deidentify(t, in, DeidOptions{Surrogates: s})
			if sum.TransferSyntax != ts || values(t, out, TagTransferSyntax)[0] != ts {
				t.Errorf("transfer syntax changed")
			}
			if locs, _ := scanBytes(t, out, eng); len(locs) != 0 {
				t.Errorf("%d findings remain, first %s", len(locs), locs[0].Field)
			}
			if sum.PrivateRemoved != 2 || values(t, out, TagTextValue) != nil {
				t.Errorf("private or SR text kept: %+v", sum)
			}
			if pixelHash(t, out) != pixelHash(t, in) {
				t.Error("encapsulated pixel data changed")
			}
		})
	}
}

func TestDeidentifyOptions(t *testing.T) {
	eng := engine(t)
	s := surrogates(t)
	in := build(t, ExplicitVRLittleEndian, sample("1.2.3.4", "20210314", "NO"))
	out, sum := deidentify(t, in, DeidOptions{Surrogates: s, RetainPatientCharacteristics: true,
		RetainSafePrivate: true, Engine: eng})
	if got := values(t, out, TagPatientAge); len(got) != 1 || got[0] != "090Y" {
		t.Errorf("PatientAge = %v, want 090Y", got)
	}
	if got := values(t, out, 0x00090010); len(got) != 1 {
		t.Errorf("private creator not kept: %v", got)
	}
	if got := values(t, out, 0x00091001); got != nil {
		t.Error("private value with a phone number kept")
	}
	if strings.Join(sum.Methods, ",") != "113100,113108,113111" {
		t.Errorf("methods %v", sum.Methods)
	}
}

func TestDeidentifyBurnedIn(t *testing.T) {
	s := surrogates(t)
	in := build(t, ExplicitVRLittleEndian, sample("1.2.3.4", "20210314", "YES"))
	var out bytes.Buffer
	if _, err := Deidentify(bytes.NewReader(in), &out, DeidOptions{Surrogates: s}); !errors.Is(err, ErrBurnedIn) {
		t.Fatalf("err = %v, want ErrBurnedIn", err)
	}
	if out.Len() != 0 {
		t.Error("output written before refusing")
	}
	if _, sum := deidentify(t, in, DeidOptions{Surrogates: s, AllowBurnedIn: true}); !sum.BurnedIn {
		t.Error("summary misses the burned-in flag")
	}
}

func TestDeidentifyNeedsKey(t *testing.T) {
	in := build(t, ExplicitVRLittleEndian, sample("1.2.3.4", "20210314", "NO"))
	if _, err := Deidentify(bytes.NewReader(in), io.Discard, DeidOptions{}); !errors.Is(err, ErrOptions) {
		t.Errorf("err = %v, want ErrOptions", err)
	}
}
