package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/audit"
	"github.com/airtight/airtight/pki"
)

var (
	_ pki.Store      = (*DB)(nil)
	_ pki.DeltaStore = (*DB)(nil)
)

// serialWidth is the stored width of a serial: 20 octets, the RFC 5280
// maximum, as hexadecimal digits.
const serialWidth = 40

// storedSerial returns the stored form of a serial (lowercase hexadecimal,
// zero-padded to serialWidth), accepting any case and leading zeros. ok is
// false for a serial no certificate can have: empty, not hexadecimal, zero,
// or longer than 20 octets.
func storedSerial(s string) (string, bool) {
	s = strings.TrimLeft(strings.ToLower(s), "0")
	if s == "" || len(s) > serialWidth {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return strings.Repeat("0", serialWidth-len(s)) + s, true
}

// domainSerial returns a stored serial as pki.Certificate.Serial: no
// leading zeros.
func domainSerial(s string) string { return strings.TrimLeft(s, "0") }

// auditRef appends an audit entry whose target is named by a string, such as
// a certificate serial.
func (t *Tx) auditRef(ctx context.Context, a *airtight.Actor, action, targetType, targetID string, before, after any) error {
	e := &audit.Entry{
		Time: t.now, OrgID: a.OrgID, ActorKind: string(a.Kind), ActorID: a.ID, ActorName: a.Name,
		RemoteAddr: a.RemoteAddr, Action: action, TargetType: targetType, TargetID: targetID,
		Summary: audit.Summary(before, after),
	}
	return t.appendAudit(ctx, e)
}

// fingerprint is the SHA-256 of a DER certificate, for audit summaries that
// must identify a certificate without holding it.
func fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// invalid is an EInvalid error about one input field.
func invalid(field, msg string) error { return badRef(field, msg) }

// checkName validates the name of a CA or trust anchor.
func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return invalid("name", "is required")
	case len(name) > 200:
		return invalid("name", "is too long")
	case !airtight.SafeText(name):
		return invalid("name", "contains control or bidirectional characters")
	}
	return nil
}

// --- certificate authorities ---

const caCols = `id, org_id, name, kind, parent_id, cert_der, key_ref, offline, not_after, created_at`

func scanCA(s scanner) (*pki.CA, error) {
	var x pki.CA
	var kind string
	var parent sql.NullInt64
	var offline int
	var notAfter, created int64
	if err := s.Scan(&x.ID, &x.OrgID, &x.Name, &kind, &parent, &x.CertDER, &x.KeyRef, &offline, &notAfter, &created); err != nil {
		return nil, err
	}
	x.Kind, x.ParentID, x.Offline = pki.CAKind(kind), parent.Int64, offline != 0
	x.NotAfter, x.CreatedAt = fromMicros(notAfter), fromMicros(created)
	return &x, nil
}

func validateCA(x *pki.CA) error {
	if err := checkName(x.Name); err != nil {
		return err
	}
	switch {
	case x.Kind != pki.RootCA && x.Kind != pki.IssuingCA:
		return invalid("kind", "must be root or issuing")
	case x.Kind == pki.RootCA && x.ParentID != 0:
		return invalid("parent_id", "a root CA has no parent")
	case len(x.CertDER) == 0:
		return invalid("cert_der", "is required")
	case len(x.KeyRef) > 1000:
		return invalid("key_ref", "is too long")
	}
	return nil
}

