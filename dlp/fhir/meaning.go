package fhir

import (
	"strings"

	"github.com/airtight/airtight/dlp"
)

// meaning is what a string value is: PHI of a type, or free text to scan.
type meaning struct {
	typ    dlp.Type
	text   bool
	markup bool // XHTML narrative
}

// persons are the resources whose names, addresses and identifiers are a
// person's.
var persons = map[string]bool{"Patient": true, "RelatedPerson": true, "Practitioner": true, "Person": true}

// chain is the element names from the innermost resource to the current
// value, and that resource's type.
func (w *walker) chain() (rtype string, names []string) {
	i := len(w.stack) - 1
	for ; i > 0 && w.stack[i].rtype == ""; i-- {
	}
	rtype = w.stack[i].rtype
	for _, f := range w.stack[i+1:] {
		if !f.array {
			names = append(names, f.elem)
		}
	}
	if t := w.top(); t.array {
		names = append(names, t.elem)
	} else {
		names = append(names, t.key)
	}
	return rtype, names
}

// meaning decides what the current string value v is.
func (w *walker) meaning(v string) meaning {
	rtype, c := w.chain()
	if len(c) == 0 {
		return meaning{}
	}
	last, parent := c[len(c)-1], ""
	if len(c) > 1 {
		parent = c[len(c)-2]
	}
	switch {
	case last == "div":
		return meaning{text: true, markup: true}
	case parent == "note" && last == "text",
		rtype == "Observation" && len(c) == 1 && last == "valueString":
		return meaning{text: true}
	case persons[rtype]:
		return meaning{typ: w.personElement(c, parent, last, v)}
	}
	return meaning{typ: eventDate(rtype, c)}
}

func (w *walker) personElement(c []string, parent, last, v string) dlp.Type {
	switch {
	case len(c) == 1 && (last == "birthDate" || last == "deceasedDateTime"):
		return dlp.Date
	case parent == "name" && (last == "family" || last == "given" || last == "text"):
		return dlp.Name
	case parent == "address" && (last == "line" || last == "city" || last == "district" || last == "text"):
		return dlp.Location
	case parent == "address" && last == "postalCode":
		return dlp.ZIP
	case parent == "telecom" && last == "value":
		return telecomType(w.top().system, v)
	case (parent == "identifier" || parent == "valueIdentifier") && last == "value":
		return identifierType(w.top().system, w.top().code)
	}
	return ""
}

// eventDate: dates of encounters and observations.
func eventDate(rtype string, c []string) dlp.Type {
	p := strings.Join(c, ".")
	switch rtype {
	case "Encounter":
		if p == "period.start" || p == "period.end" {
			return dlp.Date
		}
	case "Observation":
		if p == "effectiveDateTime" || p == "effectivePeriod.start" || p == "effectivePeriod.end" {
			return dlp.Date
		}
	}
	return ""
}

func telecomType(system, v string) dlp.Type {
	switch system {
	case "fax":
		return dlp.Fax
	case "email":
		return dlp.Email
	case "url":
		return dlp.URL
	case "phone", "sms", "pager":
		return dlp.Phone
	}
	if strings.Contains(v, "@") {
		return dlp.Email
	}
	return dlp.Phone
}

func identifierType(system, code string) dlp.Type {
	switch {
	case system == "http://hl7.org/fhir/sid/us-ssn" || code == "SS" || code == "SSN":
		return dlp.SSN
	case system == "http://hl7.org/fhir/sid/us-npi" || code == "NPI" || code == "DL":
		return dlp.License
	case code == "AN":
		return dlp.Account
	}
	return dlp.MRN
}
