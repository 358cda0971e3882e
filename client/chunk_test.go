package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
)

// orgParts returns n distinct valid organisationsnummer parts.
func orgParts(n int) []minaarenden.Part {
	var out []minaarenden.Part
	for i := 0; len(out) < n; i++ {
		for d := range 10 {
			id := minaarenden.Identifierare(fmt.Sprintf("165560%05d%d", i, d))
			if id.Validate(minaarenden.Organisationsnummer) == nil {
				out = append(out, minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: id, Typ: minaarenden.Organisationsnummer}})
				break
			}
		}
	}
	return out
}

// A chunk of one part is a one-part question: a delfråga that does not
// echo its part answers that part, as it would for a Fraga of one part.
// Matched against the whole Fraga, it answered no part, the part got a
// second outcome saying OK with nothing behind it, and P's came without
// a part.
func TestForwardingChunkOfOneDelfragaWithoutEcho(t *testing.T) {
	url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		parter := body["fraga"].(map[string]any)["parter"].([]any)
		var groups, delfragor []map[string]any
		for _, p := range parter {
			g := map[string]any{"totaltAntalKundhandelser": 0, "kundhandelserForPart": []any{}}
			d := map[string]any{"producent": "P", "status": "OK", "httpCode": 200}
			if len(parter) > 1 {
				g["part"], d["part"] = p, p
			}
			groups, delfragor = append(groups, g), append(delfragor, d)
		}
		b, _ := json.Marshal(map[string]any{"kundhandelser": groups, "delfragor": delfragor})
		writeJSON(w, 200, string(b))
	})
	c := newClient(t, url, &Options{Dialect: Forwarding})
	parter := orgParts(maxParterPerRequest + 1)
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: parter, Anvandare: pnr})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Outcomes) != len(parter) {
		t.Fatalf("%d outcomes, want one per part (%d)", len(a.Outcomes), len(parter))
	}
	for i, o := range a.Outcomes {
		if o.Producent != "P" || o.Part.Key() != parter[i].Key() || o.Attempts != 1 {
			t.Errorf("outcome %d: %s about %v after %d attempts, want P about part %d after 1", i, o.Producent, o.Part.Key(), o.Attempts, i)
		}
	}
}

// chunkServer answers each part with one event, except that the first
// request gets a 400: the first chunk fails, the second must still be
// asked and read.
func chunkServer(t *testing.T) string {
	url, _ := serve(t, func(n int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		if n == 0 {
			writeJSON(w, 400, `{"message":"nej"}`)
			return
		}
		var groups, delfragor []map[string]any
		for i, p := range body["fraga"].(map[string]any)["parter"].([]any) {
			groups = append(groups, map[string]any{"part": p, "totaltAntalKundhandelser": 1, "kundhandelserForPart": []any{map[string]any{
				"kundhandelseId": fmt.Sprint("e", i), "producent": "P", "rubrik": "R", "tidpunkt": "2026-01-01T10:00:00Z", "kundhandelseTyp": "P.X"}}})
			delfragor = append(delfragor, map[string]any{"producent": "P", "status": "OK", "httpCode": 200, "part": p})
		}
		b, _ := json.Marshal(map[string]any{"kundhandelser": groups, "delfragor": delfragor})
		writeJSON(w, 200, string(b))
	})
	return url
}

