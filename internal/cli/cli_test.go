package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/airtight/airtight/audit"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// run runs the CLI with args against the data directory and returns stdout
// and stderr.
func run(t *testing.T, data, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" }}
	err := e.run(append(args, "--data", data))
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, data, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, data, stdin, args...)
	if err != nil {
		t.Fatalf("airtight %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

const goodCSV = `asset_tag,manufacturer,model,kind,fda_product_code,criticality,version,department,network_zone,ip,mac,ae_title
RGH-0001,GE HealthCare,Revolution CT,ct-scanner,JAK,diagnostic,1.2,Radiology,imaging,10.1.0.10,00:1a:2b:3c:4d:01,CT_RAD_01
RGH-0002,BD,Alaris 8015 PC Unit,infusion-pump,FRN,life-sustaining,12.1.2,ICU,biomed,10.2.0.11,00:1a:2b:3c:4d:02,
RGH-0003,Philips,IntelliVue MX800,patient-monitor,,life-supporting,M.00.03,ICU,biomed,10.2.0.12,00:1a:2b:3c:4d:03,
`

const badCSV = `asset_tag,manufacturer,model,kind,criticality,version,department,network_zone,ip,mac,ae_title
RGH-0004,GE HealthCare,Revolution CT,ct-scanner,diagnostic,1.2,Radiology,imaging,10.1.0.13,,
RGH-0005,GE HealthCare,Revolution CT,ct-scanner,very-critical,1.2,Radiology,imaging,10.1.0.14,,
RGH-0006,GE HealthCare,Revolution CT,ct-scanner,diagnostic,1.2,Radiology,imaging,not-an-ip,,
`

func TestCLIInventoryAndAudit(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General", "--kind", "hospital")
	out := mustRun(t, data, "", "org", "list", "-o", "json")
	if !strings.Contains(out, `"slug": "riverside"`) {
		t.Fatalf("org list: %s", out)
	}

	out = mustRun(t, data, "correct horse battery\n", "user", "add", "--org", "riverside", "--email", "Ada@Riverside.example",
		"--name", "Ada", "--role", "admin", "--password-stdin")
	if strings.Contains(out, "password (shown once)") {
		t.Errorf("password from stdin was echoed: %s", out)
	}
	if _, _, err := run(t, data, "short\n", "user", "add", "--org", "riverside", "--email", "b@r.example",
		"--name", "B", "--role", "admin", "--password-stdin"); err == nil {
		t.Error("short password accepted")
	}
	out = mustRun(t, data, "", "user", "passwd", "ada@riverside.example")
	if !regexp.MustCompile(`password \(shown once\): \S{20}`).MatchString(out) {
		t.Errorf("passwd did not print a generated password once: %s", out)
	}

	out = mustRun(t, data, "", "token", "create", "--org", "riverside", "--name", "cmdb", "--role", "biomed", "--expires", "30d")
	secret := regexp.MustCompile(`atk_[a-z2-7]+`).FindString(out)
	if secret == "" {
		t.Fatalf("no secret printed: %s", out)
	}
	out = mustRun(t, data, "", "token", "list", "--org", "riverside")
	if strings.Contains(out, secret) || !strings.Contains(out, "cmdb") {
		t.Fatalf("token list shows the secret or misses the token: %s", out)
	}
	mustRun(t, data, "", "token", "revoke", "--org", "riverside", "1")
	if out := mustRun(t, data, "", "token", "list", "--org", "riverside"); !strings.Contains(out, "revoked") {
		t.Errorf("revoked token not shown as revoked: %s", out)
	}

	csvPath := writeFile(t, "good.csv", goodCSV)
	out = mustRun(t, data, "", "device", "import", "--org", "riverside", csvPath)
	if !strings.Contains(out, "3 created, 0 updated") {
		t.Fatalf("import: %s", out)
	}
	out = mustRun(t, data, "", "device", "import", "--org", "riverside", csvPath)
	if !strings.Contains(out, "0 created, 3 updated") {
		t.Fatalf("re-import: %s", out)
	}

	_, errOut, err := run(t, data, "", "device", "import", "--org", "riverside", writeFile(t, "bad.csv", badCSV))
	if err == nil {
		t.Fatal("bad CSV accepted")
	}
	for _, want := range []string{"line 3", "line 4"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error does not name %s: %s", want, errOut)
		}
	}
	if strings.Contains(errOut, "line 2") {
		t.Errorf("error names the good line 2: %s", errOut)
	}

	var page struct {
		Devices []struct {
			AssetTag string `json:"asset_tag"`
		} `json:"devices"`
	}
	out = mustRun(t, data, "", "device", "list", "--org", "riverside", "-o", "json")
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Devices) != 3 {
		t.Fatalf("after a rejected import: %d devices, want 3 (nothing written)", len(page.Devices))
	}
	out = mustRun(t, data, "", "device", "list", "--org", "riverside", "--kind", "Infusion Pump")
	if !strings.Contains(out, "RGH-0002") || strings.Contains(out, "RGH-0001") {
		t.Errorf("kind filter: %s", out)
	}
	out = mustRun(t, data, "", "device", "export", "--org", "riverside")
	if !strings.HasPrefix(out, "asset_tag,") || strings.Count(out, "\n") != 4 || !strings.Contains(out, "RGH-0001,GE HealthCare,Revolution CT,ct-scanner,JAK,diagnostic,1.2,") {
		t.Errorf("export: %q", out)
	}

	out = mustRun(t, data, "", "audit", "verify")
	if !strings.Contains(out, "audit log OK") {
		t.Fatalf("verify: %s", out)
	}
	out = mustRun(t, data, "", "audit", "export", "--org", "riverside")
	if n := strings.Count(out, "\n"); n < 6 {
		t.Errorf("audit export has %d lines", n)
	}

	// Edit one entry behind airtight's back: verify must name it.
	tamper(t, filepath.Join(data, "airtight.db"), `UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 4`)
	out, _, err = run(t, data, "", "audit", "verify")
	if err == nil || !strings.Contains(out, "BROKEN at entry 4") {
		t.Fatalf("verify after edit: err=%v out=%s", err, out)
	}
}

