package minaarenden

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestReferenserForms(t *testing.T) {
	const in = `{
		"producentarende": "PRV-2025-0042",
		"konsumentReferens": ["K-1", "K-2"],
		"etjanst": {"url": "https://example.se/komplettera", "lanktext": "Komplettera här"},
		"api": [{"url": "https://api.example.se/a"}, {"url": "https://api.example.se/b", "lanktext": "B"}],
		"diarienummer": 42,
		"lank": {"href": "x"}
	}`
	var r Referenser
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.Producentarende().First(); got != "PRV-2025-0042" {
		t.Errorf("producentarende = %q", got)
	}
	if got := r.KonsumentReferens(); !got.Array || got.First() != "K-1" || len(got.Varden) != 2 {
		t.Errorf("konsumentReferens = %+v", got)
	}
	wantLinks := []ReferensVarde{{URL: "https://example.se/komplettera", Lanktext: "Komplettera här"}}
	if diff := cmp.Diff(wantLinks, r.Etjanst().Links()); diff != "" {
		t.Errorf("etjanst links mismatch (-want +got):\n%s", diff)
	}
	if got := r.API().Links(); len(got) != 2 || got[1].Lanktext != "B" {
		t.Errorf("api links = %+v", got)
	}
	// Unknown keys and shapes are kept verbatim.
	if string(r["diarienummer"].Raw) != "42" || len(r["diarienummer"].Varden) != 0 {
		t.Errorf("diarienummer = %+v", r["diarienummer"])
	}
	if _, ok := r["lank"]; !ok {
		t.Error("unknown key lank dropped")
	}
	// A pre-4.1 plain-string etjanst is still a link.
	var old Referenser
	if err := json.Unmarshal([]byte(`{"etjanst": "https://example.se/e"}`), &old); err != nil {
		t.Fatal(err)
	}
	if got := old.Etjanst().Links(); len(got) != 1 || got[0].URL != "https://example.se/e" {
		t.Errorf("string etjanst links = %+v", got)
	}

	// Round trip keeps every key and shape.
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back, orig map[string]any
	_ = json.Unmarshal(out, &back)
	_ = json.Unmarshal([]byte(in), &orig)
	if diff := cmp.Diff(orig, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestReferensMarshalBuilt(t *testing.T) {
	r := Referenser{
		"a": {Varden: []ReferensVarde{{Text: "x"}}},
		"b": {Varden: []ReferensVarde{{URL: "https://e.se", Lanktext: "E"}}, Array: true},
		"c": {},
	}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"x","b":[{"url":"https://e.se","lanktext":"E"}],"c":null}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestKundhandelseJSON(t *testing.T) {
	const in = `{"kundhandelseId":"id-1","rubrik":"Beslut fattat","beskrivning":"Vi har fattat beslut.",
		"sprak":"sv","producent":"Skatteverket","tidpunkt":"2025-08-12 14:03:55.00",
		"kundhandelseTyp":"SKV.ARBETSGIVARE.BESLUT","producentarendetKraverKundatgard":false,
		"producentarendetKlart":true,"version":"6.1","utokadInformation":{"servicelofte":"30 dagar","x":[1]},
		"referenser":{"producentarende":"A-1"},"taggar":["foretagande"],"okantFalt":{"a":1}}`
	var k Kundhandelse
	if err := json.Unmarshal([]byte(in), &k); err != nil {
		t.Fatal(err)
	}
	if k.Servicelofte() != "30 dagar" || !k.Klart || k.Typ != "SKV.ARBETSGIVARE.BESLUT" || k.Referenser.Producentarende().First() != "A-1" {
		t.Errorf("decoded %+v", k)
	}
	out, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got["tidpunkt"] != "2025-08-12T12:03:55Z" {
		t.Errorf("tidpunkt written as %v, want RFC 3339 in UTC", got["tidpunkt"])
	}
	if _, ok := got["okantFalt"]; ok {
		t.Error("unknown field written back")
	}
	var again Kundhandelse
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k, again, cmpopts.EquateComparable(), cmp.Comparer(func(a, b Referens) bool { return a.First() == b.First() })); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	var bad Kundhandelse
	if err := json.Unmarshal([]byte(`{"kundhandelseId":"x","tidpunkt":"igår"}`), &bad); err == nil {
		t.Error("unreadable tidpunkt accepted")
	}
	if err := (DecodeOptions{}).Unmarshal([]byte(`{"kundhandelseId":"x"}`), &bad); err == nil {
		t.Error("missing tidpunkt accepted")
	}
}

// TestReferensPartialLinks: the schema requires no key of a link object, so
// an array item without a url is valid and must not cost the array's other
// values.
func TestReferensPartialLinks(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantLinks []ReferensVarde
		wantFirst string
	}{
		{
			name:      "objects without url beside a link",
			in:        `[{"lanktext":"utan url"}, {}, {"url":"https://e.se","lanktext":"med"}]`,
			wantLinks: []ReferensVarde{{URL: "https://e.se", Lanktext: "med"}},
			wantFirst: "https://e.se",
		},
		{
			name:      "an object without url before a string",
			in:        `[{"lanktext":"saknar url"}, "BV-2025-0917"]`,
			wantLinks: []ReferensVarde{{URL: "BV-2025-0917"}},
			wantFirst: "BV-2025-0917",
		},
		{
			name:      "a number and a null among links",
			in:        `[42, null, {"url":"https://a.se"}, "https://b.se"]`,
			wantLinks: []ReferensVarde{{URL: "https://a.se"}, {URL: "https://b.se"}},
			wantFirst: "https://a.se",
		},
		{
			name:      "an object whose url is no string",
			in:        `[{"url":7,"lanktext":"sju"}, {"url":"https://c.se","lanktext":"C"}]`,
			wantLinks: []ReferensVarde{{URL: "https://c.se", Lanktext: "C"}},
			wantFirst: "https://c.se",
		},
		{
			name:      "no item is a link",
			in:        `[{"lanktext":"utan url"}, {}]`,
			wantLinks: []ReferensVarde{},
			wantFirst: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Referens
			if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantLinks, r.Links()); diff != "" {
				t.Errorf("Links mismatch (-want +got):\n%s", diff)
			}
			if got := r.First(); got != tt.wantFirst {
				t.Errorf("First() = %q, want %q", got, tt.wantFirst)
			}
			if !r.Array {
				t.Error("Array = false for an array")
			}
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			_ = json.Unmarshal([]byte(tt.in), &want)
			_ = json.Unmarshal(out, &got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReferensPartialLinksAnswer reads the conformance answer of a producer
// that sends link objects without url, as a consumer meets it.
func TestReferensPartialLinksAnswer(t *testing.T) {
	body, err := os.ReadFile("testdata/answers/producer-6.1-partial-links.json")
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Kundhandelser []Kundhandelse `json:"kundhandelser"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Kundhandelser) != 1 {
		t.Fatalf("%d events, want 1", len(answer.Kundhandelser))
	}
	ref := answer.Kundhandelser[0].Referenser
	if diff := cmp.Diff([]ReferensVarde{{URL: "https://e.se", Lanktext: "med"}}, ref.Etjanst().Links()); diff != "" {
		t.Errorf("etjanst links mismatch (-want +got):\n%s", diff)
	}
	if got := ref.Producentarende().First(); got != "BV-2025-0917" {
		t.Errorf("producentarende = %q, want BV-2025-0917", got)
	}
}