// CreateCA stores a CA in the actor's organization. An issuing CA's parent,
// when set, must be a CA of the same organization. The audit entry names
// the CA but holds neither its certificate nor its key reference (a PKCS#11
// URI may carry a PIN).
func (d *DB) CreateCA(ctx context.Context, x *pki.CA) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := validateCA(x); err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *Tx) error {
		if x.ParentID != 0 {
			if _, err := findCA(ctx, tx, `id = ? AND org_id = ?`, x.ParentID, a.OrgID); err != nil {
				return ifNotFound(err, badRef("parent_id", "no such CA"))
			}
		}
		x.OrgID, x.CreatedAt = a.OrgID, tx.now
		x.NotAfter = x.NotAfter.UTC().Truncate(time.Microsecond)
		parent := sql.NullInt64{Int64: x.ParentID, Valid: x.ParentID != 0}
		id, err := tx.insert(ctx, `INSERT INTO cas (org_id, name, kind, parent_id, cert_der, key_ref, offline, not_after, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.OrgID, x.Name, string(x.Kind), parent, x.CertDER, x.KeyRef,
			boolInt(x.Offline), micros(x.NotAfter), micros(x.CreatedAt))
		if isUnique(err) {
			return conflict("a CA named %q already exists", x.Name)
		} else if err != nil {
			return fmt.Errorf("create CA: %w", err)
		}
		x.ID = id
		return tx.audit(ctx, a, "ca.create", "ca", id, nil, nonEmpty(fields{"name": x.Name, "kind": string(x.Kind),
			"parent_id": x.ParentID, "offline": x.Offline, "not_after": auditTime(&x.NotAfter), "sha256": fingerprint(x.CertDER)}))
	})
}

// ifNotFound returns repl when err is a not-found error, else err.
func ifNotFound(err, repl error) error {
	if airtight.ErrorCode(err) == airtight.ENotFound {
		return repl
	}
	return err
}

func findCA(ctx context.Context, q querier, where string, args ...any) (*pki.CA, error) {
	return queryOne(ctx, q, notFound("CA"), "find CA", scanCA, `SELECT `+caCols+` FROM cas WHERE `+where, args...)
}

// ListCAs lists the actor's organization's CAs in creation order.
func (d *DB) ListCAs(ctx context.Context) ([]*pki.CA, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d, "list CAs", scanCA, `SELECT `+caCols+` FROM cas WHERE org_id = ? ORDER BY id`, a.OrgID)
}

// FindCA returns one of the actor's organization's CAs.
func (d *DB) FindCA(ctx context.Context, id int64) (*pki.CA, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return findCA(ctx, d, `id = ? AND org_id = ?`, id, a.OrgID)
}

// FindCAUnscoped returns any organization's CA (OCSP, CRL, EST cacerts).
func (d *DB) FindCAUnscoped(ctx context.Context, id int64) (*pki.CA, error) {
	return findCA(ctx, d, `id = ?`, id)
}

// --- certificates ---

const certCols = `serial, org_id, ca_id, device_id, profile, subject, not_before, not_after, der, status, revoked_at, reason, created_at`

// certColsID is certCols with the surrogate id, for lists and cursors.
const certColsID = `id, ` + certCols

func scanCertificate(s scanner) (*pki.Certificate, error) {
	var x pki.Certificate
	var status string
	var device, revoked sql.NullInt64
	var reason int
	var nb, na, created int64
	if err := s.Scan(&x.Serial, &x.OrgID, &x.CAID, &device, &x.Profile, &x.Subject, &nb, &na, &x.DER,
		&status, &revoked, &reason, &created); err != nil {
		return nil, err
	}
	x.Serial, x.DeviceID, x.Status, x.Reason = domainSerial(x.Serial), device.Int64, pki.Status(status), pki.Reason(reason)
	x.NotBefore, x.NotAfter, x.RevokedAt, x.CreatedAt = fromMicros(nb), fromMicros(na), fromNullMicros(revoked), fromMicros(created)
	return &x, nil
}

func validateCertificate(x *pki.Certificate) (serial string, err error) {
	serial, ok := storedSerial(x.Serial)
	switch {
	case !ok:
		return "", invalid("serial", "must be a positive hexadecimal number of at most 20 octets")
	case x.CAID == 0:
		return "", invalid("ca_id", "is required")
	case x.Profile == "" || len(x.Profile) > 100 || !airtight.SafeText(x.Profile):
		return "", invalid("profile", "is required and must be a short name")
	case len(x.Subject) > 4096 || !airtight.SafeText(x.Subject):
		return "", invalid("subject", "is too long or contains control characters")
	case len(x.DER) == 0:
		return "", invalid("der", "is required")
	case x.NotAfter.IsZero() || !x.NotAfter.After(x.NotBefore):
		return "", invalid("not_after", "must be after not_before")
	}
	return serial, nil
}

// CreateCertificate records an issued certificate in the actor's
// organization, good and unrevoked. Its CA and device (when set) must be the
// organization's; a serial the organization already has is a conflict.
func (d *DB) CreateCertificate(ctx context.Context, x *pki.Certificate) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	serial, err := validateCertificate(x)
	if err != nil {
		return err
	}
	return d.recordIssuance(&issuance{ctx: ctx, actor: a, cert: x, serial: serial})
}

// CreateCertificates records several certificates as CreateCertificate
// does, in one transaction (all or none), each with its own audit entry:
// group commit for an issuer that gathers concurrent requests. It is not
// part of pki.Store.
func (d *DB) CreateCertificates(ctx context.Context, xs []*pki.Certificate) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	serials := make([]string, len(xs))
	for i, x := range xs {
		if serials[i], err = validateCertificate(x); err != nil {
			return err
		}
	}
	return d.withTx(ctx, func(tx *Tx) error {
		refs := certRefs{}
		for i, x := range xs {
			if err := tx.createCertificate(ctx, a, refs, x, serials[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// certRefs remembers the CA and device IDs a transaction has already found
// in the organization.
type certRefs map[[2]int64]bool

func (t *Tx) createCertificate(ctx context.Context, a *airtight.Actor, refs certRefs, x *pki.Certificate, serial string) error {
	if err := t.checkCertRefs(ctx, a.OrgID, refs, x); err != nil {
		return err
	}
	x.Serial, x.OrgID, x.Status, x.RevokedAt, x.Reason, x.CreatedAt = domainSerial(serial), a.OrgID, pki.StatusGood, nil, 0, t.now
	x.NotBefore, x.NotAfter = x.NotBefore.UTC().Truncate(time.Microsecond), x.NotAfter.UTC().Truncate(time.Microsecond)
	device := sql.NullInt64{Int64: x.DeviceID, Valid: x.DeviceID != 0}
	_, err := t.exec(ctx, `INSERT INTO certificates (serial, org_id, ca_id, device_id, profile, subject, not_before, not_after, der, status, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`, serial, x.OrgID, x.CAID, device, x.Profile, x.Subject,
		micros(x.NotBefore), micros(x.NotAfter), x.DER, string(pki.StatusGood), micros(x.CreatedAt))
	if isUnique(err) {
		return conflict("a certificate with serial %s already exists", x.Serial)
	} else if err != nil {
		return fmt.Errorf("create certificate: %w", err)
	}
	return t.auditRef(ctx, a, "certificate.issue", "certificate", x.Serial, nil, nonEmpty(fields{
		"serial": x.Serial, "ca_id": x.CAID, "profile": x.Profile, "subject": x.Subject,
		"device_id": x.DeviceID, "not_after": auditTime(&x.NotAfter)}))
}

// checkCertRefs checks that the certificate's CA and device belong to the
// organization.
func (t *Tx) checkCertRefs(ctx context.Context, orgID int64, refs certRefs, x *pki.Certificate) error {
	if !refs[[2]int64{0, x.CAID}] {
		if err := t.exists(ctx, `SELECT 1 FROM cas WHERE id = ? AND org_id = ?`, x.CAID, orgID); err != nil {
			return ifNotFound(err, badRef("ca_id", "no such CA"))
		}
		refs[[2]int64{0, x.CAID}] = true
	}
	if x.DeviceID == 0 || refs[[2]int64{1, x.DeviceID}] {
		return nil
	}
	if err := t.exists(ctx, `SELECT 1 FROM devices WHERE id = ? AND org_id = ?`, x.DeviceID, orgID); err != nil {
		return ifNotFound(err, badRef("device_id", "no such device"))
	}
	refs[[2]int64{1, x.DeviceID}] = true
	return nil
}

// exists runs a SELECT 1 query: nil when it finds a row, a not-found error
// when it does not.
func (t *Tx) exists(ctx context.Context, q string, args ...any) error {
	var one int
	err := t.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("record")
	} else if err != nil {
		return fmt.Errorf("check reference: %w", err)
	}
	return nil
}

func findCertificate(ctx context.Context, q querier, where string, args ...any) (*pki.Certificate, error) {
	return queryOne(ctx, q, notFound("certificate"), "find certificate", scanCertificate, `SELECT `+certCols+` FROM certificates WHERE `+where, args...)
}

// FindCertificate returns the actor's organization's certificate with the
// serial (any case, leading zeros allowed). A serial no certificate can
// have is not found.
func (d *DB) FindCertificate(ctx context.Context, serial string) (*pki.Certificate, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	s, ok := storedSerial(serial)
	if !ok {
		return nil, notFound("certificate")
	}
	return findCertificate(ctx, d, `org_id = ? AND serial = ?`, a.OrgID, s)
}

// FindCertificateUnscoped returns the certificate of the CA with the serial
// (OCSP). It looks the serial up within the CA's organization, where
// serials are unique.
func (d *DB) FindCertificateUnscoped(ctx context.Context, caID int64, serial string) (*pki.Certificate, error) {
	s, ok := storedSerial(serial)
	if !ok {
		return nil, notFound("certificate")
	}
	return findCertificate(ctx, d, `org_id = (SELECT org_id FROM cas WHERE id = ?) AND serial = ? AND ca_id = ?`, caID, s, caID)
}

func validReason(r pki.Reason) bool { return r >= 0 && r <= pki.ReasonAACompromise && r != 7 }

// RevokeCertificate revokes the actor's organization's certificate with the
// serial. Revoking a revoked certificate returns it unchanged, with its
// first revocation time and reason, and appends no audit entry.
func (d *DB) RevokeCertificate(ctx context.Context, serial string, reason pki.Reason) (*pki.Certificate, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !validReason(reason) {
		return nil, invalid("reason", "is not an RFC 5280 revocation reason")
	}
	s, ok := storedSerial(serial)
	if !ok {
		return nil, notFound("certificate")
	}
	var out *pki.Certificate
	err = d.withTx(ctx, func(tx *Tx) error {
		// The status test makes the change atomic: of two concurrent
		// revocations, one updates the row and the other finds it revoked.
		res, err := tx.exec(ctx, `UPDATE certificates SET status = 'revoked', revoked_at = ?, reason = ?
			WHERE org_id = ? AND serial = ? AND status = 'good'`, micros(tx.now), int(reason), a.OrgID, s)
		if err != nil {
			return fmt.Errorf("revoke certificate: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("revoke certificate: %w", err)
		}
		if out, err = findCertificate(ctx, tx, `org_id = ? AND serial = ?`, a.OrgID, s); err != nil || n == 0 {
			return err
		}
		return tx.auditRef(ctx, a, "certificate.revoke", "certificate", out.Serial,
			fields{"status": string(pki.StatusGood)},
			fields{"status": string(pki.StatusRevoked), "reason": int(reason), "revoked_at": auditTime(out.RevokedAt)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walkBatch is how many revoked certificates WalkRevoked reads at a time.
const walkBatch = 2000

// WalkRevoked calls fn for every revoked certificate of one of the actor's
// organization's CAs, in serial (numeric) order. It reads in batches along
// the certificates_revoked index and calls fn with no query open, so fn may
// use the database. Each batch is its own read: a certificate revoked during
// the walk may or may not be seen (the next CRL has it).
func (d *DB) WalkRevoked(ctx context.Context, caID int64, fn func(pki.Revoked) error) error {
	return d.walkRevoked(ctx, caID, fn, func(after string) ([]pki.Revoked, error) {
		return d.revokedBatch(ctx, revokedBatchQuery, caID, after, walkBatch)
	})
}

// WalkRevokedSince calls fn for every certificate of one of the actor's
// organization's CAs revoked strictly after since, in serial order (delta
// CRLs, pki.DeltaStore). It reads in batches like WalkRevoked, along the
// certificates_revoked_since index.
func (d *DB) WalkRevokedSince(ctx context.Context, caID int64, since time.Time, fn func(pki.Revoked) error) error {
	at := micros(since)
	return d.walkRevoked(ctx, caID, fn, func(after string) ([]pki.Revoked, error) {
		return d.revokedBatch(ctx, revokedSinceBatchQuery, caID, at, after, walkBatch)
	})
}

// walkRevoked checks that the CA is the actor's organization's and calls fn
// for each entry of the batches next reads, each after the last stored
// serial of the one before.
func (d *DB) walkRevoked(ctx context.Context, caID int64, fn func(pki.Revoked) error, next func(after string) ([]pki.Revoked, error)) error {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return err
	}
	if _, err := findCA(ctx, d, `id = ? AND org_id = ?`, caID, a.OrgID); err != nil {
		return err
	}
	after := ""
	for {
		batch, err := next(after)
		if err != nil {
			return fmt.Errorf("walk revoked certificates: %w", err)
		}
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(batch) < walkBatch {
			return nil
		}
		after, _ = storedSerial(batch[len(batch)-1].Serial)
	}
}

// revokedBatchQuery reads a batch along the partial index
// certificates_revoked, whose condition it names literally.
const revokedBatchQuery = `SELECT serial, revoked_at, reason FROM certificates
	WHERE ca_id = ? AND status = 'revoked' AND serial > ? ORDER BY serial LIMIT ?`

// revokedSinceBatchQuery reads a batch of the certificates revoked after a
// time: a range of the partial index certificates_revoked_since, sorted by
// serial (a delta is small). The serial condition and the order are on
// serial with an empty string appended, which sorts the same but which no
// index serves: otherwise a planner may walk certificates_revoked, already
// in serial order, through every revoked certificate of the CA to find a
// few recent ones (the ORDER BY ... LIMIT trap).
const revokedSinceBatchQuery = `SELECT serial, revoked_at, reason FROM certificates
	WHERE ca_id = ? AND status = 'revoked' AND revoked_at > ? AND serial || '' > ? ORDER BY serial || '' LIMIT ?`

// revokedBatch reads up to walkBatch revoked certificates with query and
// its arguments.
func (d *DB) revokedBatch(ctx context.Context, query string, args ...any) ([]pki.Revoked, error) {
	rows, err := d.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]pki.Revoked, 0, walkBatch)
	for rows.Next() {
		var r pki.Revoked
		var at sql.NullInt64
		var reason int
		if err := rows.Scan(&r.Serial, &at, &reason); err != nil {
			return nil, err
		}
		r.Serial, r.Reason = domainSerial(r.Serial), pki.Reason(reason)
		if at.Valid {
			r.RevokedAt = fromMicros(at.Int64)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Certificate page sizes.
const (
	defaultCertPage = 50
	maxCertPage     = 500
)

// certListQuery is a certificate list's WHERE conditions and order.
type certListQuery struct {
	c        conds
	expiring bool // order by (not_after, id) instead of id
}

// certConds builds the conditions of f (not its cursor) for the
// organization. An expiring list is an organization's good certificates
// whose NotAfter is before now+f.ExpiringWithin (expired ones included);
// status = 'good' is written literally so that the partial expiry index
// applies.
func certConds(orgID int64, f *pki.CertificateFilter, now time.Time) (*certListQuery, error) {
	if f.Status != "" && f.Status != pki.StatusGood && f.Status != pki.StatusRevoked {
		return nil, invalid("status", "must be good or revoked")
	}
	if f.ExpiringWithin < 0 {
		return nil, invalid("expiring_within", "must not be negative")
	}
	q := &certListQuery{expiring: f.ExpiringWithin > 0}
	q.c.add(`org_id = ?`, orgID)
	if f.CAID != 0 {
		q.c.add(`ca_id = ?`, f.CAID)
	}
	if f.DeviceID != 0 {
		q.c.add(`device_id = ?`, f.DeviceID)
	}
	if f.Status != "" {
		q.c.add(`status = ?`, string(f.Status))
	}
	if q.expiring {
		q.c.add(`status = 'good'`)
		q.c.add(`not_after < ?`, micros(now.Add(f.ExpiringWithin)))
	}
	return q, nil
}

// cursor adds the keyset condition of a cursor: the last row's id, or its
// not_after and id for an expiring list.
func (q *certListQuery) cursor(s string) error {
	if s == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return badRef("cursor", "is malformed")
	}
	parts := strings.Split(string(b), ".")
	n := []int64{0, 0}
	if len(parts) != 1+boolInt(q.expiring) {
		return badRef("cursor", "is malformed")
	}
	for i, p := range parts {
		if n[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return badRef("cursor", "is malformed")
		}
	}
	if q.expiring {
		q.c.add(`(not_after, id) > (?, ?)`, n[0], n[1])
	} else {
		q.c.add(`id > ?`, n[0])
	}
	return nil
}

func (q *certListQuery) order() string {
	if q.expiring {
		return ` ORDER BY not_after, id`
	}
	return ` ORDER BY id`
}

// sql is the list query; its last argument is the limit.
func (q *certListQuery) sql() string {
	return `SELECT ` + certColsID + ` FROM certificates` + q.c.where() + q.order() + ` LIMIT ?`
}

func (q *certListQuery) encode(id int64, c *pki.Certificate) string {
	s := strconv.FormatInt(id, 10)
	if q.expiring {
		s = strconv.FormatInt(micros(c.NotAfter), 10) + "." + s
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// ListCertificates lists one page of the actor's organization's
// certificates matching f, and the cursor of the next page ("" on the last).
// Lists are in creation (ID) order; an expiring list (f.ExpiringWithin > 0)
// is soonest expiry first. f.Limit is 1..500, 0 meaning 50.
func (d *DB) ListCertificates(ctx context.Context, f pki.CertificateFilter) ([]*pki.Certificate, string, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.Limit < 0 || f.Limit > maxCertPage {
		return nil, "", invalid("limit", "must be between 1 and 500")
	} else if f.Limit == 0 {
		f.Limit = defaultCertPage
	}
	q, err := certConds(a.OrgID, &f, d.Now())
	if err != nil {
		return nil, "", err
	}
	if err := q.cursor(f.Cursor); err != nil {
		return nil, "", err
	}
	rows, err := d.query(ctx, q.sql(), append(q.c.args, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list certificates: %w", err)
	}
	var ids []int64
	certs, err := collect(rows, func(s scanner) (*pki.Certificate, error) {
		var id int64
		x, err := scanCertificate(idScanner{s, &id})
		ids = append(ids, id)
		return x, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list certificates: %w", err)
	}
	if len(certs) <= f.Limit {
		return certs, "", nil
	}
	return certs[:f.Limit], q.encode(ids[f.Limit-1], certs[f.Limit-1]), nil
}

// idScanner scans a leading id column into id and the rest with s.
type idScanner struct {
	s  scanner
	id *int64
}

func (x idScanner) Scan(dest ...any) error { return x.s.Scan(append([]any{x.id}, dest...)...) }

// CountCertificates counts the actor's organization's certificates matching
// f (its cursor and limit ignored): the expiry watch's totals. It is not
// part of pki.Store.
func (d *DB) CountCertificates(ctx context.Context, f pki.CertificateFilter) (int, error) {
	a, err := airtight.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	q, err := certConds(a.OrgID, &f, d.Now())
	if err != nil {
		return 0, err
	}
	n, err := count(ctx, d, `SELECT COUNT(*) FROM certificates`+q.c.where(), q.c.args...)
	if err != nil {
		return 0, fmt.Errorf("count certificates: %w", err)
	}
	return n, nil
}
