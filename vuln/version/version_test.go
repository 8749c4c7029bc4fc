package version

import "testing"

func TestCompare(t *testing.T) {
	tests := []struct {
		name   string
		scheme Scheme
		a, b   string
		want   int
	}{
		{"semver v prefix", SemVer, "v1.2.3", "1.2.3", 0},
		{"semver minor", SemVer, "1.2.3", "1.10.0", -1},
		{"semver prerelease below release", SemVer, "1.0.0-rc.1", "1.0.0", -1},
		{"semver numeric prerelease", SemVer, "1.0.0-2", "1.0.0-10", -1},
		{"semver incompatible", SemVer, "v2.0.0+incompatible", "2.0.0", 0},
		{"go pseudo-version", SemVer, "v0.0.0-20210330210617-4fbd30eecc44", "0.0.0-20220412211240-33da011f77ad", -1},
		{"go pseudo below release", SemVer, "v0.3.5-0.20201125200606-c27b9fd57aec", "0.3.5", -1},
		{"pep440 epoch", PEP440, "1!0.1", "2.0", 1},
		{"pep440 trailing zeros", PEP440, "1.0", "1.0.0", 0},
		{"pep440 pre", PEP440, "1.0a1", "1.0b1", -1},
		{"pep440 rc below release", PEP440, "1.0rc1", "1.0", -1},
		{"pep440 dev below pre", PEP440, "1.0.dev1", "1.0a1", -1},
		{"pep440 post above release", PEP440, "1.0.post1", "1.0", 1},
		{"pep440 implicit post", PEP440, "1.0-1", "1.0.post1", 0},
		{"pep440 alpha spelling", PEP440, "1.0alpha2", "1.0a2", 0},
		{"pep440 local ignored", PEP440, "1.0+abc", "1.0", 0},
		{"generic letters", Generic, "B.06.17", "B.06.18", -1},
		{"generic numeric width", Generic, "9.33", "9.5", 1},
		{"generic zero padding", Generic, "1.2", "1.2.0", 0},
		{"generic case", Generic, "c.02", "C.02", 0},
		{"generic letter suffix is later", Generic, "2.4", "2.4a", -1},
		{"generic letter suffix is later (reversed)", Generic, "1.0.1a", "1.0.1", 1},
		{"generic letter suffixes in order", Generic, "1.0.1a", "1.0.1b", -1},
		{"generic pre-release is earlier", Generic, "2.4rc1", "2.4", -1},
		{"generic beta is earlier", Generic, "2.4", "2.4beta", 1},
		{"generic product tag below higher number", Generic, "GEH-1.2", "1.3", -1},
		{"generic product tag above lower number", Generic, "GEH-2.0", "1.9", 1},
		{"generic product tag against number", Generic, "1.10", "GEH-1.9", 1},
		{"generic product tag equal number", Generic, "GEH-1.2", "1.2", 0},
		{"generic same product tag", Generic, "GEH-1.2", "GEH-1.10", -1},
		{"generic different product tags", Generic, "ABC-9", "GEH-1", -1},
		{"generic letter-led single segment", Generic, "beta", "1.0", -1},
		{"generic release series letter stays below numbers", Generic, "B.06.18", "2.0", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compare(tt.scheme, tt.a, tt.b)
			if err != nil || got != tt.want {
				t.Errorf("Compare(%s, %q, %q) = %d, %v; want %d", tt.scheme, tt.a, tt.b, got, err, tt.want)
			}
		})
	}
}

func TestCompareInvalid(t *testing.T) {
	for _, v := range []string{"", "1.2.3.4", "x", "1.0-"} {
		if _, err := Compare(SemVer, v, "1.0.0"); err == nil {
			t.Errorf("semver %q: no error", v)
		}
	}
	if _, err := Compare(PEP440, "not a version", "1.0"); err == nil {
		t.Error("pep440: no error")
	}
}

func TestExpr(t *testing.T) {
	tests := []struct {
		expr    string
		in, out []string
		fixed   string
	}{
		{"< B.06.18", []string{"B.06.17", "B.05.99"}, []string{"B.06.18", "B.07"}, "B.06.18"},
		{"<= 3.1", []string{"3.1", "3.0.9", "v2"}, []string{"3.1.1", "4"}, ""},
		{"5.x", []string{"5", "5.2.1"}, []string{"6.0", "4.9"}, ""},
		{"1.X.x", []string{"1.4.2"}, []string{"2.1"}, ""},
		{"all versions", []string{"0.1", "anything"}, nil, ""},
		{"vers:all/*", []string{"7"}, nil, ""},
		{"versions prior to 2.2", []string{"2.1.9"}, []string{"2.2"}, "2.2"},
		{"3.0 through 3.4", []string{"3.0", "3.4", "3.2.1"}, []string{"2.9", "3.5"}, ""},
		{">= 4.4 | <= 4.12", []string{"4.4", "4.12", "4.9"}, []string{"4.3", "4.13"}, ""},
		{"vers:generic/>=1.0|<2.0", []string{"1.5"}, []string{"2.0", "0.9"}, "2.0"},
		{"B.02 | C.02 | C.03", []string{"C.02"}, []string{"C.01"}, ""},
		{"2.3.6 and below", []string{"2.3.6", "1"}, []string{"2.3.7"}, ""},
		{"<= 1.54 (integrated into GE MobileLink)", []string{"1.54"}, []string{"1.55"}, ""},
		{"version 2.1", []string{"v2.1"}, []string{"2.2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := ParseExpr(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.in {
				if !e.Contains(v) {
					t.Errorf("%q does not contain %q", tt.expr, v)
				}
			}
			for _, v := range tt.out {
				if e.Contains(v) {
					t.Errorf("%q contains %q", tt.expr, v)
				}
			}
			if got := e.Fixed(); got != tt.fixed {
				t.Errorf("Fixed = %q, want %q", got, tt.fixed)
			}
		})
	}
}

func TestExprNoVersion(t *testing.T) {
	for _, s := range []string{"IGS", "< august 28", "base units (BU)|handheld base units (HBU)", "!= 2.0"} {
		if _, err := ParseExpr(s); err == nil {
			t.Errorf("ParseExpr(%q): no error", s)
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"< B.06.18", "5.x", ">= 1 | <= 2", "vers:generic/>=1|<2", "3.0 through 3.4", ""} {
		f.Add(s, "1.2.3")
	}
	f.Fuzz(func(t *testing.T, expr, v string) {
		if e, err := ParseExpr(expr); err == nil {
			e.Contains(v)
			e.Fixed()
		}
		Compare(SemVer, v, expr)
		Compare(PEP440, v, expr)
		CompareGeneric(v, expr)
	})
}
