package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	pnr   = "199001012385"
	orgnr = "165560360793"
)

func testEvents(producent string) []minaarenden.Kundhandelse {
	part := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return []minaarenden.Kundhandelse{
		{KundhandelseID: "1", Rubrik: "Ansökan mottagen", Beskrivning: "Vi har tagit emot din ansökan.", Sprak: "sv",
			Producent: producent, Tidpunkt: at("2025-03-04T05:06:07+01:00"), Typ: "SKV.ARBETSGIVARE.ANSOKAN", Part: part},
		// The first pass of the autumn overlap: the one a zoneless RAML
		// tidpunkt can carry (the second pass reads back as the first).
		{KundhandelseID: "2", Rubrik: "Komplettera", Beskrivning: "Skicka in underlag.", Sprak: "sv",
			Producent: producent, Tidpunkt: at("2025-10-26T02:30:00+02:00"), Typ: "SKV.ARBETSGIVARE.KOMPLETTERING",
			KraverKundatgard: true, Part: part},
		{KundhandelseID: "3", Rubrik: "Beslut", Beskrivning: "Du är registrerad.", Sprak: "sv",
			Producent: producent, Tidpunkt: at("2025-10-26T03:15:00+01:00"), Typ: "SKV.ARBETSGIVARE.BESLUT",
			Klart: true, Part: part},
	}
}

// seen is what must survive a round trip in every version.
type seen struct {
	ID                      string
	Tidpunkt                time.Time
	Typ                     minaarenden.Kundhandelsetyp
	Rubrik                  string
	KraverKundatgard, Klart bool
}

func project(events []minaarenden.Kundhandelse) []seen {
	out := []seen{}
	for _, e := range events {
		out = append(out, seen{e.KundhandelseID, e.Tidpunkt.UTC(), e.Typ, e.Rubrik, e.KraverKundatgard, e.Klart})
	}
	return out
}

// TestRoundTripClienttest asks the in-memory stand-in, which checks every
// request against the spoken version's schema, in every version and both
// dialects, and reads back the events it holds.
func TestRoundTripClienttest(t *testing.T) {
	want := project(testEvents("Skatteverket"))
	fraga := minaarenden.Fraga{
		Parter:            []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.ARBETSGIVARE"},
	}
	for _, v := range minaarenden.Versions()[1:] { // 1.0 asked with GET; the client refuses to
		for _, d := range []client.Dialect{client.Producer, client.Forwarding} {
			t.Run(d.String()+"/"+string(v), func(t *testing.T) {
				srv := clienttest.Start(t, clienttest.Config{Dialect: d, Version: v, Producent: "Skatteverket", Events: testEvents("Skatteverket")})
				c, err := client.New(srv.URL, &client.Options{Dialect: d, Version: v, AnropandeOrganisation: orgnr, Name: "Skatteverket", PageSize: 2})
				if err != nil {
					t.Fatal(err)
				}
				a, err := c.Query(t.Context(), fraga)
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				got := project(a.Events)
				if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b seen) bool { return a.ID < b.ID })); diff != "" {
					t.Errorf("events mismatch (-want +got):\n%s", diff)
				}
				if d == client.Forwarding {
					// Pages come sorted by instant.
					for i := 1; i < len(got); i++ {
						if got[i].Tidpunkt.Before(got[i-1].Tidpunkt) {
							t.Errorf("forwarding pages not in instant order: %v", got)
						}
					}
				}
				wantVersion := v
				if !v.AtLeast(minaarenden.V3_0) {
					wantVersion = "" // no version before 3.0
				}
				if a.Version != wantVersion {
					t.Errorf("Answer.Version = %q, want %q", a.Version, wantVersion)
				}
				if len(a.Outcomes) != 1 || a.Outcomes[0].Events != 3 || a.Outcomes[0].Producent != "Skatteverket" {
					t.Errorf("outcomes %+v", a.Outcomes)
				}
			})
		}
	}
}

