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
	c, err := catalog.Load("../catalog/sample")
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
	// Every producer answered (aggregate.Result.Answered says so after a
	// question), so a case without events has not started.
	answered := []string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad"}
	for _, in := range flow.Place(c, events, &flow.Options{Expected: expected, Answered: answered}) {
		fmt.Printf("%-22s %-15s %-14s %-9s %v\n", in.Typ, in.Producent, in.Status, in.Bollen, in.Aterstar)
	}
	// Output:
	// BV.VERKLIG_HUVUDMAN    Bolagsverket    ej_paborjad    kund      [BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN BV.VERKLIG_HUVUDMAN.REGISTRERAD]
	// KOMMUN.FETTAVSKILJARE  Stockholms stad pagaende       producent [KOMMUN.FETTAVSKILJARE.BESLUT]
	// PRV.VARUMARKE          PRV             vantar_pa_kund kund      [PRV.VARUMARKE.GRANSKNING PRV.VARUMARKE.REGISTRERAD]
	// SKV.ARBETSGIVARE       Skatteverket    klart          ingen     []
}

// A producer that did not answer, or was never asked: its expected case is
// okand, never ej_paborjad. Only the producers in Answered can have a case
// that has not started.
func ExamplePlace_unanswered() {
	c, err := catalog.Load("../catalog/sample")
	if err != nil {
		fmt.Println(err)
		return
	}
	got := flow.Place(c, nil, &flow.Options{
		Expected: []flow.Expected{{Typ: "BV.VERKLIG_HUVUDMAN"}, {Typ: "SKV.ARBETSGIVARE"}},
		Answered: []string{"Skatteverket"}, // Bolagsverket failed, or no source asked it
	})
	for _, in := range got {
		fmt.Println(in.Typ, in.Status, in.Bollen)
	}
	// Output:
	// BV.VERKLIG_HUVUDMAN okand ingen
	// SKV.ARBETSGIVARE ej_paborjad kund
}

// Draw one case on its flow, as the README's picture of Pia's trademark
// application: States gives each step's state in the strings catalog.Mermaid
// (and catalog.DOT) colour by, and the graph to draw is the one Place walked,
// the producer's slice of the type (or the union).
func ExampleInstance_States() {
	c, err := catalog.Load("../catalog/sample")
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
	for _, in := range flow.Place(c, events, nil) {
		if in.Typ != "PRV.VARUMARKE" {
			continue
		}
		typ, ok := c.Type(in.Typ)
		if !ok {
			continue // an unknown_type instance has no flow to draw
		}
		fmt.Print(catalog.Mermaid(typ.Graph(in.Producent), in.States()))
	}
	// Output:
	// flowchart TD
	//     %% PRV.VARUMARKE Registrera varumärke
	//     n0(["Ansökan om varumärke mottagen<br/>ANSOKAN"])
	//     n1["Varumärkesansökan granskas<br/>GRANSKNING"]
	//     n2{{"Komplettera din ansökan för varumärke<br/>KOMPLETTERING"}}
	//     n3[["Varumärket registrerat<br/>REGISTRERAD"]]
	//     n4[["Varumärkesansökan avslagen<br/>AVSLAG"]]
	//     n0 --> n1
	//     n0 --> n2
	//     n1 --> n2
	//     n2 --> n1
	//     n1 --> n3
	//     n1 --> n4
	//     classDef done fill:#c8e6c9,stroke:#2e7d32
	//     class n0 done
	//     classDef current fill:#ffe082,stroke:#ff6f00,stroke-width:3px
	//     class n2 current
	//     classDef expected fill:#ffffff,stroke:#616161,stroke-dasharray:3 3
	//     class n1,n3 expected
	//     classDef unvisited fill:#ffffff,stroke:#bdbdbd,color:#9e9e9e
	//     class n4 unvisited
}
