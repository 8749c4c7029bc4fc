package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/dicom"
	"github.com/airtight/airtight/dlp/hl7"
	"github.com/airtight/airtight/internal/shareddata"
)

func TestDLPRedact(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	note := "Patient John Smith (MRN 00482913) seen 07/22/2019 by Dr. Alice Walker. Call 617-555-1234. SSN " + phiSSN + ".\n"
	out, errOut, code := runDLP(t, note, "dlp", "redact", "--key-file", key, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, v := range []string{"Smith", "00482913", "07/22/2019", "Walker", "617-555-1234", phiSSN} {
		if strings.Contains(out, v) {
			t.Errorf("output still holds %q:\n%s", v, out)
		}
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	again, _, _ := runDLP(t, note, "dlp", "redact", "--key-file", key, "-")
	if again != out {
		t.Errorf("same key, same input, different surrogates")
	}
	sh, _, code := runDLP(t, note, "dlp", "redact", "--mode", "safe-harbor", "--key-file", key, "-")
	if code != 0 || !strings.Contains(sh, "[NAME]") || !strings.Contains(sh, "[SSN]") {
		t.Errorf("safe harbor: %d %q", code, sh)
	}
	if _, _, code := runDLP(t, note, "dlp", "redact", "--mode", "blur", "--key-file", key, "-"); code != exitError {
		t.Errorf("bad mode: exit %d", code)
	}
}

func TestDLPRedactHL7StaysValid(t *testing.T) {
	msg := "MSH|^~\\&|LAB|FAC|||20220804||ORU^R01|1|P|2.5.1\rPID|1||748502^^^HOSP^MR||DOE^JANE^Q||19790627|F|||12 Elm St^^Boston^MA^02118||^PRN^PH^^^617^5551234\r"
	dir := t.TempDir()
	outPath := filepath.Join(dir, "out.hl7")
	if _, errOut, code := runDLP(t, msg, "dlp", "redact", "--key-file", filepath.Join(dir, "k"), "-O", outPath, "-"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"DOE", "JANE", "748502", "19790627", "12 Elm St", "Boston"} {
		if strings.Contains(string(out), v) {
			t.Errorf("output holds %q", v)
		}
	}
	if _, err := hl7.Parse(out, hl7.Limits{}); err != nil {
		t.Errorf("output does not parse: %v", err)
	}
}

func TestDLPDeidDICOM(t *testing.T) {
	src := shareddata.Dir(t, "dlp", "dicom", "5.dcm")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.dcm")
	_, errOut, code := runDLP(t, "", "dlp", "deid-dicom", "--key-file", filepath.Join(dir, "k"), "--longitudinal-dates", src, out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "113107") {
		t.Errorf("summary lacks the longitudinal method code: %s", errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eng, err := dlp.New(dlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings, _, err := dicom.Scan(t.Context(), f, eng, dicom.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range findings {
		if strings.Contains(x.Field, "PatientName") || strings.Contains(x.Field, "PatientID") {
			t.Errorf("de-identified file still has %s", x.Field)
		}
	}
	if _, _, code := runDLP(t, "", "dlp", "deid-dicom", "--key-file", filepath.Join(dir, "k"), filepath.Join(dir, "missing.dcm"), out); code != exitError {
		t.Errorf("missing input: exit %d", code)
	}
}
