package httpapi

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/inventory"
)

// maxImportDetails bounds the per-line problems one import reports.
const maxImportDetails = 100

type importResponse struct {
	DryRun  bool `json:"dry_run"`
	Records int  `json:"records"`
	Created int  `json:"created"`
	Updated int  `json:"updated"`
}

// importDevices reads a CSV body and imports every row in one transaction,
// or, with ?dry_run=true, only validates it. Any bad row fails the whole
// file with the line numbers of the problems.
func (s *Server) importDevices(w http.ResponseWriter, r *http.Request) {
	recs, dry, err := s.readImport(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := importResponse{DryRun: dry, Records: len(recs)}
	if !dry {
		var res *inventory.ImportResult
		if res, err = s.svc.Devices.ImportDevices(r.Context(), recs); err == nil {
			resp.Created, resp.Updated = res.Created, res.Updated
		}
	}
	s.respond(w, r, http.StatusOK, resp, err)
}

func (s *Server) readImport(r *http.Request) ([]inventory.Record, bool, error) {
	p, err := queryParams(r, "dry_run")
	if err != nil {
		return nil, false, err
	}
	dry := p.bool("dry_run")
	if p.err != nil {
		return nil, false, p.err
	}
	if err := requireContentType(r, "text/csv"); err != nil {
		return nil, false, err
	}
	body := &errReader{r: r.Body}
	recs, err := inventory.ReadCSV(body)
	switch {
	case isTooLarge(body.err):
		return nil, false, tooLarge()
	case err != nil:
		return nil, false, err
	case len(recs) == 0:
		return nil, false, airtight.Errorf(airtight.EInvalid, "the file has no device rows")
	}
	return recs, dry, validateRecords(recs)
}

// validateRecords checks every record and reports each bad line.
func validateRecords(recs []inventory.Record) error {
	var details []airtight.Detail
	for i := range recs {
		err := recs[i].Validate()
		if err == nil || len(details) >= maxImportDetails {
			continue
		}
		for _, d := range detailsOf(err) {
			d.Line = recs[i].Line
			details = append(details, d)
		}
	}
	if len(details) == 0 {
		return nil
	}
	return &airtight.Error{Code: airtight.EInvalid, Message: "the file has invalid rows; nothing was imported", Details: details}
}

func detailsOf(err error) []airtight.Detail {
	if ds := airtight.ErrorDetails(err); len(ds) > 0 {
		return ds
	}
	return []airtight.Detail{{Message: airtight.ErrorMessage(err)}}
}

// errReader remembers the first read error, so that a body over the limit
// is told apart from a malformed file whatever the CSV reader makes of it.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// exportDevices streams the matching devices as CSV. Once the first bytes
// are out, a failure aborts the response so that a partial file is never
// taken for a complete one.
func (s *Server) exportDevices(w http.ResponseWriter, r *http.Request) {
	f, err := deviceFilter(r, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := &csvResponse{w: w}
	cw := inventory.NewCSVWriter(out)
	err = s.svc.Devices.ExportDevices(r.Context(), f, cw.Write)
	if err == nil {
		err = cw.Flush()
	}
	switch {
	case err == nil:
		out.start()
	case !out.started:
		s.writeError(w, r, err)
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "export aborted",
			slog.String("request_id", requestID(r.Context())), slog.String("err", err.Error()))
		panic(http.ErrAbortHandler)
	}
}

// csvResponse sends the CSV headers with the first bytes of the body.
type csvResponse struct {
	w       http.ResponseWriter
	started bool
}

func (c *csvResponse) start() {
	if c.started {
		return
	}
	c.started = true
	h := c.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="devices.csv"`)
	c.w.WriteHeader(http.StatusOK)
}

func (c *csvResponse) Write(p []byte) (int, error) {
	c.start()
	return c.w.Write(p)
}
