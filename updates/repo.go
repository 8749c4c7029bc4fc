package updates

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/airtight/airtight"
)

// Repository layout under its directory:
//
//	metadata/N.root.json        every root version (clients walk them in order)
//	metadata/root.json          the current root, for bootstrapping devices
//	metadata/N.targets.json     top-level targets (consistent snapshots)
//	metadata/N.<line>.json      one delegated targets role per product line
//	metadata/N.snapshot.json
//	metadata/timestamp.json     the only file rewritten in place (atomically)
//	targets/<line>/<sha256>.<name>
const (
	metadataDir = "metadata"
	targetsDir  = "targets"
)

// repo is the signed state of a repository, loaded and verified.
type repo struct {
	dir       string
	root      *metadata.Metadata[metadata.RootType]
	targets   *metadata.Metadata[metadata.TargetsType]
	lines     map[string]*metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
}

func (r *repo) metaPath(name string) string {
	return filepath.Join(r.dir, metadataDir, name)
}

func versioned(version int64, role string) string {
	return strconv.FormatInt(version, 10) + "." + role + ".json"
}

// loadRepo reads the current state by following timestamp → snapshot →
// targets roles, and checks every signature against the root before any of
// it is re-signed: the server never signs metadata someone slipped onto its
// disk.
func loadRepo(dir string) (*repo, error) {
	r := &repo{dir: dir, lines: map[string]*metadata.Metadata[metadata.TargetsType]{}}
	var err error
	if r.root, err = metadata.Root().FromFile(r.metaPath("root.json")); err != nil {
		if os.IsNotExist(err) {
			return nil, airtight.Errorf(airtight.ENotFound, "no update repository at %s (run 'airtight update init')", dir)
		}
		return nil, fmt.Errorf("load root: %w", err)
	}
	if r.timestamp, err = metadata.Timestamp().FromFile(r.metaPath("timestamp.json")); err != nil {
		return nil, fmt.Errorf("load timestamp: %w", err)
	}
	snapVersion := r.timestamp.Signed.Meta["snapshot.json"].Version
	if r.snapshot, err = metadata.Snapshot().FromFile(r.metaPath(versioned(snapVersion, "snapshot"))); err != nil {
		return nil, fmt.Errorf("load snapshot: %w", err)
	}
	if err := r.loadTargets(); err != nil {
		return nil, err
	}
	if err := r.verify(); err != nil {
		return nil, &airtight.Error{Code: airtight.EInvalid,
			Message: "update repository metadata failed verification; refusing to re-sign it", Err: err}
	}
	return r, nil
}

func (r *repo) loadTargets() error {
	meta, ok := r.snapshot.Signed.Meta["targets.json"]
	if !ok {
		return fmt.Errorf("snapshot lists no targets.json")
	}
	var err error
	if r.targets, err = metadata.Targets().FromFile(r.metaPath(versioned(meta.Version, "targets"))); err != nil {
		return fmt.Errorf("load targets: %w", err)
	}
	for _, line := range r.lineNames() {
		meta, ok := r.snapshot.Signed.Meta[line+".json"]
		if !ok {
			return fmt.Errorf("snapshot lists no %s.json", line)
		}
		m, err := metadata.Targets().FromFile(r.metaPath(versioned(meta.Version, line)))
		if err != nil {
			return fmt.Errorf("load %s: %w", line, err)
		}
		r.lines[line] = m
	}
	return nil
}

func (r *repo) lineNames() []string {
	if r.targets.Signed.Delegations == nil {
		return nil
	}
	var names []string
	for _, d := range r.targets.Signed.Delegations.Roles {
		names = append(names, d.Name)
	}
	return names
}

func (r *repo) verify() error {
	checks := []struct {
		role string
		err  error
	}{
		{"root", r.root.VerifyDelegate("root", r.root)},
		{"timestamp", r.root.VerifyDelegate("timestamp", r.timestamp)},
		{"snapshot", r.root.VerifyDelegate("snapshot", r.snapshot)},
		{"targets", r.root.VerifyDelegate("targets", r.targets)},
	}
	for _, c := range checks {
		if c.err != nil {
			return fmt.Errorf("verify %s: %w", c.role, c.err)
		}
	}
	for name, m := range r.lines {
		if err := r.targets.VerifyDelegate(name, m); err != nil {
			return fmt.Errorf("verify %s: %w", name, err)
		}
	}
	return nil
}

// writeNew writes a consistent-snapshot file that must not exist yet and
// returns its bytes' meta entry (version, length, sha256).
func writeNew[T metadata.Roles](r *repo, name string, version int64, m *metadata.Metadata[T]) (*metadata.MetaFiles, error) {
	data, err := m.ToBytes(true)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	f, err := os.OpenFile(r.metaPath(versioned(version, name)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return metaFile(version, data), nil
}

func metaFile(version int64, data []byte) *metadata.MetaFiles {
	sum := sha256.Sum256(data)
	return &metadata.MetaFiles{
		Version: version,
		Length:  int64(len(data)),
		Hashes:  metadata.Hashes{"sha256": sum[:]},
	}
}

// replaceFile writes data to path atomically (temporary file and rename),
// so a device never reads half a timestamp.
func replaceFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
