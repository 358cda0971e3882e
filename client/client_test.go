package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

const (
	pnr     = "199001012385" // a valid personnummer used throughout
	pnr2    = "198112189876"
	orgnr   = "165560360793"
	base    = "/api/mina-arenden/v6" // every test server lives under a non-empty base path
	jsonCT  = "application/json"
	okEmpty = `{"metadata":{"version":"6.1"},"kundhandelser":[]}`
)

// recorded is one request a test server received.
type recorded struct {
	Path   string
	Header http.Header
	Body   map[string]any
}

type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// serve starts a server under base that records each request and answers
// with answer(n) for the n-th request (0-based).
func serve(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request, body map[string]any)) (string, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, recorded{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		rec.mu.Unlock()
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, base+"/") {
			http.NotFound(w, r)
			return
		}
		answer(n, w, r, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + base, rec
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", jsonCT)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func always(status int, body string) func(int, http.ResponseWriter, *http.Request, map[string]any) {
	return func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) { writeJSON(w, status, body) }
}

func newClient(t *testing.T, url string, opts *Options) *Client {
	t.Helper()
	c, err := New(url, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func kundPart(id string) minaarenden.Part {
	return minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: minaarenden.Identifierare(id), Typ: minaarenden.Personnummer}}
}

func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// allowedBody lists, per spoken version, the request body fields its
// schema allows (additionalProperties:false): RAML 3.1 → 6.0, with 1.1–3.0
// as 3.1 without kund.tillagg (and without arende before 2.0).
func allowedBody(v minaarenden.Version) (top, kund []string) {
	top = []string{"kund", "kundhandelseTyper", "startDatum", "slutDatum"}
	kund = []string{"identifierare", "typ"}
	if v.AtLeast(minaarenden.V2_0) {
		top = append(top, "arende")
	}
	if v.AtLeast(minaarenden.V3_1) {
		kund = append(kund, "tillagg")
	}
	if v.AtLeast(minaarenden.V4_0) {
		top = append(top, "taggar")
	}
	if v.AtLeast(minaarenden.V5_0) {
		top = append(top, "anvandare", "konsument", "konsumenttjanst")
	}
	if v == minaarenden.V5_0 {
		top = append(top, "sessionID")
	}
	sort.Strings(top)
	sort.Strings(kund)
	return top, kund
}

// TestProducerRequestShape sends a question using every feature the
// spoken version has and checks headers and body against that version.
func TestProducerRequestShape(t *testing.T) {
	for _, v := range []minaarenden.Version{minaarenden.V1_1, minaarenden.V2_0, minaarenden.V3_0, minaarenden.V3_1, minaarenden.V4_0, minaarenden.V4_1, minaarenden.V5_0, minaarenden.V6_0, minaarenden.V6_1} {
		t.Run(string(v), func(t *testing.T) {
			url, rec := serve(t, always(200, okEmpty))
			c := newClient(t, url, &Options{
				Version: v, AnropandeOrganisation: orgnr, AcceptLanguage: "en",
				Konsument: "Exempelbolaget AB", Konsumenttjanst: "Min företagstjänst",
			})
			f := minaarenden.Fraga{
				Parter:            []minaarenden.Part{kundPart(pnr)},
				KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS.DEKL_INLAMAD"},
				StartDatum:        minaarenden.Datum{Year: 2025, Month: 1, Day: 1},
				SlutDatum:         minaarenden.Datum{Year: 2025, Month: 12, Day: 31},
				Anvandare:         pnr2,
			}
			if v.AtLeast(minaarenden.V3_1) {
				f.Parter[0].Kund.Tillagg = "2"
			}
			if v.AtLeast(minaarenden.V2_0) {
				f.Parter = append(f.Parter, minaarenden.Part{Arende: &minaarenden.Arende{Identifierare: "PRV-1", Typ: minaarenden.ProducentarendeReferens}})
			}
			if v.AtLeast(minaarenden.V4_0) {
				f.Taggar = []string{"foretagande"}
				f.KundhandelseTyper = []minaarenden.Kundhandelsetyp{"SKV.MOMS"}
			}
			ctx := WithCorrelationID(t.Context(), "9b2f6c1e-3a4d-4e5f-8a7b-1c2d3e4f5a6b")
			if _, err := c.Query(ctx, f); err != nil {
				t.Fatalf("Query: %v", err)
			}
			reqs := rec.all()
			if len(reqs) != len(f.Parter) {
				t.Fatalf("%d requests, want one per part (%d)", len(reqs), len(f.Parter))
			}
			wantTop, wantKund := allowedBody(v)
			requestIDs := map[string]bool{}
			for _, r := range reqs {
				if r.Path != base+"/kundhandelser" {
					t.Errorf("path %q, want %q", r.Path, base+"/kundhandelser")
				}
				for _, k := range keys(r.Body) {
					if !slices.Contains(wantTop, k) {
						t.Errorf("body field %q is not in the %s schema %v", k, v, wantTop)
					}
				}
				if k, ok := r.Body["kund"].(map[string]any); ok {
					if diff := cmp.Diff(wantKund, keys(k)); diff != "" {
						t.Errorf("kund fields mismatch (-want +got):\n%s", diff)
					}
				}
				if a, ok := r.Body["arende"].(map[string]any); ok && a["typ"] != "Producentärendereferens" {
					t.Errorf("arende.typ = %v, want the RAML spelling Producentärendereferens", a["typ"])
				}
				h := r.Header
				if got := h.Get("Accept-Language"); got != "en" {
					t.Errorf("Accept-Language = %q", got)
				}
				if got := h.Get("Content-Type"); got != jsonCT {
					t.Errorf("Content-Type = %q", got)
				}
				switch {
				case !v.AtLeast(minaarenden.V5_0):
					if h.Get("anropandeOrganisation") != orgnr || h.Get("anvandare") != pnr2 {
						t.Errorf("headers anropandeOrganisation/anvandare = %q/%q", h.Get("anropandeOrganisation"), h.Get("anvandare"))
					}
					for _, k := range []string{"x-request-id", "x-correlation-id"} {
						if h.Get(k) != "" {
							t.Errorf("%s sent to a %s producer", k, v)
						}
					}
				default:
					if h.Get("anropandeOrganisation") != "" || h.Get("anvandare") != "" {
						t.Errorf("5.0 removed the anropandeOrganisation/anvandare headers; got %q/%q", h.Get("anropandeOrganisation"), h.Get("anvandare"))
					}
					if r.Body["anvandare"] != pnr2 || r.Body["konsument"] != "Exempelbolaget AB" || r.Body["konsumenttjanst"] != "Min företagstjänst" {
						t.Errorf("body anvandare/konsument/konsumenttjanst = %v/%v/%v", r.Body["anvandare"], r.Body["konsument"], r.Body["konsumenttjanst"])
					}
					id := h.Get("x-request-id")
					if !uuidPattern.MatchString(id) || requestIDs[id] {
						t.Errorf("x-request-id %q: want a fresh UUID per part", id)
					}
					requestIDs[id] = true
					wantCorr := ""
					if v.AtLeast(minaarenden.V6_0) {
						wantCorr = "9b2f6c1e-3a4d-4e5f-8a7b-1c2d3e4f5a6b"
					} else if r.Body["sessionID"] != "9b2f6c1e-3a4d-4e5f-8a7b-1c2d3e4f5a6b" {
						t.Errorf("5.0 sessionID = %v, want the correlation id", r.Body["sessionID"])
					}
					if got := h.Get("x-correlation-id"); got != wantCorr {
						t.Errorf("x-correlation-id = %q, want %q", got, wantCorr)
					}
				}
			}
		})
	}
}

