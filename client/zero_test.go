package client

import (
	"context"
	"errors"
	"testing"

	"github.com/aterkoppling/minaarenden"
)

// TestUnconfiguredClient: a zero Client{} or a nil *Client fails every
// question with ErrNotConfigured instead of panicking in the goroutine that
// asks a part.
func TestUnconfiguredClient(t *testing.T) {
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), kundPart(pnr)}}
	for name, c := range map[string]*Client{"zero": {}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			if c.Name() != "" || c.Prefixes() != nil || c.Dialect() != Producer {
				t.Errorf("Name %q, Prefixes %v, Dialect %v; want the zero values", c.Name(), c.Prefixes(), c.Dialect())
			}
			a, err := c.Query(context.Background(), f)
			if !errors.Is(err, ErrNotConfigured) {
				t.Fatalf("Query: err = %v, want ErrNotConfigured", err)
			}
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Errorf("Query: err is %T, want a *Error like every failure", err)
			}
			if want := "client: the Client is not configured: build it with client.New (attempts: 0)"; err.Error() != want {
				t.Errorf("Query: err %q, want %q", err, want)
			}
			if a == nil || len(a.Outcomes) != 2 || !errors.Is(a.Outcomes[1].Err, ErrNotConfigured) {
				t.Errorf("Query: answer %+v, want an outcome per part failing with ErrNotConfigured", a)
			}
			var errs []error
			for _, err := range c.Events(context.Background(), f) {
				errs = append(errs, err)
			}
			if len(errs) != 1 || !errors.Is(errs[0], ErrNotConfigured) {
				t.Errorf("Events yielded %v, want one ErrNotConfigured", errs)
			}
		})
	}
}
