package updates

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

// InitOptions configure a new repository.
type InitOptions struct {
	Options
	KeysDir      string   // online keys (targets, snapshot, timestamp, product lines)
	RootKeyFile  string   // the offline root key; must not be in KeysDir
	ProductLines []string // one delegated role each, for paths "<line>/*"
}

// Init creates a repository in dir: fresh ed25519 keys for every role, the
// root key in its own file for the operator to take offline, a targets role
// delegating each product line to its own key, and version 1 of every role.
func Init(dir string, opts InitOptions) (*Result, error) {
	if err := opts.validate(dir); err != nil {
		return nil, err
	}
	keys := keyDir(opts.KeysDir)
	if err := keys.create(); err != nil {
		return nil, err
	}
	rootKey, err := generateKeyFile(opts.RootKeyFile)
	if err != nil {
		return nil, err
	}
	online, err := generateOnlineKeys(keys, opts.ProductLines)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{metadataDir, targetsDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("create repository: %w", err)
		}
	}
	now, exp := opts.now(), opts.expiry()
	r := &repo{dir: dir, lines: map[string]*metadata.Metadata[metadata.TargetsType]{}}
	if err := r.initRoot(rootKey, online, now.Add(exp.Root)); err != nil {
		return nil, err
	}
	r.initTargets(online, opts.ProductLines, now.Add(exp.Targets))
	r.snapshot = metadata.Snapshot(now.Add(exp.Snapshot))
	r.timestamp = metadata.Timestamp(now.Add(exp.Timestamp))
	changed := append([]string{metadata.TARGETS}, opts.ProductLines...)
	if err := r.commit(keys, changed); err != nil {
		return nil, err
	}
	return &Result{Timestamp: 1, RootExpires: r.root.Signed.Expires}, nil
}

func (o InitOptions) validate(dir string) error {
	if dir == "" || o.KeysDir == "" || o.RootKeyFile == "" {
		return airtight.Errorf(airtight.EInvalid, "repository directory, key directory and root key file are required")
	}
	if len(o.ProductLines) == 0 {
		return airtight.Errorf(airtight.EInvalid, "at least one product line is required")
	}
	seen := map[string]bool{}
	for _, l := range o.ProductLines {
		if err := ValidProductLine(l); err != nil {
			return err
		}
		if seen[l] {
			return airtight.Errorf(airtight.EInvalid, "product line %q given twice", l)
		}
		seen[l] = true
	}
	keysAbs, err1 := filepath.Abs(o.KeysDir)
	rootAbs, err2 := filepath.Abs(o.RootKeyFile)
	if err1 != nil || err2 != nil || filepath.Dir(rootAbs) == keysAbs {
		return airtight.Errorf(airtight.EInvalid, "the root key file must not be in the online key directory: keep it offline")
	}
	if _, err := os.Stat(filepath.Join(dir, metadataDir, "root.json")); err == nil {
		return airtight.Errorf(airtight.EConflict, "%s already holds an update repository", dir)
	}
	return nil
}

func generateOnlineKeys(keys keyDir, lines []string) (map[string]*signingKey, error) {
	online := map[string]*signingKey{}
	roles := append([]string{metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP}, lines...)
	for _, role := range roles {
		k, err := keys.generate(role)
		if err != nil {
			return nil, err
		}
		online[role] = k
	}
	return online, nil
}

// initRoot signs version 1 of root with the offline key and writes it both
// as 1.root.json and as root.json, the file devices are provisioned with.
func (r *repo) initRoot(rootKey *signingKey, online map[string]*signingKey, expires time.Time) error {
	r.root = metadata.Root(expires)
	r.root.Signed.ConsistentSnapshot = true
	if err := r.root.Signed.AddKey(rootKey.pub, metadata.ROOT); err != nil {
		return fmt.Errorf("add root key: %w", err)
	}
	for _, role := range []string{metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := r.root.Signed.AddKey(online[role].pub, role); err != nil {
			return fmt.Errorf("add %s key: %w", role, err)
		}
	}
	if err := sign(r.root, rootKey); err != nil {
		return err
	}
	if _, err := writeNew(r, metadata.ROOT, 1, r.root); err != nil {
		return err
	}
	data, err := r.root.ToBytes(true)
	if err != nil {
		return fmt.Errorf("encode root: %w", err)
	}
	return replaceFile(r.metaPath("root.json"), data)
}

// initTargets delegates "<line>/*" to each product line's key, terminating,
// so no other role can sign targets under that prefix.
func (r *repo) initTargets(online map[string]*signingKey, lines []string, expires time.Time) {
	r.targets = metadata.Targets(expires)
	d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	for _, line := range lines {
		k := online[line]
		d.Keys[k.id] = k.pub
		d.Roles = append(d.Roles, metadata.DelegatedRole{
			Name: line, KeyIDs: []string{k.id}, Threshold: 1, Terminating: true,
			Paths: []string{line + "/*"},
		})
		r.lines[line] = metadata.Targets(expires)
	}
	r.targets.Signed.Delegations = d
}
