package hl7

import "github.com/airtight/airtight/dlp"

// kind is how a field's value carries PHI, after its HL7 data type.
type kind int

const (
	kName    kind = iota + 1 // XPN: family, given, middle names
	kDoctor                  // XCN: ID number (LICENSE), family, given, middle names
	kAddress                 // XAD: street, other designation, city, ZIP, county
	kPhone                   // XTN: number, e-mail, area code, local number, unformatted
	kID                      // CX, DLN, EI: component 1 is the number
	kDate                    // TS, DTM, DT: component 1
	kWhole                   // ST: the whole field
	kText                    // TX, FT: free text for the engine
)

// field names a field: segment ID and field number.
type field struct {
	seg string
	n   int
}

// rule is the meaning of a field: its kind and, for identifiers and whole
// fields, the type its value is.
type rule struct {
	kind kind
	typ  dlp.Type
}

// rules are the PHI-bearing fields by meaning (HL7 v2.5.1 chapters 2, 3,
// 4, 6 and 7). Facility names and addresses, states and countries are not
// Safe Harbor identifiers of a person and are left out.
var rules = map[field]rule{
	{"PID", 2}: {kID, dlp.MRN}, {"PID", 3}: {kID, dlp.MRN}, {"PID", 4}: {kID, dlp.MRN},
	{"PID", 5}: {kName, ""}, {"PID", 6}: {kName, ""}, {"PID", 7}: {kDate, ""}, {"PID", 9}: {kName, ""},
	{"PID", 11}: {kAddress, ""}, {"PID", 13}: {kPhone, ""}, {"PID", 14}: {kPhone, ""},
	{"PID", 18}: {kID, dlp.Account}, {"PID", 19}: {kWhole, dlp.SSN}, {"PID", 20}: {kID, dlp.License},
	{"PID", 21}: {kID, dlp.MRN}, {"PID", 29}: {kDate, ""},

	{"NK1", 2}: {kName, ""}, {"NK1", 4}: {kAddress, ""}, {"NK1", 5}: {kPhone, ""}, {"NK1", 6}: {kPhone, ""},
	{"NK1", 16}: {kDate, ""}, {"NK1", 30}: {kName, ""}, {"NK1", 31}: {kPhone, ""}, {"NK1", 32}: {kAddress, ""},
	{"NK1", 33}: {kID, dlp.MRN}, {"NK1", 37}: {kWhole, dlp.SSN},

	{"PV1", 7}: {kDoctor, ""}, {"PV1", 8}: {kDoctor, ""}, {"PV1", 9}: {kDoctor, ""}, {"PV1", 17}: {kDoctor, ""},
	{"PV1", 19}: {kID, dlp.Account}, {"PV1", 44}: {kDate, ""}, {"PV1", 45}: {kDate, ""}, {"PV1", 50}: {kID, dlp.Account},

	{"GT1", 2}: {kID, dlp.Account}, {"GT1", 3}: {kName, ""}, {"GT1", 4}: {kName, ""}, {"GT1", 5}: {kAddress, ""},
	{"GT1", 6}: {kPhone, ""}, {"GT1", 7}: {kPhone, ""}, {"GT1", 8}: {kDate, ""}, {"GT1", 12}: {kWhole, dlp.SSN},
	{"GT1", 16}: {kName, ""}, {"GT1", 17}: {kAddress, ""}, {"GT1", 18}: {kPhone, ""},

	{"IN1", 16}: {kName, ""}, {"IN1", 18}: {kDate, ""}, {"IN1", 19}: {kAddress, ""},
	{"IN1", 36}: {kWhole, dlp.HealthPlan}, {"IN1", 49}: {kID, dlp.HealthPlan},

	{"ORC", 12}: {kDoctor, ""}, {"ORC", 14}: {kPhone, ""},
	{"OBR", 16}: {kDoctor, ""}, {"OBR", 17}: {kPhone, ""},
	{"NTE", 3}: {kText, ""},
}

// obxValue is the meaning of OBX-5 by its value type, OBX-2.
var obxValue = map[string]rule{
	"TX": {kText, ""}, "FT": {kText, ""}, "ST": {kText, ""},
	"XPN": {kName, ""}, "XAD": {kAddress, ""}, "XTN": {kPhone, ""},
}

// componentTypes lists, for the kinds made of components, the PHI
// components (1-based) and their types.
var componentTypes = map[kind]map[int]dlp.Type{
	kName:    {1: dlp.Name, 2: dlp.Name, 3: dlp.Name},
	kDoctor:  {1: dlp.License, 2: dlp.Name, 3: dlp.Name, 4: dlp.Name},
	kAddress: {1: dlp.Location, 2: dlp.Location, 3: dlp.Location, 5: dlp.ZIP, 9: dlp.Location},
	kPhone:   {1: dlp.Phone, 4: dlp.Email, 6: dlp.Phone, 7: dlp.Phone, 12: dlp.Phone},
}
