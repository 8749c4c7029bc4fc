package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/sbom"
	"github.com/airtight/airtight/vuln/vex"
)

// Storage of vulnerability management (migration 0009). The evaluation
// engine that fills the findings is in vuln_eval.go; both are methods of
// Vuln, which implements vuln.Service.

var _ vuln.Service = (*Vuln)(nil)

// Limits on stored documents.
const (
	maxSBOMComponents = 100000
	maxFileName       = 255
)

// fieldErr turns a domain validation error into an invalid-input error.
func fieldErr(err error) error {
	var fe *vuln.FieldError
	if errors.As(err, &fe) {
		return badRef(fe.Field, fe.Message)
	}
	return err
}

// requireSystem returns the actor when it is the server or the CLI itself:
// advisories are installation-wide data.
func requireSystem(ctx context.Context) (*airtight.Actor, error) {
	a := airtight.ActorFrom(ctx)
	if a == nil {
		return nil, airtight.Errorf(airtight.EUnauthorized, "authentication required")
	}
	if a.Kind != airtight.ActorSystem {
		return nil, airtight.Errorf(airtight.EForbidden, "advisories are imported by the server, not by users")
	}
	return a, nil
}

// versionInfo is what evaluation and listings need of a product version.
type versionInfo struct {
	id, orgID, manufacturerID int64
	manufacturer, model, ver  string
	nameKey, modelKey         string
	endOfSupport, criticality string
}

const versionInfoCols = `v.id, v.org_id, p.manufacturer_id, m.name, p.model, v.version, m.name_key, p.model_key, v.end_of_support, p.criticality`

const versionInfoFrom = ` FROM product_versions v JOIN products p ON p.id = v.product_id JOIN manufacturers m ON m.id = p.manufacturer_id`

func scanVersionInfo(s scanner) (*versionInfo, error) {
	var v versionInfo
	err := s.Scan(&v.id, &v.orgID, &v.manufacturerID, &v.manufacturer, &v.model, &v.ver, &v.nameKey, &v.modelKey,
		&v.endOfSupport, &v.criticality)
	return &v, err
}

func findVersionInfo(ctx context.Context, q querier, orgID, id int64) (*versionInfo, error) {
	return queryOne(ctx, q, notFound("product version"), "find version", scanVersionInfo,
		`SELECT `+versionInfoCols+versionInfoFrom+` WHERE v.id = ? AND v.org_id = ?`, id, orgID)
}

// device is the identity CSAF advisories are matched against.
func (v *versionInfo) device() vuln.Device {
	return vuln.Device{Manufacturer: v.manufacturer, Model: v.model, Version: v.ver}
}

// deviceIdentity is what suppressions name for device-identity findings.
func (v *versionInfo) deviceIdentity() string {
	return "device:" + v.nameKey + "/" + v.modelKey
}

// ---- SBOMs ----

const sbomCols = `s.id, s.org_id, s.version_id, s.format, s.file_name, s.sha256, s.component_count, s.uploaded_by, s.uploaded_at`

func scanSBOM(s scanner) (*vuln.SBOM, error) {
	var x vuln.SBOM
	var at int64
	if err := s.Scan(&x.ID, &x.OrgID, &x.VersionID, &x.Format, &x.FileName, &x.SHA256, &x.Count, &x.UploadedBy, &at); err != nil {
		return nil, err
	}
	x.UploadedAt = fromMicros(at)
	return &x, nil
}

// PutSBOM parses data (CycloneDX or SPDX, by content), attaches it to the
// version and re-evaluates the version and the hospital versions the SBOM
// is shared with.
func (v *Vuln) PutSBOM(ctx context.Context, versionID int64, fileName string, data []byte) (*vuln.SBOM, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	fileName = cleanFileName(fileName)
	if _, err := findVersionInfo(ctx, v.db, act.OrgID, versionID); err != nil {
		return nil, err // before parsing: another organization's version is not found, whatever the body
	}
	if len(data) > vuln.MaxDocumentSize {
		return nil, airtight.Errorf(airtight.ETooLarge, "the SBOM is larger than %d bytes", vuln.MaxDocumentSize)
	}
	comps, format, err := sbom.Parse(fileName, data)
	if err != nil {
		return nil, airtight.Errorf(airtight.EInvalid, "%s", parseMessage(err))
	}
	if len(comps) > maxSBOMComponents {
		return nil, airtight.Errorf(airtight.EInvalid, "the SBOM has %d components; at most %d are accepted", len(comps), maxSBOMComponents)
	}
	sum := sha256.Sum256(data)
	s := &vuln.SBOM{VersionID: versionID, Format: string(format), FileName: fileName, SHA256: hex.EncodeToString(sum[:]),
		Components: comps, Count: len(comps), UploadedBy: act.Name}
	err = v.db.withTx(ctx, func(tx *Tx) error {
		if _, err := findVersionInfo(ctx, tx, act.OrgID, versionID); err != nil {
			return err
		}
		return tx.insertSBOM(ctx, act, s)
	})
	if err != nil {
		return nil, err
	}
	v.invalidate()
	_, err = v.evaluateLinked(ctx, act.OrgID, versionID)
	return s, err
}

