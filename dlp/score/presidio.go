package score

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/airtight/airtight/dlp"
)

// presidioTypes maps presidio-research entity types to dlp types. Types
// mapped to Ignore are labelled by the data set but are not Safe Harbor
// PHI: organisations, job titles, nationalities/religions/political groups
// (NRP) and domain names. Types absent from the map are ignored too.
var presidioTypes = map[string]dlp.Type{
	"PERSON":            dlp.Name,
	"STREET_ADDRESS":    dlp.Location,
	"GPE":               dlp.Location,
	"DATE_TIME":         dlp.Date, // refined by presidioDate
	"PHONE_NUMBER":      dlp.Phone,
	"EMAIL_ADDRESS":     dlp.Email,
	"US_SSN":            dlp.SSN,
	"IP_ADDRESS":        dlp.IP,
	"ZIP_CODE":          dlp.ZIP,
	"AGE":               dlp.Age, // refined by presidioAge
	"CREDIT_CARD":       dlp.Account,
	"IBAN_CODE":         dlp.Account,
	"US_DRIVER_LICENSE": dlp.License,
	"ORGANIZATION":      Ignore,
	"TITLE":             Ignore,
	"NRP":               Ignore,
	"DOMAIN_NAME":       Ignore,
}

type presidioRecord struct {
	FullText string `json:"full_text"`
	Spans    []struct {
		Type  string `json:"entity_type"`
		Start int    `json:"start_position"` // in code points
		End   int    `json:"end_position"`
	} `json:"spans"`
}

// LoadPresidio reads presidio-research's synthetic data set
// (synth_dataset_v2.json: a JSON array of {full_text, spans: [{entity_type,
// start_position, end_position}]}, positions in Unicode code points) and
// returns examples with byte offsets and dlp types.
//
// Scoring choices, because Safe Harbor is narrower than presidio's labels:
//   - AGE: only ages over 89 are PHI. An age of 89 or less is plain text: a
//     finding on it is a false positive.
//   - DATE_TIME: a year alone, a weekday and a time of day are not PHI
//     (Safe Harbor keeps the year); such spans are Ignore. In "2000-04-16
//     11:34:35" the date is DATE and the time Ignore.
//   - ORGANIZATION, TITLE, NRP, DOMAIN_NAME: Ignore.
//   - GPE (cities, but also states and countries) and STREET_ADDRESS are
//     LOCATION as labelled, including the country and state that Safe Harbor
//     allows; this under-states LOCATION precision and recall slightly.
func LoadPresidio(r io.Reader) ([]Example, error) {
	var recs []presidioRecord
	if err := json.NewDecoder(r).Decode(&recs); err != nil {
		return nil, fmt.Errorf("presidio data set: %w", err)
	}
	out := make([]Example, 0, len(recs))
	for i, rec := range recs {
		ex, err := presidioExample(rec)
		if err != nil {
			return nil, fmt.Errorf("presidio data set: record %d: %w", i, err)
		}
		out = append(out, ex)
	}
	return out, nil
}

func presidioExample(rec presidioRecord) (Example, error) {
	ex := Example{Text: rec.FullText}
	offs := byteOffsets(rec.FullText)
	for _, s := range rec.Spans {
		if s.Start < 0 || s.End > len(offs)-1 || s.Start >= s.End {
			return ex, fmt.Errorf("span %d-%d outside the text", s.Start, s.End)
		}
		t, ok := presidioTypes[s.Type]
		if !ok {
			t = Ignore
		}
		ex.Spans = append(ex.Spans, refine(rec.FullText, Span{Type: t, Start: offs[s.Start], End: offs[s.End]})...)
	}
	return ex, nil
}

// byteOffsets maps each code point index (and the end) to its byte offset.
func byteOffsets(s string) []int {
	offs := make([]int, 0, utf8.RuneCountInString(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	return append(offs, len(s))
}

// refine applies the AGE and DATE_TIME rules of LoadPresidio.
func refine(text string, s Span) []Span {
	v := text[s.Start:s.End]
	switch s.Type {
	case dlp.Age:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n <= 89 {
			return nil // plain text
		}
	case dlp.Date:
		return refineDate(v, s)
	}
	return []Span{s}
}

var (
	yearOnly  = regexp.MustCompile(`^\s*'?\d{2,4}s?\s*$`)
	weekday   = regexp.MustCompile(`(?i)^\s*(mon|tues|wednes|thurs|fri|satur|sun)day\s*$`)
	timeOfDay = regexp.MustCompile(`\s*\b\d{1,2}:\d{2}(:\d{2})?(\s*[ap]\.?m\.?)?\s*$`)
)

func refineDate(v string, s Span) []Span {
	if yearOnly.MatchString(v) || weekday.MatchString(v) {
		return []Span{{Type: Ignore, Start: s.Start, End: s.End}}
	}
	loc := timeOfDay.FindStringIndex(v)
	if loc == nil || loc[0] == 0 {
		if loc != nil {
			return []Span{{Type: Ignore, Start: s.Start, End: s.End}}
		}
		return []Span{s}
	}
	cut := s.Start + loc[0]
	return []Span{{Type: dlp.Date, Start: s.Start, End: cut}, {Type: Ignore, Start: cut, End: s.End}}
}
