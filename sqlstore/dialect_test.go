package sqlstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDialectRebind(t *testing.T) {
	tests := []struct {
		name, in, sqlite, postgres string
	}{
		{"none", `SELECT 1`, `SELECT 1`, `SELECT 1`},
		{"numbered", `SELECT a FROM t WHERE x = ? AND y IN (?, ?)`, `SELECT a FROM t WHERE x = ? AND y IN (?, ?)`,
			`SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)`},
		{"quoted mark kept", `SELECT '?' || ? FROM t WHERE z = '??'`, `SELECT '?' || ? FROM t WHERE z = '??'`,
			`SELECT '?' || $1 FROM t WHERE z = '??'`},
		{"escaped quote", `SELECT 'it''s ?', ?`, `SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{"like escape", `WHERE s LIKE ? ESCAPE '\' AND id > ?`, `WHERE s LIKE ? ESCAPE '\' AND id > ?`,
			`WHERE s LIKE $1 ESCAPE '\' AND id > $2`},
		{"ten and more", `(?,?,?,?,?,?,?,?,?,?,?)`, `(?,?,?,?,?,?,?,?,?,?,?)`, `($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqlite.q(tc.in); got != tc.sqlite {
				t.Errorf("sqlite: %q; want %q", got, tc.sqlite)
			}
			if got := postgres.q(tc.in); got != tc.postgres {
				t.Errorf("postgres: %q; want %q", got, tc.postgres)
			}
		})
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"comments only", "-- a\n  -- b\n\n", nil},
		{"two", "CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);\n",
			[]string{"CREATE TABLE a (x INT);", "CREATE TABLE b (y INT);"}},
		{"multi-line with comments", "-- head\nCREATE TABLE a (\n    x INT, -- inline stays\n    -- dropped\n    y INT\n);\n",
			[]string{"CREATE TABLE a (\n    x INT, -- inline stays\n    y INT\n);"}},
		{"no final semicolon", "SELECT 1;\nSELECT 2", []string{"SELECT 1;", "SELECT 2"}},
		{"semicolon mid-line is not an end", "INSERT INTO t VALUES ('a;b')\n;", []string{"INSERT INTO t VALUES ('a;b')\n;"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, splitStatements(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMigrationsSplitForBothEngines(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		for _, d := range []dialect{sqlite, postgres} {
			for _, s := range splitStatements(d.schema(m.sql)) {
				if s == "" || s[len(s)-1] != ';' {
					t.Errorf("%s (%s): statement %.40q does not end in a semicolon", m.name, d.name, s)
				}
			}
		}
	}
}
