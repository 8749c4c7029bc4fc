package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/airtight/airtight"
)

// params reads query parameters strictly: only the allowed names, each at
// most once; numbers must be numbers.
type params struct {
	q   url.Values
	err error
}

// queryParams checks r's query string against allowed and returns a reader.
func queryParams(r *http.Request, allowed ...string) (*params, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, airtight.Errorf(airtight.EInvalid, "malformed query string")
	}
	ok := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		ok[a] = true
	}
	for name, vs := range q {
		if !ok[name] {
			return nil, fieldError(name, "is not a known query parameter")
		}
		if len(vs) > 1 {
			return nil, fieldError(name, "is given more than once")
		}
	}
	return &params{q: q}, nil
}

func (p *params) str(name string) string { return p.q.Get(name) }

// id reads an optional positive ID.
func (p *params) id(name string) int64 {
	s := p.q.Get(name)
	if s == "" || p.err != nil {
		return 0
	}
	n, ok := parseID(s)
	if !ok {
		p.err = fieldError(name, "must be a positive integer")
	}
	return n
}

// int reads an optional integer in [lo, hi].
func (p *params) int(name string, lo, hi int) int {
	s := p.q.Get(name)
	if s == "" || p.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.err = fieldError(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n
}

// bool reads an optional "true" or "false".
func (p *params) bool(name string) bool {
	switch s := p.q.Get(name); s {
	case "", "false":
		return false
	case "true":
		return true
	}
	if p.err == nil {
		p.err = fieldError(name, `must be "true" or "false"`)
	}
	return false
}

// parseID parses a positive decimal int64 with no sign or leading zeros.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// pathID returns the {id} path value; a malformed one is "not found".
func pathID(r *http.Request) (int64, error) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		return 0, airtight.Errorf(airtight.ENotFound, "not found")
	}
	return id, nil
}