func tamper(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := writeFileMode(p, content); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	out := mustRun(t, t.TempDir(), "", "version")
	if !strings.HasPrefix(out, "airtight "+Version) {
		t.Errorf("version: %q", out)
	}
}

func TestUnknownOrg(t *testing.T) {
	_, errOut, err := run(t, t.TempDir(), "", "device", "list", "--org", "nope")
	if err == nil || !strings.Contains(errOut, "not found") {
		t.Errorf("err=%v stderr=%s", err, errOut)
	}
}

func TestCompletion(t *testing.T) {
	out := mustRun(t, t.TempDir(), "", "completion", "bash")
	if !strings.Contains(out, "airtight") {
		t.Errorf("no bash completion: %.100s", out)
	}
	_ = fmt.Sprint()
}

func writeFileMode(p, content string) error { return os.WriteFile(p, []byte(content), 0o600) }

// A log rewritten consistently (every hash recomputed, head updated) passes
// the chain check; a checkpoint kept outside the database catches it.
func TestAuditCheckpointCatchesRewrite(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "", "org", "create", "--slug", "riverside", "--name", "Riverside General", "--kind", "hospital")
	mustRun(t, data, "", "org", "create", "--slug", "acme", "--name", "Acme", "--kind", "manufacturer")
	cp := strings.TrimSpace(mustRun(t, data, "", "audit", "checkpoint"))
	if !regexp.MustCompile(`^2:[0-9a-f]{64}$`).MatchString(cp) {
		t.Fatalf("checkpoint = %q", cp)
	}
	mustRun(t, data, "", "audit", "verify", "--checkpoint", cp)

	rewriteAudit(t, filepath.Join(data, "airtight.db"), 1, "mallory")
	if out := mustRun(t, data, "", "audit", "verify"); !strings.Contains(out, "audit log OK") {
		t.Fatalf("a consistent rewrite should pass the chain check alone: %s", out)
	}
	out, _, err := run(t, data, "", "audit", "verify", "--checkpoint", cp)
	if err == nil || !strings.Contains(out, "no longer matches the checkpoint") {
		t.Fatalf("verify --checkpoint after a rewrite: err=%v out=%s", err, out)
	}
	if _, _, err := run(t, data, "", "audit", "verify", "--checkpoint", "2:nothex"); err == nil {
		t.Error("malformed checkpoint accepted")
	}
}

// rewriteAudit changes entry from's actor name and re-seals the chain from
// there, as an attacker with database access would.
func rewriteAudit(t *testing.T, path string, from int64, name string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT seq, time, org_id, actor_kind, actor_id, actor_name, remote_addr, action, target_type, target_id, summary, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var es []*audit.Entry
	for rows.Next() {
		var e audit.Entry
		var tm int64
		var summary string
		if err := rows.Scan(&e.Seq, &tm, &e.OrgID, &e.ActorKind, &e.ActorID, &e.ActorName, &e.RemoteAddr, &e.Action, &e.TargetType, &e.TargetID, &summary, &e.PrevHash, &e.Hash); err != nil {
			t.Fatal(err)
		}
		e.Time, e.Summary = time.UnixMicro(tm).UTC(), []byte(summary)
		es = append(es, &e)
	}
	rows.Close()
	for i, e := range es {
		if e.Seq < from {
			continue
		}
		if e.Seq == from {
			e.ActorName = name
		}
		var prev *audit.Entry
		if i > 0 {
			prev = es[i-1]
		}
		e.Seal(prev)
		if _, err := db.Exec(`UPDATE audit_log SET actor_name = ?, prev_hash = ?, hash = ? WHERE seq = ?`, e.ActorName, e.PrevHash, e.Hash, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	last := es[len(es)-1]
	if _, err := db.Exec(`UPDATE audit_head SET hash = ? WHERE id = 1`, last.Hash); err != nil {
		t.Fatal(err)
	}
}
