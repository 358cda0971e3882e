package clienttest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/google/go-cmp/cmp"
)

// TestProducerAnswerShape pins each version's answer in a golden file and
// checks the rules that tell the versions apart.
func TestProducerAnswerShape(t *testing.T) {
	zoneless := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d$`)
	for _, v := range producerVersions {
		t.Run(string(v), func(t *testing.T) {
			h := mustHandler(t, skvConfig(v))
			header, body := producerReq(v, personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMS.DEKL_INLAMAD"}})
			header.Set("Accept-Language", "en-GB,en;q=0.8")
			status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, b)
			}
			golden(t, "producer-"+string(v)+".json", b)

			var answer map[string]json.RawMessage
			if err := json.Unmarshal(b, &answer); err != nil {
				t.Fatal(err)
			}
			eventsKey := "kundhandelser"
			if !v.AtLeast(minaarenden.V2_0) {
				eventsKey = "kundhändelser"
			}
			var events []map[string]any
			if err := json.Unmarshal(answer[eventsKey], &events); err != nil || len(events) != 1 {
				t.Fatalf("%s = %s, want one event", eventsKey, answer[eventsKey])
			}
			ev := events[0]
			if tid, _ := ev["tidpunkt"].(string); !zoneless.MatchString(tid) || tid != "2025-08-12 14:03:55.00" {
				t.Errorf("tidpunkt %q, want the RAML's zoneless 2025-08-12 14:03:55.00", tid)
			}
			var meta map[string]any
			_ = json.Unmarshal(answer["metadata"], &meta)
			check := func(what string, got, want bool) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %v, want %v", what, got, want)
				}
			}
			has := func(m map[string]any, k string) bool { _, ok := m[k]; return ok }
			_, hasMeta := answer["metadata"]
			check("metadata", hasMeta, v.AtLeast(minaarenden.V2_0))
			check("metadata.version", meta["version"] == string(v), v.AtLeast(minaarenden.V3_0))
			check("metadata.onskatSprak en", meta["onskatSprak"] == "en", v.AtLeast(minaarenden.V3_0))
			check("metadata.anvandare", meta["anvandare"] == pnr, v.AtLeast(minaarenden.V3_1))
			check("metadata.sessionID", has(meta, "sessionID"), v == minaarenden.V5_0)
			check("kundhandelsekategori", has(ev, "kundhandelsekategori"), !v.AtLeast(minaarenden.V2_0))
			check("booleans", has(ev, "producentarendetKlart"), v.AtLeast(minaarenden.V2_0))
			check("referenser", has(ev, "referenser"), v.AtLeast(minaarenden.V3_0))
			refs, _ := ev["referenser"].(map[string]any)
			_, linkObject := refs["etjanst"].(map[string]any)
			check("referenser.etjanst as {url, lanktext}", linkObject, v.AtLeast(minaarenden.V4_1))
		})
	}
}

func TestProducerLeavesOutEmptyKundhandelser(t *testing.T) {
	h := mustHandler(t, skvConfig(minaarenden.V6_0))
	header, body := producerReq(minaarenden.V6_0, map[string]any{"kund": map[string]any{"identifierare": pnr2, "typ": "Personnummer"}}, nil)
	_, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
	var answer map[string]json.RawMessage
	if err := json.Unmarshal(b, &answer); err != nil {
		t.Fatal(err)
	}
	if _, ok := answer["kundhandelser"]; ok || answer["metadata"] == nil {
		t.Errorf("answer %s, want metadata and no kundhandelser", b)
	}
}

// ids asks a 6.1 producer and returns the ids of the events it answered.
func ids(t *testing.T, h http.Handler, part map[string]any, extra map[string]any) []string {
	t.Helper()
	header, body := producerReq(minaarenden.V6_1, part, extra)
	status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	var answer struct {
		Kundhandelser []struct{ KundhandelseID string }
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, k := range answer.Kundhandelser {
		out = append(out, k.KundhandelseID)
	}
	return out
}

func TestProducerFilters(t *testing.T) {
	kund := func(id, typ, tillagg string) map[string]any {
		k := map[string]any{"identifierare": id, "typ": typ}
		if tillagg != "" {
			k["tillagg"] = tillagg
		}
		return map[string]any{"kund": k}
	}
	dnr := map[string]any{"identifierare": "DNR-131-2025", "typ": "Diarienummer"}
	tests := []struct {
		name  string
		part  map[string]any
		extra map[string]any
		want  []string
	}{
		{"person", personPart, nil, []string{"m1", "m2", "o1", "d1"}},
		{"nobody else", kund(pnr2, "Personnummer", ""), nil, []string{}},
		{"same digits, other typ", kund(pnr, "Samordningsnummer", ""), nil, []string{}},
		{"company, every tillagg", kund(orgnr, "Organisationsnummer", ""), nil, []string{"a1", "a2"}},
		{"company, one tillagg", kund(orgnr, "Organisationsnummer", "2"), nil, []string{"a2"}},
		{"arende alone", map[string]any{"arende": dnr}, nil, []string{"d1"}},
		{"kund and arende both match", map[string]any{"kund": personPart["kund"], "arende": dnr}, nil, []string{"d1"}},
		{"kund and arende, arende differs", map[string]any{"kund": personPart["kund"], "arende": map[string]any{"identifierare": "DNR-131-2025", "typ": "Kvittensnummer"}}, nil, []string{}},
		{"full type", personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMS.KOMPLETTERING"}}, []string{"m2"}},
		{"prefix on a segment boundary", personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMS"}}, []string{"m1", "m2"}},
		{"prefix mid-segment matches nothing", personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MO"}}, []string{}},
		{"producer prefix", personPart, map[string]any{"kundhandelseTyper": []string{"SKV"}}, []string{"m1", "m2", "o1", "d1"}},
		{"types OR", personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMSOMPROVNING", "SKV.FASTIGHET"}}, []string{"o1", "d1"}},
		{"producer tag", personPart, map[string]any{"taggar": []string{"foretagande"}}, []string{"m1", "m2"}},
		{"event tag", personPart, map[string]any{"taggar": []string{"bostad"}}, []string{"d1"}},
		{"unknown tag", personPart, map[string]any{"taggar": []string{"okand"}}, []string{}},
		{"types AND taggar", personPart, map[string]any{"taggar": []string{"foretagande", "bostad"}, "kundhandelseTyper": []string{"SKV.FASTIGHET"}}, []string{"d1"}},
		// m2 is 23:30 on 31 August in Sweden, 21:30 UTC; o1 is 00:30 on
		// 1 September in Sweden, still 31 August in UTC.
		{"slutDatum inclusive, Swedish day", personPart, map[string]any{"slutDatum": "2025-08-31"}, []string{"m1", "m2"}},
		{"startDatum inclusive, Swedish day", personPart, map[string]any{"startDatum": "2025-09-01"}, []string{"o1", "d1"}},
		{"one day", personPart, map[string]any{"startDatum": "2025-08-12", "slutDatum": "2025-08-12"}, []string{"m1"}},
	}
	h := mustHandler(t, skvConfig(minaarenden.V6_1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(t, h, tt.part, tt.extra)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// forwardingConfig puts Skatteverket and a kommun behind one service.
func forwardingConfig() Config {
	kommun := Config{Producent: "Testköpings kommun", Version: minaarenden.V4_1, Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "k1", Rubrik: "Ansökan mottagen", Beskrivning: "Vi har tagit emot din ansökan om bygglov.",
		Sprak: "sv", Tidpunkt: at("2025-08-12 14:03:55"), Typ: "TESTKOP.BYGGLOV.ANSOKAN",
		Part: minaarenden.Part{Kund: person(pnr)},
	}}}
	return Config{Dialect: client.Forwarding, Producers: []Config{skvConfig(minaarenden.V6_0), kommun}}
}

type fwdAnswer struct {
	Kundhandelser []struct {
		Part                     json.RawMessage
		TotaltAntalKundhandelser int
		KundhandelserForPart     []map[string]any
	}
	Metadata  map[string]json.RawMessage
	Delfragor []struct {
		Producent string
		Part      json.RawMessage
		Status    string
		HTTPCode  int
		Message   string
	}
}

func askForwarding(t *testing.T, h http.Handler, fraga map[string]any) (int, fwdAnswer, []byte) {
	t.Helper()
	status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelseFragaSynkron", forwardingHeader(), forwardingBody(nil, fraga))
	var a fwdAnswer
	if status == http.StatusOK || status == http.StatusPartialContent {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	return status, a, b
}

func TestForwardingAnswerShape(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	companyPart := map[string]any{"kund": map[string]any{"identifierare": orgnr, "typ": "Organisationsnummer", "tillagg": nil}}
	fraga := map[string]any{
		"parter":            []any{personPart, companyPart},
		"kundhandelseTyper": []string{"SKV.MOMS", "SKV.ARBETSGIVARE", "TESTKOP"},
		"behandling":        map[string]any{"sortering": []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}}},
	}
	status, a, b := askForwarding(t, h, fraga)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	golden(t, "forwarding-200.json", b)

	h.SetProducerFault("Testköpings kommun", Fault{HTTPCode: 503, Message: "underhåll"})
	status, a, b = askForwarding(t, h, fraga)
	if status != http.StatusPartialContent {
		t.Fatalf("status %d, want 206: %s", status, b)
	}
	golden(t, "forwarding-206.json", b)
	if len(a.Delfragor) != 4 {
		t.Fatalf("%d delfragor, want one per producer and part", len(a.Delfragor))
	}
	for _, d := range a.Delfragor {
		wantCode := 200
		if d.Producent == "Testköpings kommun" {
			wantCode = 503
		}
		if d.HTTPCode != wantCode {
			t.Errorf("delfraga %s: httpCode %d, want %d", d.Producent, d.HTTPCode, wantCode)
		}
	}
	if a.Delfragor[1].Message != "Service unavailable: underhåll" || a.Delfragor[1].Status != StatusFel {
		t.Errorf("failed delfraga = %+v, want status FEL and the producer's message", a.Delfragor[1])
	}
	for _, ev := range a.Kundhandelser[0].KundhandelserForPart {
		if ev["producent"] != "Skatteverket" {
			t.Errorf("event from %v in a 206 whose other producer failed", ev["producent"])
		}
	}
}

func TestForwardingTidpunktAndVersion(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	_, a, _ := askForwarding(t, h, map[string]any{"kundhandelseTyper": []string{"SKV.FASTIGHET", "TESTKOP"}})
	got := map[string][2]any{}
	for _, ev := range a.Kundhandelser[0].KundhandelserForPart {
		got[ev["kundhandelseId"].(string)] = [2]any{ev["tidpunkt"], ev["version"]}
	}
	want := map[string][2]any{
		// 02:30 on the autumn night read as the first, summer-time 02:30.
		"d1": {"2025-10-26T02:30:00+02:00", "6.0"},
		"k1": {"2025-08-12T14:03:55+02:00", "4.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestForwardingSortsAndPages(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	sortBy := func(keys ...any) map[string]any {
		var s []any
		for i := 0; i < len(keys); i += 2 {
			s = append(s, map[string]any{"attribut": keys[i], "stigande": keys[i+1]})
		}
		return map[string]any{"sortering": s}
	}
	page := func(b map[string]any, p map[string]any) map[string]any { b["paginering"] = p; return b }
	tests := []struct {
		name       string
		behandling map[string]any
		want       []string
	}{
		{"unsorted: newest first", nil, []string{"d1", "o1", "m2", "m1", "k1"}},
		{"tidpunkt ascending", sortBy("TIDPUNKT", true), []string{"m1", "k1", "m2", "o1", "d1"}},
		{"tidpunkt descending", sortBy("TIDPUNKT", false), []string{"d1", "o1", "m2", "m1", "k1"}},
		// Ties (m1 and k1 share a tidpunkt) keep the newest-first base order.
		{"producent, stable", sortBy("PRODUCENT", true), []string{"d1", "o1", "m2", "m1", "k1"}},
		{"producent descending", sortBy("PRODUCENT", false), []string{"k1", "d1", "o1", "m2", "m1"}},
		{"kundatgard first", sortBy("PRODUCENTARENDETKRAVERKUNDATGARD", false), []string{"m2", "d1", "o1", "m1", "k1"}},
		{"klart, then type", sortBy("PRODUCENTARENDETKLART", true, "KUNDHANDELSETYP", true), []string{"d1", "m1", "m2", "o1", "k1"}},
		{"rubrik", sortBy("RUBRIK", true), []string{"k1", "d1", "m1", "m2", "o1"}},
		{"beskrivning descending", sortBy("BESKRIVNING", false), []string{"k1", "o1", "m2", "m1", "d1"}},
		{"first page", page(sortBy("TIDPUNKT", true), map[string]any{"offset": 0, "limit": 2}), []string{"m1", "k1"}},
		{"middle page", page(sortBy("TIDPUNKT", true), map[string]any{"offset": 2, "limit": 2}), []string{"m2", "o1"}},
		{"no limit: the rest", page(sortBy("TIDPUNKT", true), map[string]any{"offset": 3}), []string{"o1", "d1"}},
		{"offset at the end", page(sortBy("TIDPUNKT", true), map[string]any{"offset": 5, "limit": 2}), []string{}},
		{"offset past the end", page(sortBy("TIDPUNKT", true), map[string]any{"offset": 99}), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fraga := map[string]any{}
			if tt.behandling != nil {
				fraga["behandling"] = tt.behandling
			}
			status, a, b := askForwarding(t, h, fraga)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, b)
			}
			got := []string{}
			for _, ev := range a.Kundhandelser[0].KundhandelserForPart {
				got = append(got, ev["kundhandelseId"].(string))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if n := a.Kundhandelser[0].TotaltAntalKundhandelser; n != 5 {
				t.Errorf("totaltAntalKundhandelser %d, want 5 whatever the page", n)
			}
		})
	}
}

func TestForwardingPagesPerPart(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	companyPart := map[string]any{"kund": map[string]any{"identifierare": orgnr, "typ": "Organisationsnummer"}}
	_, a, b := askForwarding(t, h, map[string]any{
		"parter": []any{personPart, companyPart},
		"behandling": map[string]any{
			"sortering":  []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}},
			"paginering": map[string]any{"offset": 1, "limit": 1},
		},
	})
	type part struct {
		Total int
		IDs   []string
	}
	var got []part
	for _, p := range a.Kundhandelser {
		pp := part{Total: p.TotaltAntalKundhandelser}
		for _, ev := range p.KundhandelserForPart {
			pp.IDs = append(pp.IDs, ev["kundhandelseId"].(string))
		}
		got = append(got, pp)
	}
	want := []part{{5, []string{"k1"}}, {2, []string{"a2"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s\n%s", diff, b)
	}
	if !strings.Contains(string(a.Kundhandelser[1].Part), orgnr) {
		t.Errorf("second entry's part %s is not the second part asked", a.Kundhandelser[1].Part)
	}
}

func TestForwardingWithoutProducersIsItsOwnProducer(t *testing.T) {
	cfg := skvConfig(minaarenden.V6_1)
	cfg.Dialect = client.Forwarding
	h := mustHandler(t, cfg)
	status, a, b := askForwarding(t, h, nil)
	if status != http.StatusOK || len(a.Delfragor) != 1 || a.Delfragor[0].Producent != "Skatteverket" || len(a.Kundhandelser[0].KundhandelserForPart) != 4 {
		t.Errorf("status %d, answer %s; want 200 with Skatteverket's four events", status, b)
	}
}
