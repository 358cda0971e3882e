package clienttest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/google/go-cmp/cmp"
)

const (
	pnr   = "199001012385"
	orgnr = "165560360793"
)

var personFraga = minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}}}

// events is what a producer holds: two of the person's events and one of
// someone else's.
func events() []minaarenden.Kundhandelse {
	person := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}
	other := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "198112189876", Typ: minaarenden.Personnummer}}
	return []minaarenden.Kundhandelse{
		{
			KundhandelseID: "m1", Rubrik: "Vi har tagit emot din momsdeklaration", Beskrivning: "Perioden 2025-07.",
			Sprak: "sv", Producent: "Skatteverket", Tidpunkt: time.Date(2025, 8, 12, 12, 3, 55, 0, time.UTC),
			Typ: "SKV.MOMS.DEKL_INLAMAD", Part: person,
			UtokadInformation: minaarenden.UtokadInformation(`{"servicelofte":"30 dagar"}`),
			Referenser: minaarenden.Referenser{{Nyckel: "etjanst", Varden: []minaarenden.ReferensVarde{
				{URL: "https://example.invalid/moms", Lanktext: "Se din deklaration"}}}},
		},
		{
			KundhandelseID: "m2", Rubrik: "Komplettera din momsdeklaration", Beskrivning: "Vi behöver underlag.",
			Sprak: "sv", Producent: "Skatteverket", Tidpunkt: time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), // 02:30 summer time, the first of two
			Typ: "SKV.MOMS.KOMPLETTERING", KraverKundatgard: true, Part: person,
		},
		{
			KundhandelseID: "a1", Rubrik: "Beslut om arbetsgivarregistrering", Beskrivning: "Du är registrerad.",
			Sprak: "sv", Producent: "Skatteverket", Tidpunkt: time.Date(2025, 3, 9, 4, 2, 0, 0, time.UTC),
			Typ: "SKV.ARBETSGIVARE.BESLUT", Klart: true, Part: person,
		},
		{
			KundhandelseID: "x1", Rubrik: "Någon annans", Beskrivning: "-", Sprak: "sv", Producent: "Skatteverket",
			Tidpunkt: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), Typ: "SKV.MOMS.DEKL_INLAMAD", Part: other,
		},
	}
}

// view is what must survive the trip in a given version.
type view struct {
	ID              string
	Typ             minaarenden.Kundhandelsetyp
	Tidpunkt        time.Time
	Sprak           string
	Kundatgard      bool
	Klart           bool
	Version         minaarenden.Version
	Servicelofte    string
	Etjanst         []minaarenden.ReferensVarde
	PartIsThePerson bool
}

func viewOf(k minaarenden.Kundhandelse) view {
	return view{
		ID: k.KundhandelseID, Typ: k.Typ, Tidpunkt: k.Tidpunkt.UTC(), Sprak: k.Sprak,
		Kundatgard: k.KraverKundatgard, Klart: k.Klart, Version: k.Version,
		Servicelofte: k.Servicelofte(), Etjanst: k.Referenser.Etjanst().Varden,
		PartIsThePerson: k.Part.Kund != nil && k.Part.Kund.Identifierare == pnr,
	}
}

// expected is what a client should read from a producer speaking v.
func expected(v minaarenden.Version, ids ...string) []view {
	var out []view
	for _, k := range events() {
		if !slices.Contains(ids, k.KundhandelseID) {
			continue
		}
		w := viewOf(k)
		switch {
		case !v.AtLeast(minaarenden.V3_0): // no version, referenser or utokadInformation yet
			w.Version, w.Servicelofte, w.Etjanst = "", "", nil
		case !v.AtLeast(minaarenden.V4_1): // referenser were plain strings
			w.Version = v
			w.Etjanst = textOnly(w.Etjanst)
		default:
			w.Version = v
		}
		out = append(out, w)
	}
	return out
}

func textOnly(links []minaarenden.ReferensVarde) []minaarenden.ReferensVarde {
	var out []minaarenden.ReferensVarde
	for _, l := range links {
		out = append(out, minaarenden.ReferensVarde{Text: l.URL})
	}
	return out
}

func byID(vs []view) []view {
	slices.SortFunc(vs, func(a, b view) int { return strings.Compare(a.ID, b.ID) })
	return vs
}

// TestRoundTripThroughClient asks a stand-in producer of every version the
// client speaks (1.0 asked with GET and an identifier in the URL; the
// client refuses it) through the real client.
func TestRoundTripThroughClient(t *testing.T) {
	versions := []minaarenden.Version{
		minaarenden.V1_1, minaarenden.V2_0, minaarenden.V3_0, minaarenden.V3_1, minaarenden.V4_0,
		minaarenden.V4_1, minaarenden.V5_0, minaarenden.V6_0, minaarenden.V6_1,
	}
	for _, v := range versions {
		t.Run(string(v), func(t *testing.T) {
			s := clienttest.Start(t, clienttest.Config{Version: v, Events: events()})
			c, err := client.New(s.URL, &client.Options{Version: v, Name: "Skatteverket", AnropandeOrganisation: orgnr})
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				name  string
				typer []minaarenden.Kundhandelsetyp
				want  []string
			}{
				{"everything", nil, []string{"m1", "m2", "a1"}},
				// Before 4.0 the client filters a prefix itself.
				{"prefix", []minaarenden.Kundhandelsetyp{"SKV.MOMS"}, []string{"m1", "m2"}},
			} {
				f := personFraga
				f.KundhandelseTyper = tt.typer
				a, err := c.Query(t.Context(), f)
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				var got []view
				for _, k := range a.Events {
					got = append(got, viewOf(k))
				}
				if diff := cmp.Diff(byID(expected(v, tt.want...)), byID(got)); diff != "" {
					t.Errorf("%s: mismatch (-want +got):\n%s", tt.name, diff)
				}
				wantVersion := v
				if !v.AtLeast(minaarenden.V3_0) {
					wantVersion = ""
				}
				if a.Version != wantVersion {
					t.Errorf("%s: detected version %q, want %q", tt.name, a.Version, wantVersion)
				}
			}
			if n := len(s.Handler.Requests()); n != 2 {
				t.Errorf("%d requests, want one per question", n)
			}
		})
	}
}

