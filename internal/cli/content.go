package cli

import (
	"context"
	"io"

	"github.com/airtight/airtight/dlp"
	"github.com/airtight/airtight/dlp/dicom"
	"github.com/airtight/airtight/dlp/extract"
)

// newContentScanner is the one content scanner of every DLP channel (the
// CLI, the API, the SMTP and ICAP gateways, watched folders): every format
// of package extract, with DICOM through package dicom.
func newContentScanner(eng *dlp.Engine, tempDir string) (*extract.Scanner, error) {
	dicomPart := func(ctx context.Context, r io.Reader) ([]dlp.Located, []dlp.Unscannable, error) {
		return dicom.Scan(ctx, r, eng, dicom.DefaultLimits)
	}
	return extract.New(extract.Options{Engine: eng, TempDir: tempDir,
		Parts: map[extract.Format]extract.PartScanner{extract.FormatDICOM: dicomPart}})
}
