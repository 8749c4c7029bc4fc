package updates

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/airtight/airtight"
)

// VerifyRequest is what a device knows when it checks an update.
type VerifyRequest struct {
	Repo             string // http(s) URL or directory of the repository
	TrustedRoot      []byte // root.json the device was provisioned with
	MetadataDir      string // the device's own store of trusted metadata; keep it across runs
	ProductLine      string
	Target           string // file name, or "<product line>/<name>"
	InstalledVersion string // version running on the device now
	Model            string // if set, the target must be for this model
	File             string // the image to check (written there when Download is set)
	Download         bool   // fetch the target from the repository into File first

	Now        func() time.Time // nil means time.Now; tests move the clock
	HTTPClient *http.Client     // nil means one with a 60-second timeout
}

// Verified is an update that passed every check.
type Verified struct {
	Target string
	Meta   TargetMeta
	Length int64
	SHA256 string
}

// Verify runs the TUF client workflow against the repository, then checks
// that the target is signed by its product line's key, that its release
// metadata allows installing it over InstalledVersion, and that File matches
// the signed length and hashes. A refusal is an *airtight.Error (EForbidden)
// whose message gives the reason; errors.Is matches one of the Err* reasons.
func Verify(req VerifyRequest) (*Verified, error) {
	path, installed, err := req.validate()
	if err != nil {
		return nil, err
	}
	u, err := req.updater()
	if err != nil {
		return nil, err
	}
	if err := u.Refresh(); err != nil {
		return nil, classify(err)
	}
	info, err := lookup(u, req.ProductLine, path)
	if err != nil {
		return nil, err
	}
	meta, err := checkRelease(info, req, installed)
	if err != nil {
		return nil, err
	}
	if err := checkFile(u, info, req); err != nil {
		return nil, err
	}
	return &Verified{Target: path, Meta: *meta, Length: info.Length, SHA256: hex.EncodeToString(info.Hashes["sha256"])}, nil
}

func (req *VerifyRequest) validate() (string, Version, error) {
	if req.Repo == "" || req.MetadataDir == "" || req.File == "" || len(req.TrustedRoot) == 0 {
		return "", nil, airtight.Errorf(airtight.EInvalid, "repository, trusted root, metadata directory and file are required")
	}
	if err := ValidProductLine(req.ProductLine); err != nil {
		return "", nil, err
	}
	path, err := targetPath(req.ProductLine, req.Target)
	if err != nil {
		return "", nil, err
	}
	installed, err := ParseVersion(req.InstalledVersion)
	if err != nil {
		return "", nil, err
	}
	return path, installed, nil
}

// updater configures go-tuf's client. The device's metadata directory keeps
// the newest metadata it has verified: that is what lets it refuse older
// versions later (rollback) even if the repository serves them.
func (req *VerifyRequest) updater() (*updater.Updater, error) {
	root, err := req.trustedRoot()
	if err != nil {
		return nil, err
	}
	metaURL, targetsURL, f := req.remote()
	cfg, err := config.New(metaURL, root)
	if err != nil {
		return nil, fmt.Errorf("configure update client: %w", err)
	}
	abs, err := filepath.Abs(req.File)
	if err != nil {
		return nil, fmt.Errorf("configure update client: %w", err)
	}
	cfg.RemoteTargetsURL, cfg.Fetcher = targetsURL, f
	cfg.LocalMetadataDir, cfg.LocalTargetsDir = req.MetadataDir, filepath.Dir(abs)
	cfg.PrefixTargetsWithHash = true
	u, err := updater.New(cfg)
	if err != nil {
		return nil, classify(err)
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	u.UnsafeSetRefTime(now().UTC()) // the reference clock, not a test-only bypass
	return u, nil
}

// trustedRoot prefers the root in the device's metadata directory, which is
// the newest one it verified, over the one it was provisioned with.
func (req *VerifyRequest) trustedRoot() ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(req.MetadataDir, "root.json"))
	if err == nil {
		return data, nil
	}
	if !os.IsNotExist(err) {
		return nil, fmt.Errorf("read trusted root: %w", err)
	}
	return req.TrustedRoot, nil
}

func (req *VerifyRequest) remote() (metaURL, targetsURL string, f fetcher.Fetcher) {
	if strings.HasPrefix(req.Repo, "http://") || strings.HasPrefix(req.Repo, "https://") {
		base := strings.TrimSuffix(req.Repo, "/")
		client := req.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 60 * time.Second}
		}
		df := fetcher.NewDefaultFetcher()
		df.SetHTTPClient(client)
		return base + "/" + metadataDir, base + "/" + targetsDir, df
	}
	return filepath.Join(req.Repo, metadataDir), filepath.Join(req.Repo, targetsDir), dirFetcher{}
}

