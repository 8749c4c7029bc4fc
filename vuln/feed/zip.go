package feed

import (
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// loadZip loads the JSON entries of a zip archive, guarding against zip
// bombs: the uncompressed bytes actually read, not the sizes the archive
// claims, are held to the per-entry and total limits.
func (l *Loader) loadZip(name string, r io.ReaderAt, size int64, out *Set) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("read zip: %w", err)}
	}
	if len(zr.File) > l.Limits.MaxEntries {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("%d entries exceeds the limit of %d", len(zr.File), l.Limits.MaxEntries)}
	}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(f.Name), ".json") {
			continue
		}
		entry := name + "!" + f.Name
		data, err := l.readEntry(entry, f, &total)
		if err != nil {
			return err
		}
		if err := parseDocument(entry, data, false, out); err != nil {
			return err
		}
	}
	return nil
}

func (l *Loader) readEntry(entry string, f *zip.File, total *int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(l.Limits.MaxFile) {
		return nil, &vuln.ParseError{File: entry, Err: fmt.Errorf("entry of %d bytes exceeds the limit of %d", f.UncompressedSize64, l.Limits.MaxFile)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &vuln.ParseError{File: entry, Err: err}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, l.Limits.MaxFile+1))
	if err != nil {
		return nil, &vuln.ParseError{File: entry, Err: err}
	}
	if int64(len(data)) > l.Limits.MaxFile {
		return nil, &vuln.ParseError{File: entry, Err: fmt.Errorf("entry exceeds the limit of %d bytes", l.Limits.MaxFile)}
	}
	*total += int64(len(data))
	if *total > l.Limits.MaxTotal {
		return nil, &vuln.ParseError{File: entry, Err: fmt.Errorf("archive exceeds the limit of %d uncompressed bytes", l.Limits.MaxTotal)}
	}
	return data, nil
}

// loadGzip loads a gzipped document (EPSS publishes its scores so),
// holding the uncompressed size to the file limit.
func (l *Loader) loadGzip(name string, r io.ReadSeeker, out *Set) error {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("read gzip: %w", err)}
	}
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, l.Limits.MaxFile+1))
	if err != nil {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("read gzip: %w", err)}
	}
	if int64(len(data)) > l.Limits.MaxFile {
		return &vuln.ParseError{File: name, Err: fmt.Errorf("uncompressed content exceeds the limit of %d bytes", l.Limits.MaxFile)}
	}
	return parseDocument(name, data, true, out)
}
