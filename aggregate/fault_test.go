package aggregate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// producerEvents are three events of producer i (prefix PRODA, PRODB, …)
// for person.
func producerEvents(i int) []minaarenden.Kundhandelse {
	name, prefix := producerName(i)
	var evs []minaarenden.Kundhandelse
	for j := range 3 {
		e := ev(name, fmt.Sprintf("%s-%d", prefix, j), minaarenden.Kundhandelsetyp(prefix+".ARENDE.STEG"), i*10+j)
		e.Part = person
		evs = append(evs, e)
	}
	return evs
}

func producerName(i int) (name, prefix string) {
	c := string(rune('A' + i))
	return "Producent " + c, "PROD" + c
}

// TestFaultMatrix asks ten clienttest producers over an in-memory network,
// one of them misbehaving, and checks that the other nine's events all
// arrive, that the faulty one's outcome says exactly what happened, and
// that nothing outlives Run.
func TestFaultMatrix(t *testing.T) {
	const faulty = 3
	spoofed := func() []minaarenden.Kundhandelse {
		evs := producerEvents(faulty)
		e := ev("Producent D", "spoof-1", "SKV.MOMS.BESLUT", 5) // posing as Skatteverket
		e.Part = person
		return append(evs, e)
	}
	duplicated := func() []minaarenden.Kundhandelse {
		evs := producerEvents(faulty)
		return append(evs, evs[1])
	}
	tests := []struct {
		name    string
		fault   clienttest.Fault
		refused bool
		events  func() []minaarenden.Kundhandelse // the faulty producer's, when not the usual three
		want    outcomeRow
		wantErr error // errors.Is target for the outcome's Err
		// wantMsg is the producer's message the outcome's *client.Error
		// must carry.
		wantMsg string
		// wantDur, when set, is the outcome's Duration on the fake clock:
		// a Retry-After of 1s is waited out before each retry.
		wantDur time.Duration
		// wantEvents is how many of the faulty producer's events arrive.
		wantEvents int
	}{
		{
			name:    "stall past the timeout",
			fault:   clienttest.Fault{Stall: true},
			want:    outcomeRow{Status: "timeout", Attempts: 1},
			wantErr: context.DeadlineExceeded,
		},
		{
			name:    "connection refused",
			refused: true,
			want:    outcomeRow{Status: "error", Attempts: 3},
			wantErr: syscall.ECONNREFUSED,
		},
		{
			// The client retries an answer broken off mid-body (3 attempts
			// by default), then reports the broken read.
			name:    "reset mid-body",
			fault:   clienttest.Fault{ResetMidBody: true},
			want:    outcomeRow{Status: "error", HTTPCode: 200, Attempts: 3},
			wantErr: io.ErrUnexpectedEOF,
		},
		{
			name:    "truncated JSON",
			fault:   clienttest.Fault{Truncate: true},
			want:    outcomeRow{Status: "error", HTTPCode: 200, Attempts: 1},
			wantErr: client.ErrMalformedAnswer,
		},
		{
			name:  "500",
			fault: clienttest.Fault{HTTPCode: 500},
			want:  outcomeRow{Status: "error", HTTPCode: 500, Attempts: 1},
		},
		{
			name:    "503 with Retry-After",
			fault:   clienttest.Fault{HTTPCode: 503, RetryAfter: "1"},
			want:    outcomeRow{Status: "error", HTTPCode: 503, Attempts: 3},
			wantDur: 2 * time.Second,
		},
		{
			name:       "503 with Retry-After, then well",
			fault:      clienttest.Fault{HTTPCode: 503, RetryAfter: "1", Times: 1},
			want:       outcomeRow{Status: "ok", HTTPCode: 200, Attempts: 2, Events: 3},
			wantEvents: 3,
			wantDur:    time.Second,
		},
		{
			name:  "429",
			fault: clienttest.Fault{HTTPCode: 429},
			want:  outcomeRow{Status: "error", HTTPCode: 429, Attempts: 3},
		},
		{
			name:    "400",
			fault:   clienttest.Fault{HTTPCode: 400, Message: "kund.typ stöds inte"},
			want:    outcomeRow{Status: "error", HTTPCode: 400, Attempts: 1},
			wantMsg: "kund.typ stöds inte",
		},
		{
			name:  "401",
			fault: clienttest.Fault{HTTPCode: 401},
			want:  outcomeRow{Status: "error", HTTPCode: 401, Attempts: 1},
		},
		{
			name:    "wrong content type",
			fault:   clienttest.Fault{ContentType: "text/html"},
			want:    outcomeRow{Status: "error", HTTPCode: 200, Attempts: 1},
			wantErr: client.ErrContentType,
		},
		{
			name:    "oversize body",
			fault:   clienttest.Fault{Oversize: 1 << 20},
			want:    outcomeRow{Status: "error", HTTPCode: 200, Attempts: 1},
			wantErr: client.ErrResponseTooLarge,
		},
		{
			name:    "slow body past the timeout",
			fault:   clienttest.Fault{SlowBody: time.Minute},
			want:    outcomeRow{Status: "timeout", HTTPCode: 200, Attempts: 1},
			wantErr: context.DeadlineExceeded,
		},
		{
			name:       "slow body within the timeout",
			fault:      clienttest.Fault{SlowBody: time.Second},
			want:       outcomeRow{Status: "ok", HTTPCode: 200, Attempts: 1, Events: 3},
			wantEvents: 3,
		},
		{
			name:       "spoofed prefix",
			events:     spoofed,
			want:       outcomeRow{Status: "rejected", HTTPCode: 200, Attempts: 1, Events: 3, Rejected: 1},
			wantErr:    aggregate.ErrSpoofed,
			wantEvents: 3,
		},
		{
			name:       "duplicate events",
			events:     duplicated,
			want:       outcomeRow{Status: "ok", HTTPCode: 200, Attempts: 1, Events: 4, Dups: 1},
			wantEvents: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := newMemNet()
				tr := mem.transport()
				t.Cleanup(tr.CloseIdleConnections)
				var sources []aggregate.Source
				var want []string
				for i := range 10 {
					name, prefix := producerName(i)
					evs := producerEvents(i)
					if i == faulty && tt.events != nil {
						evs = tt.events()
					}
					h, err := clienttest.NewHandler(clienttest.Config{Producent: name, Events: evs})
					if err != nil {
						t.Fatal(err)
					}
					host := fmt.Sprintf("producent-%d.test:80", i)
					if i == faulty {
						h.SetFault(tt.fault)
					}
					if !(i == faulty && tt.refused) {
						mem.serve(t, host, h)
					}
					c, err := client.New("http://"+host+clienttest.DefaultBasePath, &client.Options{
						Name: name, Prefixes: []minaarenden.Kundhandelsetyp{minaarenden.Kundhandelsetyp(prefix)},
						Transport: tr, MaxResponseBytes: 64 << 10, AllowInsecureHTTP: true, // an in-memory network
					})
					if err != nil {
						t.Fatal(err)
					}
					sources = append(sources, c)
					if i != faulty {
						for _, e := range evs {
							want = append(want, e.Producent+"/"+e.KundhandelseID)
						}
					}
				}
				a := mustNew(t, sources, &aggregate.Options{SourceTimeout: 5 * time.Second})
				res := mustRun(t, a, context.Background(), minaarenda(person))

				got := ids(res)
				var faultyGot int
				got = slices.DeleteFunc(got, func(id string) bool {
					if id[:len("Producent D")] == "Producent D" {
						faultyGot++
						return true
					}
					return false
				})
				slices.Sort(want)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("the healthy producers' events mismatch (-want +got):\n%s", diff)
				}
				if faultyGot != tt.wantEvents {
					t.Errorf("%d of the faulty producer's events arrived, want %d", faultyGot, tt.wantEvents)
				}
				rs := rows(res)
				for i, r := range rs {
					name, _ := producerName(i)
					want := outcomeRow{Source: name, Producent: name, Part: person.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Events: 3}
					if i == faulty {
						want = tt.want
						want.Source, want.Producent, want.Part = name, name, person.String()
					}
					if diff := cmp.Diff(want, r); diff != "" {
						t.Errorf("outcome %d mismatch (-want +got):\n%s", i, diff)
					}
				}
				o := res.Outcomes[faulty]
				if tt.wantErr != nil && !errors.Is(o.Err, tt.wantErr) {
					t.Errorf("faulty Err = %v, want it to match %v", o.Err, tt.wantErr)
				}
				if o.Status != aggregate.StatusOK && o.Err == nil {
					t.Errorf("faulty outcome %s has no Err", o.Status)
				}
				if o.Status != aggregate.StatusOK {
					var ce *client.Error
					var re *aggregate.RejectedError
					switch {
					case errors.As(o.Err, &ce):
						// The typed error agrees with the outcome.
						if ce.HTTPCode != o.HTTPCode || ce.Attempts != o.Attempts {
							t.Errorf("*client.Error has HTTP %d after %d attempts; the outcome says %d after %d", ce.HTTPCode, ce.Attempts, o.HTTPCode, o.Attempts)
						}
						if !strings.Contains(ce.Message, tt.wantMsg) {
							t.Errorf("*client.Error message %q, want the producer's %q", ce.Message, tt.wantMsg)
						}
					case errors.As(o.Err, &re):
						if re.Count != o.Rejected {
							t.Errorf("*RejectedError counts %d, the outcome %d", re.Count, o.Rejected)
						}
					default:
						t.Errorf("faulty Err = %T %v, want a *client.Error or *RejectedError", o.Err, o.Err)
					}
				}
				if tt.wantDur != 0 && o.Duration != tt.wantDur {
					t.Errorf("faulty outcome took %v, want %v", o.Duration, tt.wantDur)
				}
				t.Logf("faulty outcome: %s %d attempts=%d dur=%v: %v", o.Status, o.HTTPCode, o.Attempts, o.Duration, o.Err)
				if l := leaked(); len(l) > 0 {
					t.Fatalf("goroutines outlived Run:\n%v", l)
				}
			})
		})
	}
}