// lookup finds path in the metadata and insists that it was found in the
// product line's delegated role, not in the top-level targets role or in
// another line's role.
func lookup(u *updater.Updater, productLine, path string) (*metadata.TargetFiles, error) {
	info, err := u.GetTargetInfo(path)
	if err != nil {
		// go-tuf reports a target absent from every role it may be in with
		// this untyped error; anything else (a download failure) is not a
		// verdict on the target.
		if err.Error() != "target "+path+" not found" {
			return nil, classify(err)
		}
		return nil, refuse(fmt.Errorf("%w: %w", ErrNotDelegated, err),
			"target %q is not listed in metadata signed by product line %q's key", path, productLine)
	}
	role := u.GetTrustedMetadataSet().Targets[productLine]
	if role == nil || role.Signed.Targets[path] != info {
		return nil, refuse(ErrNotDelegated, "target %q was not signed by product line %q's delegated key", path, productLine)
	}
	return info, nil
}

// checkRelease applies the signed release metadata: product line, model,
// and the version rules (no downgrade, installed version at or above the
// floor the update may be applied from).
func checkRelease(info *metadata.TargetFiles, req VerifyRequest, installed Version) (*TargetMeta, error) {
	if info.Custom == nil {
		return nil, refuse(ErrBadMetadata, "target %q carries no release metadata", info.Path)
	}
	meta, err := ParseTargetMeta(*info.Custom)
	if err != nil {
		return nil, refuse(fmt.Errorf("%w: %w", ErrBadMetadata, err), "target %q has invalid release metadata: %s",
			info.Path, airtight.ErrorMessage(err))
	}
	if meta.ProductLine != req.ProductLine {
		return nil, refuse(ErrNotDelegated, "target %q is signed for product line %q, not %q", info.Path, meta.ProductLine, req.ProductLine)
	}
	if req.Model != "" && meta.Model != req.Model {
		return nil, refuse(ErrWrongModel, "target %q is for model %q, not %q", info.Path, meta.Model, req.Model)
	}
	v, _ := ParseVersion(meta.Version)
	floor, _ := ParseVersion(meta.MinVersion)
	if v.Compare(installed) < 0 {
		return nil, refuse(ErrDowngrade, "target version %s is lower than the installed version %s (downgrade)", meta.Version, req.InstalledVersion)
	}
	if installed.Compare(floor) < 0 {
		return nil, refuse(ErrDowngrade, "installed version %s is below %s, the lowest version this update may be applied to",
			req.InstalledVersion, meta.MinVersion)
	}
	return meta, nil
}

// checkFile downloads the target when asked (go-tuf checks it before it
// writes File), then checks File against the signed length and hashes.
func checkFile(u *updater.Updater, info *metadata.TargetFiles, req VerifyRequest) error {
	if req.Download {
		if _, _, err := u.DownloadTarget(info, req.File, ""); err != nil {
			return classify(err)
		}
	}
	f, err := os.Open(req.File)
	if os.IsNotExist(err) {
		return airtight.Errorf(airtight.ENotFound, "file %s not found", req.File)
	}
	if err != nil {
		return fmt.Errorf("open update file: %w", err)
	}
	defer f.Close()
	return matchFile(f, info)
}

// matchFile streams f through every signed hash, so a large image need not
// fit in the device's memory.
func matchFile(f *os.File, info *metadata.TargetFiles) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat update file: %w", err)
	}
	if fi.Size() != info.Length {
		return refuse(ErrTampered, "file is %d bytes, the signed length is %d", fi.Size(), info.Length)
	}
	hashers := map[string]hash.Hash{}
	var writers []io.Writer
	for alg := range info.Hashes {
		switch alg {
		case "sha256":
			hashers[alg] = sha256.New()
		case "sha512":
			hashers[alg] = sha512.New()
		default:
			return refuse(ErrBadMetadata, "target %q uses unsupported hash %q", info.Path, alg)
		}
		writers = append(writers, hashers[alg])
	}
	if len(writers) == 0 {
		return refuse(ErrBadMetadata, "target %q has no hashes", info.Path)
	}
	if _, err := io.Copy(io.MultiWriter(writers...), io.LimitReader(f, info.Length+1)); err != nil {
		return fmt.Errorf("hash update file: %w", err)
	}
	for alg, h := range hashers {
		if subtle.ConstantTimeCompare(h.Sum(nil), info.Hashes[alg]) != 1 {
			return refuse(ErrTampered, "file %s hash does not match the signed one", alg)
		}
	}
	return nil
}

// dirFetcher serves a repository from a directory (a USB stick, a mirror on
// an isolated network). A missing file reads as HTTP 404, which is how the
// client learns there is no newer root.
type dirFetcher struct{}

func (dirFetcher) DownloadFile(path string, maxLength int64, _ time.Duration) ([]byte, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: path}
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is larger than %d bytes", filepath.Base(path), maxLength)}
	}
	return data, nil
}
