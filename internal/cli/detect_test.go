package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airtight/airtight/internal/shareddata"
)

// TestDetectReplaySynthetic: the synthetic hospital captures yield the
// rogue AE title, the unknown HL7 sender and the patient data pushed to an
// outside address — and nothing about the normal flows (the CT scanner's
// and MR scanner's associations, the HIS and the analyzer's HL7).
func TestDetectReplaySynthetic(t *testing.T) {
	dicom := shareddata.Dir(t, "detect", "synthetic", "dicom", "dicom_hospital_synthetic.pcap")
	hl7 := shareddata.Dir(t, "detect", "synthetic", "hl7", "hl7_mllp_synthetic.pcap")
	out, errOut, code := runDLP(t, "", "detect", "replay", "-o", "json", "--inventory", filepath.Join("testdata", "hospital-inventory.csv"), dicom, hl7)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type line struct {
		Rule     string         `json:"rule"`
		Severity string         `json:"severity"`
		Device   string         `json:"device"`
		Attack   []string       `json:"attack"`
		Count    int            `json:"count"`
		Evidence map[string]any `json:"evidence"`
	}
	var rules []string
	byRule := map[string]line{}
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		rules = append(rules, l.Rule)
		byRule[l.Rule] = l
		if l.Count < 1 || l.Device == "" || len(l.Attack) == 0 {
			t.Errorf("incomplete alert %+v", l)
		}
	}
	for _, want := range []string{"airtight.dicom.rogue_ae", "airtight.hl7.unknown_sender", "airtight.dicom.phi_to_internet"} {
		if !slices.Contains(rules, want) {
			t.Errorf("no %s alert in %v", want, rules)
		}
	}
	// Nothing names the normal talkers as a subject.
	for _, l := range byRule {
		for _, normal := range []string{"CT_SCANNER01", "MR_SCANNER02", "HIS_ADT", "ANALYZER01"} {
			if l.Evidence["calling_ae"] == normal || l.Evidence["sending_app"] == normal {
				t.Errorf("alert %s about the normal talker %s", l.Rule, normal)
			}
		}
	}
	if strings.Contains(out, "DOE") || strings.Contains(out, "ROE") || strings.Contains(out, "SYN000") {
		t.Errorf("patient data in the alerts")
	}
	// The PHI push is the PACS (inventory device 3) sending to the internet.
	if l := byRule["airtight.dicom.phi_to_internet"]; l.Severity != "critical" || l.Device != "3" {
		t.Errorf("phi push alert = %+v", l)
	}
}

func TestDetectReplayErrors(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "junk.bin"), "\x00\x01\x02 definitely not a capture")
	if _, errOut, code := runDLP(t, "", "detect", "replay", filepath.Join(dir, "junk.bin")); code != exitError || !strings.Contains(errOut, "unknown input format") {
		t.Errorf("junk: exit %d %s", code, errOut)
	}
	if _, _, code := runDLP(t, "", "detect", "replay", "-o", "xml", filepath.Join(dir, "junk.bin")); code != exitError {
		t.Errorf("bad -o: exit %d", code)
	}
	if _, _, code := runDLP(t, "", "detect", "replay", "--rules", dir, filepath.Join(dir, "junk.bin")); code != exitError {
		t.Errorf("empty rules dir: exit %d", code)
	}
}

// TestDetectReplaySigma: Sigma rules run beside the built-ins, and their
// alerts keep the rule's author (Detection Rule License).
func TestDetectReplaySigma(t *testing.T) {
	rules := shareddata.Dir(t, "detect", "sigma", "rules")
	logs, err := filepath.Glob(filepath.Join(shareddata.Dir(t, "detect", "syslog", "synthetic"), "*"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no synthetic logs: %v", err)
	}
	args := append([]string{"detect", "replay", "-o", "json", "--rules", rules}, logs...)
	out, errOut, code := runDLP(t, "", args...)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sigmaAlerts int
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		var l struct{ Rule, Author string }
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(l.Rule, "airtight.") {
			sigmaAlerts++
			if l.Author == "" {
				t.Errorf("Sigma alert %s without its rule's author", l.Rule)
			}
		}
	}
	if sigmaAlerts == 0 {
		t.Errorf("no Sigma alert on the synthetic Windows logs (shadow copy deletion):\n%s", out)
	}
}
