package dlp

import "strings"

// kwFlag classifies a lower-cased word; one word may have several flags.
type kwFlag uint64

const (
	kwTitle        kwFlag = 1 << iota // Dr, Mr, Mrs
	kwRel                             // husband, daughter
	kwNameLbl                         // "Attending:", "Name:"
	kwBy                              // "signed" by, "seen" by
	kwPt                              // patient, pt
	kwMonth                           // January, Jan
	kwDateCtx                         // on, since, DOB
	kwAge                             // age, aged
	kwPhone                           // phone, tel, cell
	kwFax                             // fax
	kwPager                           // pager, beeper
	kwMRN                             // MRN, record
	kwAcct                            // account
	kwPlan                            // member, policy
	kwLic                             // license, DEA
	kwVeh                             // VIN, plate
	kwDev                             // serial
	kwSSN                             // SSN
	kwZip                             // zip
	kwID                              // id, number
	kwState                           // state name (one word)
	kwStreet                          // street suffix
	kwFacility                        // hospital, clinic
	kwEponym                          // disease, syndrome (after an eponym)
	kwStop                            // function words, never names
	kwBio                             // fingerprint
	kwUnit                            // mg, units: a number before it is a dose
	kwClinical                        // clinical terms before 'YY dates: MI '92
	kwBox                             // box, po, pob: post office boxes
	kwCityVerb                        // lives, resides, moved: a place follows
	kwStreetPre                       // rue, calle, via, ul.: a street word before the name
	kwStreetStrong                    // street words before the name that are not English words
	kwAddrCue                         // address: a street address follows
	kwNameCue                         // named, called: a name follows
	kwPersonVerb                      // says, lives, shouted: a person comes before
)

const maxKWLen = 16

var keywords = buildKeywords()

// kwFilter has bit n of entry [a][b] set when a keyword of length n starts
// with the letters a, b: most words skip the map lookup.
var kwFilter = buildKWFilter()

func buildKWFilter() *[27][27]uint32 {
	var f [27][27]uint32
	for w := range keywords {
		f[kwIdx(w[0])][kwIdx(w[1%len(w)])] |= 1 << len(w)
	}
	return &f
}

// kwIndex is kwIdx as a table, for the tokenizer.
var kwIndex = func() (t [256]uint8) {
	for c := range t {
		t[c] = uint8(kwIdx(byte(c)))
	}
	return t
}()

func kwIdx(c byte) int {
	c = lowerByte(c)
	if c >= 'a' && c <= 'z' {
		return int(c - 'a')
	}
	return 26
}

