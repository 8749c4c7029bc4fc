package dlp

import "testing"

// TestNewRules covers the phone, address, city, ZIP and name rules added
// for recall, each with hard negatives.
func TestNewRules(t *testing.T) {
	pos := []struct {
		name, text string
		want       []want
	}{
		{"phone plus cc", "reach him on +44 20 7946 0958 tonight", []want{{Phone, "+44 20 7946 0958"}}},
		{"phone plus trunk", "Desk: +46 (0)8 928 571 38", []want{{Phone, "+46 (0)8 928 571 38"}}},
		{"phone 00 prefix", "number 001-518-640-0854", []want{{Phone, "001-518-640-0854"}}},
		{"phone pairs", "Mobile: 03.93.92.16.85", []want{{Phone, "03.93.92.16.85"}}},
		{"phone context spaces", "call me on 0490 75 40 81", []want{{Phone, "0490 75 40 81"}}},
		{"phone label line", "Phone:\n467 3395\n", []want{{Phone, "467 3395"}}},
		{"phone no space paren", "cell (579)888-3058", []want{{Phone, "(579)888-3058"}}},
		{"phone local", "Reading room: 097-0583", []want{{Phone, "097-0583"}}},
		{"pager x", "PAGER X4140", []want{{Phone, "X4140"}}},
		{"pager short", "pgr 3-6405", []want{{Phone, "3-6405"}}},
		{"street suffix", "lives at 77 Birch Crescent with wife", []want{{Location, "77 Birch Crescent"}}},
		{"street ordinal", "at 410 5th Avenue today", []want{{Location, "410 5th Avenue"}}},
		{"street two suffixes compass", "12 Oak Hill Rd NW", []want{{Location, "12 Oak Hill Rd NW"}}},
		{"po box", "mail to P.O. Box 4411", []want{{Location, "P.O. Box 4411"}}},
		{"po box plain", "PO Box 12", []want{{Location, "PO Box 12"}}},
		{"address block", "14 Crown Street\nSuite 321\nLONDON\n", []want{{Location, "14 Crown Street\nSuite 321"},
			{Location, "LONDON"}}},
		{"city lives in", "She lives in Flateyri with her son.", []want{{Location, "Flateyri"}}},
		{"city from state", "originally from Springfield, Illinois", []want{{Location, "Springfield, Illinois"}}},
		{"lower state zip", "8894 oak street, framingham, new hampshire 03293.", []want{{ZIP, "03293"}}},
		{"lower code zip", "worcester, ri 04971. home", []want{{ZIP, "04971"}}},
		{"zip loose", "ZIP: 53-320", []want{{ZIP, "53-320"}}},
		{"facility possessive", "from St. Anne's Hospital today", []want{{Location, "St. Anne's Hospital"}}},
		{"facility and", "to Quincy Nursing and Rehabilitation Center.",
			[]want{{Location, "Quincy Nursing and Rehabilitation Center"}}},
		{"label last first", "NAME: SCHWARTZ, NNAMDI T.   UNIT NO: 1301563", []want{{Name, "SCHWARTZ, NNAMDI T."}}},
		{"discussed with", "D/W JAE-WON ROSENBERG, NP (GI).", []want{{Name, "JAE-WON ROSENBERG"}}},
		{"with unknown first", "FINDINGS DISCUSSED WITH XIAOLING LONG, DO BY PHONE", []want{{Name, "XIAOLING LONG"}}},
		{"initial", "Spoke to J. Whitfield about it.", []want{{Name, "J. Whitfield"}}},
	}
	for _, tc := range pos {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.text, false, tc.want...) })
	}
	for _, text := range []string{
		"WBC 12 10 11 12 13 over 5 days",
		"Range 150-2000 units; ICD 10-4567",
		"moved to ICU for pressors",
		"Patient lives in assisted living.",
		"PATIENT LIVES IN ASSISTED LIVING FACILITY WITH DAUGHTER",
		"grew up in 1950",
		"Vitamin D. Continue supplements.",
		"Discussed with team, MD aware",
		"Lasix 40 mg, BP 120/80, gave 2 units.",
	} {
		t.Run(text, func(t *testing.T) { check(t, text, true) })
	}
}