// TestRoundTripForwarding pages through a forwarding service with one
// failing producer, one page per event.
func TestRoundTripForwarding(t *testing.T) {
	kommun := clienttest.Config{Producent: "Testköpings kommun", Version: minaarenden.V4_1, Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "k1", Rubrik: "Ansökan mottagen", Beskrivning: "Bygglov.", Sprak: "sv",
		Tidpunkt: time.Date(2025, 8, 12, 12, 3, 55, 0, time.UTC), Typ: "TESTKOP.BYGGLOV.ANSOKAN",
		Part: personFraga.Parter[0],
	}}}
	prv := clienttest.Config{Producent: "PRV", Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "p1", Rubrik: "Komplettera", Beskrivning: "-", Sprak: "sv",
		Tidpunkt: time.Date(2025, 8, 13, 8, 0, 0, 0, time.UTC), Typ: "PRV.VARUMARKE.KOMPLETTERING",
		Part: personFraga.Parter[0],
	}}}
	s := clienttest.Start(t, clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{
		{Producent: "Skatteverket", Version: minaarenden.V6_0, Events: events()}, kommun, prv,
	}})
	s.Handler.SetProducerFault("PRV", clienttest.Fault{HTTPCode: 503})
	c, err := client.New(s.URL, &client.Options{Dialect: client.Forwarding, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Query(t.Context(), personFraga)
	if err == nil {
		t.Error("no error although PRV's delfråga failed")
	}
	var got []string
	for _, k := range a.Events {
		got = append(got, k.KundhandelseID+"@"+string(k.Version))
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"a1@6.0", "k1@4.1", "m1@6.0", "m2@6.0"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	failed := map[string]int{}
	for _, o := range a.Outcomes {
		if o.Err != nil {
			failed[o.Producent] = o.HTTPCode
		}
	}
	if diff := cmp.Diff(map[string]int{"PRV": 503}, failed); diff != "" {
		t.Errorf("failed outcomes mismatch (-want +got):\n%s", diff)
	}
	if n := len(s.Handler.Requests()); n < 4 {
		t.Errorf("%d requests for four events at one per page, want at least 4", n)
	}
}

// Example asks an in-memory Skatteverket through the real client.
func Example() {
	s, err := clienttest.NewServer(clienttest.Config{Version: minaarenden.V6_0, Events: events()})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	c, _ := client.New(s.URL, &client.Options{Version: minaarenden.V6_0, Name: "Skatteverket"})
	f := personFraga
	f.KundhandelseTyper = []minaarenden.Kundhandelsetyp{"SKV.MOMS"}
	a, err := c.Query(context.Background(), f)
	if err != nil {
		panic(err)
	}
	slices.SortFunc(a.Events, func(x, y minaarenden.Kundhandelse) int { return x.Tidpunkt.Compare(y.Tidpunkt) })
	fmt.Println("version", a.Version)
	for _, k := range a.Events {
		fmt.Println(k.Tidpunkt.UTC().Format(time.RFC3339), k.Typ, k.Rubrik)
	}
	// Output:
	// version 6.0
	// 2025-08-12T12:03:55Z SKV.MOMS.DEKL_INLAMAD Vi har tagit emot din momsdeklaration
	// 2025-10-26T00:30:00Z SKV.MOMS.KOMPLETTERING Komplettera din momsdeklaration
}

// ExampleHandler_SetProducerFault shows a forwarding service whose PRV
// delfråga fails: the answer is 206, Skatteverket's events still arrive, and
// the outcome says which producer failed.
func ExampleHandler_SetProducerFault() {
	s, err := clienttest.NewServer(clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{
		{Producent: "Skatteverket", Version: minaarenden.V6_0, Events: events()},
		{Producent: "PRV"},
	}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.Handler.SetProducerFault("PRV", clienttest.Fault{HTTPCode: 503, Message: "underhåll"})

	c, _ := client.New(s.URL, &client.Options{Dialect: client.Forwarding})
	a, err := c.Query(context.Background(), personFraga)
	fmt.Println("events:", len(a.Events))
	for _, o := range a.Outcomes {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s: HTTP %d %s %s", o.Producent, o.HTTPCode, o.Status, o.Message)))
	}
	fmt.Println("failed:", err != nil)
	// Output:
	// events: 3
	// Skatteverket: HTTP 200 OK
	// PRV: HTTP 503 FEL Service unavailable: underhåll
	// failed: true
}