func TestProducerVersionLimits(t *testing.T) {
	tests := []struct {
		name    string
		version minaarenden.Version
		fraga   minaarenden.Fraga
		wantErr error
	}{
		{"taggar before 4.0", minaarenden.V3_1, minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}, Taggar: []string{"x"}}, ErrNotInVersion},
		{"tillagg before 3.1", minaarenden.V3_0, minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer, Tillagg: "1"}}}}, ErrNotInVersion},
		{"arende before 2.0", minaarenden.V1_1, minaarenden.Fraga{Parter: []minaarenden.Part{{Arende: &minaarenden.Arende{Identifierare: "A", Typ: minaarenden.Diarienummer}}}, Anvandare: pnr}, ErrNotInVersion},
		{"no anvandare for the 4.1 header", minaarenden.V4_1, minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer}}}}, ErrAnvandareRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, rec := serve(t, always(200, okEmpty))
			c := newClient(t, url, &Options{Version: tt.version, AnropandeOrganisation: orgnr})
			a, err := c.Query(t.Context(), tt.fraga)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n := len(rec.all()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if len(a.Outcomes) != 1 || !errors.Is(a.Outcomes[0].Err, tt.wantErr) {
				t.Errorf("outcomes %+v, want one failed with %v", a.Outcomes, tt.wantErr)
			}
		})
	}
}

// Before 4.0 a prefix could not be sent: the client asks for every type
// and keeps the matching events itself.
func TestPrefixFilterBefore40(t *testing.T) {
	answer := `{"metadata":{"version":"3.1"},"kundhandelser":[
		{"kundhandelseId":"a","tidpunkt":"2023-05-02 10:00:00.00","kundhandelseTyp":"SKV.MOMS.DEKL_INLAMAD"},
		{"kundhandelseId":"b","tidpunkt":"2023-05-02 10:00:00.00","kundhandelseTyp":"SKV.MOMSX.DEKL"},
		{"kundhandelseId":"c","tidpunkt":"2023-05-02 10:00:00.00","kundhandelseTyp":"SKV.ARBETSGIVARE.BESLUT"}]}`
	url, rec := serve(t, always(200, answer))
	c := newClient(t, url, &Options{Version: minaarenden.V3_1, AnropandeOrganisation: orgnr})
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}, KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, sent := rec.all()[0].Body["kundhandelseTyper"]; sent {
		t.Error("a prefix was sent to a 3.1 producer")
	}
	var ids []string
	for _, e := range a.Events {
		ids = append(ids, e.KundhandelseID)
	}
	if diff := cmp.Diff([]string{"a"}, ids); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestForwardingRequestShape(t *testing.T) {
	// An entry per part, as the service answers: its parts echoed back.
	url, rec := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		var groups []map[string]any
		for _, p := range body["fraga"].(map[string]any)["parter"].([]any) {
			groups = append(groups, map[string]any{"part": p, "totaltAntalKundhandelser": 0, "kundhandelserForPart": []any{}})
		}
		b, _ := json.Marshal(map[string]any{"kundhandelser": groups, "delfragor": []any{}})
		writeJSON(w, 200, string(b))
	})
	c := newClient(t, url, &Options{Dialect: Forwarding, Konsument: "X", AcceptLanguage: "sv"})
	f := minaarenden.Fraga{
		Parter: []minaarenden.Part{kundPart(pnr), {
			Kund:   &minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer},
			Arende: &minaarenden.Arende{Identifierare: "BYGG-1", Typ: minaarenden.ProducentarendeReferens},
		}},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"REFKOM.BYGGLOV"},
		Taggar:            []string{"bygglov"},
		StartDatum:        minaarenden.Datum{Year: 2026, Month: 8, Day: 1},
	}
	ctx := WithCorrelationID(t.Context(), "corr-1")
	if _, err := c.Query(ctx, f); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want one for all parter", len(reqs))
	}
	r := reqs[0]
	if r.Path != base+"/kundhandelseFragaSynkron" {
		t.Errorf("path %q", r.Path)
	}
	if got := r.Header.Get("skv_client_correlation_id"); got != "corr-1" {
		t.Errorf("skv_client_correlation_id = %q", got)
	}
	if diff := cmp.Diff([]string{"anvandare", "fraga"}, keys(r.Body)); diff != "" {
		t.Errorf("body fields mismatch (-want +got):\n%s", diff)
	}
	fr := r.Body["fraga"].(map[string]any)
	if diff := cmp.Diff([]string{"behandling", "kundhandelseTyper", "parter", "startDatum", "taggar"}, keys(fr)); diff != "" {
		t.Errorf("fraga fields mismatch (-want +got):\n%s", diff)
	}
	if r.Body["anvandare"] != pnr {
		t.Errorf("anvandare = %v, want the first personnummer kund", r.Body["anvandare"])
	}
	parter := fr["parter"].([]any)
	arende := parter[1].(map[string]any)["arende"].(map[string]any)
	if arende["typ"] != "Producentarendereferens" {
		t.Errorf("arende.typ = %v, want the forwarding spelling without ä", arende["typ"])
	}
	beh := fr["behandling"].(map[string]any)
	if pag := beh["paginering"].(map[string]any); pag["offset"] != 0.0 || pag["limit"] != float64(defaultPageSize) {
		t.Errorf("paginering = %v", pag)
	}
	if s := beh["sortering"].([]any); len(s) == 0 {
		t.Error("paginering without sortering: the service answers 400")
	}
}

