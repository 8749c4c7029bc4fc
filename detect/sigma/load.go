package sigma

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadDir loads every .yml and .yaml file under dir (recursively). Rules
// that cannot be used are returned as rejections, the rest load; the error
// is for the directory itself being unreadable. File names in rules and
// rejections are relative to dir.
func LoadDir(dir string, cfg Config) ([]*Rule, []Rejection, error) {
	return LoadFS(os.DirFS(dir), cfg)
}

// LoadFS is LoadDir over a file system.
func LoadFS(fsys fs.FS, cfg Config) ([]*Rule, []Rejection, error) {
	cfg = cfg.withDefaults()
	var rules []*Rule
	var rejs []Rejection
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("load rules: %w", err)
		}
		if d.IsDir() || !isRuleFile(path) {
			return nil
		}
		if len(rules) >= cfg.Limits.MaxRules {
			rejs = append(rejs, Rejection{File: path, Reason: fmt.Sprintf("rule limit %d reached", cfg.Limits.MaxRules)})
			return fs.SkipAll
		}
		data, err := readLimited(fsys, path, cfg.Limits.MaxFileBytes)
		if err != nil {
			rejs = append(rejs, Rejection{File: path, Reason: err.Error()})
			return nil
		}
		rs, rj := ParseRules(path, data, cfg)
		rules = append(rules, rs...)
		rejs = append(rejs, rj...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return rules, rejs, nil
}

func isRuleFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yml" || ext == ".yaml"
}

func readLimited(fsys fs.FS, path string, limit int64) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file larger than %d bytes", limit)
	}
	return data, nil
}
