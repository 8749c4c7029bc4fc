package demo

import "github.com/airtight/airtight/inventory"

// Model is one real device model as the demo hospital deploys it. Names are
// real makers and models, written from public product literature; versions
// are plausible software or firmware releases, not a claim about any
// particular installation.
type Model struct {
	Manufacturer string
	Model        string
	Kind         inventory.Kind
	FDACode      string // FDA product code of the kind; "" where not certain
	Criticality  inventory.Criticality
	Versions     []string // oldest first
	DICOM        bool     // speaks DICOM: devices get an AE title
	HL7          string   // HL7 MSH-3 sending application; "" when it sends none
	Zone         string   // default network zone
	OUI          string   // first three MAC octets given to its devices
	Weight       int      // share among the models of its kind
}

// Network zones of the demo hospital.
const (
	ZoneCorporate        = "corporate"
	ZoneImaging          = "imaging-vlan"
	ZoneClinicalWired    = "clinical-wired"
	ZoneClinicalWireless = "clinical-wireless"
	ZoneLab              = "lab-vlan"
	ZoneBiomed           = "biomed-isolated"
	ZoneDMZ              = "dmz"
)

// Departments of the demo hospital.
const (
	deptRadiology  = "Radiology"
	deptEmergency  = "Emergency"
	deptICU        = "ICU"
	deptNICU       = "NICU"
	deptCardiology = "Cardiology"
	deptOncology   = "Oncology"
	deptLab        = "Laboratory"
	deptPharmacy   = "Pharmacy"
	deptOR         = "OR/Surgery"
	deptMedSurg3E  = "Med-Surg 3 East"
	deptMedSurg4W  = "Med-Surg 4 West"
	deptDialysis   = "Dialysis"
	deptEndoscopy  = "Endoscopy"
	deptIT         = "Information Technology"
)

var allClinical = []string{deptRadiology, deptEmergency, deptICU, deptNICU, deptCardiology, deptOncology,
	deptLab, deptPharmacy, deptOR, deptMedSurg3E, deptMedSurg4W, deptDialysis, deptEndoscopy}

// Owners (the team that looks after a device).
const (
	ownerCE     = "Clinical Engineering"
	ownerRadIT  = "Radiology IT"
	ownerLabIT  = "Laboratory IT"
	ownerIT     = "IT Service Desk"
	ownerPharm  = "Pharmacy Informatics"
	ownerRadOnc = "Radiation Oncology Physics"
)

// kindProfile is how a kind of device is deployed: its share of the fleet
// (devices per ~1,000), where it sits, who owns it and what it speaks.
type kindProfile struct {
	kind   inventory.Kind
	share  int
	fda    string
	crit   inventory.Criticality
	zone   string
	depts  []string
	owner  string
	host   string // hostname part
	ae     string // AE title prefix; "" for kinds that do not speak DICOM
	models []Model
}

// Criticality shorthands.
const (
	sustaining = inventory.LifeSustaining
	supporting = inventory.LifeSupporting
	diagnostic = inventory.Diagnostic
	admin      = inventory.Administrative
)

func v(versions ...string) []string { return versions }