// TestRoundTripFaults drives the client through the stand-in's faults.
func TestRoundTripFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault clienttest.Fault
		check func(t *testing.T, a *client.Answer, err error)
	}{
		{"503 twice then answers", clienttest.Fault{HTTPCode: 503, RetryAfter: "0", Times: 2}, func(t *testing.T, a *client.Answer, err error) {
			if err != nil || a.Outcomes[0].Attempts != 3 || len(a.Events) != 3 {
				t.Errorf("err %v, outcome %+v", err, a.Outcomes[0])
			}
		}},
		{"malformed", clienttest.Fault{Malformed: true}, func(t *testing.T, a *client.Answer, err error) {
			if !isErr(err, client.ErrMalformedAnswer) {
				t.Errorf("err = %v, want ErrMalformedAnswer", err)
			}
		}},
		{"truncated", clienttest.Fault{Truncate: true}, func(t *testing.T, a *client.Answer, err error) {
			if !isErr(err, client.ErrMalformedAnswer) {
				t.Errorf("err = %v, want ErrMalformedAnswer", err)
			}
		}},
		{"oversize", clienttest.Fault{Oversize: 2 << 20}, func(t *testing.T, a *client.Answer, err error) {
			if !isErr(err, client.ErrResponseTooLarge) || a.Outcomes[0].Attempts != 1 {
				t.Errorf("err = %v, want ErrResponseTooLarge", err)
			}
		}},
		{"content type", clienttest.Fault{ContentType: "text/html"}, func(t *testing.T, a *client.Answer, err error) {
			if !isErr(err, client.ErrContentType) || a.Outcomes[0].Attempts != 1 {
				t.Errorf("err = %v after %d attempts, want ErrContentType after 1", err, a.Outcomes[0].Attempts)
			}
		}},
		{"connection reset mid-answer, once", clienttest.Fault{ResetMidBody: true, Times: 1}, func(t *testing.T, a *client.Answer, err error) {
			if err != nil || a.Outcomes[0].Attempts != 2 || len(a.Events) != 3 {
				t.Errorf("err %v, outcome %+v; want the answer on the second attempt", err, a.Outcomes[0])
			}
		}},
		{"connection reset mid-answer, always", clienttest.Fault{ResetMidBody: true}, func(t *testing.T, a *client.Answer, err error) {
			if err == nil || a.Outcomes[0].Attempts != 3 || a.Outcomes[0].HTTPCode != 200 {
				t.Errorf("err %v, outcome %+v; want a failure after 3 attempts", err, a.Outcomes[0])
			}
		}},
		{"problem", clienttest.Fault{HTTPCode: 400, Problem: true, Message: "kund saknas"}, func(t *testing.T, a *client.Answer, err error) {
			if a.Outcomes[0].HTTPCode != 400 || a.Outcomes[0].Attempts != 1 || a.Outcomes[0].Message == "" {
				t.Errorf("outcome %+v, want a 400 with the problem's text after one attempt", a.Outcomes[0])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := clienttest.Start(t, clienttest.Config{Producent: "Skatteverket", Events: testEvents("Skatteverket")})
			srv.Handler.SetFault(tt.fault)
			c, err := client.New(srv.URL, &client.Options{MaxResponseBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}}})
			tt.check(t, a, err)
		})
	}
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// A forwarding question about more parter than the service takes in one
// request (100 in the reference implementation, which clienttest enforces)
// is asked in chunks, and every part is answered.
func TestForwardingSplitsLargeQuestions(t *testing.T) {
	var parter []minaarenden.Part
	var events []minaarenden.Kundhandelse
	for i := 0; len(parter) < 150; i++ {
		for d := range 10 {
			id := minaarenden.Identifierare(fmt.Sprintf("165560%05d%d", i, d))
			if id.Validate(minaarenden.Organisationsnummer) != nil {
				continue
			}
			p := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: id, Typ: minaarenden.Organisationsnummer}}
			parter = append(parter, p)
			e := testEvents("Skatteverket")[0]
			e.KundhandelseID = fmt.Sprintf("e-%d", len(parter))
			e.Part = p
			events = append(events, e)
			break
		}
	}
	srv := clienttest.Start(t, clienttest.Config{Dialect: client.Forwarding,
		Producers: []clienttest.Config{{Producent: "Skatteverket", Events: events}}})
	c, err := client.New(srv.URL, &client.Options{Dialect: client.Forwarding, PageSize: 120})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Query(context.Background(), minaarenden.Fraga{Parter: parter, Anvandare: pnr})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Events) != 150 || len(a.Outcomes) != 150 {
		t.Fatalf("%d events and %d outcomes, want 150 of each", len(a.Events), len(a.Outcomes))
	}
	for _, r := range srv.Handler.Requests() {
		var body struct {
			Fraga struct{ Parter []json.RawMessage } `json:"fraga"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Fraga.Parter) > 100 {
			t.Errorf("a request carried %d parter (%v), want at most 100", len(body.Fraga.Parter), err)
		}
	}
}