func TestQueryDecodesEveryVersion(t *testing.T) {
	for _, file := range answerFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		if strings.HasPrefix(name, "forwarding") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			url, _ := serve(t, always(200, string(body)))
			c := newClient(t, url, &Options{Name: "P"})
			part := kundPart(pnr)
			a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{part}})
			if err != nil {
				t.Fatal(err)
			}
			var want decodedForm
			b, _ := os.ReadFile(strings.TrimSuffix(file, ".json") + ".want.json")
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if a.Version != want.Version {
				t.Errorf("Answer.Version = %q, want %q", a.Version, want.Version)
			}
			if len(a.Events) != len(want.Events) {
				t.Fatalf("%d events, want %d", len(a.Events), len(want.Events))
			}
			for _, e := range a.Events {
				if e.Part.Key() != part.Key() {
					t.Errorf("event %s: Part not set to the asked part", e.KundhandelseID)
				}
			}
			wantOutcome := []Outcome{{Producent: "P", Part: part, HTTPCode: 200, Attempts: 1, Events: len(want.Events)}}
			for _, w := range want.Warnings {
				wantOutcome[0].Warnings = append(wantOutcome[0].Warnings, parseWarning(t, w))
			}
			if diff := cmp.Diff(wantOutcome, a.Outcomes); diff != "" {
				t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestForwarding206(t *testing.T) {
	body, err := os.ReadFile("../testdata/answers/forwarding-206.json")
	if err != nil {
		t.Fatal(err)
	}
	url, _ := serve(t, always(206, string(body)))
	c := newClient(t, url, &Options{Dialect: Forwarding, Name: "Vidareförmedling"})
	part := kundPart(pnr)
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{part}})
	if !errors.Is(err, ErrDelfraga) {
		t.Fatalf("err = %v, want ErrDelfraga", err)
	}
	if strings.Contains(err.Error(), pnr) {
		t.Errorf("error text holds the personnummer: %v", err)
	}
	if len(a.Events) != 2 {
		t.Errorf("%d events, want the 2 the working producer sent", len(a.Events))
	}
	type short struct {
		Producent string
		HTTPCode  int
		Status    string
		Events    int
		Total     int
		Failed    bool
	}
	var got []short
	for _, o := range a.Outcomes {
		if o.Part.Key() != part.Key() {
			t.Errorf("outcome of %s: Part is not the asked part", o.Producent)
		}
		got = append(got, short{o.Producent, o.HTTPCode, o.Status, o.Events, o.Total, o.Err != nil})
	}
	want := []short{
		{"Testköpings kommun", 200, "OK", 2, 2, false},
		{"Skatteverket", 500, "FEL", 0, 2, true},
		{"Bolagsverket", 504, "TIMEOUT", 0, 2, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
	var e *Error
	if !errors.As(a.Outcomes[1].Err, &e) || e.Producent != "Skatteverket" || e.HTTPCode != 500 || !strings.Contains(e.Message, "************") {
		t.Errorf("Skatteverket's error = %#v, want its status and redacted message", e)
	}
}

// pagingService answers forwarding questions from per-part event lists,
// honouring offset and limit as the reference implementation does.
func pagingService(t *testing.T, events map[string][]string) func(int, http.ResponseWriter, *http.Request, map[string]any) {
	return func(_ int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		fr := body["fraga"].(map[string]any)
		pag := fr["behandling"].(map[string]any)["paginering"].(map[string]any)
		offset, limit := int(pag["offset"].(float64)), int(pag["limit"].(float64))
		var out []map[string]any
		for _, p := range fr["parter"].([]any) {
			id := p.(map[string]any)["kund"].(map[string]any)["identifierare"].(string)
			all := events[id]
			page := []map[string]any{}
			for i := offset; i < len(all) && i < offset+limit; i++ {
				page = append(page, map[string]any{"kundhandelseId": all[i], "producent": "P", "tidpunkt": "2026-01-01T10:00:00Z", "kundhandelseTyp": "P.A.B", "version": "6.1"})
			}
			out = append(out, map[string]any{"part": p, "totaltAntalKundhandelser": len(all), "kundhandelserForPart": page})
		}
		b, _ := json.Marshal(map[string]any{"kundhandelser": out, "delfragor": []any{}})
		writeJSON(w, 200, string(b))
	}
}

func TestForwardingPaging(t *testing.T) {
	events := map[string][]string{pnr: {"a1", "a2", "a3", "a4", "a5"}, pnr2: {"b1", "b2"}}
	url, rec := serve(t, pagingService(t, events))
	c := newClient(t, url, &Options{Dialect: Forwarding, PageSize: 2})
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), kundPart(pnr2)}}

	var got []string
	for e, err := range c.Events(t.Context(), f) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(e.Part.Kund.Identifierare)[:4]+":"+e.KundhandelseID)
	}
	want := []string{"1990:a1", "1990:a2", "1981:b1", "1981:b2", "1990:a3", "1990:a4", "1990:a5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
	// offset 0 (both parts), 2 (first part only: the second is complete), 4.
	var parts []int
	for _, r := range rec.all() {
		parts = append(parts, len(r.Body["fraga"].(map[string]any)["parter"].([]any)))
	}
	if diff := cmp.Diff([]int{2, 1, 1}, parts); diff != "" {
		t.Errorf("parter per page mismatch (-want +got):\n%s", diff)
	}

	a, err := c.Query(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Events) != 7 || a.Version != "6.1" {
		t.Errorf("Query: %d events, version %q; want 7, 6.1", len(a.Events), a.Version)
	}
	if len(a.Outcomes) != 2 || a.Outcomes[0].Events != 5 || a.Outcomes[0].Total != 5 || a.Outcomes[1].Events != 2 {
		t.Errorf("outcomes %+v", a.Outcomes)
	}
}

func TestEventsStopsWhenAsked(t *testing.T) {
	url, rec := serve(t, pagingService(t, map[string][]string{pnr: {"1", "2", "3", "4", "5", "6"}}))
	c := newClient(t, url, &Options{Dialect: Forwarding, PageSize: 2})
	n := 0
	for range c.Events(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}) {
		n++
		if n == 3 {
			break
		}
	}
	if got := len(rec.all()); got != 2 {
		t.Errorf("%d pages fetched for 3 events, want 2", got)
	}
}

func TestInvalidFragaSendsNothing(t *testing.T) {
	url, rec := serve(t, always(200, okEmpty))
	c := newClient(t, url, nil)
	bad := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart("199001012386")}} // wrong check digit
	a, err := c.Query(t.Context(), bad)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, minaarenden.ErrIdentifierareLuhn) {
		t.Fatalf("err = %v, want a *Error wrapping the broken rule", err)
	}
	if strings.Contains(err.Error(), "199001012386") {
		t.Errorf("error holds the identifier: %v", err)
	}
	if len(rec.all()) != 0 {
		t.Error("a request was sent for an invalid fraga")
	}
	if a == nil || len(a.Outcomes) != 1 || a.Outcomes[0].Err == nil {
		t.Errorf("answer %+v, want one failed outcome", a)
	}
}

