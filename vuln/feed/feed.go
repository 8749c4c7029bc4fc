// Package feed loads advisories from files, directories and zip archives
// of any supported format, mixed, recognising each document by its content
// (CSAF 2.0, OSV or NVD CVE API 2.0 JSON). A load is all or nothing: the first bad document
// fails it, with an error naming the file (and zip entry) and the place.
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

// Load loads the advisories of every path.
func Load(paths ...string) ([]vuln.Advisory, error) {
	return (&Loader{Limits: DefaultLimits}).Load(paths...)
}

// Load loads the advisories of every path: files (detected by content),
// directories (walked for *.json and *.zip files, in lexical order) and
// zip archives.
func (l *Loader) Load(paths ...string) ([]vuln.Advisory, error) {
	var out []vuln.Advisory
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			err = l.loadDir(p, &out)
		} else {
			err = l.loadFile(p, true, &out)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *Loader) loadDir(dir string, out *[]vuln.Advisory) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if d.Type().IsRegular() && (ext == ".json" || ext == ".zip") {
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
func (l *Loader) loadFile(name string, explicit bool, out *[]vuln.Advisory) error {
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
	if n, _ := io.ReadFull(f, magic[:]); n == 4 && string(magic[:]) == "PK\x03\x04" {
		return l.loadZip(name, f, fi.Size(), out)
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
var ErrUnknownFormat = errors.New("not a CSAF 2.0, OSV or NVD CVE advisory")

// parseDocument parses one JSON document of any supported format.
func parseDocument(name string, data []byte, explicit bool, out *[]vuln.Advisory) error {
	t := bytes.TrimSpace(data)
	switch {
	case csaf.Detect(t):
		a, err := csaf.Parse(name, t)
		if err != nil {
			return err
		}
		*out = append(*out, a)
	case nvd.Detect(t): // before OSV: CVE records can have "id" and "affected"
		as, err := nvd.Parse(name, t)
		if err != nil {
			return err
		}
		*out = append(*out, as...)
	case osv.Detect(t):
		a, ok, err := osv.Parse(name, t)
		if err != nil {
			return err
		}
		if ok {
			*out = append(*out, a)
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
