package demo

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/airtight/airtight/dlp"
)

// The demo's DLP content: mails, uploads and files about fictional patients.
// Names are drawn from common given names and surnames and combined at
// random; numbers are random; telephone numbers use the 555-01xx range set
// aside for fiction; every domain is under .example (RFC 2606).

var (
	givenNames = []string{"Margaret", "Robert", "Alice", "John", "Evelyn", "Harold", "Sofia", "Marcus", "Grace",
		"Walter", "Aisha", "Lena", "Daniel", "Ruth", "Kenji", "Beatriz", "Samuel", "Irene", "Victor", "Nadia"}
	surnames = []string{"Okonkwo", "Lindqvist", "Ferreira", "Castellano", "Jensen", "Novak", "Delgado", "Whitaker",
		"Brennan", "Haddad", "Kowalski", "Ramirez", "Sato", "Fitzgerald", "Horvath", "Mendes", "Abernathy", "Quinlan"}
	streets = []string{"Alder Street", "Magnolia Avenue", "Orchard Lane", "Canyon Crest Drive", "Linden Court",
		"Mission Boulevard", "Hawthorne Road", "Sycamore Way"}
	staffMail = []string{"m.alvarez", "j.chen", "s.patel", "r.obrien", "k.nguyen", "l.moreno", "t.moreau", "a.kowalczyk"}
	wards     = []string{"3 East", "4 West", "ICU", "Oncology", "Cardiology step-down"}
)

// patient is a fictional patient.
type patient struct {
	first, last, dob, mrn, ssn, phone, street, zip, plan string
	bed                                                  int
}