func TestCorrelationID(t *testing.T) {
	url, rec := serve(t, always(200, okEmpty))
	c := newClient(t, url, nil)
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), kundPart(pnr2)}}
	if _, err := c.Query(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	r := rec.all()
	ids := []string{r[0].Header.Get("x-correlation-id"), r[1].Header.Get("x-correlation-id"), r[2].Header.Get("x-correlation-id")}
	if !uuidPattern.MatchString(ids[0]) || ids[0] != ids[1] || ids[2] == ids[0] {
		t.Errorf("correlation ids %q: want one fresh UUID per Query, shared by its parts", ids)
	}
	_, err := c.Query(WithCorrelationID(t.Context(), "bad\nid"), f)
	if err == nil {
		t.Error("a correlation id with a newline was accepted")
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts *Options
	}{
		{"relative URL", "/api", nil},
		{"ftp", "ftp://example.invalid/", nil},
		{"version 1.0", "https://example.invalid", &Options{Version: minaarenden.V1_0}},
		{"unknown version", "https://example.invalid", &Options{Version: "v6.0"}},
		{"3.1 without anropandeOrganisation", "https://example.invalid", &Options{Version: minaarenden.V3_1}},
		{"invalid anropandeOrganisation", "https://example.invalid", &Options{Version: minaarenden.V4_1, AnropandeOrganisation: "165560360794"}},
		{"invalid prefix", "https://example.invalid", &Options{Prefixes: []minaarenden.Kundhandelsetyp{"skv"}}},
		{"unknown dialect", "https://example.invalid", &Options{Dialect: Dialect(7)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.url, tt.opts); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

func TestNewPaths(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://h.invalid/api", "https://h.invalid/api/kundhandelser"},
		{"https://h.invalid/api/", "https://h.invalid/api/kundhandelser"},
		{"https://h.invalid/api/kundhandelser", "https://h.invalid/api/kundhandelser"},
		{"https://user:pw@h.invalid/api?code=secret", "https://h.invalid/api/kundhandelser"},
	}
	for _, tt := range tests {
		c := newClient(t, tt.base, &Options{Prefixes: []minaarenden.Kundhandelsetyp{"SKV"}})
		if c.endpoint != tt.want {
			t.Errorf("New(%q) endpoint %q, want %q", tt.base, c.endpoint, tt.want)
		}
		if c.Name() != "h.invalid" || !slices.Equal(c.Prefixes(), []minaarenden.Kundhandelsetyp{"SKV"}) {
			t.Errorf("Name %q, Prefixes %v", c.Name(), c.Prefixes())
		}
	}
}

func TestErrorBodies(t *testing.T) {
	tests := []struct {
		name        string
		ct, body    string
		wantMessage string
		wantProblem *Problem
	}{
		{"standard message", jsonCT, `{"message":"Bad request: kundhandelseTyper"}`, "Bad request: kundhandelseTyper", nil},
		{"message with an identifier", jsonCT, `{"message":"Not found: kund 199001012385"}`, "Not found: kund ************", nil},
		{"problem+json", "application/problem+json", `{"type":"about:blank","title":"Bad Request","status":400,"detail":"typ saknas"}`, "typ saknas",
			&Problem{Type: "about:blank", Title: "Bad Request", Status: 400, Detail: "typ saknas"}},
		{"html from a gateway", "text/html", `<h1>Bad gateway 199001012385</h1>`, "", nil},
		{"message after a byte-order mark", "application/json; charset=utf-8", "\ufeff" + `{"message":"Ogiltig fråga"}`, "Ogiltig fråga", nil},
		{"message as a +json type", "application/vnd.skv+json", `{"message":"Ogiltig fråga"}`, "Ogiltig fråga", nil},
		{"message in ISO-8859-1", "application/json; charset=ISO-8859-1", "{\"message\":\"Ogiltig fr\xe5ga\"}", "Ogiltig fråga", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				w.Header().Set("Content-Type", tt.ct)
				w.WriteHeader(400)
				_, _ = io.WriteString(w, tt.body)
			})
			c := newClient(t, url, nil)
			_, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *Error", err)
			}
			if e.HTTPCode != 400 || e.Message != tt.wantMessage {
				t.Errorf("status %d message %q; want 400 %q", e.HTTPCode, e.Message, tt.wantMessage)
			}
			if diff := cmp.Diff(tt.wantProblem, e.Problem); diff != "" {
				t.Errorf("problem mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), pnr) {
				t.Errorf("error text holds the personnummer: %v", err)
			}
		})
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		ct      string
		wantErr error
	}{
		{"application/json", nil},
		{"application/json; charset=utf-8", nil},
		{"application/JSON;charset=UTF-8", nil},
		{"application/json;charset=UTF-8", nil},
		{`application/json; charset="utf-8"`, nil},
		{"Application/JSON", nil},
		{"application/json;", nil},
		// Any structured +json suffix (RFC 6839) is JSON.
		{"application/vnd.skv+json", nil},
		{"application/hal+json; charset=utf-8", nil},
		// A problem document is no answer, whatever its status.
		{"application/problem+json", ErrContentType},
		{"text/html; charset=utf-8", ErrContentType},
		{"text/plain", ErrContentType},
		{"text/plain; charset=utf-8", ErrContentType},
		{"application/jsonl", ErrContentType},
		{"", ErrContentType},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				w.Header()["Content-Type"] = []string{tt.ct}
				_, _ = io.WriteString(w, okEmpty)
			})
			c := newClient(t, url, nil)
			_, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	big := `{"metadata":{"version":"6.1"},"kundhandelser":[]` + strings.Repeat(" ", 4096) + `}`
	for _, chunked := range []bool{false, true} {
		name := "content-length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				w.Header().Set("Content-Type", jsonCT)
				if chunked {
					_, _ = io.WriteString(w, big[:10])
					w.(http.Flusher).Flush()
					_, _ = io.WriteString(w, big[10:])
					return
				}
				_, _ = io.WriteString(w, big)
			})
			c := newClient(t, url, &Options{MaxResponseBytes: 1024})
			_, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if !errors.Is(err, ErrResponseTooLarge) {
				t.Fatalf("err = %v, want ErrResponseTooLarge", err)
			}
			// The same body passes under the default limit.
			c = newClient(t, url, nil)
			if _, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}); err != nil {
				t.Errorf("default limit: %v", err)
			}
		})
	}
}

func TestUnexpectedSuccessStatus(t *testing.T) {
	url, _ := serve(t, always(204, ""))
	c := newClient(t, url, nil)
	_, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, ErrUnexpectedStatus) {
		t.Errorf("err = %v, want ErrUnexpectedStatus", err)
	}
}

func TestPartsAskedIndependently(t *testing.T) {
	// The second part fails; the first part's events are kept.
	url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, body map[string]any) {
		if body["kund"].(map[string]any)["identifierare"] == pnr2 {
			writeJSON(w, 404, `{"message":"Not found"}`)
			return
		}
		writeJSON(w, 200, `{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"x","tidpunkt":"2025-01-01T00:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`)
	})
	c := newClient(t, url, &Options{Name: "P"})
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), kundPart(pnr2)}})
	var e *Error
	if !errors.As(err, &e) || e.HTTPCode != 404 || e.Attempts != 1 {
		t.Fatalf("err = %v, want one *Error with 404 after 1 attempt", err)
	}
	if len(a.Events) != 1 || a.Version != "6.0" {
		t.Errorf("events %d version %q; want the first part's event", len(a.Events), a.Version)
	}
	if a.Outcomes[0].Err != nil || a.Outcomes[1].Err == nil || a.Outcomes[1].HTTPCode != 404 || a.Outcomes[1].Message != "Not found" {
		t.Errorf("outcomes %+v", a.Outcomes)
	}
}

