package dicom

import "github.com/airtight/airtight/dlp"

// kind is how an attribute's value carries PHI.
type kind uint8

const (
	kValue kind = iota + 1 // each value is an identifier of the rule's type
	kAge                   // AS: an age, PHI above 89 years
	kText                  // free text for the engine
	kUID                   // a UID: not PHI by itself, replaced on de-identification
)

type rule struct {
	kind kind
	typ  dlp.Type
}

func v(t dlp.Type) rule { return rule{kValue, t} }

var textRule = rule{kind: kText}

// rules give PHI-bearing attributes their meaning. Attributes of VR DA and
// DT not listed here are dates (DATE); see ruleFor.
var rules = map[Tag]rule{
	// patient
	0x00100010: v(dlp.Name), 0x00101001: v(dlp.Name), 0x00101005: v(dlp.Name), 0x00101060: v(dlp.Name),
	0x00102297: v(dlp.Name), 0x00100020: v(dlp.MRN), 0x00101000: v(dlp.MRN), 0x00101090: v(dlp.MRN),
	0x00100030: v(dlp.Date), 0x00100032: v(dlp.Date), 0x00101010: {kind: kAge},
	0x00101040: v(dlp.Location), 0x00102154: v(dlp.Phone), 0x00101050: v(dlp.HealthPlan),
	0x00380010: v(dlp.Account), 0x00380060: v(dlp.Account),
	// study and order identifiers
	0x00080050: v(dlp.Account), 0x00402016: v(dlp.Account), 0x00402017: v(dlp.Account),
	// times of the study, series, acquisition and content
	0x00080030: v(dlp.Date), 0x00080031: v(dlp.Date), 0x00080032: v(dlp.Date), 0x00080033: v(dlp.Date),
	// institutions and addresses
	0x00080080: v(dlp.Location), 0x00080081: v(dlp.Location), 0x00080092: v(dlp.Location),
	0x00401102: v(dlp.Location), 0x00380400: v(dlp.Location), 0x00380300: v(dlp.Location),
	0x00080094: v(dlp.Phone), 0x00401103: v(dlp.Phone), 0x00402010: v(dlp.Phone),
	// clinicians and other persons
	0x00080090: v(dlp.Name), 0x00081048: v(dlp.Name), 0x00081050: v(dlp.Name), 0x00081060: v(dlp.Name),
	0x00081070: v(dlp.Name), 0x00321032: v(dlp.Name), 0x00400006: v(dlp.Name), 0x00401010: v(dlp.Name),
	0x00402008: v(dlp.Name), 0x00404037: v(dlp.Name), 0x0040A075: v(dlp.Name), 0x0040A123: v(dlp.Name),
	0x00700084: v(dlp.Name), 0x300E0008: v(dlp.Name), 0x40080102: v(dlp.Name), 0x4008010A: v(dlp.Name),
	0x4008010C: v(dlp.Name), 0x40080114: v(dlp.Name), 0x40080119: v(dlp.Name),
	// equipment
	0x00181000: v(dlp.DeviceID), 0x00181004: v(dlp.DeviceID), 0x00181005: v(dlp.DeviceID),
	0x00181007: v(dlp.DeviceID), 0x00181008: v(dlp.DeviceID), 0x00081010: v(dlp.DeviceID),
	// free text
	0x00081030: textRule, 0x0008103E: textRule, 0x00204000: textRule, 0x00104000: textRule,
	0x001021B0: textRule, 0x00324000: textRule, 0x00184000: textRule, 0x00321060: textRule,
	0x00321030: textRule, 0x00081080: textRule, 0x0040A160: textRule, 0x4008010B: textRule,
	0x40080300: textRule, 0x40084000: textRule, 0x40004000: textRule, 0x20300020: textRule,
	0x00209158: textRule, 0x00084000: textRule, 0x00082111: textRule, 0x00181030: textRule,
	0x00400254: textRule, 0x00400007: textRule, 0x00400280: textRule, 0x00402400: textRule,
	0x00401400: textRule, 0x00384000: textRule, 0x00102000: textRule, 0x00102110: textRule,
	0x00380040: textRule, 0x00401002: textRule, 0x00402001: textRule, 0x40080115: textRule,
	0x00284000: textRule, 0x00203406: textRule, 0x0018A003: textRule, 0x00181400: textRule,
}

// ruleFor is the meaning of an element: its rule, dates by VR, UIDs.
func ruleFor(t Tag, vr VR) (rule, bool) {
	if r, ok := rules[t]; ok {
		return r, true
	}
	switch {
	case t.Group() == 0x0002, t.Element() == 0, notDates[t]:
		return rule{}, false
	case vr == "DA" || vr == "DT":
		return v(dlp.Date), true
	case vr == "UI":
		return rule{kind: kUID}, true
	}
	return rule{}, false
}
