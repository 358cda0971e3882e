package flow_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// Pia's Tacotruck, the standard's worked example: four cases, events from
// three producers, nothing yet from Bolagsverket.
func Example() {
	c, err := catalog.Load("../testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	data, err := os.ReadFile("../testdata/pia/kundhandelser.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		fmt.Println(err)
		return
	}
	var expected []flow.Expected
	for _, s := range []string{"BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE"} {
		ex, err := flow.ParseExpected(s)
		if err != nil {
			fmt.Println(err)
			return
		}
		expected = append(expected, ex)
	}
	for _, in := range flow.Place(c, events, &flow.Options{Expected: expected}) {
		fmt.Printf("%-22s %-15s %-14s %-9s %v\n", in.Typ, in.Producent, in.Status, in.Bollen, in.Aterstar)
	}
	// Output:
	// BV.VERKLIG_HUVUDMAN    Bolagsverket    ej_paborjad    kund      [BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN BV.VERKLIG_HUVUDMAN.REGISTRERAD]
	// KOMMUN.FETTAVSKILJARE  Stockholms stad pagaende       producent [KOMMUN.FETTAVSKILJARE.BESLUT]
	// PRV.VARUMARKE          PRV             vantar_pa_kund kund      [PRV.VARUMARKE.GRANSKNING PRV.VARUMARKE.REGISTRERAD]
	// SKV.ARBETSGIVARE       Skatteverket    klart          ingen     []
}

// A producer that did not answer: its expected case is okand, never
// ej_paborjad.
func ExamplePlace_unanswered() {
	c, err := catalog.Load("../testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	got := flow.Place(c, nil, &flow.Options{
		Expected:   []flow.Expected{{Typ: "BV.VERKLIG_HUVUDMAN"}},
		Unanswered: []string{"Bolagsverket"},
	})
	fmt.Println(got[0].Typ, got[0].Status, got[0].Bollen)
	// Output:
	// BV.VERKLIG_HUVUDMAN okand ingen
}
