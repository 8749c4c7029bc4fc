// Package dlp finds protected health information (PHI) in content: the 18
// HIPAA Safe Harbor identifier classes in free text (clinical notes, mail
// bodies, documents) and, later, in structured medical formats. Each finding
// has a type, byte offsets, a confidence and the detector that made it.
//
// Findings point at content; the content itself never goes into logs,
// errors or metrics.
package dlp

// Type is a kind of identifier.
type Type string

// Identifier types (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).
const (
	Name       Type = "NAME"        // patients, relatives, clinicians
	Date       Type = "DATE"        // dates (except year alone) of birth, admission, discharge, death...
	Age        Type = "AGE"         // ages over 89
	Location   Type = "LOCATION"    // street addresses, cities, hospitals and facilities
	ZIP        Type = "ZIP"         // ZIP codes
	Phone      Type = "PHONE"       // telephone and pager numbers
	Fax        Type = "FAX"         // fax numbers
	Email      Type = "EMAIL"       // e-mail addresses
	URL        Type = "URL"         // web addresses
	IP         Type = "IP"          // IP addresses
	SSN        Type = "SSN"         // social security numbers
	MRN        Type = "MRN"         // medical record numbers
	Account    Type = "ACCOUNT"     // account numbers (including payment cards)
	HealthPlan Type = "HEALTH_PLAN" // health plan beneficiary numbers
	License    Type = "LICENSE"     // certificate and licence numbers (driver's licence, DEA, NPI)
	Vehicle    Type = "VEHICLE"     // vehicle identifiers and plates
	DeviceID   Type = "DEVICE_ID"   // device identifiers and serial numbers
	Biometric  Type = "BIOMETRIC"   // biometric identifiers, full-face photo references
)

// Types lists every type.
var Types = []Type{Name, Date, Age, Location, ZIP, Phone, Fax, Email, URL, IP, SSN, MRN, Account,
	HealthPlan, License, Vehicle, DeviceID, Biometric}

// Finding is one identifier found in content.
type Finding struct {
	Type       Type    `json:"type"`
	Start      int     `json:"start"` // byte offset of the first byte
	End        int     `json:"end"`   // byte offset after the last byte (exclusive)
	Confidence float64 `json:"confidence"`
	Detector   string  `json:"detector"` // e.g. "ssn-format", "name-dictionary+context"
}