// profiles is the catalog, by kind. FDA product codes are given only where
// certain; the OUIs are those of the named makers where known, otherwise
// left for the generator to fill from the IANA documentation block.
var profiles = []kindProfile{
	// Infusion and medication.
	{kind: "infusion-pump", share: 250, fda: "FRN", crit: sustaining, zone: ZoneClinicalWireless, owner: ownerCE, host: "pump",
		depts: []string{deptICU, deptEmergency, deptMedSurg3E, deptMedSurg4W, deptOncology, deptNICU, deptOR, deptCardiology},
		models: []Model{
			{Manufacturer: "BD", Model: "Alaris 8015 PC Unit", Versions: v("9.19", "9.33", "12.1.2", "12.3"), Weight: 5},
			{Manufacturer: "Baxter", Model: "Spectrum IQ", Versions: v("9.02.00", "9.02.03"), Weight: 2},
			{Manufacturer: "Baxter", Model: "Sigma Spectrum", Versions: v("6.02.13", "8.00.01"), Weight: 1},
			{Manufacturer: "ICU Medical", Model: "Plum 360", Versions: v("15.10", "15.11", "15.22"), Weight: 3},
			{Manufacturer: "B. Braun", Model: "Infusomat Space", Versions: v("L81", "U61", "U62"), Weight: 2},
		}},
	{kind: "syringe-pump", share: 50, fda: "FRN", crit: sustaining, zone: ZoneClinicalWireless, owner: ownerCE, host: "syr",
		depts: []string{deptNICU, deptICU, deptOR, deptEmergency},
		models: []Model{
			{Manufacturer: "B. Braun", Model: "Perfusor Space", Versions: v("L81", "U61", "U62"), Weight: 3},
			{Manufacturer: "BD", Model: "Alaris 8110 Syringe Module", Versions: v("9.19", "12.1.2"), Weight: 2},
			{Manufacturer: "Fresenius Kabi", Model: "Agilia SP", Versions: v("D15", "D25"), Weight: 1},
		}},
	{kind: "medication-cabinet", share: 18, crit: admin, zone: ZoneClinicalWired, owner: ownerPharm, host: "adc",
		depts: []string{deptPharmacy, deptICU, deptEmergency, deptMedSurg3E, deptMedSurg4W, deptOR},
		models: []Model{
			{Manufacturer: "BD", Model: "Pyxis MedStation ES", HL7: "PYXIS_ES", Versions: v("1.6.1", "1.7.5"), Weight: 3},
			{Manufacturer: "BD", Model: "Pyxis MedStation 4000", HL7: "PYXIS_4000", Versions: v("1.3.5 (Windows XP Embedded)", "1.3.9"), Weight: 1},
			{Manufacturer: "Omnicell", Model: "XT Automated Dispensing Cabinet", HL7: "OMNICELL", Versions: v("21.1", "22.3"), Weight: 2},
		}},

	// Monitoring.
	{kind: "patient-monitor", share: 150, fda: "MHX", crit: supporting, zone: ZoneClinicalWired, owner: ownerCE, host: "mon",
		depts: []string{deptICU, deptEmergency, deptMedSurg3E, deptMedSurg4W, deptNICU, deptOR, deptCardiology},
		models: []Model{
			{Manufacturer: "Philips", Model: "IntelliVue MX800", OUI: "00:09:fb", Versions: v("L.01.08", "M.00.03", "N.00.02"), Weight: 3},
			{Manufacturer: "Philips", Model: "IntelliVue MX450", OUI: "00:09:fb", Versions: v("L.01.08", "M.00.03"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "CARESCAPE B650", Versions: v("2.0.1", "3.2"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "CARESCAPE B450", Versions: v("2.0.1", "3.2"), Weight: 1},
			{Manufacturer: "Dräger", Model: "Infinity Delta", Versions: v("VF8.4", "VF9.1", "VF10.1"), Weight: 1},
			{Manufacturer: "Mindray", Model: "BeneVision N12", Versions: v("01.45", "02.11"), Weight: 1},
			{Manufacturer: "Nihon Kohden", Model: "Life Scope TR BSM-6701", Versions: v("01-40", "02-10"), Weight: 1},
			{Manufacturer: "Spacelabs Healthcare", Model: "Xprezzon 91393", Versions: v("3.07", "3.09"), Weight: 1},
			{Manufacturer: "Masimo", Model: "Root", Versions: v("2.2.3", "7.0.5"), Weight: 1},
		}},
	{kind: "central-station", share: 8, fda: "MHX", crit: supporting, zone: ZoneClinicalWired, owner: ownerCE, host: "cs",
		depts: []string{deptICU, deptEmergency, deptCardiology, deptMedSurg3E, deptNICU},
		models: []Model{
			{Manufacturer: "Philips", Model: "IntelliVue Information Center iX", HL7: "PIIC_IX", OUI: "00:09:fb", Versions: v("B.01", "C.02", "C.03"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "CARESCAPE Central Station", HL7: "CARESCAPE_CS", Versions: v("1.2", "2.1"), Weight: 1},
		}},
	{kind: "telemetry-transmitter", share: 50, fda: "DRG", crit: supporting, zone: ZoneClinicalWireless, owner: ownerCE, host: "tele",
		depts: []string{deptCardiology, deptMedSurg3E, deptMedSurg4W},
		models: []Model{
			{Manufacturer: "Philips", Model: "IntelliVue MX40", OUI: "00:09:fb", Versions: v("B.05", "B.06.18"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "ApexPro CH", Versions: v("4.2", "4.3"), Weight: 1},
		}},
	{kind: "ecg", share: 14, fda: "DPS", crit: diagnostic, zone: ZoneClinicalWireless, owner: ownerCE, host: "ecg",
		depts: []string{deptCardiology, deptEmergency, deptMedSurg3E},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "MAC 5500 HD", Versions: v("010C", "011A"), Weight: 2},
			{Manufacturer: "Philips", Model: "PageWriter TC70", OUI: "00:09:fb", Versions: v("A.07.2", "A.08.1"), Weight: 1},
		}},

	// Critical care.
	{kind: "ventilator", share: 24, fda: "CBK", crit: sustaining, zone: ZoneClinicalWired, owner: ownerCE, host: "vent",
		depts: []string{deptICU, deptNICU, deptEmergency},
		models: []Model{
			{Manufacturer: "Medtronic", Model: "Puritan Bennett 980", Versions: v("1.2", "2.0"), Weight: 2},
			{Manufacturer: "Hamilton Medical", Model: "HAMILTON-C6", Versions: v("2.1.1", "2.3.2"), Weight: 2},
			{Manufacturer: "Dräger", Model: "Evita V800", Versions: v("2.10", "2.51"), Weight: 1},
		}},
	{kind: "anesthesia-machine", share: 10, fda: "BSZ", crit: sustaining, zone: ZoneClinicalWired, owner: ownerCE, host: "anes",
		depts: []string{deptOR},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "Aisys CS2", Versions: v("10", "11"), Weight: 2},
			{Manufacturer: "Dräger", Model: "Perseus A500", Versions: v("2.01", "2.10"), Weight: 1},
		}},
	{kind: "defibrillator", share: 18, crit: sustaining, zone: ZoneClinicalWireless, owner: ownerCE, host: "defib",
		depts: []string{deptEmergency, deptICU, deptCardiology, deptMedSurg3E, deptMedSurg4W, deptOR},
		models: []Model{
			{Manufacturer: "ZOLL Medical", Model: "R Series", Versions: v("3.36", "3.42"), Weight: 2},
			{Manufacturer: "Stryker", Model: "LIFEPAK 15", Versions: v("3302", "3608"), Weight: 2},
			{Manufacturer: "Philips", Model: "HeartStart MRx", OUI: "00:09:fb", Versions: v("F.01", "F.03"), Weight: 1},
		}},
	{kind: "dialysis", share: 14, crit: sustaining, zone: ZoneBiomed, owner: ownerCE, host: "hd",
		depts: []string{deptDialysis, deptICU},
		models: []Model{
			{Manufacturer: "Fresenius Medical Care", Model: "2008T", Versions: v("2.72", "2.8"), Weight: 3},
			{Manufacturer: "Fresenius Medical Care", Model: "5008S", Versions: v("4.57", "5.5"), Weight: 1},
			{Manufacturer: "Baxter", Model: "PrisMax", Versions: v("2.0", "3.1"), Weight: 1},
		}},
	{kind: "glucose-meter", share: 35, crit: diagnostic, zone: ZoneClinicalWireless, owner: ownerLabIT, host: "glu",
		depts: []string{deptMedSurg3E, deptMedSurg4W, deptEmergency, deptICU, deptNICU},
		models: []Model{
			{Manufacturer: "Roche Diagnostics", Model: "Accu-Chek Inform II", Versions: v("03.02.00", "04.01.00"), Weight: 2},
			{Manufacturer: "Abbott", Model: "FreeStyle Precision Pro", Versions: v("1.3", "1.5"), Weight: 1},
		}},
	{kind: "bed", share: 50, fda: "FNL", crit: supporting, zone: ZoneClinicalWired, owner: ownerCE, host: "bed",
		depts: []string{deptMedSurg3E, deptMedSurg4W, deptICU, deptOncology},
		models: []Model{
			{Manufacturer: "Hillrom", Model: "Centrella Smart+ Bed", Versions: v("2.4", "3.1"), Weight: 2},
			{Manufacturer: "Stryker", Model: "ProCuity", Versions: v("1.0", "1.2"), Weight: 1},
		}},

	// Imaging.
	{kind: "ct-scanner", share: 3, fda: "JAK", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "ct", ae: "CT",
		depts: []string{deptRadiology, deptEmergency, deptOncology},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "Revolution CT", Versions: v("rev 1.1", "rev 2.5"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "Optima CT660", Versions: v("1.6", "2.3"), Weight: 1},
			{Manufacturer: "Siemens Healthineers", Model: "SOMATOM go.Top", OUI: "00:0e:8c", Versions: v("syngo CT VA30", "syngo CT VA40A"), Weight: 1},
			{Manufacturer: "Canon Medical Systems", Model: "Aquilion ONE PRISM Edition", Versions: v("V8.9", "V10.0"), Weight: 1},
		}},
	{kind: "mr-scanner", share: 2, fda: "LNH", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "mr", ae: "MR",
		depts: []string{deptRadiology},
		models: []Model{
			{Manufacturer: "Siemens Healthineers", Model: "MAGNETOM Vida", OUI: "00:0e:8c", Versions: v("syngo MR XA20", "syngo MR XA31A", "syngo MR XA50A"), Weight: 1},
			{Manufacturer: "Philips", Model: "Ingenia 1.5T", OUI: "00:09:fb", Versions: v("R5.7", "R5.9", "R11"), Weight: 1},
			{Manufacturer: "GE HealthCare", Model: "SIGNA Artist", Versions: v("DV26", "MR29"), Weight: 1},
		}},
	{kind: "pet-ct-scanner", share: 1, fda: "KPS", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "petct", ae: "PT",
		depts: []string{deptRadiology, deptOncology},
		models: []Model{
			{Manufacturer: "Siemens Healthineers", Model: "Biograph Vision", OUI: "00:0e:8c", Versions: v("VG70", "VG80")},
			{Manufacturer: "GE HealthCare", Model: "Discovery MI", Versions: v("MI 4.0", "MI 5.0")},
		}},
	{kind: "x-ray", share: 4, fda: "KPR", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "dx", ae: "DX",
		depts: []string{deptRadiology, deptEmergency},
		models: []Model{
			{Manufacturer: "Siemens Healthineers", Model: "Ysio Max", OUI: "00:0e:8c", Versions: v("VF10", "VF11")},
			{Manufacturer: "GE HealthCare", Model: "Definium 656 HD", Versions: v("1.2", "2.0")},
			{Manufacturer: "Fujifilm", Model: "FDR Smart X", Versions: v("V5.0", "V6.0")},
		}},
	{kind: "mobile-x-ray", share: 4, fda: "IZL", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "dxm", ae: "DXM",
		depts: []string{deptRadiology, deptICU, deptEmergency, deptNICU},
		models: []Model{
			{Manufacturer: "Carestream Health", Model: "DRX-Revolution", Versions: v("5.8", "7.0"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "AMX Navigate", Versions: v("1.0", "1.2"), Weight: 1},
		}},
	{kind: "mammography", share: 2, fda: "MUE", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "mg", ae: "MG",
		depts: []string{deptRadiology},
		models: []Model{
			{Manufacturer: "Hologic", Model: "Selenia Dimensions", Versions: v("1.11", "1.12")},
		}},
	{kind: "fluoroscopy", share: 4, crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "carm", ae: "RF",
		depts: []string{deptOR, deptRadiology},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "OEC 3D", Versions: v("1.0", "1.3"), Weight: 1},
			{Manufacturer: "Siemens Healthineers", Model: "Cios Spin", OUI: "00:0e:8c", Versions: v("VA30", "VA40"), Weight: 1},
		}},
	{kind: "angiography", share: 2, crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "xa", ae: "XA",
		depts: []string{deptCardiology, deptRadiology},
		models: []Model{
			{Manufacturer: "Philips", Model: "Azurion 7", OUI: "00:09:fb", Versions: v("R1.2", "R2.1", "R3.0"), Weight: 2},
			{Manufacturer: "Siemens Healthineers", Model: "ARTIS icono", OUI: "00:0e:8c", Versions: v("VE10", "VE20"), Weight: 1},
		}},
	{kind: "ultrasound", share: 14, fda: "IYN", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "us", ae: "US",
		depts: []string{deptRadiology, deptEmergency, deptCardiology, deptOR, deptICU},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "LOGIQ E10", Versions: v("R2", "R3"), Weight: 2},
			{Manufacturer: "GE HealthCare", Model: "Vivid E95", Versions: v("v203", "v204"), Weight: 1},
			{Manufacturer: "Philips", Model: "EPIQ Elite", OUI: "00:09:fb", Versions: v("7.0", "9.0"), Weight: 2},
			{Manufacturer: "Canon Medical Systems", Model: "Aplio i800", Versions: v("V5.0", "V6.0"), Weight: 1},
		}},
	{kind: "nuclear-medicine", share: 1, fda: "IYX", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "nm", ae: "NM",
		depts: []string{deptRadiology},
		models: []Model{
			{Manufacturer: "Siemens Healthineers", Model: "Symbia Intevo", OUI: "00:0e:8c", Versions: v("VB20", "VB22")},
			{Manufacturer: "GE HealthCare", Model: "Discovery NM/CT 670", Versions: v("1.0", "2.0")},
		}},
	{kind: "pacs-server", share: 2, fda: "LLZ", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "pacs", ae: "PACS",
		depts: []string{deptIT},
		models: []Model{
			{Manufacturer: "Fujifilm", Model: "Synapse PACS", HL7: "SYNAPSE", Versions: v("4.4", "5.7", "7.3"), Weight: 2},
			{Manufacturer: "Agfa HealthCare", Model: "Enterprise Imaging", HL7: "AGFA_EI", Versions: v("8.1.2", "8.2.0"), Weight: 1},
		}},
	{kind: "modality-workstation", share: 5, fda: "LLZ", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "aw", ae: "AW",
		depts: []string{deptRadiology, deptCardiology},
		models: []Model{
			{Manufacturer: "GE HealthCare", Model: "Advantage Workstation", Versions: v("4.6", "4.7"), Weight: 1},
			{Manufacturer: "Siemens Healthineers", Model: "syngo.via", OUI: "00:0e:8c", Versions: v("VB40", "VB60"), Weight: 1},
			{Manufacturer: "Philips", Model: "IntelliSpace Portal", OUI: "00:09:fb", Versions: v("9.0", "10.1", "11.1"), Weight: 1},
		}},
	{kind: "reading-workstation", share: 10, fda: "LLZ", crit: diagnostic, zone: ZoneImaging, owner: ownerRadIT, host: "rw", ae: "RW",
		depts: []string{deptRadiology},
		models: []Model{
			{Manufacturer: "Dell", Model: "Precision 3660 Tower", OUI: "00:14:22", Versions: v("Windows 10 Enterprise LTSC 2019", "Windows 11 Enterprise 23H2")},
			{Manufacturer: "HP", Model: "Z4 G4 Workstation", Versions: v("Windows 7 Professional SP1", "Windows 10 Enterprise 21H2")},
		}},
	{kind: "endoscopy", share: 5, crit: diagnostic, zone: ZoneImaging, owner: ownerCE, host: "endo", ae: "ES",
		depts: []string{deptEndoscopy, deptOR},
		models: []Model{
			{Manufacturer: "Olympus", Model: "EVIS X1 CV-1500", Versions: v("1.02", "1.05"), Weight: 1},
			{Manufacturer: "Olympus", Model: "EVIS EXERA III CV-190", Versions: v("1.40", "1.52"), Weight: 2},
			{Manufacturer: "Karl Storz", Model: "IMAGE1 S", Versions: v("1.8", "2.2"), Weight: 1},
		}},
	{kind: "radiotherapy", share: 2, fda: "IYE", crit: sustaining, zone: ZoneBiomed, owner: ownerRadOnc, host: "linac", ae: "RT",
		depts: []string{deptOncology},
		models: []Model{
			{Manufacturer: "Varian", Model: "TrueBeam", Versions: v("2.5", "2.7 MR3", "3.0"), Weight: 2},
			{Manufacturer: "Elekta", Model: "Versa HD", Versions: v("Integrity R4.0", "Integrity R4.1"), Weight: 1},
		}},
	{kind: "surgical-robot", share: 1, fda: "NAY", crit: sustaining, zone: ZoneBiomed, owner: ownerCE, host: "robot",
		depts: []string{deptOR},
		models: []Model{
			{Manufacturer: "Intuitive Surgical", Model: "da Vinci Xi", Versions: v("P8", "P9"), Weight: 2},
			{Manufacturer: "Stryker", Model: "Mako SmartRobotics", Versions: v("4.0", "5.0"), Weight: 1},
		}},

	// Laboratory.
	{kind: "lab-analyzer", share: 8, fda: "JJE", crit: diagnostic, zone: ZoneLab, owner: ownerLabIT, host: "chem",
		depts: []string{deptLab},
		models: []Model{
			{Manufacturer: "Roche Diagnostics", Model: "cobas 8000", HL7: "COBAS8000", Versions: v("06-02", "06-04"), Weight: 1},
			{Manufacturer: "Siemens Healthineers", Model: "Atellica Solution", HL7: "ATELLICA", OUI: "00:0e:8c", Versions: v("1.25", "1.27"), Weight: 1},
			{Manufacturer: "Abbott", Model: "Alinity ci-series", HL7: "ALINITY_CI", Versions: v("3.2", "3.4"), Weight: 1},
			{Manufacturer: "Beckman Coulter", Model: "DxC 700 AU", HL7: "DXC700AU", Versions: v("4.0", "4.1"), Weight: 1},
		}},
	{kind: "blood-gas-analyzer", share: 7, fda: "CHL", crit: diagnostic, zone: ZoneLab, owner: ownerLabIT, host: "bga",
		depts: []string{deptLab, deptICU, deptEmergency, deptNICU, deptOR},
		models: []Model{
			{Manufacturer: "Radiometer", Model: "ABL90 FLEX PLUS", HL7: "ABL90", Versions: v("3.3", "3.4", "3.5"), Weight: 2},
			{Manufacturer: "Abbott", Model: "i-STAT 1", HL7: "ISTAT", Versions: v("CLEW A33", "CLEW A36"), Weight: 2},
			{Manufacturer: "Siemens Healthineers", Model: "RAPIDPoint 500e", HL7: "RAPIDPOINT", OUI: "00:0e:8c", Versions: v("5.0", "5.1"), Weight: 1},
		}},
	{kind: "hematology-analyzer", share: 3, fda: "GKZ", crit: diagnostic, zone: ZoneLab, owner: ownerLabIT, host: "heme",
		depts: []string{deptLab},
		models: []Model{
			{Manufacturer: "Sysmex", Model: "XN-1000", HL7: "SYSMEX_XN", Versions: v("00-23", "00-27"), Weight: 2},
			{Manufacturer: "Beckman Coulter", Model: "DxH 900", HL7: "DXH900", Versions: v("1.1", "3.2"), Weight: 1},
		}},

	// IT around the devices.
	{kind: "nurse-station-pc", share: 60, crit: admin, zone: ZoneCorporate, owner: ownerIT, host: "pc", depts: allClinical,
		models: []Model{
			{Manufacturer: "Dell", Model: "OptiPlex 780", OUI: "00:14:22", Versions: v("Windows XP Embedded SP3", "Windows 7 Professional SP1"), Weight: 1},
			{Manufacturer: "Dell", Model: "OptiPlex 7010", OUI: "00:14:22", Versions: v("Windows 7 Professional SP1", "Windows 7 Embedded Standard SP1"), Weight: 3},
			{Manufacturer: "Dell", Model: "OptiPlex 7070", OUI: "00:14:22", Versions: v("Windows 10 Enterprise 1809", "Windows 10 Enterprise 21H2", "Windows 10 Enterprise LTSC 2021"), Weight: 6},
		}},
	{kind: "hl7-interface-engine", share: 1, crit: admin, zone: ZoneDMZ, owner: ownerIT, host: "hl7", depts: []string{deptIT},
		models: []Model{
			{Manufacturer: "Rhapsody", Model: "Rhapsody Integration Engine", HL7: "RHAPSODY", Versions: v("6.5.1", "7.1.2")},
			{Manufacturer: "NextGen Healthcare", Model: "Mirth Connect", HL7: "MIRTH", Versions: v("3.12.0", "4.4.0")},
		}},
	{kind: "printer", share: 25, crit: admin, zone: ZoneCorporate, owner: ownerIT, host: "prn", depts: allClinical,
		models: []Model{
			{Manufacturer: "Zebra Technologies", Model: "ZD620", OUI: "00:07:4d", Versions: v("V84.20.18Z", "V92.21.23Z"), Weight: 2},
			{Manufacturer: "Zebra Technologies", Model: "ZT410", OUI: "00:07:4d", Versions: v("V75.20.01Z", "V75.20.33Z"), Weight: 1},
		}},
	{kind: "badge-reader", share: 15, crit: admin, zone: ZoneCorporate, owner: ownerIT, host: "badge", depts: allClinical,
		models: []Model{
			{Manufacturer: "HID Global", Model: "iCLASS SE R40", Versions: v("10.1", "10.4")},
		}},
}

// Catalog returns every model of the demo catalog with its kind's FDA code,
// criticality, DICOM flag and zone filled in.
func Catalog() []Model {
	var out []Model
	for _, p := range profiles {
		for _, m := range p.models {
			out = append(out, p.complete(m))
		}
	}
	return out
}

// complete fills a model's kind-level fields.
func (p *kindProfile) complete(m Model) Model {
	m.Kind, m.FDACode, m.Criticality = p.kind, p.fda, p.crit
	m.DICOM = p.ae != ""
	if m.Zone == "" {
		m.Zone = p.zone
	}
	if m.Weight == 0 {
		m.Weight = 1
	}
	return m
}
