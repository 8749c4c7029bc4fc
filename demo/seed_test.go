package demo_test

import (
	"context"
	"testing"

	"github.com/airtight/airtight"
	"github.com/airtight/airtight/auth/argon2id"
	"github.com/airtight/airtight/demo"
	"github.com/airtight/airtight/inventory"
	"github.com/airtight/airtight/sqlstore"
)

var _ demo.Store = (*sqlstore.DB)(nil)

func openStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func seedOptions() demo.Options {
	return demo.Options{Params: argon2id.Fast}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	res, err := demo.Seed(ctx, db, seedOptions())
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if res.AlreadySeeded || res.HospitalID == 0 || res.MakerID == 0 || res.GrantID == 0 {
		t.Fatalf("result = %+v", res)
	}
	if res.Devices != demo.DefaultDevices {
		t.Errorf("imported %d devices, want %d", res.Devices, demo.DefaultDevices)
	}

	t.Run("logins", func(t *testing.T) { checkLogins(t, db, res) })
	t.Run("fleet", func(t *testing.T) {
		hctx := airtight.NewContext(ctx, airtight.SystemActor(res.HospitalID, "test"))
		sum, err := db.Summarize(hctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != demo.DefaultDevices || len(sum.ByKind) < 30 {
			t.Errorf("summary: %d devices, %d kinds", sum.Total, len(sum.ByKind))
		}
	})
	t.Run("installed base", func(t *testing.T) {
		mctx := airtight.NewContext(ctx, airtight.SystemActor(res.MakerID, "test"))
		page, err := db.ListInstalledBase(mctx, inventory.DeviceFilter{Limit: inventory.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Devices) == 0 {
			t.Fatal("the maker tenant sees no devices")
		}
		for _, d := range page.Devices {
			if d.Manufacturer != "Philips" || d.OrgID != res.HospitalID {
				t.Errorf("maker sees %s device %s of org %d", d.Manufacturer, d.AssetTag, d.OrgID)
			}
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		again, err := demo.Seed(ctx, db, seedOptions())
		if err != nil {
			t.Fatal(err)
		}
		if !again.AlreadySeeded || len(again.Logins) != 0 || again.HospitalID != res.HospitalID {
			t.Errorf("second Seed = %+v, want AlreadySeeded and no logins", again)
		}
		orgs, err := db.ListOrganizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 2 {
			t.Errorf("%d organizations after a second Seed, want 2", len(orgs))
		}
	})
	t.Run("reset admin password", func(t *testing.T) {
		opts := seedOptions()
		opts.ResetAdminPassword = true
		again, err := demo.Seed(ctx, db, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !again.AlreadySeeded || len(again.Logins) != 1 || again.Logins[0].Role != airtight.RoleAdmin {
			t.Fatalf("Seed with reset = %+v, want the admin login only", again)
		}
		l := again.Logins[0]
		u, err := db.FindUserByEmail(ctx, l.Email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := argon2id.Verify(l.Password, u.PasswordHash); !ok {
			t.Error("the new admin password does not verify")
		}
		if ok, _ := argon2id.Verify(res.Logins[0].Password, u.PasswordHash); ok || l.Password == res.Logins[0].Password {
			t.Error("the old admin password still verifies")
		}
	})
}

func TestSeedOptions(t *testing.T) {
	tests := []struct {
		name    string
		devices int
	}{
		{"too few for a Philips device", 1},
		{"more than a CSV may hold", inventory.MaxCSVRows + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openStore(t)
			opts := seedOptions()
			opts.Devices = tt.devices
			_, err := demo.Seed(context.Background(), db, opts)
			if airtight.ErrorCode(err) != airtight.EInvalid {
				t.Fatalf("Seed = %v, want an invalid error", err)
			}
			orgs, err := db.ListOrganizations(context.Background())
			if err != nil || len(orgs) != 0 {
				t.Errorf("organizations after a refused seed: %d (%v)", len(orgs), err)
			}
		})
	}
}

// checkLogins verifies every returned login against the stored hash.
func checkLogins(t *testing.T, db *sqlstore.DB, res *demo.Result) {
	t.Helper()
	if len(res.Logins) != 5 {
		t.Fatalf("%d logins, want 5", len(res.Logins))
	}
	roles := map[string]int{}
	for _, l := range res.Logins {
		roles[l.Org+"/"+string(l.Role)]++
		if len(l.Password) < 16 {
			t.Errorf("%s: password of %d characters", l.Email, len(l.Password))
		}
		u, err := db.FindUserByEmail(context.Background(), l.Email)
		if err != nil {
			t.Fatalf("%s: %v", l.Email, err)
		}
		if ok, err := argon2id.Verify(l.Password, u.PasswordHash); err != nil || !ok {
			t.Errorf("%s: password does not verify (%v)", l.Email, err)
		}
		if u.Role != l.Role {
			t.Errorf("%s: stored role %s, want %s", l.Email, u.Role, l.Role)
		}
	}
	for _, want := range []string{"riverside-general/admin", "riverside-general/biomed", "riverside-general/analyst",
		"riverside-general/auditor", "philips-demo/admin"} {
		if roles[want] != 1 {
			t.Errorf("logins by org/role: %v; missing %s", roles, want)
		}
	}
	if res.Logins[0].Password == res.Logins[1].Password {
		t.Error("two accounts got the same password")
	}
}
