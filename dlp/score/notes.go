package score

import "github.com/airtight/airtight/dlp"

// The three kinds of generated note. Each writes a header with identifiers,
// clinical text, and PHI scattered where real notes have it.

// icu writes an ICU progress note.
func (nt *note) icu() {
	nt.text("%s PROGRESS NOTE - HD #%d\nDate: ", nt.pick([]string{"MICU", "SICU", "CCU", "Neuro ICU"}), nt.between(1, 30))
	nt.date()
	nt.text("  Time: ")
	nt.clock()
	nt.text("\nPatient: ")
	nt.name(nt.patient)
	nt.text("   MRN: ")
	nt.mrn()
	nt.text("   Age: ")
	nt.ageText()
	nt.text("\n\nS: ")
	nt.ageSex()
	nt.text(" with PMH of ")
	nt.clinical(pmh, nt.between(2, 4), ", ")
	nt.text(", admitted ")
	nt.date()
	nt.text(" with %s. ", nt.pick(diagnoses))
	nt.clinical(events, nt.between(1, 2), " ")
	nt.text("\nFamily: ")
	nt.familyUpdate()
	nt.text("\n\nO: ")
	nt.vitals()
	nt.text("I/O: %d/%d mL\n", nt.between(400, 3500), nt.between(200, 3000))
	nt.clinical(exams, nt.between(3, 5), "\n")
	nt.text("\nLabs: ")
	nt.labs()
	nt.text("Meds: ")
	nt.clinical(meds, nt.between(3, 6), ", ")
	nt.text("\n\nA/P: ")
	nt.assessmentPlan()
	nt.signature()
}

// familyUpdate writes who was spoken to and how to reach them.
func (nt *note) familyUpdate() {
	switch nt.r.IntN(4) {
	case 0:
		nt.text("Updated ")
		nt.relative()
		nt.text(" at bedside.")
	case 1:
		nt.text("Spoke with ")
		nt.relative()
		nt.text(" by phone (")
		nt.phone(dlp.Phone)
		nt.text("), all questions answered.")
	case 2:
		nt.text("HCP is ")
		nt.relative()
		nt.text(", cell ")
		nt.phone(dlp.Phone)
		nt.text(".")
	default:
		nt.text("No family at bedside today; will call ")
		nt.relative()
		nt.text(".")
	}
}

// assessmentPlan writes numbered problems with plans.
func (nt *note) assessmentPlan() {
	for i := range nt.between(2, 5) {
		nt.text("%d. %s: ", i+1, nt.pick(append(diagnoses, pmh...)))
		nt.clinical(plans, nt.between(1, 3), " ")
		if nt.chance(0.2) {
			nt.text(" D/w ")
			nt.doctor(1)
			nt.text(" (%s).", nt.pick([]string{"cards", "renal", "ID", "GI", "pulm"}))
		}
		nt.text("\n")
	}
}

// signature writes the author's sign-off.
func (nt *note) signature() {
	nt.text("\n")
	switch nt.r.IntN(3) {
	case 0:
		nt.text("Seen and examined with ")
		nt.doctor(0)
		nt.text(". ")
		nt.fullName(nt.doctors[2])
		nt.text(", MD, PGY-%d, pager ", nt.between(1, 3))
		nt.pager()
	case 1:
		nt.text("Electronically signed by ")
		nt.doctor(0)
		nt.text(" on ")
		nt.date()
		nt.text(" at ")
		nt.clock()
	default:
		nt.text("-- ")
		nt.fullName(nt.doctors[0])
		nt.text(", MD  pgr ")
		nt.pager()
	}
	nt.text("\n")
}

// radiology writes a radiology report.
func (nt *note) radiology() {
	nt.hospital()
	nt.text(" - DEPARTMENT OF RADIOLOGY\nEXAM: %s\nDATE OF EXAM: ", nt.pick(radExams))
	nt.date()
	nt.text(" ")
	nt.clock()
	nt.text("\nPATIENT: ")
	nt.name(nt.patient)
	nt.text("  MRN: ")
	nt.mrn()
	nt.text("  ACC#: ")
	nt.accession()
	nt.text("\nDOB: ")
	nt.dob()
	nt.text("\nREFERRING PHYSICIAN: ")
	nt.doctor(1)
	nt.text("\n\nCLINICAL HISTORY: ")
	nt.ageSex()
	nt.text(" with %s, eval for %s.\n", nt.pick(pmh), nt.pick([]string{"PE", "pneumonia", "ICH", "cholecystitis", "line placement", "interval change"}))
	nt.text("\nCOMPARISON: ")
	if nt.chance(0.7) {
		nt.text("CT from ")
		nt.date()
		nt.text(".")
	} else {
		nt.text("None.")
	}
	nt.text("\n\nTECHNIQUE: Axial images with %d mL Omnipaque 350 IV. DLP %d mGy-cm.\n\nFINDINGS:\n", nt.between(60, 120), nt.between(200, 1200))
	nt.clinical(radFindings, nt.between(2, 4), "\n")
	nt.text("\n\nIMPRESSION:\n1. %s\n2. Recommend follow-up CT in %d months per Fleischner criteria.\n", nt.pick(radFindings), nt.between(3, 12))
	nt.radiologyFooter()
}