// cleanFileName keeps the base name of an uploaded file, one line, short.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > maxFileName {
		name = name[:maxFileName]
	}
	if name == "" {
		return "sbom"
	}
	return name
}

// parseMessage is a parse error's text for the caller: it names the place
// in the document, not its content beyond the parser's short quotes.
func parseMessage(err error) string {
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500] + "..."
	}
	return msg
}

func (t *Tx) insertSBOM(ctx context.Context, act *airtight.Actor, s *vuln.SBOM) error {
	comps, err := json.Marshal(s.Components)
	if err != nil {
		return fmt.Errorf("encode sbom: %w", err)
	}
	s.OrgID, s.UploadedAt = act.OrgID, t.now
	id, err := t.insert(ctx, `INSERT INTO vuln_sboms (org_id, version_id, format, file_name, sha256, components, component_count,
		uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.OrgID, s.VersionID, s.Format, s.FileName, s.SHA256, string(comps), s.Count, s.UploadedBy, micros(t.now))
	if err != nil {
		return fmt.Errorf("store sbom: %w", err)
	}
	s.ID = id
	return t.audit(ctx, act, "vuln.sbom.add", "sbom", id, nil,
		fields{"version_id": s.VersionID, "format": s.Format, "file_name": s.FileName, "sha256": s.SHA256, "components": s.Count})
}

// sharedFrom joins, for a hospital version hv, the device maker's versions
// of the same manufacturer name, model and version, through an active
// grant of that manufacturer to the maker. Callers select from alias mv
// (the maker's version) and bind hv.id and hv.org_id.
const sharedFrom = ` FROM product_versions hv
	JOIN products hp ON hp.id = hv.product_id
	JOIN manufacturers hm ON hm.id = hp.manufacturer_id
	JOIN grants g ON g.org_id = hv.org_id AND g.manufacturer_id = hp.manufacturer_id AND g.revoked_at IS NULL
	JOIN product_versions mv ON mv.org_id = g.grantee_org_id AND mv.version = hv.version
	JOIN products mp ON mp.id = mv.product_id AND mp.model_key = hp.model_key
	JOIN manufacturers mm ON mm.id = mp.manufacturer_id AND mm.name_key = hm.name_key
	JOIN organizations mo ON mo.id = mv.org_id`

// ListSBOMs lists the version's SBOMs and those its maker shares, newest
// first, without components.
func (v *Vuln) ListSBOMs(ctx context.Context, versionID int64) ([]*vuln.SBOM, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVersionInfo(ctx, v.db, act.OrgID, versionID); err != nil {
		return nil, err
	}
	own, err := queryAll(ctx, v.db, "list sboms", scanSBOM, `SELECT `+sbomCols+` FROM vuln_sboms s
		WHERE s.version_id = ? AND s.org_id = ? ORDER BY s.id DESC`, versionID, act.OrgID)
	if err != nil {
		return nil, err
	}
	rows, err := v.db.query(ctx, `SELECT `+sbomCols+`, mo.name`+sharedFrom+` JOIN vuln_sboms s ON s.version_id = mv.id
		WHERE hv.id = ? AND hv.org_id = ? ORDER BY s.id DESC`, versionID, act.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list shared sboms: %w", err)
	}
	shared, err := collect(rows, func(s scanner) (*vuln.SBOM, error) {
		var x vuln.SBOM
		var at int64
		err := s.Scan(&x.ID, &x.OrgID, &x.VersionID, &x.Format, &x.FileName, &x.SHA256, &x.Count, &x.UploadedBy, &at, &x.Publisher)
		x.UploadedAt, x.Shared = fromMicros(at), true
		return &x, err
	})
	if err != nil {
		return nil, fmt.Errorf("list shared sboms: %w", err)
	}
	return append(own, shared...), nil
}

// ---- VEX ----

const vexCols = `x.id, x.org_id, x.version_id, x.vulnerability, x.aliases, x.products, x.status, x.justification, x.impact,
	x.action, x.source, x.created_by, x.created_at`

func scanVEX(s scanner) (*vuln.VEXStatement, error) {
	var x vuln.VEXStatement
	var aliases, products, status string
	var at int64
	if err := s.Scan(&x.ID, &x.OrgID, &x.VersionID, &x.Vulnerability, &aliases, &products, &status, &x.Justification,
		&x.Impact, &x.Action, &x.Source, &x.CreatedBy, &at); err != nil {
		return nil, err
	}
	x.Status, x.CreatedAt = vuln.Status(status), fromMicros(at)
	x.Aliases = splitWords(aliases)
	if err := json.Unmarshal([]byte(products), &x.Products); err != nil {
		return nil, fmt.Errorf("decode vex products: %w", err)
	}
	return &x, nil
}

// ImportVEX stores the statements of a VEX document about the version and
// re-evaluates it (and the hospital versions it is shared with).
func (v *Vuln) ImportVEX(ctx context.Context, versionID int64, fileName string, data []byte) ([]*vuln.VEXStatement, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	fileName = cleanFileName(fileName)
	if _, err := findVersionInfo(ctx, v.db, act.OrgID, versionID); err != nil {
		return nil, err
	}
	stmts, err := vex.Parse(fileName, data)
	if err != nil {
		return nil, airtight.Errorf(airtight.EInvalid, "%s", parseMessage(err))
	}
	var out []*vuln.VEXStatement
	err = v.db.withTx(ctx, func(tx *Tx) error {
		if _, err := findVersionInfo(ctx, tx, act.OrgID, versionID); err != nil {
			return err
		}
		for _, s := range stmts {
			x, err := tx.insertVEX(ctx, act, versionID, fileName, s)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return tx.audit(ctx, act, "vuln.vex.import", "product_version", versionID, nil,
			fields{"file_name": fileName, "statements": len(out)})
	})
	if err != nil {
		return nil, err
	}
	v.invalidate()
	_, err = v.evaluateLinked(ctx, act.OrgID, versionID)
	return out, err
}

func (t *Tx) insertVEX(ctx context.Context, act *airtight.Actor, versionID int64, file string, s vex.Statement) (*vuln.VEXStatement, error) {
	x := &vuln.VEXStatement{OrgID: act.OrgID, VersionID: versionID, Vulnerability: s.Vulnerability, Aliases: s.Aliases,
		Products: s.Products, Status: s.Status, Justification: s.Justification, Impact: s.Impact, Action: s.Action,
		Source: file, CreatedBy: act.Name, CreatedAt: t.now}
	if x.Products == nil {
		x.Products = []string{}
	}
	products, _ := json.Marshal(x.Products) // strings: cannot fail
	id, err := t.insert(ctx, `INSERT INTO vuln_vex (org_id, version_id, vulnerability, aliases, products, status, justification,
		impact, action, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.OrgID, x.VersionID, x.Vulnerability, strings.Join(x.Aliases, " "), string(products), string(x.Status),
		x.Justification, x.Impact, x.Action, x.Source, x.CreatedBy, micros(t.now))
	if err != nil {
		return nil, fmt.Errorf("store vex statement: %w", err)
	}
	x.ID = id
	return x, nil
}

func splitWords(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}

// ---- advisories ----

// storedAdvisory is the part of a stored advisory an import compares.
type storedAdvisory struct {
	hash    string
	aliases []string
	kev     bool
	epss    float64
}

// advisoryHash is the content hash of an advisory: its JSON form without
// the file it was read from, so that the same advisory read from another
// path is unchanged.
func advisoryHash(a vuln.Advisory) (string, []byte, error) {
	a.Source = ""
	doc, err := json.Marshal(a)
	if err != nil {
		return "", nil, fmt.Errorf("encode advisory %s: %w", a.ID, err)
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:]), doc, nil
}