func newPatient(r *rand.Rand) patient {
	dob := time.Date(1936+r.IntN(68), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	return patient{
		first: givenNames[r.IntN(len(givenNames))], last: surnames[r.IntN(len(surnames))],
		dob:    dob.Format("01/02/2006"),
		mrn:    fmt.Sprintf("%08d", 400000+r.IntN(600000)),
		ssn:    fmt.Sprintf("%03d-%02d-%04d", 101+r.IntN(560), 1+r.IntN(98), 1+r.IntN(9998)),
		phone:  fmt.Sprintf("(951) 555-01%02d", r.IntN(100)),
		street: fmt.Sprintf("%d %s", 10+r.IntN(4900), streets[r.IntN(len(streets))]),
		zip:    fmt.Sprintf("925%02d", r.IntN(100)),
		plan:   fmt.Sprintf("HPN-%08d", r.IntN(100000000)),
		bed:    1 + r.IntN(30),
	}
}

func (p patient) name() string { return p.first + " " + p.last }

// scenario is one kind of item and how many of it the history has.
type scenario struct {
	channel dlp.Channel
	n       int
	build   func(r *rand.Rand, p patient) item
}

var scenarios = []scenario{
	{dlp.ChannelSMTP, 9, handoverMail},     // internal: logged
	{dlp.ChannelSMTP, 6, consultMail},      // internal: logged
	{dlp.ChannelSMTP, 6, referralMail},     // external with a record number: blocked
	{dlp.ChannelSMTP, 3, personalMail},     // external, several identifiers: blocked
	{dlp.ChannelSMTP, 2, billingMail},      // to the billing partner: quarantined
	{dlp.ChannelSMTP, 3, conferenceMail},   // external, no patient data: logged
	{dlp.ChannelICAP, 3, uploadExport},     // identity numbers to a file-sharing site: blocked
	{dlp.ChannelICAP, 3, uploadForm},       // a name and a date to a web form: logged
	{dlp.ChannelFolder, 4, folderHL7},      // imaging exports share (internal): logged
	{dlp.ChannelFolder, 1, folderOutbound}, // outbound SFTP share: blocked, moved to the vault
}

func staff(r *rand.Rand) string {
	return staffMail[r.IntN(len(staffMail))] + "@" + emailDomain
}

func handoverMail(r *rand.Rand, p patient) item {
	ward := wards[r.IntN(len(wards))]
	body := fmt.Sprintf("Hi,\r\n\r\nHandover for %s, bed %d: %s, DOB %s, day 2 after surgery. Pain controlled, "+
		"obs stable overnight. Please recheck potassium at 14:00.\r\n\r\nThanks\r\n", ward, p.bed, p.name(), p.dob)
	return mailItem(r, staff(r), "charge-nurses@"+emailDomain, "Handover "+ward, body, nil)
}

func consultMail(r *rand.Rand, p patient) item {
	body := fmt.Sprintf("Cardiology consult requested for %s, MRN %s, bed %d. New atrial fibrillation on telemetry "+
		"since 03:10, rate 130-150.\r\n", p.name(), p.mrn, p.bed)
	return mailItem(r, staff(r), "cardiology-consults@"+emailDomain, "Consult request", body, nil)
}

func referralMail(r *rand.Rand, p patient) item {
	body := fmt.Sprintf("Dear colleague,\r\n\r\nWe refer %s (DOB %s, MRN %s) for outpatient follow-up after "+
		"discharge. Contact: %s.\r\n\r\nKind regards\r\n", p.name(), p.dob, p.mrn, p.phone)
	return mailItem(r, staff(r), "referrals@northbay-cardiology.example", "Referral", body, nil)
}

func personalMail(r *rand.Rand, p patient) item {
	to := strings.ToLower(p.first+"."+p.last) + "@mail.example"
	body := fmt.Sprintf("Dear %s,\r\n\r\nAs discussed, your discharge letter: born %s, living at %s, Riverside CA %s. "+
		"Please call %s if the swelling returns.\r\n", p.name(), p.dob, p.street, p.zip, p.phone)
	return mailItem(r, staff(r), to, "Your discharge letter", body, nil)
}

func billingMail(r *rand.Rand, p patient) item {
	var csv strings.Builder
	csv.WriteString("patient_name,date_of_birth,member_id,mrn\r\n")
	for i := range 3 {
		q := p
		if i > 0 {
			q = newPatient(r)
		}
		fmt.Fprintf(&csv, "%s,%s,%s,%s\r\n", q.name(), q.dob, q.plan, q.mrn)
	}
	return mailItem(r, "billing-office@"+emailDomain, "claims@meridian-billing.example", "Claims batch",
		"Claims batch attached.\r\n", &attachment{name: "claims.csv", typ: "text/csv", data: csv.String()})
}

func conferenceMail(r *rand.Rand, _ patient) item {
	return mailItem(r, staff(r), "registration@nursing-informatics.example", "Registration",
		"Please register two attendees from Riverside General for the spring meeting.\r\n", nil)
}

func uploadExport(r *rand.Rand, p patient) item {
	content := fmt.Sprintf("name,ssn,mrn,dob\n%s,%s,%s,%s\n", p.name(), p.ssn, p.mrn, p.dob)
	return item{actor: `RIVERSIDE\` + staffMail[r.IntN(len(staffMail))], host: "share.filedrop.example",
		name: "export.csv", content: []byte(content)}
}

func uploadForm(r *rand.Rand, p patient) item {
	content := fmt.Sprintf("Transport booking for %s on 12/%02d/2026, wheelchair needed.", p.name(), 1+r.IntN(28))
	return item{actor: `RIVERSIDE\` + staffMail[r.IntN(len(staffMail))], host: "forms.medtransport.example",
		name: "booking.txt", content: []byte(content)}
}

func folderHL7(r *rand.Rand, p patient) item {
	msg := fmt.Sprintf("MSH|^~\\&|SYNAPSE|RGH|RIS|RGH|20261112083000||ORU^R01|MSG%05d|P|2.5\r"+
		"PID|1||%s^^^RGH^MR||%s^%s||%s|U\r", r.IntN(100000), p.mrn, p.last, p.first, strings.ReplaceAll(p.dob, "/", ""))
	return item{actor: "/srv/shares/imaging-exports/report-" + p.mrn + ".hl7", name: "report.hl7", content: []byte(msg)}
}

func folderOutbound(r *rand.Rand, p patient) item {
	content := fmt.Sprintf("name,dob,ssn,member_id\n%s,%s,%s,%s\n", p.name(), p.dob, p.ssn, p.plan)
	return item{actor: "/srv/shares/outbound-sftp/eligibility-check.csv", external: true, name: "eligibility-check.csv",
		content: []byte(content)}
}

type attachment struct{ name, typ, data string }

// mailItem builds a mail; with an attachment it is multipart/mixed with the
// attachment in base64, as mail clients send it.
func mailItem(r *rand.Rand, from, to, subject, body string, att *attachment) item {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%016x@%s>\r\nMIME-Version: 1.0\r\n",
		from, to, subject, r.Uint64(), emailDomain)
	if att == nil {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s", body)
	} else {
		const boundary = "demo-boundary-7f3a"
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"+
			"--%s\r\nContent-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--%s--\r\n",
			boundary, boundary, body, boundary, att.typ, att.name, att.name,
			base64.StdEncoding.EncodeToString([]byte(att.data)), boundary)
	}
	return item{actor: from, recipients: []string{to}, name: "message.eml", content: []byte(b.String())}
}
