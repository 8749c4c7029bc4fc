package deid

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// Identifier replaces every digit and letter of value with a keyed one of
// the same class and case, keeping length and punctuation: "MRN-004512"
// becomes "QXT-839104". Check digits (Luhn, NPI) are not kept.
func (s *Surrogates) Identifier(value string) string {
	r := s.stream("id", strings.ToUpper(value))
	b := []byte(value)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			b[i] = '0' + byte(r.intn(10))
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + byte(r.intn(26))
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + byte(r.intn(26))
		}
	}
	return string(b)
}

// SSN is an identifier whose first digit is 9: area numbers 900-999 are
// never issued, so the surrogate cannot be a real SSN.
func (s *Surrogates) SSN(value string) string {
	out := []byte(s.Identifier(value))
	for i, c := range out {
		if c >= '0' && c <= '9' {
			out[i] = '9'
			break
		}
	}
	return string(out)
}

// Age returns "90+" for an age above 89 (Safe Harbor aggregates them) and
// the value itself otherwise.
func (s *Surrogates) Age(value string) string {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n > 89 {
		return "90+"
	}
	return value
}

// Email is a keyed address at example.org (RFC 2606).
func (s *Surrogates) Email(value string) string {
	h := s.Sum("email", strings.ToLower(value))
	return "user-" + hex.EncodeToString(h[:3]) + "@example.org"
}

// URL is a keyed address at example.org, keeping the scheme.
func (s *Surrogates) URL(value string) string {
	h := s.Sum("url", strings.ToLower(value))
	scheme := ""
	if i := strings.Index(value, "://"); i > 0 && i < 10 {
		scheme = value[:i+3]
	}
	return scheme + "example.org/" + hex.EncodeToString(h[:3])
}

// IP is a keyed address in a documentation range: 192.0.2.0/24 (RFC 5737)
// or 2001:db8::/32 (RFC 3849).
func (s *Surrogates) IP(value string) string {
	h := s.Sum("ip", strings.ToLower(value))
	if strings.Contains(value, ":") {
		return "2001:db8::" + hex.EncodeToString(h[:2])
	}
	return "192.0.2." + strconv.Itoa(1+int(h[0])%254)
}

// Phone keeps the number's punctuation and replaces its digits: the last
// seven become 555-01xx (reserved for fiction in the NANP), a three-digit
// area code 555, other digits keyed ones; a leading 1 or + country code is
// kept.
func (s *Surrogates) Phone(value string) string {
	var digits []int // positions of digits
	for i := 0; i < len(value); i++ {
		if value[i] >= '0' && value[i] <= '9' {
			digits = append(digits, i)
		}
	}
	if len(digits) == 0 {
		return s.Identifier(value) // a phone field holding something else
	}
	r := s.stream("phone", digitsOf(value))
	out := []byte(value)
	n := len(digits)
	for k, p := range digits {
		fromEnd := n - k // 1 for the last digit
		switch {
		case n >= 7 && fromEnd <= 7:
			out[p] = "5550100"[7-fromEnd]
			if fromEnd <= 2 {
				out[p] = '0' + byte(r.intn(10))
			}
		case n == 3 || n >= 10 && fromEnd <= 10:
			out[p] = '5'
		case k == 0 && (value[p] == '1' || p > 0 && value[p-1] == '+'):
			// country code: kept
		default:
			out[p] = '0' + byte(r.intn(10))
		}
	}
	return string(out)
}

func digitsOf(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// streetSuffixes and facilityWords are kept when they end an address or a
// place name.
var (
	streetSuffixes = " st st. street ave ave. avenue rd rd. road blvd blvd. boulevard dr dr. drive ln ln. lane way ct ct. court pl pl. place hwy hwy. highway pkwy parkway ter terrace cir circle "
	facilityWords  = " hospital clinic center centre medical health infirmary institute university college school pharmacy laboratory lab hospice "
)

// places and streets are the surrogate place and street names: invented
// compounds, not real towns.
var (
	places = []string{"Alderbrook", "Bramblewood", "Cedarholm", "Dunmore Vale", "Elmsworth", "Fernhollow",
		"Glenharrow", "Hollowmere", "Ivybridge Falls", "Juniper Crest", "Kestrel Point", "Larkspur Glen",
		"Maplethorne", "Northwick Hollow", "Oakhaven", "Pinebrook Ridge", "Quillfield", "Ravenmoor",
		"Silverbeck", "Thornbury Vale", "Umberlee", "Willowmere", "Yarrowdale", "Zephyr Bay"}
	streets = []string{"Amberleaf", "Birchmont", "Copperfield", "Dovecote", "Emberlane", "Foxglove",
		"Greywater", "Hearthstone", "Ironwood", "Juniperway", "Kingsbrook", "Lanternhill", "Mossgate",
		"Nettlebank", "Orchardview", "Primrose", "Quarrystone", "Rosewater", "Saltmarsh", "Tinderbox"}
)

// Location replaces a street address ("12 Elm St") with a keyed number and
// street, keeping the suffix, and a place or facility name with an
// invented place, keeping a facility word at the end ("St. Nowhere
// Hospital" becomes "Oakhaven Hospital").
func (s *Surrogates) Location(value string) string {
	r := s.stream("location", strings.ToLower(value))
	words := strings.Fields(value)
	if len(words) == 0 {
		return value
	}
	last := ""
	if len(words) > 1 {
		last = words[len(words)-1]
	}
	var out string
	switch {
	case words[0][0] >= '0' && words[0][0] <= '9':
		num := strings.TrimLeft(s.Identifier(words[0]), "0")
		if num == "" || num[0] < '0' || num[0] > '9' {
			num = strconv.Itoa(1 + r.intn(9))
		}
		out = num + " " + streets[r.intn(len(streets))]
		if strings.Contains(streetSuffixes, " "+strings.ToLower(last)+" ") {
			out += " " + last
		} else {
			out += " Street"
		}
	default:
		out = places[r.intn(len(places))]
		if strings.Contains(facilityWords, " "+strings.ToLower(last)+" ") {
			out += " " + last
		}
	}
	return matchCase(value, out)
}

// matchCase gives out the case style of like: all capitals, all lower
// case, or as it is.
func matchCase(like, out string) string {
	upper, lower := 0, 0
	for _, c := range like {
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		}
	}
	switch {
	case upper > 0 && lower == 0:
		return strings.ToUpper(out)
	case lower > 0 && upper == 0:
		return strings.ToLower(out)
	}
	return out
}
