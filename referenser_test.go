package minaarenden

import (
	"encoding/json"
	"os"
	"strings"
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
	if d := r.Get("diarienummer"); string(d.Raw) != "42" || len(d.Varden) != 0 || d.Nyckel != "diarienummer" {
		t.Errorf("diarienummer = %+v", d)
	}
	if _, ok := r.Lookup("lank"); !ok {
		t.Error("unknown key lank dropped")
	}
	var keys []string
	for _, ref := range r {
		keys = append(keys, ref.Nyckel)
	}
	if diff := cmp.Diff([]string{"producentarende", "konsumentReferens", "etjanst", "api", "diarienummer", "lank"}, keys); diff != "" {
		t.Errorf("keys not in the order sent (-want +got):\n%s", diff)
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
		{Nyckel: "a", Varden: []ReferensVarde{{Text: "x"}}},
		{Nyckel: "b", Varden: []ReferensVarde{{URL: "https://e.se", Lanktext: "E"}}, Array: true},
		{Nyckel: "c"},
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

func TestReferenserRepeatedKey(t *testing.T) {
	var r Referenser
	if err := json.Unmarshal([]byte(`{"producentarende":"A","etjanst":"https://e.se","producentarende":"B"}`), &r); err != nil {
		t.Fatal(err)
	}
	want := Referenser{
		{Nyckel: "producentarende", Varden: []ReferensVarde{{Text: "B"}}},
		{Nyckel: "etjanst", Varden: []ReferensVarde{{Text: "https://e.se"}}},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("a repeated key must keep its place and take its last value (-want +got):\n%s", diff)
	}
	// Built by hand with a key twice: read as JSON would, last wins.
	built := Referenser{{Nyckel: "a", Varden: []ReferensVarde{{Text: "1"}}}, {Nyckel: "b"}, {Nyckel: "a", Varden: []ReferensVarde{{Text: "2"}}}}
	if got := built.Get("a").First(); got != "2" {
		t.Errorf("Get = %q, want the last value", got)
	}
	out, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"b":null,"a":"2"}` {
		t.Errorf("marshalled %s, want each key once with its last value", out)
	}
}

func TestReferenserNotAnObject(t *testing.T) {
	for in, want := range map[string]string{
		`"x"`:   "referenser is text, not an object",
		`[1]`:   "referenser is an array, not an object",
		`42`:    "referenser is a number, not an object",
		`true`:  "referenser is a boolean, not an object",
		`null`:  "",
		`{}`:    "",
		`{"a":`: "unexpected EOF",
	} {
		var r Referenser
		err := r.UnmarshalJSON([]byte(in))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want one containing %q", in, err, want)
		}
	}
	var empty Referenser
	if err := json.Unmarshal([]byte(`{}`), &empty); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("{} read as %#v, %v; want empty, not nil", empty, err)
	}
}

// TestReferensRawOnlyWhenNeeded: Raw costs memory per event, so it is kept
// only where Varden and Array cannot write the value back.
func TestReferensRawOnlyWhenNeeded(t *testing.T) {
	tests := []struct {
		in      string
		wantRaw bool
	}{
		{`"A-1"`, false},
		{`["K-1","K-2"]`, false},
		{`{"url":"https://e.se","lanktext":"Se"}`, false},
		{`{ "lanktext" : "Se", "url" : "https://e.se" }`, false},
		{`{"url":"https://e.se"}`, false},
		{`[{"url":"https://e.se"},"x"]`, false},
		{`[]`, false},
		{`{"url":"https://e.se","lanktext":"Se","extra":1}`, true},
		{`{"lanktext":"utan url"}`, true},
		{`{"url":"","lanktext":"Se"}`, true},
		{`{"url":"https://e.se","lanktext":""}`, true},
		{`{"url":"https://a.se","url":"https://b.se"}`, true},
		{`[{"url":"https://e.se"},{}]`, true},
		{`42`, true},
		{`{"href":"x"}`, true},
	}
	for _, tt := range tests {
		var r Referens
		if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := r.Raw != nil; got != tt.wantRaw {
			t.Errorf("%s: Raw kept %v, want %v", tt.in, got, tt.wantRaw)
		}
		// Either way the value writes back as the same JSON.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		var want, got any
		_ = json.Unmarshal([]byte(tt.in), &want)
		_ = json.Unmarshal(out, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s written back as %s (-want +got):\n%s", tt.in, out, diff)
		}
	}
}

func TestUtokadInformation(t *testing.T) {
	var k Kundhandelse
	in := `{"kundhandelseId":"x","tidpunkt":"2025-08-12T14:03:55Z","utokadInformation":{"servicelofte":"30 dagar","egen":{"a":[1,2]},"servicelofte":"2 veckor"}}`
	if err := json.Unmarshal([]byte(in), &k); err != nil {
		t.Fatal(err)
	}
	if got := k.Servicelofte(); got != "2 veckor" {
		t.Errorf("Servicelofte = %q, want the last value of a repeated key", got)
	}
	if v, ok := k.UtokadInformation.Lookup("egen"); !ok || string(v) != `{"a":[1,2]}` {
		t.Errorf("Lookup(egen) = %s, %v", v, ok)
	}
	if _, ok := k.UtokadInformation.Lookup("saknas"); ok {
		t.Error("Lookup found a key that is not there")
	}
	var keys []string
	for key := range k.UtokadInformation.All() {
		keys = append(keys, key)
	}
	if diff := cmp.Diff([]string{"servicelofte", "egen", "servicelofte"}, keys); diff != "" {
		t.Errorf("All mismatch (-want +got):\n%s", diff)
	}
	// A value handed out is the caller's: changing it changes nothing here.
	v, _ := k.UtokadInformation.Lookup("egen")
	v[1] = 'X'
	if again, _ := k.UtokadInformation.Lookup("egen"); string(again) != `{"a":[1,2]}` {
		t.Errorf("changing a looked-up value changed the event: %s", again)
	}

	out, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"utokadInformation":{"servicelofte":"30 dagar","egen":{"a":[1,2]},"servicelofte":"2 veckor"}`) {
		t.Errorf("utokadInformation not written back as sent: %s", out)
	}
	var none Kundhandelse
	if err := json.Unmarshal([]byte(`{"kundhandelseId":"x","tidpunkt":"2025-08-12T14:03:55Z","utokadInformation":null}`), &none); err != nil || none.UtokadInformation != nil {
		t.Errorf("null read as %q, %v", none.UtokadInformation, err)
	}
	if out, _ := json.Marshal(none); strings.Contains(string(out), "utokadInformation") {
		t.Errorf("absent utokadInformation written: %s", out)
	}
	var bad Kundhandelse
	err = json.Unmarshal([]byte(`{"kundhandelseId":"x","tidpunkt":"2025-08-12T14:03:55Z","utokadInformation":["30 dagar"]}`), &bad)
	if err == nil || !strings.Contains(err.Error(), "utokadInformation is an array, not an object") {
		t.Errorf("an array read with error %v", err)
	}
	for key := range UtokadInformation(`[1]`).All() {
		t.Errorf("a value that is not an object yielded %q", key)
	}
}
