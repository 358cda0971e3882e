package watch

import (
	"strings"
	"testing"
	"time"
)

// TestClaimOptionsValidate: options without an owner, a lease or a time
// are refused by name, since a claim under them would hold nothing; the
// in-memory store's Claim and ClaimOutbox refuse them too.
func TestClaimOptionsValidate(t *testing.T) {
	now := time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		opts ClaimOptions
		want string // "" for valid
	}{
		{ClaimOptions{Owner: "a", Now: now, Lease: time.Minute}, ""},
		{ClaimOptions{Now: now, Lease: time.Minute}, "ClaimOptions.Owner is empty"},
		{ClaimOptions{Owner: "a", Now: now}, "ClaimOptions.Lease 0s is not positive"},
		{ClaimOptions{Owner: "a", Now: now, Lease: -time.Second}, "ClaimOptions.Lease -1s is not positive"},
		{ClaimOptions{Owner: "a", Lease: time.Minute}, "ClaimOptions.Now is not set"},
	}
	store := NewMemoryStore()
	for _, tt := range tests {
		for name, call := range map[string]func() error{
			"Validate":    tt.opts.Validate,
			"Claim":       func() error { _, err := store.Claim(t.Context(), tt.opts); return err },
			"ClaimOutbox": func() error { _, err := store.ClaimOutbox(t.Context(), tt.opts); return err },
		} {
			err := call()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%s(%+v) = %v, want nil", name, tt.opts, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("%s(%+v) = %v, want an error containing %q", name, tt.opts, err, tt.want)
			}
		}
	}
}
