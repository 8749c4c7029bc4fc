package score

// Word lists for the note generator, written by hand for it: they are not
// the detection engine's dictionaries, so that a score does not measure a
// dictionary against itself. Some names are also common English words
// (Will, Hope, Rich, Grant, Young), as in real notes.

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Karen", "Charles", "Sarah",
	"Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Dorothy", "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna",
	"Kenneth", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Edward", "Deborah",
	"Rich", "Will", "Hope", "Grant", "Joy", "Faith", "Drew", "Rose", "Bill", "Sal",
	"Guadalupe", "Xiomara", "Oluwaseun", "Nnamdi", "Chidi", "Ngozi", "Thanh", "Minh", "Huong", "Wei",
	"Xiaoling", "Jae-won", "Hiroshi", "Yuki", "Priya", "Anand", "Sanjay", "Deepika", "Farah", "Omar",
	"Mohammed", "Aisha", "Fatima", "Tariq", "Svetlana", "Dmitri", "Katarzyna", "Bogdan", "Ingrid", "Sven",
	"Aoife", "Siobhan", "Tadhg", "Mateo", "Ximena", "Rafael", "Lucia", "Benedetta", "Giuseppe", "Marisol",
	"Imani", "Jamal", "Keisha", "DeShawn", "Tyrone", "Latoya", "Ezekiel", "Mildred", "Ethel", "Clarence",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Young", "Black", "Long", "Price", "Wood", "Hall", "Page", "Grant", "Rich", "Bishop",
	"Okonkwo", "Adeyemi", "Okafor", "Mensah", "Nguyen", "Tran", "Pham", "Zhang", "Xu", "Kowalczyk",
	"Wisniewski", "Nowak", "Ivanova", "Petrov", "Papadopoulos", "Fitzgerald", "O'Brien", "McAllister", "Abernathy", "Whitfield",
	"Patel", "Shah", "Chaudhry", "Iyer", "Haddad", "Khoury", "Al-Masri", "Yilmaz", "Kaplan", "Rosenberg",
	"Goldstein", "Schwartz", "Bergstrom", "Lindqvist", "Haugen", "Ferreira", "Oliveira", "Castillo", "Villanueva", "Delacroix",
	"Tanaka", "Yamamoto", "Kim", "Park", "Choi", "Bautista", "Santos", "Mwangi", "Otieno", "Van der Berg",
}

var streetNames = []string{
	"Maple", "Oak", "Cedar", "Elm", "Washington", "Lincoln", "Highland", "Pleasant", "Chestnut", "Walnut",
	"Prospect", "Summer", "Winter", "Harbor", "Beacon", "Commonwealth", "Centre", "Mill", "Orchard", "Ridgewood",
}

var streetKinds = []string{"St", "Street", "Ave", "Avenue", "Rd", "Road", "Lane", "Dr", "Drive", "Blvd", "Court", "Way"}

var cities = []string{
	"Springfield", "Worcester", "Lowell", "Brockton", "Quincy", "Fall River", "New Bedford", "Framingham",
	"Dorchester", "Chelsea", "Revere", "Malden", "Medford", "Somerville", "Waltham", "Lynn", "Salem",
	"Pittsfield", "Haverhill", "Taunton", "Nashua", "Providence", "Pawtucket", "Hartford", "Bridgeport",
}

var states = []string{"MA", "NH", "RI", "CT", "ME", "VT", "NY", "Massachusetts", "New Hampshire"}

var hospitalForms = []string{"%s General Hospital", "%s Medical Center", "%s Memorial Hospital", "%s Rehabilitation Hospital",
	"St. %s Hospital", "%s Community Hospital", "%s Nursing and Rehabilitation Center"}

var saints = []string{"Elizabeth's", "Vincent", "Luke's", "Anne's", "Joseph", "Mary's", "Francis"}

var domains = []string{"gmail.com", "yahoo.com", "comcast.net", "aol.com", "hotmail.com", "verizon.net"}

var relations = []string{"husband", "wife", "daughter", "son", "sister", "brother", "niece", "nephew", "granddaughter",
	"grandson", "mother", "father", "partner", "friend", "neighbor"}

var months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December"}

// Clinical text with no PHI, including hard negatives: eponyms (Foley,
// Parkinson), fractions that look like dates (BP 128/76, 5/5 strength, pain
// 3/10), and name-like words used as words (Will continue, May consider).
var pmh = []string{
	"CHF (EF 25-30%)", "COPD on 2L home O2", "DM2 on insulin, HbA1c 8.2", "HTN", "HLD", "CKD stage 3 (baseline Cr 1.6)",
	"afib on apixaban", "CAD s/p PCI to LAD", "Parkinson's disease", "Hodgkin lymphoma in remission", "ESRD on HD MWF",
	"OSA on CPAP", "cirrhosis (MELD 18)", "Alzheimer's dementia", "prior CVA with residual L hemiparesis", "Graves disease",
	"BPH", "GERD", "hypothyroidism", "Crohn's disease", "depression", "DVT on warfarin, INR goal 2-3",
}