func (t *Tx) storedAdvisories(ctx context.Context) (map[string]storedAdvisory, error) {
	rows, err := t.query(ctx, `SELECT advisory_id, content_hash, aliases, kev, epss FROM vuln_advisories`)
	if err != nil {
		return nil, fmt.Errorf("read advisories: %w", err)
	}
	defer rows.Close()
	out := map[string]storedAdvisory{}
	for rows.Next() {
		var id, aliases string
		var s storedAdvisory
		var kev int
		if err := rows.Scan(&id, &s.hash, &aliases, &kev, &s.epss); err != nil {
			return nil, fmt.Errorf("read advisories: %w", err)
		}
		s.aliases, s.kev = strings.Fields(aliases), kev != 0
		out[id] = s
	}
	return out, rows.Err()
}

// replaceKEV replaces the stored KEV catalog.
func (t *Tx) replaceKEV(ctx context.Context, kev map[string]string) error {
	if _, err := t.exec(ctx, `DELETE FROM vuln_kev`); err != nil {
		return fmt.Errorf("replace kev: %w", err)
	}
	return t.insertPairs(ctx, "vuln_kev (cve, date_added)", len(kev), func(yield func(k string, v any)) {
		for k, v := range kev {
			yield(k, v)
		}
	})
}

// replaceEPSS replaces the stored EPSS scores.
func (t *Tx) replaceEPSS(ctx context.Context, epss map[string]float64) error {
	if _, err := t.exec(ctx, `DELETE FROM vuln_epss`); err != nil {
		return fmt.Errorf("replace epss: %w", err)
	}
	return t.insertPairs(ctx, "vuln_epss (cve, score)", len(epss), func(yield func(k string, v any)) {
		for k, v := range epss {
			yield(k, v)
		}
	})
}