func buildKeywords() map[string]kwFlag {
	m := map[string]kwFlag{}
	set := func(f kwFlag, words string) {
		for _, w := range strings.Fields(words) {
			m[w] |= f
		}
	}
	set(kwTitle, "dr doctor mr mrs ms miss mister prof professor rev sr sra srta herr frau mme mlle dra")
	set(kwNameCue, "named called calls call")
	set(kwPersonVerb, "says said shouted lives lived spent asked told replied explained wrote began reports "+
		"reported states stated denies denied agrees agreed wants wanted visited returned thinks thought")
	set(kwRel, "husband wife son daughter mother father mom dad brother sister spouse friend niece nephew "+
		"grandson granddaughter grandmother grandfather grandma grandpa aunt uncle boyfriend girlfriend "+
		"partner fiance fiancee caregiver neighbor cousin sibling guardian stepson stepdaughter")
	set(kwNameLbl, "name attending resident pcp provider physician surgeon contact nok cc fellow intern "+
		"author patient pt dictator signature signed")
	set(kwBy, "signed dictated seen reviewed transcribed referred cosigned approved authenticated examined "+
		"evaluated interpreted read discussed spoke d/w")
	set(kwPt, "patient pt pts")
	set(kwMonth, "january february march april may june july august september october november december "+
		"jan feb mar apr jun jul aug sep sept oct nov dec")
	set(kwDateCtx, "on since from until dated dob born birth admitted discharged admission discharge date "+
		"visit through thru til before after by of in seen died death expired deceased")
	set(kwAge, "age aged")
	set(kwPhone, "phone tel telephone call cell mobile home work contact ph ext number tel# ph# cell# phone# "+
		"reach callback")
	set(kwFax, "fax facsimile faxed")
	set(kwPager, "pager beeper pgr pager# beep")
	set(kwMRN, "mrn mr record rec chart unit mrn# medical")
	set(kwAcct, "acct account billing invoice encounter fin csn claim acct#")
	set(kwPlan, "member policy group subscriber insurance medicaid medicare beneficiary plan hicn mbi "+
		"insured payer")
	set(kwLic, "license licence lic dl dea npi certificate cert upin permit")
	set(kwVeh, "vin plate plates vehicle tag")
	set(kwDev, "serial sn udi implant pacemaker device")
	set(kwSSN, "ssn social ss ssn#")
	set(kwZip, "zip zipcode postal")
	set(kwID, "id no num number identifier")
	set(kwStreet, "street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl way "+
		"terrace ter circle cir parkway pkwy highway hwy square sq trail trl turnpike tpke alley aly "+
		"crescent cres row walk pike loop cove cv ridge heights hts expressway expy freeway fwy route rte "+
		"plaza plz str strasse gardens gdns grove estates crossing xing esplanade promenade close mews parade")
	set(kwBox, "box pob")
	set(kwStreetPre, "rue avenue avenida av calle via viale vicolo piazza piazzale corso largo strada rua "+
		"travessa praça praca alameda estrada ul ulica aleja plac trg utca chemin allée allee impasse quai "+
		"paseo plaza carrer camino rambla boulevard bd")
	set(kwStreetStrong, "rue avenida calle viale vicolo piazza piazzale strada rua travessa praça praca "+
		"alameda estrada ul ulica aleja plac trg utca chemin allée allee impasse quai paseo carrer camino rambla")
	set(kwAddrCue, "address addresses addr domicile")
	set(kwCityVerb, "lives living lived live resides residing resided reside born raised grew moved "+
		"relocated visiting traveled travelled trip flew originally native")
	set(kwFacility, "hospital clinic center centre infirmary institute hospice rehabilitation healthcare "+
		"sanatorium pharmacy")
	set(kwEponym, "disease disorder syndrome sign test maneuver catheter tube procedure reflex score scale "+
		"criteria classification fracture palsy lymphoma tumor ulcer bag drain law phenomenon type "+
		"esophagus node triad position method stain repair operation incision equation formula sarcoma "+
		"hernia aneurysm diverticulum encephalopathy filter line disease's dementia thyroiditis")
	set(kwStop, "the and or of to a an in on at for with is was has had no not per by as from this that "+
		"he she his her they him them their it its be been are were will would should could can may might "+
		"did does do we our you your i me my am pm yes denies denied today yesterday tomorrow daily "+
		"left right status post history hx dx rx sx tx unit floor room bed")
	set(kwBio, "fingerprint fingerprints voiceprint retinal iris biometric photo photograph photos facial")
	set(kwUnit, "mg mcg g kg ml l cc units unit u iu meq mmol mmhg cm mm lb lbs oz tabs tab tablets "+
		"caps puffs drops gtt hrs hours hr min minutes days weeks wks months mos years yrs times x")
	set(kwClinical, "mi cabg cva stroke surgery ptca pci stent tia dx diagnosed chole appy appendectomy "+
		"cholecystectomy hysterectomy tah colectomy mastectomy lumpectomy thr tkr avr mvr ppm icd "+
		"aicd cath mva fall fx pe dvt ca cancer chemo xrt since in")
	return m
}

// states maps lower-case US state names and the upper-case postal codes to true.
var stateNames = toSet("alabama alaska arizona arkansas california colorado connecticut delaware florida " +
	"georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts " +
	"michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania " +
	"tennessee texas utah vermont virginia washington wisconsin wyoming")

// statePrefixes start two-word state names: "new york", "rhode island".
var stateSecond = map[string]string{"new": "hampshire jersey mexico york", "north": "carolina dakota",
	"south": "carolina dakota", "west": "virginia", "rhode": "island", "district": "columbia"}

var stateCodes = toSet("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE " +
	"NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR")

// stateWords flags the one-word state names (stName) and the first words
// of two-word ones (stFirst), looked up without regard to case.
var stateWords = func() *kwHashTable {
	m := map[string]kwFlag{}
	for w := range stateNames {
		m[w] |= stName
	}
	for w := range stateSecond {
		m[w] |= stFirst
	}
	return buildKWTable(m)
}()

const (
	stName kwFlag = 1 << iota
	stFirst
)

// stateCodeSet has entry [a][b] set for the postal code of letters a, b.
var stateCodeSet = func() (t [26][26]bool) {
	for c := range stateCodes {
		t[c[0]-'A'][c[1]-'A'] = true
	}
	return t
}()

// isStateCode reports whether b is an upper-case state postal code.
func isStateCode(b []byte) bool {
	return len(b) == 2 && isUpper(b[0]) && isUpper(b[1]) && stateCodeSet[b[0]-'A'][b[1]-'A']
}

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
