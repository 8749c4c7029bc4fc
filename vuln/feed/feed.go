// Package feed loads advisories from files, directories and zip archives
// of any supported format, mixed, recognising each document by its content
// (CSAF 2.0, OSV or NVD CVE API 2.0 JSON), together with the intelligence
// that enriches findings: CISA's KEV catalog, FIRST EPSS scores (CSV,
// optionally gzipped) and openFDA device recalls. A load is all or
// nothing: the first bad document fails it, with an error naming the file
// (and zip entry) and the place.
package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/csaf"
	"github.com/airtight/airtight/vuln/epss"
	"github.com/airtight/airtight/vuln/fda"
	"github.com/airtight/airtight/vuln/kev"
	"github.com/airtight/airtight/vuln/nvd"
	"github.com/airtight/airtight/vuln/osv"
)

// Limits of a load.
type Limits struct {
	MaxFile    int64 // bytes of one file or zip entry, uncompressed
	MaxTotal   int64 // bytes of all zip entries of one archive, uncompressed
	MaxEntries int   // entries of one archive
}

// DefaultLimits fit the largest public OSV archives with room to spare.
var DefaultLimits = Limits{MaxFile: vuln.MaxDocumentSize, MaxTotal: 2 << 30, MaxEntries: 1 << 20}

// Loader loads advisories.
type Loader struct {
	Limits Limits
}

// Set is what a load found.
type Set struct {
	Advisories []vuln.Advisory
	KEV        *kev.Catalog  // nil when no catalog was given
	EPSS       *epss.Scores  // nil when no scores were given
	Recalls    []vuln.Recall // openFDA device recalls
}

// Load loads the advisories of every path.
func Load(paths ...string) ([]vuln.Advisory, error) {
	return (&Loader{Limits: DefaultLimits}).Load(paths...)
}

// LoadSet loads advisories and enrichment data from every path.
func LoadSet(paths ...string) (*Set, error) {
	return (&Loader{Limits: DefaultLimits}).LoadSet(paths...)
}

// Load loads the advisories of every path (see LoadSet); enrichment
// documents among them are read and dropped.
func (l *Loader) Load(paths ...string) ([]vuln.Advisory, error) {
	s, err := l.LoadSet(paths...)
	if err != nil {
		return nil, err
	}
	return s.Advisories, nil
}

// LoadSet loads every path: files (detected by content), directories
// (walked for *.json, *.zip, *.csv and *.csv.gz files, in lexical order)
// and zip archives.
func (l *Loader) LoadSet(paths ...string) (*Set, error) {
	out := &Set{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			err = l.loadDir(p, out)
		} else {
			err = l.loadFile(p, true, out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *Loader) loadDir(dir string, out *Set) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if d.Type().IsRegular() && (ext == ".json" || ext == ".zip" || ext == ".csv" || strings.HasSuffix(strings.ToLower(p), ".csv.gz")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		if err := l.loadFile(f, false, out); err != nil {
			return err
		}
	}
	return nil
}

// loadFile loads one file; explicit files must hold advisories, files
// found in directories may be other JSON (schemas, SBOMs) and are skipped.
func (l *Loader) loadFile(name string, explicit bool, out *Set) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	switch {
	case n == 4 && string(magic[:]) == "PK\x03\x04":
		return l.loadZip(name, f, fi.Size(), out)
	case n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		return l.loadGzip(name, f, out)
	}
	if fi.Size() > l.Limits.MaxFile {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("%d bytes exceeds the limit of %d", fi.Size(), l.Limits.MaxFile)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, l.Limits.MaxFile+1))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return parseDocument(name, data, explicit, out)
}

// ErrUnknownFormat is returned for a document that is not CSAF, OSV or NVD.
var ErrUnknownFormat = errors.New("not a CSAF 2.0, OSV or NVD CVE advisory, KEV catalog, EPSS scores or openFDA recall")

// parseDocument parses one document of any supported format.
func parseDocument(name string, data []byte, explicit bool, out *Set) error {
	t := bytes.TrimSpace(data)
	switch {
	case epss.Detect(t):
		s, err := epss.Parse(name, bytes.NewReader(t))
		if err != nil {
			return err
		}
		out.addEPSS(s)
	case len(t) > 0 && t[0] != '{' && t[0] != '[':
		if explicit {
			return &vuln.ParseError{File: name, Err: ErrUnknownFormat}
		}
	case csaf.Detect(t):
		a, err := csaf.Parse(name, t)
		if err != nil {
			return err
		}
		out.Advisories = append(out.Advisories, a)
	case kev.Detect(t):
		c, err := kev.Parse(name, t)
		if err != nil {
			return err
		}
		out.addKEV(c)
	case fda.Detect(t):
		rs, err := fda.Parse(name, t)
		if err != nil {
			return err
		}
		out.Recalls = append(out.Recalls, rs...)
	case nvd.Detect(t): // before OSV: CVE records can have "id" and "affected"
		as, err := nvd.Parse(name, t)
		if err != nil {
			return err
		}
		out.Advisories = append(out.Advisories, as...)
	case osv.Detect(t):
		a, ok, err := osv.Parse(name, t)
		if err != nil {
			return err
		}
		if ok {
			out.Advisories = append(out.Advisories, a)
		}
	case explicit:
		var v any
		if err := vuln.DecodeJSON(name, t, &v); err != nil {
			return err
		}
		return &vuln.ParseError{File: name, Err: ErrUnknownFormat}
	}
	return nil
}

func (s *Set) addKEV(c *kev.Catalog) {
	if s.KEV == nil {
		s.KEV = c
		return
	}
	s.KEV.Merge(c)
}

// addEPSS adds scores; of two files, the later score date wins per CVE.
func (s *Set) addEPSS(e *epss.Scores) {
	if s.EPSS == nil {
		s.EPSS = e
		return
	}
	older, newer := s.EPSS, e
	if e.ScoreDate < s.EPSS.ScoreDate {
		older, newer = e, s.EPSS
	}
	for k, v := range newer.ByCVE {
		older.ByCVE[k] = v
	}
	older.ModelVersion, older.ScoreDate = newer.ModelVersion, newer.ScoreDate
	s.EPSS = older
}

// Enrich fills kev and epss of findings from the set.
func (s *Set) Enrich(fs []vuln.Finding) {
	var k vuln.KEVLookup
	var e vuln.EPSSLookup
	if s.KEV != nil {
		k = s.KEV
	}
	if s.EPSS != nil {
		e = s.EPSS
	}
	vuln.Enrich(fs, k, e)
}