// TestForwardingThroughClienttest asks the forwarding stand-in about two
// parter while one producer behind it fails: the 206 becomes one outcome per
// producer and part, and the spoof guard holds each producer to its own
// prefixes.
func TestForwardingThroughClienttest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := newMemNet()
		tr := mem.transport()
		t.Cleanup(tr.CloseIdleConnections)
		withParts := func(evs []minaarenden.Kundhandelse, p minaarenden.Part) []minaarenden.Kundhandelse {
			for i := range evs {
				evs[i].Part = p
			}
			return evs
		}
		skv := withParts([]minaarenden.Kundhandelse{ev("Skatteverket", "s1", "SKV.ARBETSGIVARE.ANSOKAN", 1), ev("Skatteverket", "s2", "PRV.VARUMARKE.BESLUT", 2)}, pia)
		prv := withParts([]minaarenden.Kundhandelse{ev("PRV", "p1", "PRV.VARUMARKE.ANSOKAN", 3)}, pia)
		bv := withParts([]minaarenden.Kundhandelse{ev("Bolagsverket", "b1", "BV.VERKLIG_HUVUDMAN.ANSOKAN", 4)}, person)
		h, err := clienttest.NewHandler(clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{
			{Producent: "Skatteverket", Events: skv},
			{Producent: "PRV", Events: prv},
			{Producent: "Bolagsverket", Events: bv},
		}})
		if err != nil {
			t.Fatal(err)
		}
		h.SetProducerFault("PRV", clienttest.Fault{HTTPCode: 500})
		mem.serve(t, "fwd.test:80", h)
		c, err := client.New("http://fwd.test"+clienttest.DefaultBasePath, &client.Options{Name: "Vidareformedling", Dialect: client.Forwarding, Transport: tr, AllowInsecureHTTP: true})
		if err != nil {
			t.Fatal(err)
		}
		a := mustNew(t, []aggregate.Source{c}, &aggregate.Options{Producers: map[string][]minaarenden.Kundhandelsetyp{
			"Skatteverket": {"SKV"}, "PRV": {"PRV"}, "Bolagsverket": {"BV"},
		}})
		f := minaarenda(pia, person)
		f.Anvandare = "199001012385"
		res := mustRun(t, a, context.Background(), f)
		type row struct {
			Producent, Part  string
			Status           aggregate.Status
			HTTPCode         int
			Events, Rejected int
		}
		var got []row
		for _, o := range res.Outcomes {
			got = append(got, row{o.Producent, o.Part.String(), o.Status, o.HTTPCode, o.Events, o.Rejected})
		}
		want := []row{
			{"Bolagsverket", pia.String(), "ok", 200, 0, 0},
			{"PRV", pia.String(), "error", 500, 0, 0},
			{"Skatteverket", pia.String(), "rejected", 200, 1, 1},
			{"Bolagsverket", person.String(), "ok", 200, 1, 0},
			{"PRV", person.String(), "error", 500, 0, 0},
			{"Skatteverket", person.String(), "ok", 200, 0, 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"Skatteverket/s1", "Bolagsverket/b1"}, ids(res)); diff != "" {
			t.Errorf("events mismatch (-want +got):\n%s", diff)
		}
		if l := leaked(); len(l) > 0 {
			t.Fatalf("goroutines outlived Run:\n%v", l)
		}
	})
}

