package cvss

// spec lists the metrics a version allows and which are base metrics.
type spec struct {
	base   []string
	values map[string]string // metric → allowed values, space-separated
}

var v3 = spec{
	base: []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"},
	values: map[string]string{
		"AV": "N A L P", "AC": "L H", "PR": "N L H", "UI": "N R", "S": "U C",
		"C": "H L N", "I": "H L N", "A": "H L N",
		// temporal
		"E": "X H F P U", "RL": "X U W T O", "RC": "X C R U",
		// environmental
		"CR": "X H M L", "IR": "X H M L", "AR": "X H M L",
		"MAV": "X N A L P", "MAC": "X L H", "MPR": "X N L H", "MUI": "X N R", "MS": "X U C",
		"MC": "X H L N", "MI": "X H L N", "MA": "X H L N",
	},
}

var v4 = spec{
	base: []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"},
	values: map[string]string{
		"AV": "N A L P", "AC": "L H", "AT": "N P", "PR": "N L H", "UI": "N P A",
		"VC": "H L N", "VI": "H L N", "VA": "H L N", "SC": "H L N", "SI": "H L N", "SA": "H L N",
		// threat
		"E": "X A P U",
		// environmental
		"CR": "X H M L", "IR": "X H M L", "AR": "X H M L",
		"MAV": "X N A L P", "MAC": "X L H", "MAT": "X N P", "MPR": "X N L H", "MUI": "X N P A",
		"MVC": "X H L N", "MVI": "X H L N", "MVA": "X H L N",
		"MSC": "X H L N", "MSI": "X S H L N", "MSA": "X S H L N",
		// supplemental
		"S": "X N P", "AU": "X N Y", "R": "X A U I", "V": "X D C", "RE": "X L M H",
		"U": "X Clear Green Amber Red",
	},
}

var specs = map[string]spec{"3.0": v3, "3.1": v3, "4.0": v4}

// weights are the v3 base metric values (section 7.4 of the v3.1
// specification); PR under changed scope is adjusted in BaseScore.
var weights = map[string]float64{
	"AV:N": 0.85, "AV:A": 0.62, "AV:L": 0.55, "AV:P": 0.2,
	"AC:L": 0.77, "AC:H": 0.44,
	"PR:N": 0.85, "PR:L": 0.62, "PR:H": 0.27,
	"UI:N": 0.85, "UI:R": 0.62,
	"C:H": 0.56, "C:L": 0.22, "C:N": 0,
	"I:H": 0.56, "I:L": 0.22, "I:N": 0,
	"A:H": 0.56, "A:L": 0.22, "A:N": 0,
}