var diagnoses = []string{
	"septic shock from a urinary source", "NSTEMI", "acute on chronic hypoxic respiratory failure", "DKA", "GI bleed",
	"community-acquired pneumonia", "CHF exacerbation", "hip fracture after a mechanical fall", "altered mental status",
	"C. diff colitis", "AKI on CKD", "hyperkalemia (K 6.8)", "PE", "cellulitis of the RLE", "syncope",
}

var events = []string{
	"No acute events overnight.", "Episode of afib with RVR to 140s, rate controlled with metoprolol 5 mg IV x2.",
	"Febrile to 38.9, pan-cultured, started on vanc/zosyn.", "Pulled out NGT, replaced and confirmed on KUB.",
	"Foley removed, voiding spontaneously.", "Desatted to 86% on 4L NC, placed on BiPAP 12/5 with improvement.",
	"Hypotensive to 82/45, given 1L LR bolus with MAP > 65.", "Agitated overnight, haldol 0.5 mg IV x1.",
	"Remained on levophed 0.08 mcg/kg/min, weaning.", "Swan-Ganz catheter placed; CI 1.9, PCWP 24.",
}

var plans = []string{
	"Will continue IV abx, f/u cultures.", "May consider diuresis with lasix 40 mg IV BID if Cr stable.",
	"Will wean FiO2 as tolerated, goal SpO2 92-96%.", "Hold metformin; insulin sliding scale, FS QID.",
	"Trend lytes q6h, replete K > 4.0, Mg > 2.0.", "PT/OT consult. Fall precautions.",
	"DVT ppx with heparin 5000 units SC TID.", "Continue home levothyroxine 88 mcg PO daily.",
	"NPO after midnight for EGD in AM.", "Goal MAP > 65; wean pressors as tolerated.",
	"Pain 3/10, controlled with APAP 650 mg q6h PRN.", "Full code. Dispo: remains in MICU.",
	"Will discuss goals of care with HCP.", "Hope to extubate tomorrow if SBT passes.",
	"Mark as high fall risk per protocol.",
}

var exams = []string{
	"Gen: NAD, A&O x3.", "CV: RRR, 2/6 SEM at LUSB.", "Lungs: bibasilar crackles, no wheeze.", "Abd: soft, NT/ND, +BS.",
	"Ext: 2+ pitting edema to knees bilat.", "Neuro: CN II-XII intact, strength 5/5 throughout, Babinski neg.",
	"GCS 14 (E4V4M6).", "Skin: stage 2 sacral decubitus, 3 x 2 cm.", "Murphy's sign negative.", "Homans sign negative.",
}

var meds = []string{
	"metoprolol tartrate 25 mg PO BID", "apixaban 5 mg PO BID", "atorvastatin 80 mg PO QHS", "furosemide 40 mg IV BID",
	"insulin glargine 22 units SC QHS", "pantoprazole 40 mg IV daily", "vancomycin 1250 mg IV q12h (trough 15-20)",
	"piperacillin-tazobactam 4.5 g IV q6h", "norepinephrine 0.05 mcg/kg/min", "propofol 20 mcg/kg/min",
	"acetaminophen 650 mg PO q6h PRN", "KCl 40 mEq PO x1", "magnesium sulfate 2 g IV x1", "0.9% NS at 75 mL/hr",
}

var radExams = []string{
	"CT CHEST WITH CONTRAST", "CT HEAD WITHOUT CONTRAST", "CHEST PA AND LATERAL", "MRI BRAIN WITH AND WITHOUT CONTRAST",
	"US RIGHT UPPER QUADRANT", "CTA CHEST (PE PROTOCOL)", "CT ABDOMEN/PELVIS WITH IV CONTRAST", "PORTABLE CHEST",
}

var radFindings = []string{
	"There is a 6 mm ground-glass nodule in the right upper lobe (series 3, image 45).",
	"No acute intracranial hemorrhage, mass effect or midline shift.",
	"Small bilateral pleural effusions with adjacent atelectasis.",
	"The endotracheal tube terminates 4.2 cm above the carina. Enteric tube courses below the diaphragm.",
	"Cholelithiasis without sonographic evidence of acute cholecystitis. CBD measures 4 mm.",
	"Filling defects in the right lower lobe segmental arteries consistent with acute PE. RV/LV ratio 1.1.",
	"Mild centrilobular emphysema. Heart size normal. No pneumothorax.",
	"Chronic small vessel ischemic changes. Ventricles and sulci are prominent, consistent with age.",
	"Right IJ central venous catheter with tip at the cavoatrial junction.",
	"Hepatic steatosis. Spleen measures 11.2 cm. Kidneys without hydronephrosis.",
}
