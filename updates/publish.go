package updates

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

// Expiry is how long each role's metadata stays valid after it is signed.
type Expiry struct {
	Root, Targets, Snapshot, Timestamp time.Duration
}

// DefaultExpiry: root 1 year, targets (and product lines) 90 days,
// snapshot 7 days, timestamp 1 day.
func DefaultExpiry() Expiry {
	return Expiry{Root: 365 * 24 * time.Hour, Targets: 90 * 24 * time.Hour,
		Snapshot: 7 * 24 * time.Hour, Timestamp: 24 * time.Hour}
}

// Options are the settings shared by the publishing operations.
type Options struct {
	Expiry Expiry           // zero fields take DefaultExpiry's
	Now    func() time.Time // nil means time.Now
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func (o Options) expiry() Expiry {
	e, d := o.Expiry, DefaultExpiry()
	for _, p := range []struct{ v, def *time.Duration }{
		{&e.Root, &d.Root}, {&e.Targets, &d.Targets}, {&e.Snapshot, &d.Snapshot}, {&e.Timestamp, &d.Timestamp},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return e
}

// Result describes the repository after a change.
type Result struct {
	Target      string      // repository path of the published target, if any
	Meta        *TargetMeta // its signed custom metadata
	Length      int64
	SHA256      string
	Renewed     []string  // roles re-signed because they were about to expire
	Timestamp   int64     // version of the new timestamp
	RootExpires time.Time // the root must be re-signed offline before this
}

// Publish adds file as a target of productLine with the release metadata
// rel, then re-signs that product line's role, snapshot and timestamp with
// the online keys in keysDir. Published targets are immutable: a second
// file with the same name or the same version is refused.
func Publish(dir, keysDir, productLine, file string, rel Release, opts Options) (*Result, error) {
	if err := ValidProductLine(productLine); err != nil {
		return nil, err
	}
	r, err := loadRepo(dir)
	if err != nil {
		return nil, err
	}
	line, ok := r.lines[productLine]
	if !ok {
		return nil, airtight.Errorf(airtight.ENotFound, "product line %q is not delegated in this repository", productLine)
	}
	now, exp := opts.now(), opts.expiry()
	tf, tm, err := newTarget(productLine, file, rel, now)
	if err != nil {
		return nil, err
	}
	if err := checkUnpublished(line, tf, tm); err != nil {
		return nil, err
	}
	if err := r.storeTarget(file, tf); err != nil {
		return nil, err
	}
	line.Signed.Targets[tf.Path] = tf
	res, err := r.update(keyDir(keysDir), []string{productLine}, now, exp)
	if err != nil {
		return nil, err
	}
	res.Target, res.Meta, res.Length = tf.Path, tm, tf.Length
	res.SHA256 = hex.EncodeToString(tf.Hashes["sha256"])
	return res, nil
}

// Refresh re-signs snapshot and timestamp with fresh expiry dates, and any
// targets role that would expire before the new snapshot does. Run it from
// a timer well within the timestamp's lifetime (e.g. every 6 hours for 1 day).
func Refresh(dir, keysDir string, opts Options) (*Result, error) {
	r, err := loadRepo(dir)
	if err != nil {
		return nil, err
	}
	return r.update(keyDir(keysDir), nil, opts.now(), opts.expiry())
}

// update bumps the changed roles, renews those about to expire, then signs
// and writes them, the snapshot and the timestamp.
func (r *repo) update(keys keyDir, changed []string, now time.Time, exp Expiry) (*Result, error) {
	renewed := r.expiring(now.Add(exp.Snapshot))
	for _, role := range renewed {
		if !slices.Contains(changed, role) {
			changed = append(changed, role)
		}
	}
	for _, role := range changed {
		m := r.targetsRole(role)
		m.Signed.Version++
		m.Signed.Expires = now.Add(exp.Targets)
	}
	r.snapshot.Signed.Version++
	r.snapshot.Signed.Expires = now.Add(exp.Snapshot)
	r.timestamp.Signed.Version++
	r.timestamp.Signed.Expires = now.Add(exp.Timestamp)
	if err := r.commit(keys, changed); err != nil {
		return nil, err
	}
	return &Result{Renewed: renewed, Timestamp: r.timestamp.Signed.Version, RootExpires: r.root.Signed.Expires}, nil
}

// expiring lists the targets roles that expire before t.
func (r *repo) expiring(t time.Time) []string {
	var roles []string
	if r.targets.Signed.Expires.Before(t) {
		roles = append(roles, metadata.TARGETS)
	}
	for _, name := range r.lineNames() {
		if r.lines[name].Signed.Expires.Before(t) {
			roles = append(roles, name)
		}
	}
	return roles
}

func (r *repo) targetsRole(role string) *metadata.Metadata[metadata.TargetsType] {
	if role == metadata.TARGETS {
		return r.targets
	}
	return r.lines[role]
}

// commit signs and writes the changed targets roles, then the snapshot that
// lists them, then the timestamp: a device reading the repository meanwhile
// sees either the old consistent state or the new one.
func (r *repo) commit(keys keyDir, changed []string) error {
	for _, role := range changed {
		m := r.targetsRole(role)
		k, err := keys.load(role)
		if err != nil {
			return err
		}
		if err := sign(m, k); err != nil {
			return err
		}
		mf, err := writeNew(r, role, m.Signed.Version, m)
		if err != nil {
			return err
		}
		r.snapshot.Signed.Meta[role+".json"] = mf
	}
	k, err := keys.load(metadata.SNAPSHOT)
	if err != nil {
		return err
	}
	if err := sign(r.snapshot, k); err != nil {
		return err
	}
	mf, err := writeNew(r, metadata.SNAPSHOT, r.snapshot.Signed.Version, r.snapshot)
	if err != nil {
		return err
	}
	r.timestamp.Signed.Meta["snapshot.json"] = mf
	return r.writeTimestamp(keys)
}

func (r *repo) writeTimestamp(keys keyDir) error {
	k, err := keys.load(metadata.TIMESTAMP)
	if err != nil {
		return err
	}
	if err := sign(r.timestamp, k); err != nil {
		return err
	}
	data, err := r.timestamp.ToBytes(true)
	if err != nil {
		return fmt.Errorf("encode timestamp: %w", err)
	}
	return replaceFile(r.metaPath("timestamp.json"), data)
}

// newTarget builds the target entry for file: length, sha256 and the custom
// release metadata.
func newTarget(productLine, file string, rel Release, now time.Time) (*metadata.TargetFiles, *TargetMeta, error) {
	name := filepath.Base(file)
	if err := validTargetName(name); err != nil {
		return nil, nil, err
	}
	tm, err := newTargetMeta(productLine, rel, now)
	if err != nil {
		return nil, nil, err
	}
	tf, err := metadata.TargetFile().FromFile(file, "sha256")
	if os.IsNotExist(err) {
		return nil, nil, airtight.Errorf(airtight.ENotFound, "file %s not found", file)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("hash %s: %w", name, err)
	}
	custom, err := json.Marshal(tm)
	if err != nil {
		return nil, nil, fmt.Errorf("encode custom metadata: %w", err)
	}
	raw := json.RawMessage(custom)
	tf.Custom, tf.Path = &raw, productLine+"/"+name
	return tf, tm, nil
}

// checkUnpublished refuses a target whose path or version the product line
// already has: what devices once verified must never change under them.
func checkUnpublished(line *metadata.Metadata[metadata.TargetsType], tf *metadata.TargetFiles, tm *TargetMeta) error {
	if _, ok := line.Signed.Targets[tf.Path]; ok {
		return airtight.Errorf(airtight.EConflict, "%s is already published; publish a new version under a new file name", tf.Path)
	}
	v, _ := ParseVersion(tm.Version)
	for path, t := range line.Signed.Targets {
		if t.Custom == nil {
			continue
		}
		old, err := ParseTargetMeta(*t.Custom)
		if err != nil {
			continue
		}
		if w, err := ParseVersion(old.Version); err == nil && w.Compare(v) == 0 && old.Model == tm.Model {
			return airtight.Errorf(airtight.EConflict, "version %s of %s is already published as %s", tm.Version, tm.Model, path)
		}
	}
	return nil
}

// storeTarget copies file to targets/<line>/<sha256>.<name>, the name a
// client asks for under consistent snapshots.
func (r *repo) storeTarget(file string, tf *metadata.TargetFiles) error {
	line, name := filepath.Split(tf.Path)
	dst := filepath.Join(r.dir, targetsDir, line, hex.EncodeToString(tf.Hashes["sha256"])+"."+name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("store target: %w", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("store target: %w", err)
	}
	if err := tf.VerifyLengthHashes(data); err != nil {
		return airtight.Errorf(airtight.EConflict, "%s changed while it was being published", name)
	}
	return replaceFile(dst, data)
}
