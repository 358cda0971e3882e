package client_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// A forwarding service that always has one more full page of fresh events
// is asked until the events limit, or the pages limit, and no further:
// the relayed producer's outcome fails with the limit's error, the events
// up to it are kept, and memory holds no more than them.
func TestForwardingEndlessPages(t *testing.T) {
	tests := []struct {
		name    string
		opts    client.Options
		pages   int
		events  int
		wantErr error
	}{
		{"events limit", client.Options{PageSize: 100, MaxEventsPerPart: 1000}, 11, 1000, client.ErrTooManyEvents},
		{"pages limit", client.Options{PageSize: 100, MaxPages: 7}, 7, 700, client.ErrTooManyPages},
		{"defaults", client.Options{}, client.DefaultMaxEventsPerPart/200 + 1, client.DefaultMaxEventsPerPart, client.ErrTooManyEvents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := clienttest.Start(t, clienttest.Config{Dialect: client.Forwarding, Producent: "Skatteverket", Events: testEvents("Skatteverket")})
			s.Handler.SetFault(clienttest.Fault{EndlessPages: true})
			opts := tt.opts
			opts.Dialect = client.Forwarding
			c, err := client.New(s.URL, &opts)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			a, err := c.Query(t.Context(), minaarenden.Fraga{Anvandare: pnr, Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}}})
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if n := s.Handler.RequestCount(); n != tt.pages {
				t.Errorf("%d pages asked, want %d", n, tt.pages)
			}
			if len(a.Events) != tt.events {
				t.Errorf("%d events, want %d", len(a.Events), tt.events)
			}
			found := false
			for _, o := range a.Outcomes {
				if o.Producent != "Skatteverket" {
					continue
				}
				found = true
				if !errors.Is(o.Err, tt.wantErr) {
					t.Errorf("Skatteverket's outcome: err %v, want %v: its answer was cut short", o.Err, tt.wantErr)
				}
			}
			if !found {
				t.Error("no outcome for Skatteverket: the producer whose answer was cut short is not named")
			}
			// The pages up to the limit, their requests and the events
			// kept (client and server alike) are far under this; an
			// unbounded run grows without end.
			if limit := uint64(256 << 20); allocated > limit {
				t.Errorf("allocated %d bytes, want under %d", allocated, limit)
			}
		})
	}
}
