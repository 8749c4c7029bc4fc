package dlp

import "testing"

// TestInternationalAddresses covers street addresses with the street word
// first, compound street names, units, address blocks and the places after
// an address, with hard negatives (doses, lab values, "Dr." as a doctor).
func TestInternationalAddresses(t *testing.T) {
	pos := []struct {
		name, text string
		want       []want
	}{
		{"rue number first", "We met at 29 Rue de Tanger yesterday.", []want{{Location, "29 Rue de Tanger"}}},
		{"via number after", "Megan lives on Via Tasso 129 now.", []want{{Location, "Via Tasso 129"}}},
		{"compound strasse", "Deliver to 83854 Strickstrasse 61, Zuoz", []want{{Location, "83854 Strickstrasse 61"},
			{Location, "Zuoz"}}},
		{"compound no number first", "Feldstrasse 42 is closed", []want{{Location, "Feldstrasse 42"}}},
		{"abbreviated ul", "3037 ul. Północna 73", []want{{Location, "3037 ul. Północna 73"}}},
		{"unit anchors", "09457 Vana-Viru 25 Apt. 971", []want{{Location, "09457 Vana-Viru 25 Apt. 971"}}},
		{"two numbers", "The restaurant is at 5521 119 Countess Close", []want{{Location, "5521 119 Countess Close"}}},
		{"cue", "Daniela lives at 92597 Jahu 80, Liiva", []want{{Location, "92597 Jahu 80"}, {Location, "Liiva"}}},
		{"place tail", "2035 Gewerbepark 45 Apt. 815, Brú, Iceland 82407 last night",
			[]want{{Location, "2035 Gewerbepark 45 Apt. 815"}, {Location, "Brú"}, {Location, "Iceland 82407"}}},
		{"block", "Ken N. Fukuda\n\n3037 ul. Północna 73\n Apt. 946\n Suwałki\n\n Poland 11248",
			[]want{{Location, "3037 ul. Północna 73\n Apt. 946"}, {Location, "Suwałki"},
				{Location, "Poland 11248"}}},
		{"quoted block", "> 688 Rue du Centre 320\n> Apt. 169\n> Marke\n", []want{{Location, "688 Rue du Centre 320"},
			{Location, "Apt. 169"}, {Location, "Marke"}}},
		{"greek capitals", "Tilly lives at 10252 Μεγάλη Άμμος 184, ΠΑΦΟΣ", []want{{Location, "10252 Μεγάλη Άμμος 184"},
			{Location, "ΠΑΦΟΣ"}}},
		{"us address keeps city state", "Lives at 1235 Ridgewood Blvd, Boston, MA 02115 with wife.",
			[]want{{Location, "1235 Ridgewood Blvd"}, {Location, "Boston, MA"}, {ZIP, "02115"}}},
		{"doctor on drive", "Seen at 12 Oak Dr. by Dr. Smith", []want{{Location, "12 Oak Dr."}, {Name, "Smith"}}},
	}
	for _, tc := range pos {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.text, false, tc.want...) })
	}
	for _, text := range []string{
		"Lasix 40 mg daily; Via NG tube 50 ml flush",
		"Na 139 K 4.2 Cl 101 HCO3 25 BUN 17 Cr 0.9 Glu 112",
		"Give 2 Percocet tablets now",
		"sent via fax to the clinic",
		"heparin 5000 units sc q8h",
		"The ICU team rounded at 7 Main entrance",
		"Metoprolol 25 Mg po bid",
	} {
		t.Run(text, func(t *testing.T) {
			for _, g := range scanText(t, text) {
				if g.typ == Location {
					t.Errorf("%q: unexpected %v", text, g)
				}
			}
		})
	}
}

// TestContextNames covers names found by context and shape, with hard
// negatives: eponyms, drug names, section labels, English words.
func TestContextNames(t *testing.T) {
	pos := []struct {
		name, text string
		want       []want
	}{
		{"name is", "My name is Aantje Mourik but everyone calls me Aantje",
			[]want{{Name, "Aantje Mourik"}, {Name, "Aantje"}}},
		{"named him", "She named him Frank", []want{{Name, "Frank"}}},
		{"called", "my grandmother was called Angela Lundström", []want{{Name, "Angela Lundström"}}},
		{"last name question", "What's your last name? Arcuri", []want{{Name, "Arcuri"}}},
		{"first plus unknown surname", "Follow up with Jan Jílek in a couple of months.", []want{{Name, "Jan Jílek"}}},
		{"person verb", "Ciset lives on the corner.", []want{{Name, "Ciset"}}},
		{"first name is", "Catherine is a very sympathetic person.", []want{{Name, "Catherine"}}},
		{"speaker", "Carla: What a wife.\nLisa: Remember me?", []want{{Name, "Carla"}, {Name, "Lisa"}}},
		{"repeat", "We met Zoltan Kowalczyk today. Kowalczyk agreed.", []want{{Name, "Zoltan Kowalczyk"},
			{Name, "Kowalczyk"}}},
		{"foreign title", "Seen with Sra. Gutiérrez today", []want{{Name, "Gutiérrez"}}},
		{"herr", "Herr Müller called", []want{{Name, "Müller"}}},
	}
	for _, tc := range pos {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.text, false, tc.want...) })
	}
	for _, text := range []string{
		"Parkinson disease is stable. Crohn disease in remission.",
		"Lasix was held. Metoprolol is continued.",
		"Plan: continue Lasix.\nHeart: regular rate.",
		"Tylenol says nothing here",
		"Foley catheter placed. Babinski sign negative.",
		"Patient states pain is better.",
		"Coumadin has been stopped.",
		"Call 911 if worse.",
	} {
		t.Run(text, func(t *testing.T) {
			for _, g := range scanText(t, text) {
				if g.typ == Name {
					t.Errorf("%q: unexpected %v", text, g)
				}
			}
		})
	}
}

// TestWebAndIPv6FromTokens checks the token-driven URL and IPv6 detectors
// against the byte scans they replaced.
func TestWebAndIPv6FromTokens(t *testing.T) {
	check(t, "go to HTTPS://x.example.org/a, then www.example.com.", true,
		want{URL, "HTTPS://x.example.org/a"}, want{URL, "www.example.com"})
	check(t, "Plan: rest. Time 10:30. Host ::1 and fe80::1ff:fe23:4567:890a.", false,
		want{IP, "fe80::1ff:fe23:4567:890a"})
	check(t, "Www.example.com is not matched by case; wwwx.example.org neither", true)
}