// radiologyFooter writes the communication and signature lines.
func (nt *note) radiologyFooter() {
	if nt.chance(0.6) {
		nt.text("\nFindings discussed with ")
		nt.doctor(1)
		nt.text(" by telephone at ")
		nt.clock()
		nt.text(" on ")
		nt.date()
		nt.text(" by ")
		nt.doctor(2)
		nt.text(".")
	}
	nt.text("\nDictated by: ")
	nt.fullName(nt.doctors[2])
	nt.text(", MD\nSigned: ")
	nt.date()
	nt.text("\nReading room: ")
	nt.phone(dlp.Phone)
	nt.text("  Fax: ")
	nt.phone(dlp.Fax)
	nt.text("\n")
}

// discharge writes a discharge summary.
func (nt *note) discharge() {
	nt.text("DISCHARGE SUMMARY\n\nName: ")
	nt.name(nt.patient)
	nt.text("   Unit No: ")
	nt.mrn()
	nt.text("\nAdmission Date: ")
	nt.date()
	nt.text("   Discharge Date: ")
	nt.date()
	nt.text("\nDate of Birth: ")
	nt.dob()
	nt.text("   Sex: %s\nService: %s\nAttending: ", map[bool]string{true: "F", false: "M"}[nt.female],
		nt.pick([]string{"MEDICINE", "CARDIOLOGY", "SURGERY", "NEUROLOGY", "ORTHOPAEDICS"}))
	nt.doctor(0)
	nt.text("\n\nHISTORY OF PRESENT ILLNESS: ")
	nt.ageSex()
	nt.text(" with %s who presented to the ", nt.pick(pmh))
	nt.hospital()
	nt.text(" ED on ")
	nt.date()
	nt.text(" with %s. ", nt.pick(diagnoses))
	nt.clinical(events, 1, "")
	if nt.chance(0.5) {
		nt.text(" Transferred from ")
		nt.hospital()
		nt.text(" for higher level of care.")
	}
	nt.text("\n\nPAST MEDICAL HISTORY: ")
	nt.clinical(pmh, nt.between(3, 6), "; ")
	nt.text("; CABG ")
	nt.year()
	nt.text(".\n\nSOCIAL HISTORY: ")
	nt.socialHistory()
	nt.text("\n\nHOSPITAL COURSE: ")
	nt.assessmentPlan()
	nt.text("\nDISCHARGE MEDICATIONS:\n")
	nt.clinical(meds, nt.between(3, 7), "\n")
	nt.dischargeFollowUp()
}

// socialHistory writes living situation, address and contacts.
func (nt *note) socialHistory() {
	nt.text("Lives with ")
	nt.relative()
	nt.text(" at ")
	nt.address()
	nt.text(". Home phone ")
	nt.phone(dlp.Phone)
	nt.text(". Retired %s. Quit smoking in ", nt.pick([]string{"machinist", "teacher", "nurse", "postal worker", "engineer"}))
	nt.year()
	nt.text(", %d pack-years. Occasional EtOH.", nt.between(5, 60))
	if nt.chance(0.3) {
		nt.text(" Prefers e-mail: ")
		nt.email(nt.patient)
		nt.text(".")
	}
	if nt.chance(0.2) {
		nt.text(" SSN on file: ")
		nt.phi(dlp.SSN, nt.digits(3)+"-"+nt.digits(2)+"-"+nt.digits(4))
		nt.text(".")
	}
}

// dischargeFollowUp writes disposition and follow-up.
func (nt *note) dischargeFollowUp() {
	nt.text("\n\nDISCHARGE DISPOSITION: ")
	if nt.chance(0.5) {
		nt.text("Home with services.")
	} else {
		nt.text("Extended care facility: ")
		nt.hospital()
		nt.text(".")
	}
	nt.text("\n\nFOLLOW-UP: ")
	nt.doctor(1)
	nt.text(" on ")
	nt.date()
	nt.text(" at ")
	nt.clock()
	nt.text(", phone ")
	nt.phone(dlp.Phone)
	nt.text(", fax ")
	nt.phone(dlp.Fax)
	nt.text(". Labs (CBC, BMP) in %d-%d days; INR check %s.\n", nt.between(3, 5), nt.between(6, 10),
		nt.pick([]string{"Monday", "Friday", "in 1 week", "on Thursday"}))
	nt.text("\n")
	nt.doctor(0)
	nt.text("\n")
}
