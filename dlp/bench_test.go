package dlp

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// clinicalText generates n bytes of clinical-looking notes, mostly clean
// narrative with a few identifiers, in mixed case and ALL CAPS.
func clinicalText(n int) []byte {
	r := rand.New(rand.NewSource(1))
	clean := []string{
		"Patient is alert and oriented, in no acute distress. ",
		"BP 128/76, HR 84, RR 18, SpO2 97% on room air. ",
		"Continue metoprolol 25 mg po bid and heparin 5000 units sc q8h. ",
		"Lungs clear to auscultation bilaterally; no wheezes or rales. ",
		"ABDOMEN SOFT, NONTENDER, NONDISTENDED. BOWEL SOUNDS PRESENT. ",
		"Na 139 K 4.2 Cl 101 HCO3 25 BUN 17 Cr 0.9 Glu 112. ",
		"Plan: follow up in clinic in 2 weeks, repeat CBC and BMP. ",
		"Chest x-ray shows no acute cardiopulmonary process.\n",
	}
	phi := []string{
		"Seen with Dr. Alice Wong on 07/22/2019. ",
		"Husband Rich at bedside, call 617-555-1234. ",
		"MRN: 00123456, DOB Jan 3rd 1950. ",
		"Lives at 12 Oak Hill Rd, Boston, MA 02115. ",
		"PT IS A 92 YO M S/P MI '92, FAX 617-555-9876. ",
	}
	var b strings.Builder
	for b.Len() < n {
		if r.Intn(10) == 0 {
			b.WriteString(phi[r.Intn(len(phi))])
		} else {
			b.WriteString(clean[r.Intn(len(clean))])
		}
	}
	return []byte(b.String()[:n])
}

func BenchmarkScan(b *testing.B) {
	text := clinicalText(1 << 20)
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Scan(text)
	}
}

// naivePatterns are the engine's patterns written as standard-library
// regular expressions, run one by one over the whole text: the baseline.
var naivePatterns = []string{
	`\b\d{3}-\d{2}-\d{4}\b`, // SSN
	`(?:\+?1[ -.])?\(?\b\d{3}\)?[ -.]\d{3}[-. ]\d{4}\b(?: ?(?:x|ext\.?) ?\d{1,6})?`, // phone
	`(?i)\b(?:fax|facsimile)\W{0,3}\(?\d{3}\)?[ -.]\d{3}[-. ]\d{4}\b`,               // fax
	`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,                                // e-mail
	`(?i)\b(?:https?|ftp)://[^\s<>"]+|\bwww\.[^\s<>"]+`,                             // URL
	`\b(?:\d{1,3}\.){3}\d{1,3}\b`,                                                   // IPv4
	`\b\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b`,               // numeric dates
	`(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?(?:, \d{4})?\b`,
	`(?i)'\d{2}\b`, // 'YY
	`(?i)\b(?:9\d|1[01]\d)\s?(?:y/o|yo|year|-year)`, // ages
	`\b[A-Z]{2} \d{5}(?:-\d{4})?\b`,                 // ZIP after state
	`(?i)\b(?:mrn|med rec|acct|account|member id|policy|dl|dea|npi|vin|plate|serial|s/n)\W{0,4}[A-Z0-9-]{4,}`,
	`\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b`,                // cards
	`\b[A-HJ-NPR-Z0-9]{17}\b`,                                // VIN
	`(?i)\b(?:dr|mr|mrs|ms)\.? [A-Z][a-z]+(?: [A-Z][a-z]+)?`, // titles
	`(?i)\b(?:husband|wife|daughter|son|mother|father|signed by|name:)\s+[A-Za-z]+`,
	`\b\d{1,6} (?:[A-Z][a-z]+ ){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Dr|Drive|Blvd|Ln|Lane)\b`,
	`\b[A-Z][a-z]+(?: [A-Z][a-z]+)*, [A-Z]{2}\b`,                  // City, ST
	`\b(?:[A-Z][a-z]+ ){1,3}(?:Hospital|Clinic|Medical Center)\b`, // facilities
	`\b[A-Z][a-z]+ [A-Z][a-z]+\b`,                                 // capitalised pairs for the dictionary
}

func BenchmarkScanNaive(b *testing.B) {
	text := clinicalText(1 << 20)
	res := make([]*regexp.Regexp, len(naivePatterns))
	for i, p := range naivePatterns {
		res[i] = regexp.MustCompile(p)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, re := range res {
			re.FindAllIndex(text, -1)
		}
	}
}