func TestContextDeadlineUnwraps(t *testing.T) {
	url, _ := serve(t, func(_ int, w http.ResponseWriter, r *http.Request, _ map[string]any) {
		<-r.Context().Done()
	})
	c := newClient(t, url, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Query(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// An unreadable event still counts for paging, and events without an id
// are never taken for duplicates of each other.
func TestForwardingPagingKeepsGoing(t *testing.T) {
	pages := []string{
		`{"kundhandelser":[{"part":{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer"}},"totaltAntalKundhandelser":4,"kundhandelserForPart":[
			{"kundhandelseId":"1","producent":"P","tidpunkt":"igår"},
			{"producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}]}`,
		`{"kundhandelser":[{"part":{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer"}},"totaltAntalKundhandelser":4,"kundhandelserForPart":[
			{"producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"},
			{"kundhandelseId":"4","producent":"P","tidpunkt":"2026-01-02T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}]}`,
	}
	url, rec := serve(t, func(n int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		writeJSON(w, 200, pages[min(n, len(pages)-1)])
	})
	c := newClient(t, url, &Options{Dialect: Forwarding, PageSize: 2})
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, ErrMalformedAnswer) {
		t.Errorf("err = %v, want ErrMalformedAnswer for the unreadable event", err)
	}
	if got := len(rec.all()); got != 2 {
		t.Errorf("%d pages fetched, want 2", got)
	}
	if len(a.Events) != 3 {
		t.Errorf("%d events, want the 3 readable ones (two without id)", len(a.Events))
	}
	if len(a.Outcomes) != 1 || a.Outcomes[0].Attempts != 2 || a.Outcomes[0].Err == nil {
		t.Errorf("outcomes %+v, want one failed after 2 attempts (one a page)", a.Outcomes)
	}
}

func TestForwarding206WithoutFailedDelfraga(t *testing.T) {
	url, _ := serve(t, always(206, `{"kundhandelser":[],"delfragor":[{"producent":"P","status":"OK","httpCode":200}]}`))
	c := newClient(t, url, &Options{Dialect: Forwarding})
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, ErrPartialAnswer) {
		t.Errorf("err = %v, want ErrPartialAnswer: a 206 is never a complete answer", err)
	}
	// One outcome per delfråga, failed: not a second, the client's own,
	// beside the one that still says OK.
	if len(a.Outcomes) != 1 || a.Outcomes[0].Producent != "P" || !errors.Is(a.Outcomes[0].Err, ErrPartialAnswer) {
		t.Errorf("outcomes %+v, want P's alone, failed with ErrPartialAnswer", a.Outcomes)
	}
}

func TestDeadlineWhileWaiting(t *testing.T) {
	url, _ := serve(t, func(_ int, w http.ResponseWriter, r *http.Request, _ map[string]any) {
		<-r.Context().Done() // a producer that never answers
	})
	c := newClient(t, url, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Query(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	var e *Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &e) || e.Attempts != 1 {
		t.Errorf("err = %v, want a *Error matching context.DeadlineExceeded after 1 attempt", err)
	}
}

func TestDelfragaWithoutHTTPCode(t *testing.T) {
	url, _ := serve(t, always(200, `{"kundhandelser":[],"delfragor":[{"producent":"P","status":"OK"},{"producent":"Q","status":"TIMEOUT"}]}`))
	c := newClient(t, url, &Options{Dialect: Forwarding})
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, ErrDelfraga) {
		t.Errorf("err = %v, want ErrDelfraga for Q's TIMEOUT", err)
	}
	type short struct {
		Producent string
		HTTPCode  int
		Failed    bool
	}
	var got []short
	for _, o := range a.Outcomes {
		got = append(got, short{o.Producent, o.HTTPCode, o.Err != nil})
	}
	want := []short{{"P", 200, false}, {"Q", 0, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}
}

// limiterSpy counts decode slots taken and can refuse them.
type limiterSpy struct {
	mu                 sync.Mutex
	acquired, released int
	refuse             error
}

func (l *limiterSpy) Acquire(ctx context.Context, n int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refuse != nil {
		return l.refuse
	}
	l.acquired += int(n)
	return nil
}

func (l *limiterSpy) Release(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released += int(n)
}

func TestDecodeLimiter(t *testing.T) {
	url, _ := serve(t, always(200, okEmpty))
	c := newClient(t, url, nil)
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), kundPart(pnr2)}}

	spy := &limiterSpy{}
	if _, err := c.Query(WithDecodeLimiter(context.Background(), spy), f); err != nil {
		t.Fatal(err)
	}
	// A slot is taken for each piece of an answer that arrives and given
	// back before the next is read: at least one per answer, all returned.
	if spy.acquired < 2 || spy.released != spy.acquired {
		t.Errorf("limiter acquired %d, released %d; want a slot for each answer, each given back", spy.acquired, spy.released)
	}

	// Giving up while waiting for a slot is the context's error, not a
	// malformed answer.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var logs strings.Builder
	c = newClient(t, url, &Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	spy = &limiterSpy{refuse: context.Canceled}
	_, err := c.Query(WithDecodeLimiter(context.WithoutCancel(ctx), spy), f)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("refused slot: err = %v, want context.Canceled", err)
	}
	if strings.Contains(logs.String(), "unreadable") {
		t.Errorf("a refused decode slot was logged as an unreadable answer:\n%s", logs.String())
	}
}

// A forwarding service that ignores offset, or whose
// totaltAntalKundhandelser promises more than it has, sends the same page
// again: paging stops after it instead of asking forever, keeps what it
// got and reports the part as incomplete.
func TestForwardingPagingStopsOnRepeatedPage(t *testing.T) {
	part := `{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer"}}`
	for _, tc := range []struct {
		name, total, events string
		want                int // events kept: without an id, a repeat is not known for a duplicate
	}{
		{"lying total", `"totaltAntalKundhandelser":100000,`,
			`{"kundhandelseId":"1","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"},{"kundhandelseId":"2","producent":"P","tidpunkt":"2026-01-02T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}`, 2},
		{"no total", ``,
			`{"kundhandelseId":"1","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"},{"kundhandelseId":"2","producent":"P","tidpunkt":"2026-01-02T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}`, 2},
		{"events without id", `"totaltAntalKundhandelser":100000,`,
			`{"producent":"P","rubrik":"a","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"},{"producent":"P","rubrik":"b","tidpunkt":"2026-01-02T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}`, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, rec := serve(t, always(200, `{"kundhandelser":[{"part":`+part+`,`+tc.total+`"kundhandelserForPart":[`+tc.events+`]}]}`))
			c := newClient(t, url, &Options{Dialect: Forwarding, PageSize: 2})
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, err := c.Query(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if got := len(rec.all()); got != 2 {
				t.Fatalf("%d pages fetched, want 2: the second repeated the first", got)
			}
			if !errors.Is(err, ErrMalformedAnswer) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want ErrMalformedAnswer for the repeated page", err)
			}
			if len(a.Events) != tc.want || len(a.Outcomes) != 1 || a.Outcomes[0].Err == nil {
				t.Errorf("%d events, outcomes %+v; want %d and a failed outcome", len(a.Events), a.Outcomes, tc.want)
			}
		})
	}
}

