package cli

import (
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		never   bool
		wantErr bool
	}{
		{in: "90d", want: now.AddDate(0, 0, 90)},
		{in: "12h", want: now.Add(12 * time.Hour)},
		{in: "never", never: true},
		{in: "0", never: true},
		{in: "0d", wantErr: true},
		{in: "-5h", wantErr: true},
		{in: "9999d", wantErr: true},
		{in: "soon", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseExpiry(tc.in, now)
			switch {
			case tc.wantErr:
				if err == nil {
					t.Fatalf("accepted %q", tc.in)
				}
			case err != nil:
				t.Fatal(err)
			case tc.never:
				if got != nil {
					t.Fatalf("got %v, want never", got)
				}
			case got == nil || !got.Equal(tc.want):
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := RandomPassword()
		if len(p) != 20 || seen[p] {
			t.Fatalf("bad or repeated password %q", p)
		}
		seen[p] = true
	}
}
