package updates

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

const (
	pumps = "acme-infusion-pumps"
	vents = "acme-ventilators"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a repository with two product lines and one device.
type fixture struct {
	repo, keys, rootKey string
	root                []byte // root.json the device was provisioned with
	device              string // the device's trusted metadata directory
	images              string
	now                 time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	base := t.TempDir()
	fx := &fixture{
		repo: filepath.Join(base, "repo"), keys: filepath.Join(base, "keys"),
		rootKey: filepath.Join(base, "offline", "root.key"),
		device:  filepath.Join(base, "device"), images: filepath.Join(base, "images"), now: t0,
	}
	for _, d := range []string{filepath.Dir(fx.rootKey), fx.images} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Init(fx.repo, InitOptions{Options: fx.opts(), KeysDir: fx.keys, RootKeyFile: fx.rootKey,
		ProductLines: []string{pumps, vents}})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if fx.root, err = os.ReadFile(filepath.Join(fx.repo, "metadata", "root.json")); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *fixture) opts() Options { return Options{Now: func() time.Time { return fx.now }} }

// image writes a software image and returns its path.
func (fx *fixture) image(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(fx.images, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// publish publishes a new image of the pumps line.
func (fx *fixture) publish(t *testing.T, name, version, minVersion string) string {
	t.Helper()
	file := fx.image(t, name, "image "+name+" "+version)
	_, err := Publish(fx.repo, fx.keys, pumps, file, Release{Model: "Plum 360", Version: version, MinVersion: minVersion}, fx.opts())
	if err != nil {
		t.Fatalf("Publish %s: %v", name, err)
	}
	return file
}

// request is a device's check of name, installed 4.0.0.
func (fx *fixture) request(name, file string) VerifyRequest {
	return VerifyRequest{
		Repo: fx.repo, TrustedRoot: fx.root, MetadataDir: fx.device, ProductLine: pumps,
		Target: name, InstalledVersion: "4.0.0", File: file,
		Now: func() time.Time { return fx.now },
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