// The forwarding service requires anvandare; a question about a company
// alone has no person to take it from, and fails before anything is sent.
func TestForwardingRequiresAnvandare(t *testing.T) {
	url, rec := serve(t, always(200, `{"kundhandelser":[],"delfragor":[]}`))
	c := newClient(t, url, &Options{Dialect: Forwarding})
	f := minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer}}}}
	a, err := c.Query(t.Context(), f)
	if !errors.Is(err, ErrAnvandareRequired) {
		t.Errorf("err = %v, want ErrAnvandareRequired", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	if len(a.Outcomes) != 1 || !errors.Is(a.Outcomes[0].Err, ErrAnvandareRequired) {
		t.Errorf("outcomes %+v, want one failed with ErrAnvandareRequired", a.Outcomes)
	}
}

// The forwarding service echoes each part; whichever spelling of
// Producentärendereferens it uses, and in whatever order, each group's
// events are given the part that was asked.
func TestForwardingEchoedPartSpellings(t *testing.T) {
	group := func(id, typ, eventID string) string {
		return `{"part":{"arende":{"identifierare":"` + id + `","typ":"` + typ + `"}},"totaltAntalKundhandelser":1,"kundhandelserForPart":[` +
			`{"kundhandelseId":"` + eventID + `","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B"}]}`
	}
	body := `{"kundhandelser":[` + group("P-2", "Producentärendereferens", "e2") + `,` + group("P-1", "Producentarendereferens", "e1") + `],"delfragor":[]}`
	url, _ := serve(t, always(200, body))
	c := newClient(t, url, &Options{Dialect: Forwarding})
	arende := func(id string) minaarenden.Part {
		return minaarenden.Part{Arende: &minaarenden.Arende{Identifierare: id, Typ: minaarenden.ProducentarendeReferens}}
	}
	a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{arende("P-1"), arende("P-2")}, Anvandare: pnr})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range a.Events {
		got[e.KundhandelseID] = e.Part.Arende.Identifierare
	}
	if diff := cmp.Diff(map[string]string{"e1": "P-1", "e2": "P-2"}, got); diff != "" {
		t.Errorf("event -> part mismatch (-want +got):\n%s", diff)
	}
	for _, o := range a.Outcomes {
		if o.Events != 1 || o.Err != nil {
			t.Errorf("outcome %+v, want 1 event each", o)
		}
	}
}

// The forwarding service answers one entry per part; a part it leaves out
// altogether is unknown, not a part without events.
func TestForwardingPartLeftOut(t *testing.T) {
	groupA := `{"part":{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer"}},"totaltAntalKundhandelser":1,"kundhandelserForPart":[` +
		`{"kundhandelseId":"a","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B"}]}`
	delfragaA := `{"producent":"P","part":{"kund":{"identifierare":"` + pnr + `","typ":"Personnummer"}},"status":"OK","httpCode":200}`
	for _, tc := range []struct{ name, body string }{
		{"without delfragor", `{"kundhandelser":[` + groupA + `]}`},
		{"with delfragor", `{"kundhandelser":[` + groupA + `],"delfragor":[` + delfragaA + `]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, _ := serve(t, always(200, tc.body))
			c := newClient(t, url, &Options{Dialect: Forwarding})
			b := kundPart(pnr2)
			a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr), b}})
			if !errors.Is(err, ErrMalformedAnswer) {
				t.Errorf("err = %v, want ErrMalformedAnswer for the part left out", err)
			}
			if len(a.Events) != 1 {
				t.Errorf("%d events, want the one for the part answered", len(a.Events))
			}
			for _, o := range a.Outcomes {
				if left := o.Part.Key() == b.Key(); left != (o.Err != nil) {
					t.Errorf("outcome %+v: want failed exactly for the part left out", o)
				}
			}
		})
	}
}

// Without a transport of their own, clients share one tuned for fan-out:
// http.DefaultTransport keeps two idle connections per host, so a burst to
// one host would dial nearly every time.
func TestDefaultTransportIsSharedAndPooled(t *testing.T) {
	a, b := newClient(t, "https://a.invalid/x", nil), newClient(t, "https://b.invalid/x", &Options{HTTPClient: &http.Client{}})
	for _, c := range []*Client{a, b} {
		if c.http.Transport != (keepIdle{sharedTransport()}) {
			t.Errorf("client transport = %#v, want the shared transport behind keepIdle", c.http.Transport)
		}
	}
	if tr := DefaultTransport(); tr.MaxIdleConnsPerHost < DefaultIdleConnsPerHost || (tr.MaxIdleConns != 0 && tr.MaxIdleConns < tr.MaxIdleConnsPerHost) || tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("DefaultTransport pools %d per host, %d in all", tr.MaxIdleConnsPerHost, tr.MaxIdleConns)
	}
}

// TestForwardingDrift pins what the client makes of forwarding answers
// that stray from the example in the standard: a delfråga status nobody
// published, groups without their part echo, a count sent as text.
func TestForwardingDrift(t *testing.T) {
	ev := func(id string) string {
		return `{"kundhandelseId":"` + id + `","producent":"P","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.A.B"}`
	}
	echo := func(id string) string { return `"part":{"kund":{"identifierare":"` + id + `","typ":"Personnummer"}},` }
	delfraga := func(id string) string { return `{"producent":"P",` + echo(id) + `"status":"OK","httpCode":200}` }
	type outcome struct {
		Part   string // the identifier asked
		Status string
		Events int
		Total  int
		Err    string // a substring of the error, "" for none
	}
	tests := []struct {
		name   string
		body   string
		want   map[string]string // event id → identifier of its part
		wantOK []outcome
	}{
		{
			name:   "unknown status with httpCode 0 fails and names the status",
			body:   `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":0,"kundhandelserForPart":[]}],"delfragor":[{"producent":"P",` + echo(pnr) + `"status":"DELVIS_BESVARAD","httpCode":0}]}`,
			want:   map[string]string{},
			wantOK: []outcome{{pnr, "DELVIS_BESVARAD", 0, 0, `status "DELVIS_BESVARAD"`}},
		},
		{
			name: "groups without echo, one per part asked, are placed in request order",
			body: `{"kundhandelser":[{"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("a") + `]},{"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("b") + `]}],` +
				`"delfragor":[` + delfraga(pnr) + `,` + delfraga(pnr2) + `]}`,
			want:   map[string]string{"a": pnr, "b": pnr2},
			wantOK: []outcome{{pnr, "OK", 1, 1, ""}, {pnr2, "OK", 1, 1, ""}},
		},
		{
			name: "a group without echo that cannot be placed keeps its events and fails the answer",
			body: `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("a") + `]},{"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("x") + `]},{"totaltAntalKundhandelser":0,"kundhandelserForPart":[]}],` +
				`"delfragor":[` + delfraga(pnr) + `,` + delfraga(pnr2) + `]}`,
			want:   map[string]string{"a": pnr, "x": ""},
			wantOK: []outcome{{pnr, "OK", 1, 1, "no part echo"}, {pnr2, "OK", 0, 0, "no part echo"}},
		},
		{
			name:   "totaltAntalKundhandelser as digits in a string",
			body:   `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":"1","kundhandelserForPart":[` + ev("a") + `]}],"delfragor":[` + delfraga(pnr) + `]}`,
			want:   map[string]string{"a": pnr},
			wantOK: []outcome{{pnr, "OK", 1, 1, ""}},
		},
		{
			name: "totaltAntalKundhandelser as words fails that part only",
			body: `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":"många","kundhandelserForPart":[` + ev("a") + `]},{` + echo(pnr2) + `"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("b") + `]}],` +
				`"delfragor":[` + delfraga(pnr) + `,` + delfraga(pnr2) + `]}`,
			want:   map[string]string{"a": pnr, "b": pnr2},
			wantOK: []outcome{{pnr, "OK", 1, 0, `totaltAntalKundhandelser is "många"`}, {pnr2, "OK", 1, 1, ""}},
		},
		{
			name: "an unreadable event fails its own part only",
			body: `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":2,"kundhandelserForPart":[` + ev("a") + `,{"kundhandelseId":"c","producentarendetKlart":"ja","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]},{` + echo(pnr2) + `"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("b") + `]}],` +
				`"delfragor":[` + delfraga(pnr) + `,` + delfraga(pnr2) + `]}`,
			want:   map[string]string{"a": pnr, "b": pnr2},
			wantOK: []outcome{{pnr, "OK", 1, 2, "producentarendetKlart"}, {pnr2, "OK", 1, 1, ""}},
		},
		{
			// The decoder cannot tell whose event the field was in; the
			// delfrågor's outcomes say so, and no others are added.
			name: "a field of another wrong type fails every part's delfråga",
			body: `{"kundhandelser":[{` + echo(pnr) + `"totaltAntalKundhandelser":1,"kundhandelserForPart":[{"kundhandelseId":"a","producent":"P","rubrik":42,"tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]},{` + echo(pnr2) + `"totaltAntalKundhandelser":1,"kundhandelserForPart":[` + ev("b") + `]}],` +
				`"delfragor":[` + delfraga(pnr) + `,` + delfraga(pnr2) + `]}`,
			want:   map[string]string{"a": pnr, "b": pnr2},
			wantOK: []outcome{{pnr, "OK", 1, 1, "rubrik"}, {pnr2, "OK", 1, 1, "rubrik"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := serve(t, always(200, tt.body))
			c := newClient(t, url, &Options{Dialect: Forwarding})
			parts := []minaarenden.Part{kundPart(pnr)}
			if len(tt.wantOK) == 2 {
				parts = append(parts, kundPart(pnr2))
			}
			a, err := c.Query(t.Context(), minaarenden.Fraga{Parter: parts, Anvandare: pnr})
			got := map[string]string{}
			for _, e := range a.Events {
				got[e.KundhandelseID] = ""
				if e.Part.Kund != nil {
					got[e.KundhandelseID] = string(e.Part.Kund.Identifierare)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("event -> part mismatch (-want +got):\n%s", diff)
			}
			var outs []outcome
			for _, o := range a.Outcomes {
				msg := ""
				if o.Err != nil {
					msg = o.Err.Error()
				}
				outs = append(outs, outcome{string(o.Part.Kund.Identifierare), o.Status, o.Events, o.Total, msg})
			}
			if len(outs) != len(tt.wantOK) {
				t.Fatalf("outcomes %+v, want %+v", outs, tt.wantOK)
			}
			for i, w := range tt.wantOK {
				g := outs[i]
				if g.Part != w.Part || g.Status != w.Status || g.Events != w.Events || g.Total != w.Total ||
					(w.Err == "") != (g.Err == "") || !strings.Contains(g.Err, w.Err) {
					t.Errorf("outcome %d = %+v, want %+v", i, g, w)
				}
			}
			wantErr := false
			for _, w := range tt.wantOK {
				wantErr = wantErr || w.Err != ""
			}
			if (err != nil) != wantErr {
				t.Errorf("err = %v, want an error: %v", err, wantErr)
			}
		})
	}
}

