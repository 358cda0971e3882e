package client

import (
	"encoding/json"
	"fmt"
	"net/http"
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
