// Package fda reads openFDA device recall records (the device/recall
// endpoint: {"meta":...,"results":[...]}, or one record) into
// vuln.Recall values. Package match matches them to inventory devices.
package fda

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/airtight/airtight/vuln"
)

// MaxRecalls bounds the records of one document.
const MaxRecalls = 1000000

type record struct {
	ResEventNumber   string `json:"res_event_number"`
	ProductResNumber string `json:"product_res_number"`
	RecallStatus     string `json:"recall_status"`
	RecallingFirm    string `json:"recalling_firm"`
	ReasonForRecall  string `json:"reason_for_recall"`
	ProductDesc      string `json:"product_description"`
	CodeInfo         string `json:"code_info"`
	ProductCode      string `json:"product_code"`
	Initiated        string `json:"event_date_initiated"`
	Terminated       string `json:"event_date_terminated"`
	// Classification is the recall class of enforcement reports
	// (device/enforcement: "Class I"); device/recall records have none.
	Classification string `json:"classification"`
	OpenFDA        struct {
		DeviceName json.RawMessage `json:"device_name"` // string or list
	} `json:"openfda"`

	// Legacy enforcement reports spell the keys with hyphens.
	LegacyFirm   string `json:"recalling-firm"`
	LegacyReason string `json:"reason-for-recall"`
	LegacyDesc   string `json:"product-description"`
	LegacyCode   string `json:"code-info"`
}

// Detect reports whether data looks like openFDA device recall JSON.
func Detect(data []byte) bool {
	head := data[:min(len(data), 8192)]
	for _, k := range []string{`"product_res_number"`, `"res_event_number"`, `"recalling_firm"`, `"recalling-firm"`} {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// Parse parses an openFDA response or a single record read from file.
func Parse(file string, data []byte) ([]vuln.Recall, error) {
	var probe struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := vuln.DecodeJSON(file, data, &probe); err != nil {
		return nil, err
	}
	raws := probe.Results
	place := "results"
	if raws == nil {
		raws, place = []json.RawMessage{data}, ""
	}
	if len(raws) > MaxRecalls {
		return nil, &vuln.ParseError{File: file, Place: place, Err: fmt.Errorf("%d records exceed the limit of %d", len(raws), MaxRecalls)}
	}
	out := make([]vuln.Recall, 0, len(raws))
	for i, raw := range raws {
		p := place
		if p != "" {
			p = fmt.Sprintf("results[%d]", i)
		}
		r, err := convert(raw)
		r.Source = file
		if err != nil {
			return nil, &vuln.ParseError{File: file, Place: p, Err: err}
		}
		out = append(out, r)
	}
	return out, nil
}

var recallNoRE = regexp.MustCompile(`Recall\s*#\s*([A-Z]-\d+-\d+)`)

func convert(raw json.RawMessage) (vuln.Recall, error) {
	var rec record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return vuln.Recall{}, err
	}
	r := vuln.Recall{Number: rec.ProductResNumber, Event: rec.ResEventNumber, Firm: first(rec.RecallingFirm, rec.LegacyFirm),
		Product: first(rec.ProductDesc, rec.LegacyDesc), Reason: first(rec.ReasonForRecall, rec.LegacyReason),
		CodeInfo: first(rec.CodeInfo, rec.LegacyCode), Status: rec.RecallStatus, ProductCode: rec.ProductCode,
		Initiated: rec.Initiated, Terminated: strings.TrimSpace(rec.Terminated), DeviceName: deviceName(rec.OpenFDA.DeviceName),
		Class: vuln.ParseRecallClass(rec.Classification)}
	if r.Number == "" {
		if m := recallNoRE.FindStringSubmatch(r.Product); m != nil {
			r.Number = m[1]
		}
	}
	switch {
	case r.Number == "":
		return r, errors.New("product_res_number: missing")
	case r.Firm == "":
		return r, errors.New("recalling_firm: missing")
	case r.Product == "" && r.DeviceName == "":
		return r, errors.New("product_description: missing")
	}
	return r, nil
}

func deviceName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return strings.Join(l, "; ")
	}
	return ""
}

func first(a, b string) string {
	if a != "" {
		return strings.TrimSpace(a)
	}
	return strings.TrimSpace(b)
}