// rawServer answers each connection's request with raw(n, conn) for the
// n-th request, bytes as written: the shapes a broken network or proxy
// produces, which an http.Handler cannot.
func rawServer(t *testing.T, raw func(n int, w io.Writer)) string {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		raw(i, buf)
		_ = buf.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + base
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestNetworkShapes pins what the client makes of answers a real network
// delivers broken or odd: a body shorter than its Content-Length or a
// chunked body cut off (transport failures, retried like a reset), gzip
// the client did not ask for, a redirect loop, an empty 200 and a 204.
func TestNetworkShapes(t *testing.T) {
	one := `{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"a","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"P.ARENDE.STEG"}]}`
	full := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(one)) + "\r\n\r\n" + one
	short := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n" + one[:20]
	cut := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" + one[:20] + "\r\n" + "40\r\n" + one[20:40]
	zipped := gzipped(t, one)
	gz := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(zipped)) + "\r\n\r\n" + zipped
	bomb := gzipped(t, `{"kundhandelser":[]`+strings.Repeat(" ", 64<<10)+`}`)
	gzBomb := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(bomb)) + "\r\n\r\n" + bomb
	brotli := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n\x1b\x00\x00\x00"
	badGzip := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 15\r\n\r\nnot gzip at all"
	loop := "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + base + "/kundhandelser\r\nContent-Length: 0\r\n\r\n"
	empty := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n"
	emptyGzip := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n"
	noContent := "HTTP/1.1 204 No Content\r\n\r\n"
	fast := RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	noGzip := &http.Transport{DisableCompression: true} // asks for no gzip, so decodes none
	t.Cleanup(noGzip.CloseIdleConnections)
	tests := []struct {
		name         string
		answers      []string // in turn; the last one repeats
		transport    http.RoundTripper
		maxBytes     int64
		wantEvents   int
		wantErr      []error // each must match
		wantText     string  // in the error
		wantAttempts int
		wantStatus   int
	}{
		{name: "body shorter than Content-Length is retried", answers: []string{short, full}, wantEvents: 1, wantAttempts: 2, wantStatus: 200},
		{name: "body always shorter than Content-Length fails as transport", answers: []string{short}, wantErr: []error{io.ErrUnexpectedEOF}, wantAttempts: 3, wantStatus: 200},
		{name: "chunked body cut off is retried", answers: []string{cut, full}, wantEvents: 1, wantAttempts: 2, wantStatus: 200},
		{name: "chunked body always cut off fails as transport", answers: []string{cut}, wantErr: []error{io.ErrUnexpectedEOF}, wantAttempts: 3, wantStatus: 200},
		{name: "gzip the transport asked for", answers: []string{gz}, wantEvents: 1, wantAttempts: 1, wantStatus: 200},
		{name: "gzip nobody asked for", answers: []string{gz}, transport: noGzip, wantEvents: 1, wantAttempts: 1, wantStatus: 200},
		{name: "gzip nobody asked for is bounded when inflated", answers: []string{gzBomb}, transport: noGzip, maxBytes: 4 << 10, wantErr: []error{ErrResponseTooLarge}, wantAttempts: 1, wantStatus: 200},
		{name: "corrupt gzip", answers: []string{badGzip}, transport: noGzip, wantErr: []error{ErrMalformedAnswer}, wantText: "gzip", wantAttempts: 1, wantStatus: 200},
		{name: "an encoding the client cannot read", answers: []string{brotli}, transport: noGzip, wantErr: []error{ErrContentType}, wantText: `Content-Encoding "br"`, wantAttempts: 1, wantStatus: 200},
		{name: "a redirect loop is bounded and not retried", answers: []string{loop}, wantErr: []error{ErrTooManyRedirects}, wantAttempts: 1, wantStatus: 307},
		{name: "an empty 200 says so", answers: []string{empty}, wantErr: []error{ErrMalformedAnswer}, wantText: "the body is empty", wantAttempts: 1, wantStatus: 200},
		{name: "an empty 200 labelled gzip says so, as when the transport gunzips", answers: []string{emptyGzip}, transport: noGzip, wantErr: []error{ErrMalformedAnswer}, wantText: "the body is empty", wantAttempts: 1, wantStatus: 200},
		{name: "204 No Content is not an empty answer", answers: []string{noContent}, wantErr: []error{ErrUnexpectedStatus}, wantAttempts: 1, wantStatus: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, func(n int, w io.Writer) {
				// Each connection answers once: a reused one the server has
				// closed would add a reset of the test's own making.
				_, _ = io.WriteString(w, strings.Replace(tt.answers[min(n, len(tt.answers)-1)], "\r\n", "\r\nConnection: close\r\n", 1))
			})
			c := newClient(t, url, &Options{Retry: fast, Transport: tt.transport, MaxResponseBytes: tt.maxBytes})
			a, err := c.Query(t.Context(), oneKund)
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to match %v", err, want)
				}
			}
			if len(tt.wantErr) == 0 && err != nil {
				t.Errorf("err = %v, want none", err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %v, want it to say %q", err, tt.wantText)
			}
			if err != nil && (strings.Contains(err.Error(), "unexpected end of JSON") || errors.Is(err, ErrMalformedAnswer) && errors.Is(err, io.ErrUnexpectedEOF)) {
				t.Errorf("err = %v: a transport failure read as a malformed answer", err)
			}
			o := a.Outcomes[0]
			if len(a.Events) != tt.wantEvents || o.Attempts != tt.wantAttempts || o.HTTPCode != tt.wantStatus {
				t.Errorf("%d events, %d attempts, status %d; want %d, %d, %d", len(a.Events), o.Attempts, o.HTTPCode, tt.wantEvents, tt.wantAttempts, tt.wantStatus)
			}
		})
	}
}

