package dicom

// Action is a de-identification action code of PS3.15 Table E.1-1.
type Action byte

// Actions.
const (
	ActKeep    Action = 'K' // keep (unless an option says otherwise)
	ActRemove  Action = 'X' // remove the attribute
	ActEmpty   Action = 'Z' // replace with a zero-length value
	ActDummy   Action = 'D' // replace with a non-zero dummy value consistent with the VR
	ActClean   Action = 'C' // replace with similar values that are not identifying (dates: shifted)
	ActUID     Action = 'U' // replace with a non-zero UID, consistently within the set of instances
	ActRecurse Action = 'R' // sequences whose items are de-identified attribute by attribute (X/Z/U*)
)

// basicProfile is the Basic Application Level Confidentiality Profile:
// the attributes of DICOM PS3.15 2024b, Annex E, Table E.1-1 that carry
// patient, study, physician, operator, institution, date and time, device,
// UID and free-text information, with their Basic Profile codes as the
// table gives them ("X/Z/D" where the action depends on the attribute's
// type in the IOD). resolve turns compound codes into one action. The
// transcription is ours; check it against the edition in force before
// relying on it for a release.
var basicProfile = map[Tag]string{
	0x00080050: "Z", 0x00184000: "X", 0x00400555: "X", 0x00080022: "X/Z", 0x0008002A: "X/D",
	0x00181400: "X/D", 0x00189424: "X", 0x00080032: "X/Z", 0x00404035: "X", 0x001021B0: "X",
	0x00380010: "X", 0x00380020: "X", 0x00081084: "X", 0x00081080: "X", 0x00380021: "X",
	0x00102110: "X", 0x40000010: "X", 0x0040A078: "X", 0x00101081: "X", 0x00181007: "X",
	0x00400280: "X", 0x00209161: "U", 0x00403001: "X", 0x00700084: "Z", 0x00700086: "X",
	0x00080023: "Z/D", 0x0040A730: "X", 0x00080033: "Z/D", 0x0018A003: "X", 0x00102150: "X",
	0x00089123: "U", 0x00380300: "X", 0x00080025: "X", 0x00080035: "X", 0x0040A07C: "X",
	0xFFFCFFFC: "X", 0x00181200: "X", 0x0018700C: "X", 0x00181012: "X", 0x00181000: "X/Z/D",
	0x00181002: "U", 0x04000100: "U", 0xFFFAFFFA: "X", 0x00209164: "U", 0x00380040: "X",
	0x4008011A: "X", 0x40080119: "X", 0x300A0013: "U", 0x00102160: "X", 0x00080058: "U",
	0x0070031A: "U", 0x00402017: "Z", 0x00209158: "X", 0x00200052: "U", 0x00181008: "X",
	0x00181005: "X", 0x00700001: "D", 0x00404037: "X", 0x00404036: "X", 0x00880200: "X",
	0x00084000: "X", 0x00204000: "X", 0x00284000: "X", 0x00402400: "X", 0x40080300: "X",
	0x00080014: "U", 0x00080012: "X/D", 0x00080013: "X/Z/D", 0x00080015: "X",
	0x00080081: "X", 0x00081040: "X", 0x00101050: "X", 0x00080082: "X/Z/D", 0x00080080: "X/Z/D",
	0x40080111: "X", 0x4008010C: "X", 0x40080115: "X", 0x40080202: "X", 0x40080102: "X",
	0x4008010B: "X", 0x4008010A: "X", 0x00083010: "U", 0x00380011: "X", 0x00100021: "X",
	0x00281214: "U", 0x001021D0: "X", 0x04000404: "X", 0x00020003: "U", 0x00102000: "X",
	0x00101090: "X", 0x00101080: "X", 0x04000550: "X", 0x00203406: "X", 0x00203401: "X",
	0x00203404: "X", 0x00081060: "X", 0x00401010: "X", 0x00102180: "X", 0x00081072: "X/D",
	0x00081070: "X/Z/D", 0x04000561: "X", 0x00402010: "X", 0x00402008: "X", 0x00402009: "X",
	0x00101000: "X", 0x00101002: "X", 0x00101001: "X", 0x00080024: "X", 0x00080034: "X",
	0x00281199: "U", 0x0040A07A: "X", 0x00101040: "X", 0x00104000: "X", 0x00102203: "X/Z",
	0x00380500: "X", 0x00401004: "X", 0x00101010: "X", 0x00100030: "Z", 0x00101005: "X",
	0x00100032: "X", 0x00380400: "X", 0x00100050: "X", 0x00101060: "X", 0x00100010: "Z",
	0x00100101: "X", 0x001021F0: "X", 0x00100040: "Z", 0x00101020: "X", 0x00102154: "X",
	0x00101030: "X", 0x00100020: "Z", 0x00400243: "X", 0x00400254: "X", 0x00400253: "X",
	0x00400244: "X", 0x00400245: "X", 0x00400250: "X", 0x00400251: "X", 0x00400241: "X", 0x00404030: "X", 0x00400242: "X",
	0x00404028: "X", 0x00081052: "X", 0x00081050: "X", 0x00401102: "X", 0x00401101: "D",
	0x0040A123: "D", 0x00401103: "X", 0x40080114: "X", 0x00081062: "X", 0x00081048: "X",
	0x00081049: "X", 0x00402016: "Z", 0x00181004: "X", 0x00400012: "X", 0x001021C0: "X",
	0x00181030: "X/D", 0x00402001: "X", 0x00321030: "X", 0x04000402: "X", 0x30060024: "U",
	0x00081140: "X/Z/U*", 0x00081111: "X/Z/D", 0x00081155: "U", 0x00081110: "X/Z",
	0x00080092: "X", 0x00080096: "X", 0x00080090: "Z", 0x00080094: "X", 0x00102152: "X",
	0x300600C2: "U", 0x00400275: "X", 0x00321070: "X", 0x00401400: "X", 0x00321060: "X/Z",
	0x00401001: "X", 0x00401005: "X", 0x00321032: "X", 0x00321033: "X", 0x00102299: "X",
	0x00102297: "X", 0x40084000: "X", 0x40080118: "X", 0x40080042: "X", 0x300E0008: "X/Z",
	0x00404034: "X", 0x00400006: "X", 0x00400004: "X", 0x00400005: "X",
	0x00400007: "X", 0x00400011: "X", 0x00400002: "X", 0x00400003: "X", 0x00400001: "X",
	0x00404027: "X", 0x00400010: "X", 0x00404025: "X", 0x00321020: "X", 0x00321021: "X",
	0x00080021: "X/D", 0x0008103E: "X", 0x0020000E: "U", 0x00080031: "X/D", 0x00380062: "X",
	0x00380060: "X", 0x001021A0: "X", 0x00080018: "U", 0x00082112: "X/Z/U*", 0x00380050: "X",
	0x00081010: "X/Z/D", 0x00880140: "U", 0x00324000: "X", 0x00080020: "Z", 0x00081030: "X",
	0x00200010: "Z", 0x00080030: "Z", 0x0020000D: "U", 0x00200200: "U", 0x0040DB0D: "U",
	0x0040DB0C: "U", 0x40004000: "X", 0x20300020: "X", 0x00080201: "X", 0x00880910: "X",
	0x00880912: "X", 0x00880906: "X", 0x00880904: "X", 0x00081195: "U", 0x0040A124: "U",
	0x0040A088: "Z", 0x0040A075: "D", 0x0040A073: "D", 0x0040A027: "X", 0x00384000: "X",
	0x0040A030: "D", 0x0040A032: "X/D", 0x0040A120: "D", 0x0040A121: "D", 0x0040A122: "D",
	0x0040A160: "X", 0x00189074: "X/D", 0x00189151: "X/D", 0x00189516: "X/D", 0x00189517: "X/D",
	0x00400009: "X", 0x00401002: "X", 0x00180010: "Z/D",
	0x00082111: "X",
}

// characteristics are the attributes the Retain Patient Characteristics
// Option keeps (PS3.15 E.3.6).
var characteristics = map[Tag]bool{0x00100040: true, 0x00101010: true, 0x00101020: true, 0x00101030: true,
	0x00102160: true, 0x001021A0: true, 0x001021C0: true, 0x00102203: true}

// resolve turns a table code into one action. Without the IOD at hand the
// choice is the one valid for any attribute type that is not Type 1: X/Z,
// Z/D and X/Z/D become Z (present but empty), X/D becomes X, and the
// sequences marked X/Z/U* are kept with their items de-identified. D stays
// D: Type 1 attributes need a value.
func resolve(code string) Action {
	switch code {
	case "X/Z", "Z/D", "X/Z/D":
		return ActEmpty
	case "X/D":
		return ActRemove
	case "X/Z/U*":
		return ActRecurse
	case "":
		return ActKeep
	}
	return Action(code[0])
}

// notDates are DA and DT attributes that date a code or a definition,
// not a person or an event.
var notDates = map[Tag]bool{
	0x00080106: true, // ContextGroupVersion
	0x00080107: true, // ContextGroupLocalVersion
}
