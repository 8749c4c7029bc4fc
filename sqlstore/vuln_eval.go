package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/alert"
	"github.com/airtight/airtight/vuln"
	"github.com/airtight/airtight/vuln/match"
	"github.com/airtight/airtight/vuln/risk"
	"github.com/airtight/airtight/vuln/vex"
)

// Vuln is vulnerability management on the store: storage (vuln.go) and the
// evaluation engine (here). The engine keeps, in memory, the stored
// advisories' matchers and a match.Index of every product version's
// components, so that a new or changed advisory re-evaluates only the
// versions it can touch. The cache is checked against the database before
// use (versions, SBOMs, VEX and grants it was built from) and rebuilt when
// another process changed them.
type Vuln struct {
	db     *DB
	alerts alert.Service
	log    *slog.Logger

	mu    sync.Mutex // one evaluation or import at a time in this process
	cache *vulnCache
}

// NewVuln returns the vulnerability service on db. Alerts are raised into
// alerts (nil: the store itself).
func NewVuln(db *DB, alerts alert.Service, log *slog.Logger) *Vuln {
	if alerts == nil {
		alerts = db
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Vuln{db: db, alerts: alerts, log: log}
}

// subject is one product version as evaluation sees it.
type subject struct {
	versionInfo
	comps   []vuln.Component
	vex     []vex.Statement // the maker's shared statements, then the version's own
	sources []int64         // versions whose documents apply: the maker's, then its own
}

// vulnCache is the engine's memory.
type vulnCache struct {
	stamp    vulnStamp
	advs     []vuln.Advisory
	pk       *match.Packages
	cp       *match.CPEs
	dv       *match.Devices
	recalls  []vuln.Recall
	rc       *match.Recalls
	recallBy map[string]*vuln.Recall
	enr      *enrichment
	ix       *match.Index // every subject with components; for touch detection only
	subjects map[int64]*subject
	order    []int64
}

func (v *Vuln) invalidate() {
	v.mu.Lock()
	v.cache = nil
	v.mu.Unlock()
}

// vulnStamp fingerprints what the cache is built from: the subjects
// (versions, SBOMs, VEX, grants) and the advisories and recalls.
type vulnStamp struct{ subjects, advisories string }

func (v *Vuln) stamp(ctx context.Context) (vulnStamp, error) {
	var parts []string
	for _, q := range []string{
		`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM product_versions`,
		`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM vuln_sboms`,
		`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM vuln_vex`,
		`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM grants WHERE revoked_at IS NULL`,
		`SELECT COUNT(*), COALESCE(MAX(modified), 0) FROM vuln_advisories`,
		`SELECT COUNT(*), COALESCE(MAX(modified), 0) FROM vuln_recalls`,
	} {
		var n, m int64
		if err := v.db.queryRow(ctx, q).Scan(&n, &m); err != nil {
			return vulnStamp{}, fmt.Errorf("vuln cache stamp: %w", err)
		}
		parts = append(parts, strconv.FormatInt(n, 10)+"."+strconv.FormatInt(m, 10))
	}
	return vulnStamp{subjects: strings.Join(parts[:4], "/"), advisories: parts[4] + "/" + parts[5]}, nil
}

// load builds the cache from the database; advisories named in exclude are
// left out of the index (the caller adds them to learn what they touch).
func (v *Vuln) load(ctx context.Context, exclude map[string]bool) (*vulnCache, error) {
	stamp, err := v.stamp(ctx)
	if err != nil {
		return nil, err
	}
	advs, err := loadAdvisories(ctx, v.db)
	if err != nil {
		return nil, err
	}
	recalls, err := loadRecalls(ctx, v.db)
	if err != nil {
		return nil, err
	}
	enr, err := loadEnrichment(ctx, v.db)
	if err != nil {
		return nil, err
	}
	subs, order, err := v.loadSubjects(ctx, 0, nil)
	if err != nil {
		return nil, err
	}
	c := &vulnCache{stamp: stamp, advs: advs, recalls: recalls, enr: enr, subjects: subs, order: order}
	c.matchers()
	c.index(exclude)
	return c, nil
}

func (c *vulnCache) matchers() {
	c.pk, c.cp, c.dv = match.NewPackages(c.advs), match.NewCPEs(c.advs), match.NewDevices(c.advs)
	c.rc = match.NewRecalls(c.recalls)
	c.recallBy = make(map[string]*vuln.Recall, len(c.recalls))
	for i := range c.recalls {
		c.recallBy[c.recalls[i].Number] = &c.recalls[i]
	}
}

// index builds the touch-detection index without the advisories in exclude.
func (c *vulnCache) index(exclude map[string]bool) {
	advs := c.advs
	if len(exclude) > 0 {
		advs = make([]vuln.Advisory, 0, len(c.advs))
		for _, a := range c.advs {
			if !exclude[a.ID] {
				advs = append(advs, a)
			}
		}
	}
	c.ix = match.NewIndex(advs)
	for _, id := range c.order {
		if s := c.subjects[id]; len(s.comps) > 0 {
			c.ix.AddProduct(strconv.FormatInt(id, 10), s.comps)
		}
	}
}

// loadSubjects reads product versions (of one organization, or all when
// orgID is 0; only ids when given) with their effective SBOM components and
// VEX statements.
func (v *Vuln) loadSubjects(ctx context.Context, orgID int64, ids []int64) (map[int64]*subject, []int64, error) {
	all, err := queryAll(ctx, v.db, "read versions", scanVersionInfo, `SELECT `+versionInfoCols+versionInfoFrom+` ORDER BY v.id`)
	if err != nil {
		return nil, nil, err
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	subs := map[int64]*subject{}
	var order []int64
	for _, vi := range all {
		if (orgID == 0 || vi.orgID == orgID) && (len(ids) == 0 || want[vi.id]) {
			subs[vi.id] = &subject{versionInfo: *vi}
			order = append(order, vi.id)
		}
	}
	src, err := v.sources(ctx, all, subs)
	if err != nil {
		return nil, nil, err
	}
	return subs, order, v.attachDocuments(ctx, subs, src, len(ids) > 0)
}

// sources maps each subject to the versions whose documents apply to it:
// the maker's matching versions (shared through an active grant), then its own.
func (v *Vuln) sources(ctx context.Context, all []*versionInfo, subs map[int64]*subject) (map[int64][]int64, error) {
	type triple struct {
		org                int64
		name, model, versn string
	}
	byTriple := map[triple]int64{}
	for _, vi := range all {
		byTriple[triple{vi.orgID, vi.nameKey, vi.modelKey, vi.ver}] = vi.id
	}
	rows, err := v.db.query(ctx, `SELECT org_id, manufacturer_id, grantee_org_id FROM grants WHERE revoked_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	defer rows.Close()
	grantees := map[[2]int64][]int64{}
	for rows.Next() {
		var org, m, grantee int64
		if err := rows.Scan(&org, &m, &grantee); err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
		grantees[[2]int64{org, m}] = append(grantees[[2]int64{org, m}], grantee)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[int64][]int64{}
	for id, s := range subs {
		for _, g := range grantees[[2]int64{s.orgID, s.manufacturerID}] {
			if mv, ok := byTriple[triple{g, s.nameKey, s.modelKey, s.ver}]; ok {
				out[id] = append(out[id], mv)
			}
		}
		out[id] = append(out[id], id)
	}
	return out, nil
}

// attachDocuments gives each subject its SBOM components (its own latest
// SBOM, else the maker's) and VEX statements (the maker's, then its own).
func (v *Vuln) attachDocuments(ctx context.Context, subs map[int64]*subject, src map[int64][]int64, few bool) error {
	need := map[int64]bool{}
	for _, s := range src {
		for _, id := range s {
			need[id] = true
		}
	}
	sboms, err := v.latestSBOMs(ctx, need, few)
	if err != nil {
		return err
	}
	vexes, err := v.vexStatements(ctx, need, few)
	if err != nil {
		return err
	}
	for id, s := range subs {
		chain := src[id]
		s.sources = chain
		for i := len(chain) - 1; i >= 0 && s.comps == nil; i-- { // own first, then the maker's
			s.comps = sboms[chain[i]]
		}
		for _, from := range chain {
			s.vex = append(s.vex, vexes[from]...)
		}
	}
	return nil
}

// latestSBOMs reads the components of the newest SBOM of each version in
// need (of every version when few is false).
func (v *Vuln) latestSBOMs(ctx context.Context, need map[int64]bool, few bool) (map[int64][]vuln.Component, error) {
	q := `SELECT version_id, components FROM vuln_sboms s WHERE s.id IN (SELECT MAX(id) FROM vuln_sboms GROUP BY version_id)`
	var args []any
	if few {
		q = `SELECT version_id, components FROM vuln_sboms s WHERE s.id IN (SELECT MAX(id) FROM vuln_sboms WHERE version_id IN (` +
			placeholders(len(need)) + `) GROUP BY version_id)`
		args = idArgs(need)
	}
	rows, err := v.db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read sboms: %w", err)
	}
	defer rows.Close()
	out := map[int64][]vuln.Component{}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, fmt.Errorf("read sboms: %w", err)
		}
		if !need[id] {
			continue
		}
		var cs []vuln.Component
		if err := json.Unmarshal([]byte(doc), &cs); err != nil {
			return nil, fmt.Errorf("decode sbom of version %d: %w", id, err)
		}
		out[id] = cs
	}
	return out, rows.Err()
}

func idArgs(set map[int64]bool) []any {
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// vexStatements reads the VEX statements of the versions in need, in order.
func (v *Vuln) vexStatements(ctx context.Context, need map[int64]bool, few bool) (map[int64][]vex.Statement, error) {
	q := `SELECT ` + vexCols + ` FROM vuln_vex x ORDER BY x.id`
	var args []any
	if few {
		q = `SELECT ` + vexCols + ` FROM vuln_vex x WHERE x.version_id IN (` + placeholders(len(need)) + `) ORDER BY x.id`
		args = idArgs(need)
	}
	xs, err := queryAll(ctx, v.db, "read vex", scanVEX, q, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]vex.Statement{}
	for _, x := range xs {
		if !need[x.VersionID] {
			continue
		}
		products := x.Products
		if len(products) == 0 {
			products = []string{versionSubject(x.VersionID)}
		}
		out[x.VersionID] = append(out[x.VersionID], vex.Statement{Vulnerability: x.Vulnerability, Aliases: x.Aliases,
			Products: products, Status: x.Status, Justification: x.Justification, Impact: x.Impact, Action: x.Action, Source: x.Source})
	}
	return out, nil
}

// versionSubject names a whole product version in VEX statements that name
// no product.
func versionSubject(id int64) string { return "version:" + strconv.FormatInt(id, 10) }

// evaluate computes the findings of one subject with the cache's matchers.
func (c *vulnCache) evaluate(s *subject) []vuln.Finding {
	var fs []vuln.Finding
	dev := s.device()
	if len(s.comps) > 0 {
		fs = match.ComponentsOn(c.pk, c.cp, s.comps, &dev) // the device's identity is NVD platform evidence
	}
	fs = append(fs, c.dv.Match(dev)...)
	fs = append(fs, c.rc.Match(dev)...)
	kept := fs[:0]
	for _, f := range fs {
		if f.Advisory != "" {
			kept = append(kept, f)
		}
	}
	fs = kept
	vuln.Enrich(fs, c.enr, c.enr)
	if len(s.vex) > 0 {
		byKey := map[string]vuln.Component{}
		for _, comp := range s.comps {
			byKey[comp.Key()] = comp
		}
		ids := func(f vuln.Finding) []string {
			out := []string{s.model + "@" + s.ver, s.manufacturer + " " + s.model + " " + s.ver}
			for _, src := range s.sources {
				out = append(out, versionSubject(src))
			}
			if comp, ok := byKey[f.Component]; ok {
				out = append(out, comp.CPE, comp.Ref, comp.SWID)
				if comp.Version != "" {
					out = append(out, comp.Name+"@"+comp.Version)
				}
			}
			return out
		}
		vex.Apply(fs, s.vex, ids)
	}
	return fs
}

// ---- evaluation entry points ----

// EvaluateAll evaluates every product version of every organization.
func (v *Vuln) EvaluateAll(ctx context.Context) (*vuln.EvalResult, error) {
	if _, err := requireSystem(ctx); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	c, err := v.load(ctx, nil)
	if err != nil {
		return nil, err
	}
	v.cache = c
	return v.evaluateSubjects(ctx, c, c.subjects, c.order)
}

// Evaluate evaluates one of the organization's versions, or all of them.
func (v *Vuln) Evaluate(ctx context.Context, versionID int64) (*vuln.EvalResult, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if versionID != 0 {
		if _, err := findVersionInfo(ctx, v.db, act.OrgID, versionID); err != nil {
			return nil, err
		}
		return v.evaluateIDs(ctx, act.OrgID, []int64{versionID})
	}
	return v.evaluateIDs(ctx, act.OrgID, nil)
}

// evaluateLinked evaluates a version and, when its organization is a
// device maker, the hospital versions its documents are shared with.
func (v *Vuln) evaluateLinked(ctx context.Context, orgID, versionID int64) (*vuln.EvalResult, error) {
	res, err := v.evaluateIDs(ctx, orgID, []int64{versionID})
	if err != nil {
		return nil, err
	}
	rows, err := v.db.query(ctx, `SELECT hv.id, hv.org_id`+sharedFrom+` WHERE mv.id = ? AND mv.org_id = ?`, versionID, orgID)
	if err != nil {
		return nil, fmt.Errorf("find shared versions: %w", err)
	}
	byOrg := map[int64][]int64{}
	for rows.Next() {
		var id, org int64
		if err := rows.Scan(&id, &org); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find shared versions: %w", err)
		}
		byOrg[org] = append(byOrg[org], id)
	}
	rows.Close()
	for org, ids := range byOrg {
		r, err := v.evaluateIDs(ctx, org, ids)
		if err != nil {
			return nil, err
		}
		res.Add(*r)
	}
	return res, nil
}

// evaluateIDs evaluates versions of one organization (all when ids is nil)
// with the cached matchers and freshly read documents.
func (v *Vuln) evaluateIDs(ctx context.Context, orgID int64, ids []int64) (*vuln.EvalResult, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, err := v.fresh(ctx)
	if err != nil {
		return nil, err
	}
	subs, order, err := v.loadSubjects(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	return v.evaluateSubjects(ctx, c, subs, order)
}

// fresh returns the cache, rebuilt when the database changed under it.
func (v *Vuln) fresh(ctx context.Context) (*vulnCache, error) {
	if v.cache != nil {
		stamp, err := v.stamp(ctx)
		if err != nil {
			return nil, err
		}
		if stamp == v.cache.stamp {
			return v.cache, nil
		}
	}
	c, err := v.load(ctx, nil)
	if err != nil {
		return nil, err
	}
	v.cache = c
	return c, nil
}

// evaluateSubjects evaluates and stores each subject in its own
// transaction, then raises the alerts of findings that newly hit devices.
func (v *Vuln) evaluateSubjects(ctx context.Context, c *vulnCache, subs map[int64]*subject, order []int64) (*vuln.EvalResult, error) {
	res := &vuln.EvalResult{}
	for _, id := range order {
		s := subs[id]
		fs := c.evaluate(s)
		var hits []alertHit
		var r vuln.EvalResult
		err := v.db.withTx(ctx, func(tx *Tx) error {
			var err error
			r, hits, err = tx.storeFindings(ctx, s, fs)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("evaluate version %d: %w", id, err)
		}
		r.Versions = 1
		for _, h := range hits {
			if h.f.IsRecall() {
				h.recall = c.recallBy[h.f.Advisory]
			}
			if err := v.raise(ctx, s, h); err != nil {
				return nil, err
			}
			r.Alerts++
		}
		res.Add(r)
	}
	return res, nil
}

// ---- storing findings ----

// alertHit is a finding that newly hit devices and is KEV-listed or
// critical, or an open Class I recall.
type alertHit struct {
	f       vuln.Finding
	devices []int64
	n       int
	recall  *vuln.Recall // the recall of a recall finding
}

type findingRow struct {
	id       int64
	open     bool
	hash     string
	resolved bool
}

// rowHash is what a stored finding's update compares.
func rowHash(f vuln.Finding) string {
	return fmt.Sprintf("%s|%s|%.4f|%s|%s|%.2f|%t|%.6f|%s|%s", strings.Join(f.Aliases, " "), f.Method, f.Confidence, f.Reason,
		f.Status, f.CVSS, f.KEV, f.EPSS, f.Fixed, f.RecallClass)
}

// storeFindings replaces the open findings of a version by fs: new ones are
// inserted, changed ones updated, missing ones resolved.
func (t *Tx) storeFindings(ctx context.Context, s *subject, fs []vuln.Finding) (vuln.EvalResult, []alertHit, error) {
	var res vuln.EvalResult
	existing, err := t.versionFindings(ctx, s.id)
	if err != nil {
		return res, nil, err
	}
	suppressed, err := t.suppressedKeys(ctx, s.orgID)
	if err != nil {
		return res, nil, err
	}
	seen := map[string]bool{}
	newly := map[string]vuln.Finding{}
	fixed := map[string]bool{}
	for _, f := range fs {
		k := f.Advisory + "\x00" + f.Component
		if seen[k] {
			continue
		}
		seen[k] = true
		identity := s.deviceIdentity()
		if f.Component != "" {
			identity = vuln.Component{PURL: purlOf(f.Component), Name: f.Component}.Identity()
		}
		isNew, err := t.putFinding(ctx, s, f, identity, existing[k])
		if err != nil {
			return res, nil, err
		}
		res.Findings++
		sup := suppressed[identity+"\x00"+f.Advisory]
		if f.Status.Actionable() && !sup {
			fixed[f.Fixed] = true
		}
		if isNew {
			res.New++
			if alertWorthy(f) && !sup {
				if _, dup := newly[f.Advisory]; !dup {
					newly[f.Advisory] = f
				}
			}
		}
	}
	for k, row := range existing {
		if !seen[k] && row.open {
			if _, err := t.exec(ctx, `UPDATE vuln_findings SET resolved_at = ? WHERE id = ?`, micros(t.now), row.id); err != nil {
				return res, nil, fmt.Errorf("resolve finding: %w", err)
			}
			res.Resolved++
		}
	}
	if _, err := t.exec(ctx, `UPDATE vuln_findings SET last_seen = ? WHERE version_id = ? AND resolved_at = 0`, micros(t.now), s.id); err != nil {
		return res, nil, fmt.Errorf("touch findings: %w", err)
	}
	if err := t.ensurePlan(ctx, s.orgID, s.id, sortedKeys(fixed)); err != nil {
		return res, nil, err
	}
	hits, err := t.hits(ctx, s.id, newly)
	return res, hits, err
}

// alertWorthy reports whether a finding new on a version raises an alert:
// an affected KEV-listed or critical vulnerability, or an open Class I
// recall (its lots and serials still to be checked).
func alertWorthy(f vuln.Finding) bool {
	if f.IsRecall() {
		return f.Status == vuln.StatusNeedsReview && f.RecallClass == "I"
	}
	return f.Status == vuln.StatusAffected && (f.KEV || f.CVSS >= 9)
}

// purlOf returns a component key that is a package URL, else "".
func purlOf(key string) string {
	if strings.HasPrefix(key, "pkg:") {
		return key
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (t *Tx) versionFindings(ctx context.Context, versionID int64) (map[string]findingRow, error) {
	rows, err := t.query(ctx, `SELECT id, advisory_id, component, aliases, method, confidence, reason, status, cvss, kev, epss, fixed,
		recall_class, resolved_at FROM vuln_findings WHERE version_id = ?`, versionID)
	if err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	}
	defer rows.Close()
	out := map[string]findingRow{}
	for rows.Next() {
		var f vuln.Finding
		var id, resolved int64
		var aliases, method, status string
		var kev int
		if err := rows.Scan(&id, &f.Advisory, &f.Component, &aliases, &method, &f.Confidence, &f.Reason, &status, &f.CVSS,
			&kev, &f.EPSS, &f.Fixed, &f.RecallClass, &resolved); err != nil {
			return nil, fmt.Errorf("read findings: %w", err)
		}
		f.Aliases, f.Method, f.Status, f.KEV = strings.Fields(aliases), vuln.Method(method), vuln.Status(status), kev != 0
		out[f.Advisory+"\x00"+f.Component] = findingRow{id: id, open: resolved == 0, hash: rowHash(f), resolved: resolved != 0}
	}
	return out, rows.Err()
}

func (t *Tx) suppressedKeys(ctx context.Context, orgID int64) (map[string]bool, error) {
	rows, err := t.query(ctx, `SELECT component_identity, advisory_id FROM vuln_suppressions WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id, adv string
		if err := rows.Scan(&id, &adv); err != nil {
			return nil, fmt.Errorf("read suppressions: %w", err)
		}
		out[id+"\x00"+adv] = true
	}
	return out, rows.Err()
}

// putFinding inserts or updates one finding; it reports whether the
// finding was not open before.
func (t *Tx) putFinding(ctx context.Context, s *subject, f vuln.Finding, identity string, old findingRow) (bool, error) {
	aliases := strings.Join(f.Aliases, " ")
	if old.id == 0 {
		_, err := t.exec(ctx, `INSERT INTO vuln_findings (org_id, version_id, advisory_id, component, component_identity, aliases, method,
			confidence, reason, status, cvss, kev, epss, fixed, recall_class, first_seen, last_seen, resolved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, s.orgID, s.id, f.Advisory, f.Component, identity, aliases,
			string(f.Method), f.Confidence, f.Reason, string(f.Status), f.CVSS, boolInt(f.KEV), f.EPSS, f.Fixed, f.RecallClass,
			micros(t.now), micros(t.now))
		if err != nil {
			return false, fmt.Errorf("store finding: %w", err)
		}
		return true, nil
	}
	if old.open && old.hash == rowHash(f) {
		return false, nil
	}
	_, err := t.exec(ctx, `UPDATE vuln_findings SET component_identity = ?, aliases = ?, method = ?, confidence = ?, reason = ?,
		status = ?, cvss = ?, kev = ?, epss = ?, fixed = ?, recall_class = ?, resolved_at = 0 WHERE id = ?`, identity, aliases,
		string(f.Method), f.Confidence, f.Reason, string(f.Status), f.CVSS, boolInt(f.KEV), f.EPSS, f.Fixed, f.RecallClass, old.id)
	if err != nil {
		return false, fmt.Errorf("update finding: %w", err)
	}
	return old.resolved, nil
}

// hits attaches the devices of the version to the new findings worth an
// alert; a version no device runs raises none.
func (t *Tx) hits(ctx context.Context, versionID int64, newly map[string]vuln.Finding) ([]alertHit, error) {
	if len(newly) == 0 {
		return nil, nil
	}
	ids, n, err := t.deviceIDs(ctx, versionID, 100)
	if err != nil {
		return nil, fmt.Errorf("devices of version: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	var out []alertHit
	for _, adv := range sortedKeys(boolSet(newly)) {
		out = append(out, alertHit{f: newly[adv], devices: ids, n: n})
	}
	return out, nil
}

func boolSet[T any](m map[string]T) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// ---- alerts ----

// raise raises the alert of a finding that newly hit devices.
func (v *Vuln) raise(ctx context.Context, s *subject, h alertHit) error {
	a := vulnAlert(s, h)
	actx := airtight.NewContext(ctx, airtight.SystemActor(s.orgID, "vuln"))
	if _, _, err := v.alerts.Raise(actx, a); err != nil {
		return fmt.Errorf("raise vulnerability alert: %w", err)
	}
	v.log.Info("vulnerability alert", "org", s.orgID, "version", s.id, "advisory", h.f.Advisory, "devices", h.n)
	return nil
}

// vulnAlert writes the alert in plain language.
func vulnAlert(s *subject, h alertHit) *alert.Alert {
	if h.f.IsRecall() {
		return recallAlert(s, h)
	}
	f := h.f
	product := strings.TrimSpace(s.manufacturer + " " + s.model + " " + s.ver)
	name := f.Advisory
	if cves := cveAliases(f); len(cves) > 0 && !strings.HasPrefix(name, "CVE-") {
		name += " (" + strings.Join(cves[:min(3, len(cves))], ", ") + ")"
	}
	devs := fmt.Sprintf("%d device", h.n)
	if h.n != 1 {
		devs += "s"
	}
	kind, sev, why := "vulnerability.critical", alert.High, fmt.Sprintf("Its CVSS score is %.1f of 10: critical.", f.CVSS)
	if f.KEV {
		kind, sev = "vulnerability.kev", alert.Critical
		why = "It is in CISA's Known Exploited Vulnerabilities catalog: attackers are using it."
	}
	title := fmt.Sprintf("%s affects %s of %s", name, devs, product)
	what := ""
	if f.Component != "" {
		what = " in its component " + f.Component
	}
	summary := fmt.Sprintf("The vulnerability %s affects %s%s, which %s in the inventory run. %s", name, product, what, devs, why)
	action := fmt.Sprintf("Update %s to version %s or later, the version the advisory names as fixed; track it in the patch plan.", product, f.Fixed)
	if f.Fixed == "" {
		action = "No fixed version is known yet: apply the maker's mitigations from advisory " + f.Advisory +
			", keep the devices on an isolated network segment, and ask the maker for a fix."
	}
	ev, _ := json.Marshal(map[string]any{"advisory": f.Advisory, "aliases": f.Aliases, "version_id": s.id, "component": f.Component,
		"devices": h.devices, "device_count": h.n, "kev": f.KEV, "cvss": f.CVSS, "epss": f.EPSS, "fixed": f.Fixed})
	a := &alert.Alert{Source: "vuln", Kind: kind, Key: "vuln:" + strconv.FormatInt(s.id, 10) + ":" + f.Advisory, Severity: sev,
		Title: oneLineText(title, 300), Summary: oneLineText(summary, 4000), Action: oneLineText(action, 4000), Evidence: ev}
	if len(a.Key) > 256 {
		a.Key = a.Key[:256]
	}
	if h.n == 1 {
		a.DeviceID = h.devices[0]
	}
	return a
}

// recallAlert writes the alert of an open Class I recall that newly
// matches a product version devices run.
func recallAlert(s *subject, h alertHit) *alert.Alert {
	f := h.f
	product := strings.TrimSpace(s.manufacturer + " " + s.model + " " + s.ver)
	devs := fmt.Sprintf("%d device", h.n)
	if h.n != 1 {
		devs += "s"
	}
	firm, recalled, reason, covers := "the maker", "", "", ""
	if r := h.recall; r != nil {
		firm, recalled = r.Firm, r.Product
		if recalled == "" {
			recalled = r.DeviceName
		}
		if r.Reason != "" {
			reason = " Reason given: " + r.Reason
		}
		if r.CodeInfo != "" {
			covers = " The recall covers: " + r.CodeInfo + "."
		}
	}
	title := fmt.Sprintf("FDA Class I recall %s may cover %s of %s", f.Advisory, devs, product)
	summary := fmt.Sprintf("The FDA lists a Class I recall (%s) by %s of %q. Class I is the most serious kind: using the device "+
		"may cause serious injury or death. It matches %s, which %s in the inventory run; the inventory does not record lot or "+
		"serial numbers, so whether these devices are covered is not known yet.%s%s", f.Advisory, firm, recalled, product, devs,
		reason, covers)
	action := fmt.Sprintf("Check the serial/lot numbers against the recall notice; contact the maker (%s) about recall %s for the "+
		"correction or replacement of the %s covered, and follow the notice's instructions for devices in use.", firm, f.Advisory, devs)
	ev, _ := json.Marshal(map[string]any{"recall": f.Advisory, "recall_class": f.RecallClass, "version_id": s.id,
		"devices": h.devices, "device_count": h.n, "confidence": f.Confidence})
	a := &alert.Alert{Source: "vuln", Kind: "recall.class1", Key: "vuln:" + strconv.FormatInt(s.id, 10) + ":" + f.Advisory,
		Severity: alert.Critical, Title: oneLineText(title, 300), Summary: oneLineText(summary, 4000),
		Action: oneLineText(action, 4000), Evidence: ev}
	if len(a.Key) > 256 {
		a.Key = a.Key[:256]
	}
	if h.n == 1 {
		a.DeviceID = h.devices[0]
	}
	return a
}

func cveAliases(f vuln.Finding) []string {
	var out []string
	for _, a := range f.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			out = append(out, a)
		}
	}
	return out
}

// ---- advisory import ----

// ImportAdvisories stores advisories (all or nothing), then re-evaluates
// only the product versions the added or changed advisories can touch.
func (v *Vuln) ImportAdvisories(ctx context.Context, in vuln.AdvisoryImport) (*vuln.ImportResult, error) {
	act, err := requireSystem(ctx)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	before, err := v.stamp(ctx)
	if err != nil {
		return nil, err
	}
	res := &vuln.ImportResult{}
	var delta *importDelta
	err = v.db.withTx(ctx, func(tx *Tx) error {
		var err error
		delta, err = tx.storeAdvisories(ctx, act, in, res)
		return err
	})
	if err != nil {
		return nil, err
	}
	if delta.empty() {
		return res, nil
	}
	touched, c, err := v.touched(ctx, delta, before)
	if err != nil {
		return nil, err
	}
	order := make([]int64, 0, len(touched))
	for _, id := range c.order {
		if touched[id] {
			order = append(order, id)
		}
	}
	r, err := v.evaluateSubjects(ctx, c, c.subjects, order)
	if err != nil {
		return nil, err
	}
	res.Eval = *r
	return res, nil
}

// touched brings the cache up to date with an import and returns the
// versions the import can change: those whose components the index
// matches to a new or changed advisory, those whose device identity a new
// or changed CSAF advisory names, and those with open findings of a
// changed or re-flagged advisory.
func (v *Vuln) touched(ctx context.Context, d *importDelta, before vulnStamp) (map[int64]bool, *vulnCache, error) {
	incoming := map[string]bool{}
	for _, a := range append(append([]vuln.Advisory{}, d.added...), d.changed...) {
		incoming[a.ID] = true
	}
	c, err := v.update(ctx, d, incoming, before)
	if err != nil {
		return nil, nil, err
	}
	v.cache = c
	out := map[int64]bool{}
	for _, a := range append(append([]vuln.Advisory{}, d.added...), d.changed...) {
		for _, id := range c.ix.Add(a) {
			n, _ := strconv.ParseInt(id, 10, 64)
			out[n] = true
		}
		c.touchDevices(a, out)
	}
	c.touchRecalls(d.recalls, out)
	ids := append([]string{}, d.flagged...)
	for _, a := range d.changed {
		ids = append(ids, a.ID)
	}
	ids = append(ids, d.changedRecalls...)
	if err := v.withFindingsOf(ctx, ids, out); err != nil {
		return nil, nil, err
	}
	return out, c, nil
}

// update brings the cache up to date after an import: when it was current
// just before the import, the import's advisories replace or join the cached ones
// (and the index is rebuilt only when some changed); otherwise everything
// is read again. Either way the incoming advisories are left out of the
// index, for the caller to add.
func (v *Vuln) update(ctx context.Context, d *importDelta, incoming map[string]bool, before vulnStamp) (*vulnCache, error) {
	stamp, err := v.stamp(ctx)
	if err != nil {
		return nil, err
	}
	c := v.cache
	if c == nil || c.stamp != before || stamp.subjects != before.subjects {
		return v.load(ctx, incoming)
	}
	if c.enr, err = loadEnrichment(ctx, v.db); err != nil {
		return nil, err
	}
	pos := make(map[string]int, len(c.advs))
	for i, a := range c.advs {
		pos[a.ID] = i
	}
	for _, a := range append(append([]vuln.Advisory{}, d.added...), d.changed...) {
		if i, ok := pos[a.ID]; ok {
			c.advs[i] = a
		} else {
			pos[a.ID] = len(c.advs)
			c.advs = append(c.advs, a)
		}
	}
	c.mergeRecalls(d.recalls)
	c.matchers()
	if len(d.changed) > 0 {
		c.index(incoming)
	}
	c.stamp = stamp
	return c, nil
}

// touchDevices marks the versions whose device identity a CSAF advisory names.
func (c *vulnCache) touchDevices(a vuln.Advisory, out map[int64]bool) {
	products := false
	for _, af := range a.Affected {
		products = products || af.Product != ""
	}
	if !products {
		return
	}
	one := match.NewDevices([]vuln.Advisory{a})
	for _, id := range c.order {
		if len(one.Match(c.subjects[id].device())) > 0 {
			out[id] = true
		}
	}
}

// mergeRecalls replaces or adds the cached recalls of rs.
func (c *vulnCache) mergeRecalls(rs []vuln.Recall) {
	pos := make(map[string]int, len(c.recalls))
	for i, r := range c.recalls {
		pos[r.Number] = i
	}
	for _, r := range rs {
		if i, ok := pos[r.Number]; ok {
			c.recalls[i] = r
		} else {
			pos[r.Number] = len(c.recalls)
			c.recalls = append(c.recalls, r)
		}
	}
}

// touchRecalls marks the versions whose device identity new or changed
// recalls name.
func (c *vulnCache) touchRecalls(rs []vuln.Recall, out map[int64]bool) {
	if len(rs) == 0 {
		return
	}
	m := match.NewRecalls(rs)
	for _, id := range c.order {
		if len(m.Match(c.subjects[id].device())) > 0 {
			out[id] = true
		}
	}
}

// withFindingsOf marks the versions with open findings of advisories ids.
func (v *Vuln) withFindingsOf(ctx context.Context, ids []string, out map[int64]bool) error {
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := make([]any, n)
		for i := range n {
			args[i] = ids[i]
		}
		ids = ids[n:]
		rows, err := v.db.query(ctx, `SELECT DISTINCT version_id FROM vuln_findings WHERE resolved_at = 0 AND advisory_id IN (`+
			placeholders(n)+`)`, args...)
		if err != nil {
			return fmt.Errorf("versions of advisories: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("versions of advisories: %w", err)
			}
			out[id] = true
		}
		rows.Close()
	}
	return nil
}

// ---- risk, plan, exposure ----

// asset is what the risk ranking knows of a device.
func asset(d versionDevice) risk.Asset {
	crit := map[string]vuln.Criticality{"life-sustaining": vuln.CriticalityLifeSustaining, "life-supporting": vuln.CriticalityCritical,
		"diagnostic": vuln.CriticalityStandard, "administrative": vuln.CriticalityLow}[d.criticality]
	return risk.Asset{ID: d.tag, Criticality: crit, Zone: d.zone, EndOfSupport: d.endOfSupport}
}

// RiskList ranks the organization's devices by their riskiest open,
// actionable, unsuppressed finding. A finding's score depends on the device
// only through its class (product version, criticality, network zone, end
// of support), so scores are computed once per class from an SQL
// aggregate, and only the page's devices are read, in rank order.
func (v *Vuln) RiskList(ctx context.Context, limit int) ([]vuln.DeviceRisk, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if limit, err = pageLimit(limit); err != nil {
		return nil, err
	}
	byVersion, err := v.openFindings(ctx, act.OrgID)
	if err != nil {
		return nil, err
	}
	classes, err := v.deviceClasses(ctx, act.OrgID)
	if err != nil {
		return nil, err
	}
	now := v.db.Now()
	var ranked []*deviceClass
	for vid, fs := range byVersion {
		for _, c := range classes[vid] {
			c.score, c.findings = -1, len(fs)
			a := asset(c.versionDevice)
			for _, f := range fs {
				s := risk.Finding(f.Finding(), a, now)
				c.kev = c.kev || f.KEV
				if s.Value > c.score {
					c.score, c.explain = s.Value, f.Advisory+": "+s.Explain()
				}
			}
			ranked = append(ranked, c)
		}
	}
	sort.Slice(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
	out := []vuln.DeviceRisk{}
	for i := 0; i < len(ranked) && len(out) < limit; {
		j := i
		for j < len(ranked) && ranked[j].score == ranked[i].score {
			j++
		}
		page, err := v.classDevices(ctx, act.OrgID, ranked[i:j], limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		i = j
	}
	return out, nil
}

// deviceClass is a set of devices the risk ranking cannot tell apart: the
// same product version, criticality, network zone and end of support.
type deviceClass struct {
	versionDevice   // id is the lowest device id of the class
	n               int
	score, findings int
	kev             bool
	explain         string
}

func (c *deviceClass) key() string {
	return strconv.FormatInt(c.versionID, 10) + "\x00" + c.criticality + "\x00" + c.zone + "\x00" + c.endOfSupport
}

// deviceClasses groups the organization's devices that run a version with
// unresolved findings (decommissioned ones aside) by class, in SQL.
func (v *Vuln) deviceClasses(ctx context.Context, orgID int64) (map[int64][]*deviceClass, error) {
	rows, err := v.db.query(ctx, `SELECT d.product_version_id, p.criticality, d.network_zone, pv.end_of_support, COUNT(*), MIN(d.id)
		FROM devices d JOIN product_versions pv ON pv.id = d.product_version_id JOIN products p ON p.id = d.product_id
		WHERE d.org_id = ? AND d.status <> 'decommissioned' AND EXISTS (SELECT 1 FROM vuln_findings f
		WHERE f.version_id = d.product_version_id AND f.resolved_at = 0)
		GROUP BY d.product_version_id, p.criticality, d.network_zone, pv.end_of_support`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read device classes: %w", err)
	}
	defer rows.Close()
	out := map[int64][]*deviceClass{}
	for rows.Next() {
		c := &deviceClass{}
		if err := rows.Scan(&c.versionID, &c.criticality, &c.zone, &c.endOfSupport, &c.n, &c.id); err != nil {
			return nil, fmt.Errorf("read device classes: %w", err)
		}
		out[c.versionID] = append(out[c.versionID], c)
	}
	return out, rows.Err()
}

// classDevices reads, in device id order, up to limit devices of classes
// (which share one score), stopping as soon as the page is full.
func (v *Vuln) classDevices(ctx context.Context, orgID int64, classes []*deviceClass, limit int) ([]vuln.DeviceRisk, error) {
	byKey := map[string]*deviceClass{}
	versions := map[int64]bool{}
	for _, c := range classes {
		byKey[c.key()] = c
		versions[c.versionID] = true
	}
	q := `SELECT d.id, d.product_version_id, d.asset_tag, d.network_zone, p.criticality, pv.end_of_support
		FROM devices d JOIN product_versions pv ON pv.id = d.product_version_id JOIN products p ON p.id = d.product_id
		WHERE d.org_id = ? AND d.status <> 'decommissioned'`
	args := []any{orgID}
	if len(versions) <= 500 { // else filter below: bounded placeholders
		q += ` AND d.product_version_id IN (` + placeholders(len(versions)) + `)`
		args = append(args, idArgs(versions)...)
	}
	rows, err := v.db.query(ctx, q+` ORDER BY d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	defer rows.Close()
	var out []vuln.DeviceRisk
	for len(out) < limit && rows.Next() {
		var d deviceClass
		if err := rows.Scan(&d.id, &d.versionID, &d.tag, &d.zone, &d.criticality, &d.endOfSupport); err != nil {
			return nil, fmt.Errorf("read devices: %w", err)
		}
		c, ok := byKey[d.key()]
		if !ok {
			continue
		}
		out = append(out, vuln.DeviceRisk{DeviceID: d.id, AssetTag: d.tag, VersionID: d.versionID, Score: c.score,
			Explain: c.explain, Findings: c.findings, KEV: c.kev})
	}
	return out, rows.Err()
}

// Plan lists the patch plan: entries with open findings (with their
// advisories, devices and top risk) and entries someone moved on, riskiest
// first. Devices are scored by class (see RiskList); the riskiest device
// named in an explanation is the lowest-id device of the best class.
func (v *Vuln) Plan(ctx context.Context) ([]*vuln.PlanEntry, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	entries, err := v.planEntries(ctx, act.OrgID)
	if err != nil {
		return nil, err
	}
	byVersion, err := v.openFindings(ctx, act.OrgID)
	if err != nil {
		return nil, err
	}
	classes, err := v.deviceClasses(ctx, act.OrgID)
	if err != nil {
		return nil, err
	}
	now := v.db.Now()
	out := []*vuln.PlanEntry{}
	top := map[*vuln.PlanEntry]planTop{}
	for _, e := range entries {
		e.Top, e.Devices = -1, 0
		for _, c := range classes[e.VersionID] {
			e.Devices += c.n
		}
		t := planTop{}
		for _, f := range byVersion[e.VersionID] {
			if f.Fixed == e.Fixed {
				planFinding(e, f, classes[e.VersionID], now, &t)
			}
		}
		if len(e.Advisories) > 0 || e.State != vuln.PlanOpen {
			e.Top = max(e.Top, 0)
			sort.Strings(e.Advisories)
			out = append(out, e)
			top[e] = t
		}
	}
	if err := v.nameTopDevices(ctx, top); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Top != out[j].Top {
			return out[i].Top > out[j].Top
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// planTop is the riskiest finding of a plan entry: its advisory, the device
// it scores highest on (0 for the product version itself) and the score's
// explanation.
type planTop struct {
	advisory, explain string
	device            int64
}

// planFinding adds one finding to its plan entry: the advisory, and the
// score on the riskiest device class (or on the version, when no device
// runs it).
func planFinding(e *vuln.PlanEntry, f *vuln.StoredFinding, classes []*deviceClass, now time.Time, t *planTop) {
	if !containsString(e.Advisories, f.Advisory) {
		e.Advisories = append(e.Advisories, f.Advisory)
	}
	e.KEV = e.KEV || f.KEV
	if len(classes) == 0 {
		if s := risk.Finding(f.Finding(), risk.Asset{ID: e.Model}, now); s.Value > e.Top {
			e.Top, e.Explain = s.Value, f.Advisory+" on "+e.Model+": "+s.Explain()
		}
		return
	}
	best, dev, why := -1, int64(0), ""
	for _, c := range classes {
		s := risk.Finding(f.Finding(), asset(c.versionDevice), now)
		if s.Value > best || s.Value == best && c.id < dev {
			best, dev, why = s.Value, c.id, s.Explain()
		}
	}
	if best > e.Top {
		e.Top = best
		*t = planTop{advisory: f.Advisory, explain: why, device: dev}
	}
}

// nameTopDevices writes the explanations of entries whose riskiest device
// is known, with the device's asset tag, read in bounded batches.
func (v *Vuln) nameTopDevices(ctx context.Context, top map[*vuln.PlanEntry]planTop) error {
	need := map[int64]bool{}
	for _, t := range top {
		if t.device != 0 {
			need[t.device] = true
		}
	}
	tags := map[int64]string{}
	ids := idArgs(need)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := v.db.query(ctx, `SELECT id, asset_tag FROM devices WHERE id IN (`+placeholders(n)+`)`, ids[:n]...)
		if err != nil {
			return fmt.Errorf("read device tags: %w", err)
		}
		for rows.Next() {
			var id int64
			var tag string
			if err := rows.Scan(&id, &tag); err != nil {
				rows.Close()
				return fmt.Errorf("read device tags: %w", err)
			}
			tags[id] = tag
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read device tags: %w", err)
		}
		ids = ids[n:]
	}
	for e, t := range top {
		if t.device != 0 {
			e.Explain = t.advisory + " on " + tags[t.device] + ": " + t.explain
		}
	}
	return nil
}

func containsString(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// ExposureHistory counts the open actionable findings (suppressed ones
// aside) at the end of each of the last days UTC days.
func (v *Vuln) ExposureHistory(ctx context.Context, days int) ([]vuln.ExposurePoint, error) {
	act, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if days < 1 || days > 366 {
		return nil, badRef("days", "must be from 1 to 366")
	}
	now := v.db.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	start := today.AddDate(0, 0, -(days - 1))
	rows, err := v.db.query(ctx, `SELECT f.first_seen, f.resolved_at, f.kev FROM vuln_findings f WHERE f.org_id = ?
		AND f.status IN ('affected', 'under_investigation', 'needs_review') AND (f.resolved_at = 0 OR f.resolved_at >= ?)
		AND `+notSuppressed, act.OrgID, micros(start))
	if err != nil {
		return nil, fmt.Errorf("exposure: %w", err)
	}
	defer rows.Close()
	out := make([]vuln.ExposurePoint, days)
	for i := range out {
		out[i].Day = start.AddDate(0, 0, i)
	}
	for rows.Next() {
		var first, resolved int64
		var kev int
		if err := rows.Scan(&first, &resolved, &kev); err != nil {
			return nil, fmt.Errorf("exposure: %w", err)
		}
		for i := range out {
			end := micros(out[i].Day.AddDate(0, 0, 1))
			if first < end && (resolved == 0 || resolved >= end) {
				out[i].Open++
				if kev != 0 {
					out[i].KEV++
				}
			}
		}
	}
	return out, rows.Err()
}

// oneLineText makes alert text built from advisory and inventory names
// safe: control characters and bidirectional overrides become spaces, and
// the text is cut at a rune boundary to at most n bytes.
func oneLineText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