// insertPairs inserts key/value rows in batches of multi-row INSERTs.
func (t *Tx) insertPairs(ctx context.Context, table string, n int, each func(yield func(k string, v any))) error {
	const batch = 400
	args := make([]any, 0, 2*batch)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		rows := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ")
		_, err := t.tx.ExecContext(ctx, t.d.q(`INSERT INTO `+table+` VALUES `+rows), args...)
		args = args[:0]
		return err
	}
	var err error
	each(func(k string, v any) {
		if err != nil {
			return
		}
		args = append(args, k, v)
		if len(args) == 2*batch {
			err = flush()
		}
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", table, err)
	}
	return nil
}

// enrichment is the KEV catalog and EPSS scores as lookups.
type enrichment struct {
	kev  map[string]bool
	epss map[string]float64
}

func (e *enrichment) Listed(cve string) bool { return e.kev[cve] }

func (e *enrichment) Score(cve string) (float64, bool) {
	s, ok := e.epss[cve]
	return s, ok
}

// flags are the KEV listing and highest EPSS score of an advisory's ids.
func (e *enrichment) flags(id string, aliases []string) (bool, float64) {
	kev, epss := false, 0.0
	for _, x := range append([]string{id}, aliases...) {
		kev = kev || e.kev[x]
		epss = max(epss, e.epss[x])
	}
	return kev, epss
}

