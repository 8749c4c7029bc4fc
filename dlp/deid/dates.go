package deid

import (
	"strconv"
	"strings"
	"time"
)

// Date shifts a date by the patient's offset and writes it back in its own
// format: "07/22/2019", "2019-07-22T10:00:00Z", "20190722", "19800214123000"
// (HL7 and DICOM), "Jan 3rd", "3 January 2019", "July 2019". A year alone
// is kept. A value that does not parse as a date becomes "[DATE]".
func (s *Surrogates) Date(value string) string {
	d, ok := parseDate(value)
	if !ok {
		return "[DATE]"
	}
	if d.yearOnly() {
		return value
	}
	return d.render(s.shift)
}

// piece is a run of digits, letters or other bytes of a date.
type piece struct {
	text  string
	digit bool
	alpha bool
}

// date is a parsed date: the pieces and which of them are the year, month
// and day (-1 when absent).
type date struct {
	p                []piece
	year, month, day int // piece indexes
	compact          int // >0: a run of digits in YYYYMMDD (8) or YYYYMM (6) form
	ordinal          int // piece index of an ordinal suffix after the day
	y, m, dd         int
}

func (d *date) yearOnly() bool { return d.compact == 0 && d.month < 0 }

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december"}

// monthOf returns 1-12 for a month name or its abbreviation ("Sept" too).
func monthOf(w string) int {
	w = strings.ToLower(strings.TrimSuffix(w, "."))
	if len(w) < 3 {
		return 0
	}
	for i, m := range monthNames {
		if w == m || w == m[:3] || w == "sept" && i == 8 {
			return i + 1
		}
	}
	return 0
}

func splitPieces(v string) []piece {
	var out []piece
	for i := 0; i < len(v); {
		j := i + 1
		class := func(c byte) int {
			switch {
			case c >= '0' && c <= '9':
				return 1
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
				return 2
			}
			return 3
		}
		k := class(v[i])
		for j < len(v) && class(v[j]) == k && k != 3 {
			j++
		}
		out = append(out, piece{text: v[i:j], digit: k == 1, alpha: k == 2})
		i = j
	}
	return out
}

func parseDate(v string) (*date, bool) {
	d := &date{p: splitPieces(v), year: -1, month: -1, day: -1, ordinal: -1}
	if len(d.p) == 0 {
		return nil, false
	}
	for i, p := range d.p {
		if p.alpha && d.month < 0 && monthOf(p.text) > 0 {
			d.month, d.m = i, monthOf(p.text)
		}
	}
	switch {
	case d.month >= 0:
		return d.parseNamed()
	case d.p[0].digit && (len(d.p) == 1 || len(d.p[0].text) >= 6):
		return d.parseCompact()
	}
	return d.parseNumeric()
}

func (p piece) isSep() bool { return p.text == "/" || p.text == "-" || p.text == "." }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseCompact reads YYYYMMDD[...] and YYYYMM, or a year alone.
func (d *date) parseCompact() (*date, bool) {
	t := d.p[0].text
	switch {
	case len(t) == 4:
		d.year = 0
		return d, validYear(atoi(t))
	case len(t) == 6 || len(t) >= 8:
		d.compact = min(len(t), 8)
		d.y, d.m, d.dd = atoi(t[:4]), atoi(t[4:6]), 15
		if d.compact == 8 {
			d.dd = atoi(t[6:8])
		}
		return d, validYear(d.y) && validDay(d.y, d.m, d.dd)
	}
	return nil, false
}

