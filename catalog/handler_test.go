package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aterkoppling/minaarenden"
)

func loadTestdata(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load("sample")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve mounts the handler under a non-empty base path, so a client that
// drops the base fails loudly.
func serve(t testing.TB, c *Catalog) (base string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/katalog/v1/", http.StripPrefix("/katalog/v1", Handler(c)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/katalog/v1"
}

// Every flow of the testdata catalog, union and per producer, comes back
// through the API as the same graph.
func TestClientRoundTripFlows(t *testing.T) {
	c := loadTestdata(t)
	cl := NewClient(serve(t, c), nil)
	for _, typ := range c.Producentarendetyper {
		for _, p := range append([]string{""}, typ.Producenter...) {
			t.Run(typ.ID+"@"+p, func(t *testing.T) {
				got, err := cl.Flode(context.Background(), typ.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				want := typ.Graph(p)
				if got.Producent != p {
					t.Errorf("Producent = %q, want %q", got.Producent, p)
				}
				if diff := cmp.Diff(want.Nodes, got.Nodes); diff != "" {
					t.Errorf("nodes mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.Edges, got.Edges); diff != "" {
					t.Errorf("edges mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.Succ, got.Succ); diff != "" {
					t.Errorf("succ mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.Start, got.Start); diff != "" {
					t.Errorf("start mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want.End, got.End); diff != "" {
					t.Errorf("end mismatch (-want +got):\n%s", diff)
				}
				for i := range want.Nodes {
					if diff := cmp.Diff(want.Step(i), got.Step(i)); diff != "" {
						t.Errorf("step %d mismatch (-want +got):\n%s", i, diff)
					}
				}
				if got.Typ.Namn != typ.Namn {
					t.Errorf("Typ.Namn = %q, want %q", got.Typ.Namn, typ.Namn)
				}
			})
		}
	}
}

func TestClientProducentarendetyper(t *testing.T) {
	cl := NewClient(serve(t, loadTestdata(t)), nil)
	tests := []struct {
		producent string
		want      []string // id, and "+variant" when the producer has its own slice
	}{
		{"Stockholms stad", []string{"KOMMUN.BYGGLOV+variant", "KOMMUN.FETTAVSKILJARE"}},
		{"Värmdö kommun", []string{"KOMMUN.BYGGLOV+variant"}},
		{"Skatteverket", []string{"SKV.ARBETSGIVARE", "SKV.MOMS"}},
		{"PRV", []string{"PRV.VARUMARKE"}},
	}
	for _, tt := range tests {
		t.Run(tt.producent, func(t *testing.T) {
			types, err := cl.ProducentarendetyperFor(context.Background(), tt.producent)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ty := range types {
				if ty.Namn == "" {
					t.Errorf("%s has no namn", ty.ID)
				}
				if ty.Variant {
					ty.ID += "+variant"
				}
				got = append(got, ty.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("types mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientKundhandelsetyper(t *testing.T) {
	c := loadTestdata(t)
	cl := NewClient(serve(t, c), nil)
	ctx := context.Background()

	want := []minaarenden.Kundhandelsetyp{"SKV.MOMS.BETALD", "PRV.VARUMARKE.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS"}
	steps, err := cl.Kundhandelsetyper(ctx, append(want, want[0])...)
	if err != nil {
		t.Fatal(err)
	}
	var wantSteps []*Step
	for _, id := range want {
		s, _ := c.Step(id)
		wantSteps = append(wantSteps, s)
	}
	if diff := cmp.Diff(wantSteps, steps); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}

	steps, err = cl.Kundhandelsetyper(ctx, "SKV.MOMS.BETALD", "SKV.MOMS.OKAND", "XYZ.A.B")
	var missing *MissingError
	if !errors.As(err, &missing) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want a *MissingError matching ErrNotFound", err)
	}
	if diff := cmp.Diff([]minaarenden.Kundhandelsetyp{"SKV.MOMS.OKAND", "XYZ.A.B"}, missing.IDs); diff != "" {
		t.Errorf("missing ids mismatch (-want +got):\n%s", diff)
	}
	if len(steps) != 1 || steps[0].ID != "SKV.MOMS.BETALD" {
		t.Errorf("got %d steps with the error, want SKV.MOMS.BETALD alone", len(steps))
	}
	if got, want := err.Error(), `catalog: unknown kundhandelsetyper "SKV.MOMS.OKAND", "XYZ.A.B"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestClientErrors(t *testing.T) {
	base := serve(t, loadTestdata(t))
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func(*Client) error
		base     string
		want     string
		notFound bool
	}{
		{
			name:     "unknown producer",
			call:     func(c *Client) error { _, err := c.ProducentarendetyperFor(ctx, "Ingen kommun/alls"); return err },
			want:     `catalog: GET ` + base + `/producenter/Ingen%20kommun%2Falls/producentarendetyper: 404 Not Found: "no producentärendetyper for producent \"Ingen kommun/alls\""`,
			notFound: true,
		},
		{
			name:     "unknown type",
			call:     func(c *Client) error { _, err := c.Flode(ctx, "SKV.OKAND", ""); return err },
			want:     `catalog: GET ` + base + `/producentarendetyper/SKV.OKAND/flode: 404 Not Found: "no producentärendetyp \"SKV.OKAND\""`,
			notFound: true,
		},
		{
			name:     "producer without the type",
			call:     func(c *Client) error { _, err := c.Flode(ctx, "KOMMUN.BYGGLOV", "Skatteverket"); return err },
			want:     `catalog: GET ` + base + `/producentarendetyper/KOMMUN.BYGGLOV/flode: 404 Not Found: "producentärendetyp \"KOMMUN.BYGGLOV\" has no producent \"Skatteverket\""`,
			notFound: true,
		},
		{
			name: "dot segment",
			call: func(c *Client) error { _, err := c.Flode(ctx, "..", ""); return err },
			want: `catalog: type id ".." cannot be a path segment`,
		},
		{
			name: "malformed step id",
			call: func(c *Client) error { _, err := c.Kundhandelsetyper(ctx, "skv.x.y"); return err },
			want: `minaarenden: kundhandelseTyp "skv.x.y" segment 1 has 's'; only A–Z (and 0–9, _ after the first segment) are allowed`,
		},
		{
			name: "wrong base path",
			base: strings.TrimSuffix(base, "/katalog/v1"),
			call: func(c *Client) error { _, err := c.ProducentarendetyperFor(ctx, "PRV"); return err },
			want: `catalog: GET ` + strings.TrimSuffix(base, "/katalog/v1") + `/producenter/PRV/producentarendetyper: 404 Not Found: "404 page not found"`,
			// a 404 from a server that is not a catalog still says "not found"
			notFound: true,
		},
		{
			name: "relative base",
			base: "katalog/v1",
			call: func(c *Client) error { _, err := c.ProducentarendetyperFor(ctx, "PRV"); return err },
			want: `catalog: base URL "katalog/v1" is not an absolute http(s) URL`,
		},
		{
			name: "base with a query",
			base: base + "?nyckel=hemlig",
			call: func(c *Client) error { _, err := c.ProducentarendetyperFor(ctx, "PRV"); return err },
			want: `catalog: base URL must not have a query or fragment`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			if tt.base != "" {
				b = tt.base
			}
			err := tt.call(NewClient(b, nil))
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tt.notFound)
			}
		})
	}
}

// A server that is not a catalog: oversized, malformed or mismatched answers.
func TestClientBadAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/producenter/Stor/producentarendetyper":
			w.Write([]byte(`{"producentarendetyper": [`))
			w.Write([]byte(strings.Repeat(" ", MaxAnswerBytes)))
		case "/producenter/Trasig/producentarendetyper":
			w.Write([]byte(`{"producentarendetyper": 7}`))
		case "/producentarendetyper/SKV.MOMS/flode":
			w.Write([]byte(`{"id": "SKV.ARBETSGIVARE", "kundhandelsetyper": [], "flode": {}}`))
		case "/producentarendetyper/SKV.TOM/flode":
			w.Write([]byte(`{"id": "SKV.TOM", "kundhandelsetyper": [], "flode": {}}`))
		}
	}))
	t.Cleanup(srv.Close)
	cl := NewClient(srv.URL+"/", srv.Client())
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"oversized", func() error { _, err := cl.ProducentarendetyperFor(ctx, "Stor"); return err },
			"catalog: GET " + srv.URL + "/producenter/Stor/producentarendetyper: the answer is larger than 4194304 bytes"},
		{"wrong shape", func() error { _, err := cl.ProducentarendetyperFor(ctx, "Trasig"); return err },
			"catalog: GET " + srv.URL + "/producenter/Trasig/producentarendetyper: decoding the answer: json: cannot unmarshal number into Go struct field ProducerAnswer.producentarendetyper of type []catalog.TypeSummary"},
		{"another type", func() error { _, err := cl.Flode(ctx, "SKV.MOMS", ""); return err },
			`catalog: asked for the flow of "SKV.MOMS" for "", got "SKV.ARBETSGIVARE" for ""`},
		{"invalid flow", func() error { _, err := cl.Flode(ctx, "SKV.TOM", ""); return err },
			"catalog: the flow answered for \"SKV.TOM\": catalog: type \"SKV.TOM\": has no start\ncatalog: type \"SKV.TOM\": has no end (slut)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The raw HTTP side: status codes, JSON error bodies, the read-only rule.
func TestHandlerHTTP(t *testing.T) {
	base := serve(t, loadTestdata(t))
	tests := []struct {
		method, path string
		status       int
		message      string // for errors
		allow        string
	}{
		{"GET", "/producenter/V%C3%A4rmd%C3%B6%20kommun/producentarendetyper", 200, "", ""},
		{"HEAD", "/producentarendetyper/SKV.MOMS/flode", 200, "", ""},
		{"GET", "/producentarendetyper/SKV.MOMS/flode?producent=a&producent=b", 400, "the query takes at most one producent", ""},
		{"GET", "/kundhandelsetyper", 400, "ask for at least one id: ?id=PRODUCENT.ARENDETYP.STEG", ""},
		{"GET", "/kundhandelsetyper?id=SKV.MOMS", 400, `id "SKV.MOMS": it has 2 segment(s), a kundhandelseTyp needs PRODUCENT.ARENDETYP.STEG`, ""},
		{"GET", "/kundhandelsetyper?" + strings.Repeat("id=SKV.MOMS.BETALD&", maxIDs+1), 400, "at most 100 ids per request", ""},
		{"GET", "/kundhandelsetyper?id=%zz", 400, "malformed query", ""},
		{"GET", "/okand", 404, "no such operation; see the catalog package's documentation", ""},
		{"POST", "/kundhandelsetyper?id=SKV.MOMS.BETALD", 405, "method POST not allowed; the catalog API is read-only", "GET, HEAD"},
		{"DELETE", "/producentarendetyper/SKV.MOMS/flode", 405, "method DELETE not allowed; the catalog API is read-only", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.status == 200 {
				return
			}
			var e errorAnswer
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if diff := cmp.Diff(tt.message, e.Message); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The answers' JSON shapes are a contract (documented in doc.go).
func TestHandlerShapes(t *testing.T) {
	base := serve(t, loadTestdata(t))
	get := func(path string) map[string]any {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	tests := []struct {
		path string
		want []string
	}{
		{"/producenter/PRV/producentarendetyper", []string{"producent", "producentarendetyper"}},
		{"/producentarendetyper/KOMMUN.BYGGLOV/flode?producent=V%C3%A4rmd%C3%B6%20kommun", []string{"id", "namn", "beskrivning", "producent", "kundhandelsetyper", "flode"}},
		{"/producentarendetyper/SKV.ARBETSGIVARE/flode", []string{"id", "namn", "beskrivning", "kundhandelsetyper", "flode"}},
		{"/kundhandelsetyper?id=SKV.MOMS.BETALD&id=SKV.MOMS.X", []string{"kundhandelsetyper", "saknas"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, keys(get(tt.path)), sorted); diff != "" {
				t.Errorf("keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientLimitsAndTransport(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	cl := NewClient(url, nil)
	steps, err := cl.Kundhandelsetyper(ctx)
	if steps != nil || err != nil {
		t.Errorf("Kundhandelsetyper() = %v, %v; want nothing asked, nothing returned", steps, err)
	}
	many := make([]minaarenden.Kundhandelsetyp, maxIDs+1)
	if _, err := cl.Kundhandelsetyper(ctx, many...); err == nil || err.Error() != "catalog: at most 100 kundhandelsetyper per request, asked for 101" {
		t.Errorf("101 ids: err = %v", err)
	}
	// A transport error names the path asked, never the query.
	_, err = cl.Flode(ctx, "KOMMUN.BYGGLOV", "Värmdö kommun")
	if err == nil {
		t.Fatal("Flode against a closed server succeeded")
	}
	prefix := "catalog: GET " + url + "/producentarendetyper/KOMMUN.BYGGLOV/flode: "
	if !strings.HasPrefix(err.Error(), prefix) || strings.Contains(err.Error(), "producent=") {
		t.Errorf("err = %q, want it to start %q and hold no query", err, prefix)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewClient(serve(t, loadTestdata(t)), nil).Flode(cancelled, "SKV.MOMS", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}
}