func loadEnrichment(ctx context.Context, q querier) (*enrichment, error) {
	e := &enrichment{kev: map[string]bool{}, epss: map[string]float64{}}
	rows, err := q.query(ctx, `SELECT cve FROM vuln_kev`)
	if err != nil {
		return nil, fmt.Errorf("read kev: %w", err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read kev: %w", err)
		}
		e.kev[c] = true
	}
	rows.Close()
	if rows, err = q.query(ctx, `SELECT cve, score FROM vuln_epss`); err != nil {
		return nil, fmt.Errorf("read epss: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var s float64
		if err := rows.Scan(&c, &s); err != nil {
			return nil, fmt.Errorf("read epss: %w", err)
		}
		e.epss[c] = s
	}
	return e, rows.Err()
}

// importDelta is what an import changed, for the re-evaluation.
type importDelta struct {
	added, changed []vuln.Advisory
	flagged        []string // advisories whose KEV listing or EPSS score alone changed
	recalls        []vuln.Recall
	changedRecalls []string // numbers of recalls that were stored before with other content
}

// empty reports whether the import changed nothing.
func (d *importDelta) empty() bool {
	return len(d.added)+len(d.changed)+len(d.flagged)+len(d.recalls) == 0
}

// storeAdvisories writes the import in tx and returns what changed.
func (t *Tx) storeAdvisories(ctx context.Context, act *airtight.Actor, in vuln.AdvisoryImport, res *vuln.ImportResult) (*importDelta, error) {
	stored, err := t.storedAdvisories(ctx)
	if err != nil {
		return nil, err
	}
	if in.KEV != nil {
		if err := t.replaceKEV(ctx, in.KEV); err != nil {
			return nil, err
		}
		res.KEV = len(in.KEV)
	}
	if in.EPSS != nil {
		if err := t.replaceEPSS(ctx, in.EPSS); err != nil {
			return nil, err
		}
		res.EPSS = len(in.EPSS)
	}
	enr, err := loadEnrichment(ctx, t)
	if err != nil {
		return nil, err
	}
	delta := &importDelta{}
	seen := map[string]bool{}
	for _, a := range lastByID(in.Advisories) {
		seen[a.ID] = true
		if err := t.storeAdvisory(ctx, a, stored, enr, res, delta); err != nil {
			return nil, err
		}
	}
	if in.KEV != nil || in.EPSS != nil {
		if err := t.reflag(ctx, stored, seen, enr, res, delta); err != nil {
			return nil, err
		}
	}
	if err := t.storeRecalls(ctx, in.Recalls, res, delta); err != nil {
		return nil, err
	}
	return delta, t.audit(ctx, act, "vuln.advisories.import", "advisories", 0, nil,
		fields{"added": res.Added, "changed": res.Changed, "unchanged": res.Unchanged, "kev": res.KEV, "epss": res.EPSS,
			"recalls": res.Recalls})
}

// lastByID keeps the last advisory of each id, in first-seen order.
func lastByID(advs []vuln.Advisory) []vuln.Advisory {
	idx := map[string]int{}
	var out []vuln.Advisory
	for _, a := range advs {
		if i, ok := idx[a.ID]; ok {
			out[i] = a
			continue
		}
		idx[a.ID] = len(out)
		out = append(out, a)
	}
	return out
}

func (t *Tx) storeAdvisory(ctx context.Context, a vuln.Advisory, stored map[string]storedAdvisory, enr *enrichment,
	res *vuln.ImportResult, delta *importDelta) error {
	if a.ID == "" || len(a.ID) > 200 {
		return airtight.Errorf(airtight.EInvalid, "advisory from %s: the id is empty or longer than 200 bytes", cleanFileName(a.Source))
	}
	hash, doc, err := advisoryHash(a)
	if err != nil {
		return err
	}
	kev, epss := enr.flags(a.ID, a.Aliases)
	old, exists := stored[a.ID]
	switch {
	case !exists:
		res.Added++
		delta.added = append(delta.added, a)
		_, err = t.exec(ctx, `INSERT INTO vuln_advisories (advisory_id, source, aliases, summary, cvss, vector, kev, epss, modified,
			content_hash, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Source, strings.Join(a.Aliases, " "), a.Summary,
			a.CVSS, a.Vector, boolInt(kev), epss, micros(t.now), hash, string(doc))
	case old.hash == hash && old.kev == kev && old.epss == epss:
		res.Unchanged++
		return nil
	default:
		res.Changed++
		if old.hash == hash {
			delta.flagged = append(delta.flagged, a.ID)
		} else {
			delta.changed = append(delta.changed, a)
		}
		_, err = t.exec(ctx, `UPDATE vuln_advisories SET source = ?, aliases = ?, summary = ?, cvss = ?, vector = ?, kev = ?, epss = ?,
			modified = ?, content_hash = ?, doc = ? WHERE advisory_id = ?`, a.Source, strings.Join(a.Aliases, " "), a.Summary,
			a.CVSS, a.Vector, boolInt(kev), epss, micros(t.now), hash, string(doc), a.ID)
	}
	if err != nil {
		return fmt.Errorf("store advisory %s: %w", a.ID, err)
	}
	return nil
}

// reflag updates the KEV and EPSS flags of stored advisories the import
// did not carry, after the catalog or the scores changed.
func (t *Tx) reflag(ctx context.Context, stored map[string]storedAdvisory, seen map[string]bool, enr *enrichment,
	res *vuln.ImportResult, delta *importDelta) error {
	for id, s := range stored {
		if seen[id] {
			continue
		}
		kev, epss := enr.flags(id, s.aliases)
		if kev == s.kev && epss == s.epss {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE vuln_advisories SET kev = ?, epss = ?, modified = ? WHERE advisory_id = ?`,
			boolInt(kev), epss, micros(t.now), id); err != nil {
			return fmt.Errorf("update advisory %s: %w", id, err)
		}
		res.Changed++
		delta.flagged = append(delta.flagged, id)
	}
	return nil
}

// loadAdvisories reads every stored advisory.
func loadAdvisories(ctx context.Context, q querier) ([]vuln.Advisory, error) {
	rows, err := q.query(ctx, `SELECT advisory_id, doc FROM vuln_advisories ORDER BY advisory_id`)
	if err != nil {
		return nil, fmt.Errorf("read advisories: %w", err)
	}
	defer rows.Close()
	var out []vuln.Advisory
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("read advisories: %w", err)
		}
		var a vuln.Advisory
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, fmt.Errorf("decode advisory %s: %w", id, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- FDA device recalls ----

// maxRecallNumber bounds a recall number (FDA numbers are like Z-1544-2024).
const maxRecallNumber = 200

// recallHash is the content hash of a recall: its JSON form (the file it
// was read from is not part of it).
func recallHash(r vuln.Recall) (string, []byte, error) {
	r.Source = ""
	doc, err := json.Marshal(r)
	if err != nil {
		return "", nil, fmt.Errorf("encode recall %s: %w", r.Number, err)
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:]), doc, nil
}

// storeRecalls writes the import's recalls, the last of each number: new
// ones are inserted, changed ones rewritten, unchanged ones left alone.
func (t *Tx) storeRecalls(ctx context.Context, rs []vuln.Recall, res *vuln.ImportResult, delta *importDelta) error {
	if len(rs) == 0 {
		return nil
	}
	stored, err := t.storedRecallHashes(ctx)
	if err != nil {
		return err
	}
	for _, r := range lastRecalls(rs) {
		res.Recalls++
		if err := t.storeRecall(ctx, r, stored, res, delta); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) storedRecallHashes(ctx context.Context) (map[string]string, error) {
	rows, err := t.query(ctx, `SELECT recall_number, content_hash FROM vuln_recalls`)
	if err != nil {
		return nil, fmt.Errorf("read recalls: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, h string
		if err := rows.Scan(&n, &h); err != nil {
			return nil, fmt.Errorf("read recalls: %w", err)
		}
		out[n] = h
	}
	return out, rows.Err()
}

func (t *Tx) storeRecall(ctx context.Context, r vuln.Recall, stored map[string]string, res *vuln.ImportResult, delta *importDelta) error {
	if r.Number == "" || len(r.Number) > maxRecallNumber || !oneLineNumber(r.Number) {
		return airtight.Errorf(airtight.EInvalid, "recall from %s: the recall number is empty, longer than %d bytes or not one line",
			cleanFileName(r.Source), maxRecallNumber)
	}
	hash, doc, err := recallHash(r)
	if err != nil {
		return err
	}
	old, exists := stored[r.Number]
	switch {
	case !exists:
		res.Added++
		_, err = t.exec(ctx, `INSERT INTO vuln_recalls (recall_number, source, firm, status, recall_class, modified, content_hash, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Number, r.Source, r.Firm, r.Status, r.Class, micros(t.now), hash, string(doc))
	case old == hash:
		res.Unchanged++
		return nil
	default:
		res.Changed++
		delta.changedRecalls = append(delta.changedRecalls, r.Number)
		_, err = t.exec(ctx, `UPDATE vuln_recalls SET source = ?, firm = ?, status = ?, recall_class = ?, modified = ?, content_hash = ?,
			doc = ? WHERE recall_number = ?`, r.Source, r.Firm, r.Status, r.Class, micros(t.now), hash, string(doc), r.Number)
	}
	if err != nil {
		return fmt.Errorf("store recall %s: %w", r.Number, err)
	}
	delta.recalls = append(delta.recalls, r)
	return nil
}

func oneLineNumber(s string) bool { return !strings.ContainsAny(s, "\r\n\x00") }

// lastRecalls keeps the last recall of each number, in first-seen order.
func lastRecalls(rs []vuln.Recall) []vuln.Recall {
	idx := map[string]int{}
	var out []vuln.Recall
	for _, r := range rs {
		if i, ok := idx[r.Number]; ok {
			out[i] = r
			continue
		}
		idx[r.Number] = len(out)
		out = append(out, r)
	}
	return out
}

// loadRecalls reads every stored recall.
func loadRecalls(ctx context.Context, q querier) ([]vuln.Recall, error) {
	rows, err := q.query(ctx, `SELECT recall_number, source, doc FROM vuln_recalls ORDER BY recall_number`)
	if err != nil {
		return nil, fmt.Errorf("read recalls: %w", err)
	}
	defer rows.Close()
	var out []vuln.Recall
	for rows.Next() {
		var n, src, doc string
		if err := rows.Scan(&n, &src, &doc); err != nil {
			return nil, fmt.Errorf("read recalls: %w", err)
		}
		var r vuln.Recall
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("decode recall %s: %w", n, err)
		}
		r.Source = src
		out = append(out, r)
	}
	return out, rows.Err()
}

// ---- suppressions ----

func scanSuppression(s scanner) (*vuln.Suppression, error) {
	var x vuln.Suppression
	var at int64
	err := s.Scan(&x.ID, &x.OrgID, &x.Identity, &x.Advisory, &x.Reason, &x.CreatedBy, &at)
	x.CreatedAt = fromMicros(at)
	return &x, err
}

const suppressionCols = `id, org_id, component_identity, advisory_id, reason, created_by, created_at`

// Suppress hides an advisory's findings on a component in every version.
func (v *Vuln) Suppress(ctx context.Context, s *vuln.Suppression) error {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return fieldErr(err)
	}
	return v.db.withTx(ctx, func(tx *Tx) error {
		s.OrgID, s.CreatedBy, s.CreatedAt = act.OrgID, act.Name, tx.now
		id, err := tx.insert(ctx, `INSERT INTO vuln_suppressions (org_id, component_identity, advisory_id, reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, s.OrgID, s.Identity, s.Advisory, s.Reason, s.CreatedBy, micros(tx.now))
		if isUnique(err) {
			return conflict("this advisory is already suppressed on this component")
		} else if err != nil {
			return fmt.Errorf("suppress: %w", err)
		}
		s.ID = id
		return tx.audit(ctx, act, "vuln.suppress", "suppression", id, nil,
			fields{"component_identity": s.Identity, "advisory": s.Advisory, "reason": s.Reason})
	})
}

// Unsuppress removes a suppression.
func (v *Vuln) Unsuppress(ctx context.Context, id int64) error {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	return v.db.withTx(ctx, func(tx *Tx) error {
		s, err := queryOne(ctx, tx, notFound("suppression"), "find suppression", scanSuppression,
			`SELECT `+suppressionCols+` FROM vuln_suppressions WHERE id = ? AND org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM vuln_suppressions WHERE id = ? AND org_id = ?`, id, act.OrgID); err != nil {
			return fmt.Errorf("unsuppress: %w", err)
		}
		return tx.audit(ctx, act, "vuln.unsuppress", "suppression", id,
			fields{"component_identity": s.Identity, "advisory": s.Advisory}, nil)
	})
}

// ListSuppressions lists the organization's suppressions, oldest first.
func (v *Vuln) ListSuppressions(ctx context.Context) ([]*vuln.Suppression, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, v.db, "list suppressions", scanSuppression,
		`SELECT `+suppressionCols+` FROM vuln_suppressions WHERE org_id = ? ORDER BY id`, act.OrgID)
}

// notSuppressed is the condition that finding f has no suppression.
const notSuppressed = `NOT EXISTS (SELECT 1 FROM vuln_suppressions sp WHERE sp.org_id = f.org_id
	AND sp.component_identity = f.component_identity AND sp.advisory_id = f.advisory_id)`

// ---- findings ----

const findingCols = `f.id, f.org_id, f.version_id, f.advisory_id, f.aliases, f.component, f.component_identity, f.method,
	f.confidence, f.reason, f.status, f.cvss, f.kev, f.epss, f.fixed, f.first_seen, f.last_seen, f.recall_class`

func scanFindingInto(s scanner, extra ...any) (*vuln.StoredFinding, error) {
	var f vuln.StoredFinding
	var aliases, method, status string
	var kev int
	var first, last int64
	dest := []any{&f.ID, &f.OrgID, &f.VersionID, &f.Advisory, &aliases, &f.Component, &f.Identity, &method,
		&f.Confidence, &f.Reason, &status, &f.CVSS, &kev, &f.EPSS, &f.Fixed, &first, &last, &f.RecallClass}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	f.Aliases, f.Method, f.Status, f.KEV = splitWords(aliases), vuln.Method(method), vuln.Status(status), kev != 0
	f.FirstSeen, f.LastSeen = fromMicros(first), fromMicros(last)
	return &f, nil
}

// ListFindings lists the organization's open findings, newest first; the
// cursor is the id of the last finding of the page.
func (v *Vuln) ListFindings(ctx context.Context, flt vuln.FindingFilter) ([]*vuln.StoredFinding, string, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	limit, err := pageLimit(flt.Limit)
	if err != nil {
		return nil, "", err
	}
	c, err := v.findingConds(ctx, act.OrgID, flt)
	if err != nil {
		return nil, "", err
	}
	rows, err := v.db.query(ctx, `SELECT `+findingCols+`, m.name, p.model, pv.version,
		(SELECT COUNT(*) FROM devices d WHERE d.product_version_id = f.version_id),
		CASE WHEN `+notSuppressed+` THEN 0 ELSE 1 END
		FROM vuln_findings f JOIN product_versions pv ON pv.id = f.version_id JOIN products p ON p.id = pv.product_id
		JOIN manufacturers m ON m.id = p.manufacturer_id`+c.where()+` ORDER BY f.id DESC LIMIT ?`, append(c.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list findings: %w", err)
	}
	out, err := collect(rows, func(s scanner) (*vuln.StoredFinding, error) {
		var m, p, ver string
		var n, sup int
		f, err := scanFindingInto(s, &m, &p, &ver, &n, &sup)
		if err == nil {
			f.Manufacturer, f.Model, f.Version, f.Devices, f.Suppressed = m, p, ver, n, sup != 0
		}
		return f, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list findings: %w", err)
	}
	return pageByID(out, limit, func(f *vuln.StoredFinding) int64 { return f.ID })
}

func (v *Vuln) findingConds(ctx context.Context, orgID int64, flt vuln.FindingFilter) (*conds, error) {
	c := &conds{}
	c.add(`f.org_id = ?`, orgID)
	c.add(`f.resolved_at = 0`)
	if flt.VersionID != 0 {
		if _, err := findVersionInfo(ctx, v.db, orgID, flt.VersionID); err != nil {
			return nil, err
		}
		c.add(`f.version_id = ?`, flt.VersionID)
	}
	if flt.DeviceID != 0 {
		if err := v.db.ownsDeviceRead(ctx, orgID, flt.DeviceID); err != nil {
			return nil, err
		}
		c.add(`f.version_id = (SELECT dv.product_version_id FROM devices dv WHERE dv.id = ? AND dv.org_id = ?)`, flt.DeviceID, orgID)
	}
	if flt.Status != "" {
		c.add(`f.status = ?`, string(flt.Status))
	}
	if flt.MinSeverity != "" {
		min, ok := flt.MinSeverity.MinScore()
		if !ok {
			return nil, badRef("min_severity", "must be low, medium, high or critical")
		}
		c.add(`f.cvss >= ?`, min)
	}
	if flt.KEV {
		c.add(`f.kev = 1`)
	}
	if !flt.IncludeSuppressed {
		c.add(notSuppressed)
	}
	if err := idCursor(c, flt.Cursor); err != nil {
		return nil, err
	}
	for i, s := range c.sql {
		if s == `id < ?` {
			c.sql[i] = `f.id < ?`
		}
	}
	return c, nil
}

func (d *DB) ownsDeviceRead(ctx context.Context, orgID, id int64) error {
	n, err := count(ctx, d, `SELECT COUNT(*) FROM devices WHERE id = ? AND org_id = ?`, id, orgID)
	if err != nil {
		return fmt.Errorf("find device: %w", err)
	}
	if n == 0 {
		return notFound("device")
	}
	return nil
}

// openFindings reads the organization's open, actionable, unsuppressed
// findings, by version.
func (v *Vuln) openFindings(ctx context.Context, orgID int64) (map[int64][]*vuln.StoredFinding, error) {
	out, err := queryAll(ctx, v.db, "read findings", func(s scanner) (*vuln.StoredFinding, error) { return scanFindingInto(s) },
		`SELECT `+findingCols+` FROM vuln_findings f WHERE f.org_id = ? AND f.resolved_at = 0
		AND f.status IN ('affected', 'under_investigation', 'needs_review') AND `+notSuppressed+` ORDER BY f.id`, orgID)
	if err != nil {
		return nil, err
	}
	by := map[int64][]*vuln.StoredFinding{}
	for _, f := range out {
		by[f.VersionID] = append(by[f.VersionID], f)
	}
	return by, nil
}

// ---- patch plan ----

const planCols = `pl.id, pl.org_id, pl.version_id, pl.fixed, pl.state, pl.assignee, pl.note, pl.updated_by, pl.updated_at,
	m.name, p.model, pv.version`

const planFrom = ` FROM vuln_plan pl JOIN product_versions pv ON pv.id = pl.version_id JOIN products p ON p.id = pv.product_id
	JOIN manufacturers m ON m.id = p.manufacturer_id`

func scanPlan(s scanner) (*vuln.PlanEntry, error) {
	var e vuln.PlanEntry
	var state string
	var at int64
	if err := s.Scan(&e.ID, &e.OrgID, &e.VersionID, &e.Fixed, &state, &e.Assignee, &e.Note, &e.UpdatedBy, &at,
		&e.Manufacturer, &e.Model, &e.Version); err != nil {
		return nil, err
	}
	e.State, e.UpdatedAt, e.Advisories = vuln.PlanState(state), fromMicros(at), []string{}
	return &e, nil
}

// SetPlanState moves a plan entry through its states and sets its
// assignee and note; every change is audited.
func (v *Vuln) SetPlanState(ctx context.Context, id int64, u vuln.PlanUpdate) (*vuln.PlanEntry, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, fieldErr(err)
	}
	var out *vuln.PlanEntry
	err = v.db.withTx(ctx, func(tx *Tx) error {
		cur, err := queryOne(ctx, tx, notFound("plan entry"), "find plan entry", scanPlan,
			`SELECT `+planCols+planFrom+` WHERE pl.id = ? AND pl.org_id = ?`, id, act.OrgID)
		if err != nil {
			return err
		}
		next := *cur
		if u.State != nil {
			if !cur.State.CanMove(*u.State) {
				return airtight.Errorf(airtight.EConflict, "a plan entry cannot go from %s to %s (open → planned → patched → verified, or back to open)", cur.State, *u.State)
			}
			next.State = *u.State
		}
		if u.Assignee != nil {
			next.Assignee = strings.TrimSpace(*u.Assignee)
		}
		if u.Note != nil {
			next.Note = *u.Note
		}
		before, after := changes(planFields(cur), planFields(&next))
		out = &next
		if len(after) == 0 {
			return nil
		}
		next.UpdatedBy, next.UpdatedAt = act.Name, tx.now
		if _, err := tx.exec(ctx, `UPDATE vuln_plan SET state = ?, assignee = ?, note = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
			string(next.State), next.Assignee, next.Note, next.UpdatedBy, micros(tx.now), id); err != nil {
			return fmt.Errorf("update plan entry: %w", err)
		}
		return tx.audit(ctx, act, "vuln.plan.update", "plan_entry", id, before, after)
	})
	return out, err
}

func planFields(e *vuln.PlanEntry) fields {
	return fields{"state": string(e.State), "assignee": e.Assignee, "note_bytes": len(e.Note)}
}

// ensurePlan creates the open plan entries of a version's fixed versions.
func (t *Tx) ensurePlan(ctx context.Context, orgID, versionID int64, fixed []string) error {
	for _, f := range fixed {
		if _, err := t.exec(ctx, `INSERT INTO vuln_plan (org_id, version_id, fixed, state, assignee, note, updated_by, updated_at)
			VALUES (?, ?, ?, 'open', '', '', '', ?) ON CONFLICT (version_id, fixed) DO NOTHING`, orgID, versionID, f, micros(t.now)); err != nil {
			return fmt.Errorf("plan entry: %w", err)
		}
	}
	return nil
}

// planEntries reads the organization's plan entries.
func (v *Vuln) planEntries(ctx context.Context, orgID int64) ([]*vuln.PlanEntry, error) {
	return queryAll(ctx, v.db, "list plan", scanPlan, `SELECT `+planCols+planFrom+` WHERE pl.org_id = ? ORDER BY pl.id`, orgID)
}

// ---- devices of versions ----

// versionDevice is a device as the risk ranking sees it.
type versionDevice struct {
	id, versionID int64
	tag, zone     string
	criticality   string
	endOfSupport  string
}

// deviceIDs returns up to limit ids of the devices running a version and
// how many there are.
func (t *Tx) deviceIDs(ctx context.Context, versionID int64, limit int) ([]int64, int, error) {
	n, err := count(ctx, t, `SELECT COUNT(*) FROM devices WHERE product_version_id = ? AND status <> 'decommissioned'`, versionID)
	if err != nil || n == 0 {
		return nil, 0, err
	}
	rows, err := t.query(ctx, `SELECT id FROM devices WHERE product_version_id = ? AND status <> 'decommissioned' ORDER BY id LIMIT ?`, versionID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, n, rows.Err()
}