// parseNumeric reads Y-M-D, M/D/Y, D.M.Y, M/D, M/Y from the first digit
// pieces joined by one separator.
func (d *date) parseNumeric() (*date, bool) {
	var idx []int
	for i := 0; i < len(d.p) && len(idx) < 3; i++ {
		if d.p[i].digit {
			idx = append(idx, i)
			continue
		}
		if !d.p[i].isSep() || i+1 >= len(d.p) || !d.p[i+1].digit || (len(idx) > 1 && d.p[i].text != d.p[idx[1]-1].text) {
			break
		}
	}
	if len(idx) < 2 {
		return nil, false
	}
	sep := d.p[idx[0]+1].text
	switch {
	case len(d.p[idx[0]].text) == 4: // Y-M-D, Y-M
		d.year, d.month = idx[0], idx[1]
		if len(idx) == 3 {
			d.day = idx[2]
		}
	case len(idx) == 3 && sep == ".": // D.M.Y
		d.day, d.month, d.year = idx[0], idx[1], idx[2]
	case len(idx) == 3: // M/D/Y
		d.month, d.day, d.year = idx[0], idx[1], idx[2]
	case len(d.p[idx[1]].text) == 4: // M/Y
		d.month, d.year = idx[0], idx[1]
	default: // M/D
		d.month, d.day = idx[0], idx[1]
	}
	return d.fill()
}

// parseNamed reads dates with a month name: "Jan 3rd", "3 January 2019",
// "January 3, 2019", "July 2019".
func (d *date) parseNamed() (*date, bool) {
	for i, p := range d.p {
		switch {
		case !p.digit:
		case len(p.text) == 4 && d.year < 0:
			d.year = i
		case len(p.text) <= 2 && d.day < 0:
			d.day = i
			if i+1 < len(d.p) && isOrdinal(d.p[i+1].text) {
				d.ordinal = i + 1
			}
		}
	}
	return d.fill()
}

func isOrdinal(w string) bool {
	switch strings.ToLower(w) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// fill reads the numbers of the pieces found and checks them.
func (d *date) fill() (*date, bool) {
	d.y, d.dd = 2000, 15 // a leap year when there is none; mid-month when no day
	if d.year >= 0 {
		d.y = atoi(d.p[d.year].text)
		if len(d.p[d.year].text) == 2 {
			d.y += 1900
			if d.y < 1930 {
				d.y += 100
			}
		}
	}
	if d.month >= 0 && d.p[d.month].digit {
		d.m = atoi(d.p[d.month].text)
	}
	if d.day >= 0 {
		d.dd = atoi(d.p[d.day].text)
	}
	return d, validYear(d.y) && validDay(d.y, d.m, d.dd)
}

func validYear(y int) bool { return y >= 1000 && y <= 9999 }

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

// render writes the date moved by days in the original's format.
func (d *date) render(days int) string {
	t := time.Date(d.y, time.Month(d.m), d.dd, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	if d.compact > 0 {
		head := t.Format("20060102")[:d.compact]
		return head + d.p[0].text[d.compact:] + joinPieces(d.p[1:])
	}
	out := make([]piece, len(d.p))
	copy(out, d.p)
	if d.year >= 0 {
		out[d.year].text = pad(t.Year(), len(d.p[d.year].text))
	}
	if d.p[d.month].digit {
		out[d.month].text = pad(int(t.Month()), len(d.p[d.month].text))
	} else {
		out[d.month].text = monthLike(d.p[d.month].text, int(t.Month()))
	}
	if d.day >= 0 {
		out[d.day].text = pad(t.Day(), len(d.p[d.day].text))
		if d.ordinal >= 0 {
			out[d.ordinal].text = matchCase(d.p[d.ordinal].text, ordinal(t.Day()))
		}
	}
	return joinPieces(out)
}

func joinPieces(p []piece) string {
	var b strings.Builder
	for _, x := range p {
		b.WriteString(x.text)
	}
	return b.String()
}

// pad writes n in width digits: zero-padded when width is 2 or 4, the last
// two digits for two-digit years, plain for width 1.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if width == 2 && len(s) > 2 {
		s = s[len(s)-2:]
	}
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// monthLike names month m the way like does: full or abbreviated, in its
// case style.
func monthLike(like string, m int) string {
	name := monthNames[m-1]
	if len(strings.TrimSuffix(like, ".")) <= 4 && !strings.EqualFold(like, monthNames[monthOf(like)-1]) {
		name = name[:3]
	}
	if strings.HasSuffix(like, ".") {
		name += "."
	}
	name = strings.ToUpper(name[:1]) + name[1:]
	return matchCase(like, name)
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
