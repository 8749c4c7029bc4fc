package inventory

import (
	"strings"
	"unicode"
)

// Known device kinds with their display names. Other kinds are allowed; these
// are the ones the demo, the dashboard and later risk scoring know.
var Kinds = map[Kind]string{
	"ct-scanner":            "CT scanner",
	"mr-scanner":            "MR scanner",
	"pet-ct-scanner":        "PET/CT scanner",
	"x-ray":                 "X-ray system",
	"mobile-x-ray":          "Mobile X-ray",
	"mammography":           "Mammography system",
	"fluoroscopy":           "Fluoroscopy / C-arm",
	"ultrasound":            "Ultrasound system",
	"nuclear-medicine":      "Nuclear medicine camera",
	"angiography":           "Angiography system",
	"pacs-server":           "PACS server",
	"modality-workstation":  "Modality workstation",
	"reading-workstation":   "Radiology reading workstation",
	"lab-analyzer":          "Laboratory analyzer",
	"blood-gas-analyzer":    "Blood gas analyzer",
	"hematology-analyzer":   "Hematology analyzer",
	"infusion-pump":         "Infusion pump",
	"syringe-pump":          "Syringe pump",
	"patient-monitor":       "Patient monitor",
	"central-station":       "Central monitoring station",
	"telemetry-transmitter": "Telemetry transmitter",
	"ventilator":            "Ventilator",
	"anesthesia-machine":    "Anesthesia machine",
	"defibrillator":         "Defibrillator",
	"ecg":                   "ECG / cardiograph",
	"dialysis":              "Dialysis machine",
	"glucose-meter":         "Point-of-care glucose meter",
	"medication-cabinet":    "Automated medication cabinet",
	"nurse-station-pc":      "Nurse station PC",
	"hl7-interface-engine":  "HL7 interface engine",
	"surgical-robot":        "Surgical robot",
	"endoscopy":             "Endoscopy system",
	"radiotherapy":          "Radiotherapy system (linac)",
	"bed":                   "Smart bed",
	"printer":               "Printer",
	"badge-reader":          "Badge reader",
}

// DisplayName returns a human name for the kind.
func (k Kind) DisplayName() string {
	if n, ok := Kinds[k]; ok {
		return n
	}
	s := strings.ReplaceAll(string(k), "-", " ")
	if s == "" {
		return "Unknown"
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// NormalizeKind turns free text ("CT Scanner", "ct_scanner") into a kind
// ("ct-scanner").
func NormalizeKind(s string) Kind {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && b.Len() > 0 && !dash):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return Kind(b.String())
}
