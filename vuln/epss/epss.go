// Package epss reads FIRST's daily EPSS scores file
// (epss_scores-YYYY-MM-DD.csv): an optional comment line
// "#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000", a
// header "cve,epss,percentile" and one row per CVE.
package epss

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// MaxRows bounds the rows of a file (about 300,000 CVEs in 2025).
const MaxRows = 2000000

// Score is one CVE's EPSS probability and percentile.
type Score struct {
	EPSS       float64
	Percentile float64
}

// Scores is a parsed scores file.
type Scores struct {
	ModelVersion string
	ScoreDate    string
	ByCVE        map[string]Score
}

var _ vuln.EPSSLookup = (*Scores)(nil)

// Score returns the probability of exploitation of cve.
func (s *Scores) Score(cve string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	sc, ok := s.ByCVE[cve]
	return sc.EPSS, ok
}

// Detect reports whether data looks like an EPSS scores file.
func Detect(data []byte) bool {
	t := bytes.TrimSpace(data[:min(len(data), 512)])
	return bytes.HasPrefix(t, []byte("#model_version")) || bytes.HasPrefix(bytes.ToLower(t), []byte("cve,epss"))
}

var cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// Parse reads a scores file from r (read from file).
func Parse(file string, r io.Reader) (*Scores, error) {
	br := bufio.NewReader(r)
	s := &Scores{ByCVE: map[string]Score{}}
	line := 1
	if b, err := br.Peek(1); err == nil && b[0] == '#' {
		head, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &vuln.ParseError{File: file, Line: 1, Err: err}
		}
		s.ModelVersion, s.ScoreDate = comment(head)
		line = 2
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, &vuln.ParseError{File: file, Line: line, Err: fmt.Errorf("read header: %w", err)}
	}
	if len(header) < 2 || !strings.EqualFold(header[0], "cve") || !strings.EqualFold(header[1], "epss") {
		return nil, &vuln.ParseError{File: file, Line: line, Err: errors.New("header is not cve,epss[,percentile]")}
	}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, &vuln.ParseError{File: file, Err: err}
		}
		row, _ := cr.FieldPos(0)
		row += line - 1
		if n >= MaxRows {
			return nil, &vuln.ParseError{File: file, Line: row, Err: fmt.Errorf("more than %d rows", MaxRows)}
		}
		if err := s.add(rec); err != nil {
			return nil, &vuln.ParseError{File: file, Line: row, Err: err}
		}
	}
}

func (s *Scores) add(rec []string) error {
	if len(rec) < 2 {
		return errors.New("want cve,epss[,percentile]")
	}
	cve := strings.TrimSpace(rec[0])
	if !cveRE.MatchString(cve) {
		return fmt.Errorf("%.40q is not a CVE id", cve)
	}
	var sc Score
	var err error
	if sc.EPSS, err = probability(rec[1]); err != nil {
		return fmt.Errorf("epss: %w", err)
	}
	if len(rec) > 2 && strings.TrimSpace(rec[2]) != "" {
		if sc.Percentile, err = probability(rec[2]); err != nil {
			return fmt.Errorf("percentile: %w", err)
		}
	}
	s.ByCVE[cve] = sc
	return nil
}

func probability(f string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
	if err != nil || v < 0 || v > 1 {
		return 0, fmt.Errorf("%.20q is not a number between 0 and 1", f)
	}
	return v, nil
}

// comment reads "#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000".
func comment(line string) (model, date string) {
	for _, part := range strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "#")), ",") {
		k, v, _ := strings.Cut(part, ":")
		switch strings.TrimSpace(k) {
		case "model_version":
			model = strings.TrimSpace(v)
		case "score_date":
			date = strings.TrimSpace(v)
		}
	}
	return model, date
}