// A chunk whose request fails fails its own parts only: Query and Events
// still ask and read the next chunk.
func TestForwardingFailingChunk(t *testing.T) {
	parter := orgParts(maxParterPerRequest + 50)
	f := minaarenden.Fraga{Parter: parter, Anvandare: pnr}

	c := newClient(t, chunkServer(t), &Options{Dialect: Forwarding})
	a, err := c.Query(t.Context(), f)
	if err == nil || len(a.Events) != 50 || len(a.Outcomes) != len(parter) {
		t.Fatalf("err %v, %d events, %d outcomes; want an error, 50 events, %d outcomes", err, len(a.Events), len(a.Outcomes), len(parter))
	}
	for i, o := range a.Outcomes {
		if failed := o.Err != nil; failed != (i < maxParterPerRequest) || o.Part.Key() != parter[i].Key() {
			t.Errorf("outcome %d about %v failed %v (%v)", i, o.Part.Key(), failed, o.Err)
		}
	}

	c = newClient(t, chunkServer(t), &Options{Dialect: Forwarding})
	var events, errs int
	for e, err := range c.Events(t.Context(), f) {
		switch {
		case err != nil:
			errs++
		case e.Part.Key() != parter[maxParterPerRequest+events].Key():
			t.Errorf("event %d about %v, want part %d", events, e.Part.Key(), maxParterPerRequest+events)
			events++
		default:
			events++
		}
	}
	if events != 50 || errs != 1 {
		t.Errorf("Events yielded %d events and %d errors, want 50 and 1", events, errs)
	}
}

// A part the service answered with events but no delfråga gets its
// outcome from the request that answered it, not from whichever chunk
// came last (here a 400).
func TestForwardingPartWithoutDelfragaKeepsItsChunk(t *testing.T) {
	url, _ := serve(t, func(n int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		if n > 0 {
			writeJSON(w, 400, `{"message":"nej"}`)
			return
		}
		var groups, delfragor []map[string]any
		for i, p := range body["fraga"].(map[string]any)["parter"].([]any) {
			groups = append(groups, map[string]any{"part": p, "totaltAntalKundhandelser": 1, "kundhandelserForPart": []any{map[string]any{
				"kundhandelseId": fmt.Sprint("e", i), "producent": "P", "rubrik": "R", "tidpunkt": "2026-01-01T10:00:00Z", "kundhandelseTyp": "P.X"}}})
			if i > 0 {
				delfragor = append(delfragor, map[string]any{"producent": "P", "status": "OK", "httpCode": 200, "part": p})
			}
		}
		b, _ := json.Marshal(map[string]any{"kundhandelser": groups, "delfragor": delfragor})
		writeJSON(w, 200, string(b))
	})
	c := newClient(t, url, &Options{Dialect: Forwarding})
	parter := orgParts(maxParterPerRequest + 1)
	a, _ := c.Query(t.Context(), minaarenden.Fraga{Parter: parter, Anvandare: pnr})
	var first *Outcome
	for i := range a.Outcomes {
		if a.Outcomes[i].Part.Key() == parter[0].Key() {
			if first != nil {
				t.Fatalf("part 0 has two outcomes: %+v and %+v", *first, a.Outcomes[i])
			}
			first = &a.Outcomes[i]
		}
	}
	if first == nil || first.Err != nil || first.HTTPCode != 200 || first.Attempts != 1 || first.Events != 1 {
		t.Errorf("part 0's outcome %+v, want one OK with status 200, 1 attempt and 1 event", first)
	}
}

// A question the forwarding service would refuse whatever its chunk (no
// anvandare) fails once, before anything is sent: not once per chunk.
func TestForwardingWithoutAnvandareFailsOnce(t *testing.T) {
	url, rec := serve(t, always(200, `{"kundhandelser":[],"delfragor":[]}`))
	c := newClient(t, url, &Options{Dialect: Forwarding})
	f := minaarenden.Fraga{Parter: orgParts(2*maxParterPerRequest + 1)}
	a, err := c.Query(t.Context(), f)
	if !errors.Is(err, ErrAnvandareRequired) || strings.Count(err.Error(), ErrAnvandareRequired.Error()) != 1 {
		t.Errorf("err = %v, want ErrAnvandareRequired, said once", err)
	}
	if len(a.Outcomes) != len(f.Parter) {
		t.Errorf("%d outcomes, want one per part", len(a.Outcomes))
	}
	var errs int
	for _, err := range c.Events(t.Context(), f) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 || len(rec.all()) != 0 {
		t.Errorf("Events yielded %d errors and %d requests were sent, want 1 and none", errs, len(rec.all()))
	}
}