// JSON is UTF-8; a body in ISO-8859-1 (labelled so) is transcoded, one that
// is labelled UTF-8 (or not at all) but is not is refused by name, and a
// valid UTF-8 body is taken whatever its label says.
func TestCharsets(t *testing.T) {
	const utf8Body = `{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"1","rubrik":"Ansökan mottagen","beskrivning":"","sprak":"sv","producent":"Värmdö kommun","tidpunkt":"2025-08-12 14:03:55.00","kundhandelseTyp":"VARMDO.BYGG.ANSOKAN","producentarendetKraverKundatgard":false,"producentarendetKlart":false}]}`
	latin1 := make([]byte, 0, len(utf8Body))
	for _, r := range utf8Body {
		latin1 = append(latin1, byte(r)) // every rune here is below 256
	}
	tests := []struct {
		name, contentType string
		body              []byte
		wantErr           error
	}{
		{"latin1 labelled", "application/json; charset=ISO-8859-1", latin1, nil},
		{"utf-8 labelled latin1", "application/json; charset=iso-8859-1", []byte(utf8Body), nil},
		{"windows-1252 labelled", "application/json; charset=windows-1252", latin1, nil},
		{"latin1 unlabelled", "application/json", latin1, ErrMalformedAnswer},
		{"latin1 labelled utf-8", "application/json; charset=utf-8", latin1, ErrMalformedAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write(tt.body)
			})
			a, err := newClient(t, url, &Options{Version: minaarenden.V6_0}).Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if !strings.Contains(err.Error(), "not UTF-8") {
					t.Errorf("error %q does not say the body is not UTF-8", err)
				}
				return
			}
			if len(a.Events) != 1 || a.Events[0].Rubrik != "Ansökan mottagen" || a.Events[0].Producent != "Värmdö kommun" {
				t.Errorf("events = %+v", a.Events)
			}
		})
	}
}

// A Windows system writes ’ and € as 0x92 and 0x80, whether it labels its
// answer windows-1252 or ISO-8859-1: they are read as such, not as C1
// control characters.
func TestCharsetWindows1252(t *testing.T) {
	body := []byte(`{"metadata":{"version":"6.0"},"kundhandelser":[{"kundhandelseId":"1","rubrik":"Avgift 100 ` + "\x80" + `","beskrivning":"Kommunens ` + "\x92" + `beslut` + "\x92" + `","sprak":"sv","producent":"P","tidpunkt":"2025-08-12T14:03:55Z","kundhandelseTyp":"P.X"}]}`)
	for _, label := range []string{"windows-1252", "ISO-8859-1"} {
		t.Run(label, func(t *testing.T) {
			url, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				w.Header().Set("Content-Type", "application/json; charset="+label)
				w.Write(body)
			})
			a, err := newClient(t, url, &Options{Version: minaarenden.V6_0}).Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Events) != 1 || a.Events[0].Rubrik != "Avgift 100 €" || a.Events[0].Beskrivning != "Kommunens ’beslut’" {
				t.Errorf("events = %+v", a.Events)
			}
		})
	}
}

// A 301, 302 or 303 would make net/http resend the question as a GET with
// no body; only 307 and 308, which keep the POST, are followed.
func TestRedirectKeepsThePost(t *testing.T) {
	for _, tt := range []struct {
		status int
		follow bool
	}{{301, false}, {302, false}, {303, false}, {307, true}, {308, true}} {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, r.Method+" "+r.URL.Path+" "+strconv.Itoa(len(body)))
				mu.Unlock()
				if r.URL.Path == base+"/kundhandelser" {
					http.Redirect(w, r, "/moved/kundhandelser", tt.status)
					return
				}
				writeJSON(w, 200, okEmpty)
			}))
			t.Cleanup(srv.Close)
			_, err := newClient(t, srv.URL+base, nil).Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
			if tt.follow {
				mu.Lock()
				defer mu.Unlock()
				if err != nil || len(got) != 2 || !strings.HasPrefix(got[1], "POST /moved/kundhandelser ") || strings.HasSuffix(got[1], " 0") {
					t.Errorf("err = %v, requests %v; want the POST with its body followed", err, got)
				}
				return
			}
			if !errors.Is(err, ErrRedirect) {
				t.Errorf("err = %v, want ErrRedirect", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 {
				t.Errorf("requests %v, want only the first", got)
			}
		})
	}
}