// TestHedgingOverHTTP hedges a real client over the in-memory network: the
// first request is stuck behind a slow producer, the hedge answers, the
// stuck one is cancelled, and the events arrive once.
func TestHedgingOverHTTP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := newMemNet()
		tr := mem.transport()
		t.Cleanup(tr.CloseIdleConnections)
		h, err := clienttest.NewHandler(clienttest.Config{Producent: "Producent A", Events: producerEvents(0)})
		if err != nil {
			t.Fatal(err)
		}
		h.SetFault(clienttest.Fault{Latency: time.Minute, Times: 1}) // only the first request is slow
		mem.serve(t, "a.test:80", h)
		c, err := client.New("http://a.test"+clienttest.DefaultBasePath, &client.Options{Name: "Producent A", Prefixes: []minaarenden.Kundhandelsetyp{"PRODA"}, Transport: tr, AllowInsecureHTTP: true})
		if err != nil {
			t.Fatal(err)
		}
		a := mustNew(t, []aggregate.Source{c}, &aggregate.Options{HedgeDelay: time.Second, SourceTimeout: 10 * time.Second})
		start := time.Now()
		res := mustRun(t, a, context.Background(), minaarenda(person))
		if took := time.Since(start); took != time.Second {
			t.Errorf("Run took %v, want the 1s hedge delay", took)
		}
		want := []outcomeRow{{Source: "Producent A", Producent: "Producent A", Part: person.String(), Status: "ok", HTTPCode: 200, Attempts: 1, Hedges: 1, Events: 3}}
		if diff := cmp.Diff(want, rows(res)); diff != "" {
			t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
		}
		if n := h.RequestCount(); n != 2 {
			t.Errorf("producer saw %d requests, want 2 (the first and its hedge)", n)
		}
		if len(res.Events) != 3 {
			t.Errorf("%d events, want 3", len(res.Events))
		}
		if l := leaked(); len(l) > 0 {
			t.Fatalf("goroutines outlived Run:\n%v", l)
		}
	})
}
