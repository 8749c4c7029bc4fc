package score

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/airtight/airtight/dlp"
)

// GenerateNotes returns n labelled synthetic clinical notes: ICU progress
// notes, radiology reports and discharge summaries in turn, with names of
// patients, relatives and clinicians, dates in many forms, ages (over 89 are
// labelled AGE; younger ones are plain text), record and accession numbers,
// phone, pager and fax numbers, addresses, hospitals, e-mail, and plenty of
// PHI-free clinical text (vitals, doses, labs, eponyms, fractions that look
// like dates). About half are ALL CAPS and some all lower case. Years alone,
// times of day and states are labelled Ignore. The same n and seed give the
// same notes. The text is ASCII, so changing case keeps the offsets.
func GenerateNotes(n int, seed int64) []Example {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x5eed_ca5e))}
	kinds := []func(*note){(*note).icu, (*note).radiology, (*note).discharge}
	out := make([]Example, 0, n)
	for i := range n {
		nt := g.newNote()
		kinds[i%len(kinds)](nt)
		out = append(out, g.casing(nt.example()))
	}
	return out
}

// gen is the random source shared by the notes of one call.
type gen struct {
	r *rand.Rand
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }
func (g *gen) chance(p float64) bool     { return g.r.Float64() < p }
func (g *gen) between(lo, hi int) int    { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

// casing upper-cases about half the notes and lower-cases some.
func (g *gen) casing(ex Example) Example {
	switch x := g.r.Float64(); {
	case x < 0.5:
		ex.Text = strings.ToUpper(ex.Text)
	case x < 0.65:
		ex.Text = strings.ToLower(ex.Text)
	}
	return ex
}

// person is a generated name.
type person struct {
	first, middle, last string
}

func (g *gen) person() person {
	p := person{first: g.pick(firstNames), last: g.pick(lastNames)}
	if g.chance(0.3) {
		p.middle = string(rune('A' + g.r.IntN(26)))
	}
	return p
}

// note builds one example: plain text and labelled spans.
type note struct {
	*gen
	b       strings.Builder
	spans   []Span
	patient person
	age     int
	female  bool
	doctors []person
}

func (g *gen) newNote() *note {
	nt := &note{gen: g, patient: g.person(), female: g.chance(0.5)}
	nt.age = g.between(19, 88)
	if g.chance(0.2) {
		nt.age = g.between(90, 104)
	}
	for range 3 {
		nt.doctors = append(nt.doctors, g.person())
	}
	return nt
}

func (nt *note) example() Example {
	return Example{Text: nt.b.String(), Spans: nt.spans}
}

// text appends plain text; format with args when given.
func (nt *note) text(format string, args ...any) {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	nt.b.WriteString(format)
}

// phi appends s labelled t.
func (nt *note) phi(t dlp.Type, s string) {
	start := nt.b.Len()
	nt.b.WriteString(s)
	nt.spans = append(nt.spans, Span{Type: t, Start: start, End: nt.b.Len()})
}

// name writes a person in one of several forms, each name part labelled.
func (nt *note) name(p person) {
	switch nt.r.IntN(5) {
	case 0: // Last, First M.
		nt.phi(dlp.Name, p.last)
		nt.text(", ")
		nt.phi(dlp.Name, p.first)
		if p.middle != "" {
			nt.text(" ")
			nt.phi(dlp.Name, p.middle)
			nt.text(".")
		}
	case 1: // First only
		nt.phi(dlp.Name, p.first)
	case 2: // Last only
		nt.phi(dlp.Name, p.last)
	default: // First M Last
		nt.phi(dlp.Name, p.first)
		if p.middle != "" {
			nt.text(" ")
			nt.phi(dlp.Name, p.middle)
			nt.text(".")
		}
		nt.text(" ")
		nt.phi(dlp.Name, p.last)
	}
}

// fullName writes First Last.
func (nt *note) fullName(p person) {
	nt.phi(dlp.Name, p.first)
	nt.text(" ")
	nt.phi(dlp.Name, p.last)
}

// doctor writes a clinician reference: "Dr. Last", "Dr. First Last" or
// "First Last, MD".
func (nt *note) doctor(i int) {
	p := nt.doctors[i%len(nt.doctors)]
	switch nt.r.IntN(3) {
	case 0:
		nt.text("Dr. ")
		nt.phi(dlp.Name, p.last)
	case 1:
		nt.text("Dr. ")
		nt.fullName(p)
	default:
		nt.fullName(p)
		nt.text(", %s", nt.pick([]string{"MD", "DO", "NP", "PA-C", "MD PhD"}))
	}
}

// relative writes "pt's daughter Maria", "husband Rich (HCP)" and the like.
func (nt *note) relative() {
	rel, p := nt.pick(relations), nt.person()
	nt.text("%s %s ", nt.pick([]string{"pt's", "her", "his", "the patient's", ""}), rel)
	if nt.chance(0.5) {
		nt.phi(dlp.Name, p.first)
	} else {
		nt.fullName(p)
	}
}

// date writes a date in one of many forms.
func (nt *note) date() {
	y, m, d := nt.between(1998, 2024), nt.between(1, 12), nt.between(1, 28)
	mon := months[m-1]
	forms := []string{
		fmt.Sprintf("%02d/%02d/%d", m, d, y), fmt.Sprintf("%d/%d/%02d", m, d, y%100), fmt.Sprintf("%d/%d", m, d),
		fmt.Sprintf("%d-%02d-%02d", y, m, d), fmt.Sprintf("%s %d, %d", mon[:3], d, y), fmt.Sprintf("%s %d%s", mon, d, ordinal(d)),
		fmt.Sprintf("%d %s %d", d, mon[:3], y), fmt.Sprintf("%02d-%s-%d", d, mon[:3], y), fmt.Sprintf("%s %d%s", mon[:3], d, ordinal(d)),
		fmt.Sprintf("%s %d", mon, d), fmt.Sprintf("%d.%d.%d", m, d, y),
	}
	nt.phi(dlp.Date, forms[nt.r.IntN(len(forms))])
}

// dob writes a date of birth consistent with the age.
func (nt *note) dob() {
	y, m, d := 2024-nt.age, nt.between(1, 12), nt.between(1, 28)
	if nt.chance(0.5) {
		nt.phi(dlp.Date, fmt.Sprintf("%02d/%02d/%d", m, d, y))
	} else {
		nt.phi(dlp.Date, fmt.Sprintf("%s %d, %d", months[m-1][:3], d, y))
	}
}

func ordinal(d int) string {
	switch {
	case d%10 == 1 && d != 11:
		return "st"
	case d%10 == 2 && d != 12:
		return "nd"
	case d%10 == 3 && d != 13:
		return "rd"
	}
	return "th"
}

// clock writes a time of day (not PHI: Ignore).
func (nt *note) clock() {
	h, m := nt.between(0, 23), nt.between(0, 59)
	if nt.chance(0.5) {
		nt.phi(Ignore, fmt.Sprintf("%02d:%02d", h, m))
	} else {
		nt.phi(Ignore, fmt.Sprintf("%d:%02d %s", (h+11)%12+1, m, []string{"AM", "PM"}[h/12]))
	}
}

// year writes a year alone (Safe Harbor keeps it: Ignore).
func (nt *note) year() {
	if nt.chance(0.5) {
		nt.phi(Ignore, fmt.Sprintf("'%02d", nt.between(80, 99)))
	} else {
		nt.phi(Ignore, fmt.Sprint(nt.between(1985, 2022)))
	}
}

// ageText writes the age: labelled AGE when over 89.
func (nt *note) ageText() {
	s := fmt.Sprint(nt.age)
	if nt.age > 89 {
		nt.phi(dlp.Age, s)
	} else {
		nt.text(s)
	}
}

// ageSex writes "93 y/o F", "93-year-old woman" and the like.
func (nt *note) ageSex() {
	sex := map[bool][]string{true: {"F", "woman", "female"}, false: {"M", "man", "male"}}[nt.female]
	i := nt.r.IntN(3)
	nt.ageText()
	nt.text([]string{" y/o ", "-year-old ", " yo "}[i])
	nt.text(sex[i])
}

func (nt *note) mrn() {
	forms := []string{nt.digits(7), nt.digits(8), "00" + nt.digits(6),
		fmt.Sprintf("%s-%s-%s", nt.digits(3), nt.digits(2), nt.digits(2))}
	nt.phi(dlp.MRN, nt.pick(forms))
}

func (nt *note) accession() {
	nt.phi(dlp.Account, fmt.Sprintf("%s%s", nt.pick([]string{"RA", "CT", "E", "ACC"}), nt.digits(nt.between(6, 9))))
}

// phone writes a phone number (typ Phone or Fax) in one of several forms.
func (nt *note) phone(typ dlp.Type) {
	a, b, c := fmt.Sprint(nt.between(201, 989)), nt.digits(3), nt.digits(4)
	forms := []string{fmt.Sprintf("(%s) %s-%s", a, b, c), fmt.Sprintf("%s-%s-%s", a, b, c),
		fmt.Sprintf("%s.%s.%s", a, b, c), fmt.Sprintf("%s-%s", b, c), fmt.Sprintf("+1 %s %s %s", a, b, c)}
	nt.phi(typ, nt.pick(forms))
}

func (nt *note) pager() {
	nt.phi(dlp.Phone, nt.pick([]string{nt.digits(5), "x" + nt.digits(4), nt.digits(1) + "-" + nt.digits(4)}))
}

// address writes "12 Maple St, Lowell, MA 01852": street and city LOCATION,
// state Ignore, ZIP ZIP.
func (nt *note) address() {
	nt.phi(dlp.Location, fmt.Sprintf("%d %s %s", nt.between(1, 9999), nt.pick(streetNames), nt.pick(streetKinds)))
	if nt.chance(0.3) {
		nt.text(", ")
		nt.phi(dlp.Location, "Apt "+fmt.Sprint(nt.between(1, 40)))
	}
	nt.text(", ")
	nt.phi(dlp.Location, nt.pick(cities))
	nt.text(", ")
	nt.phi(Ignore, nt.pick(states))
	nt.text(" ")
	nt.phi(dlp.ZIP, "0"+nt.digits(4))
}

// hospital writes a facility name (LOCATION).
func (nt *note) hospital() {
	form := nt.pick(hospitalForms)
	fill := nt.pick(cities)
	if strings.HasPrefix(form, "St.") {
		fill = nt.pick(saints)
	} else if nt.chance(0.3) {
		fill = nt.pick(lastNames)
	}
	nt.phi(dlp.Location, fmt.Sprintf(form, fill))
}

func (nt *note) email(p person) {
	user := strings.ToLower(p.first + "." + p.last)
	user = strings.NewReplacer(" ", "", "'", "").Replace(user)
	nt.phi(dlp.Email, fmt.Sprintf("%s%d@%s", user, nt.between(1, 99), nt.pick(domains)))
}

// clinical writes k distinct random items of PHI-free text from list, sep
// between.
func (nt *note) clinical(list []string, k int, sep string) {
	for i, j := range nt.r.Perm(len(list))[:min(k, len(list))] {
		if i > 0 {
			nt.text(sep)
		}
		nt.text(list[j])
	}
}

// vitals writes a vitals line with random values (no PHI).
func (nt *note) vitals() {
	nt.text("T %.1f  HR %d  BP %d/%d  RR %d  SpO2 %d%% on %s\n", 36+nt.r.Float64()*3, nt.between(55, 135),
		nt.between(85, 175), nt.between(45, 100), nt.between(12, 32), nt.between(86, 100),
		nt.pick([]string{"RA", "2L NC", "4L NC", "40% FM", "AC 450x16, PEEP 8, FiO2 40%", "HFNC 40L/50%"}))
}

// labs writes a lab panel (no PHI).
func (nt *note) labs() {
	nt.text("Na %d  K %.1f  Cl %d  HCO3 %d  BUN %d  Cr %.1f  Glu %d\n", nt.between(128, 148), 3+nt.r.Float64()*2.5,
		nt.between(95, 112), nt.between(14, 32), nt.between(8, 90), 0.6+nt.r.Float64()*4, nt.between(70, 380))
	nt.text("WBC %.1f  Hgb %.1f  Hct %.1f  Plt %d  INR %.1f  Lactate %.1f  Trop %.2f\n", 3+nt.r.Float64()*20,
		6+nt.r.Float64()*9, 20+nt.r.Float64()*25, nt.between(40, 450), 0.9+nt.r.Float64()*2, 0.5+nt.r.Float64()*6,
		nt.r.Float64())
	nt.text("ABG %.2f/%d/%d\n", 7.2+nt.r.Float64()*0.25, nt.between(28, 70), nt.between(55, 160))
}
