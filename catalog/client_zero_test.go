package catalog

import (
	"context"
	"errors"
	"testing"
)

// TestUnconfiguredClient: a zero Client{} or a nil *Client fails every call
// with ErrNotConfigured instead of panicking.
func TestUnconfiguredClient(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]*Client{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err1 := c.ProducentarendetyperFor(ctx, "Skatteverket")
			_, err2 := c.Flode(ctx, "SKV.MOMS", "")
			_, err3 := c.Kundhandelsetyper(ctx, "SKV.MOMS.DEKL_INLAMAD")
			for i, err := range []error{err1, err2, err3} {
				if !errors.Is(err, ErrNotConfigured) {
					t.Errorf("call %d: err = %v, want ErrNotConfigured", i+1, err)
				}
			}
		})
	}
}
