package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

// Example_readme is the README's code example, run against the stand-ins
// so it cannot go stale: everything between the markers is the README's
// text, except that the README sets skvURL and prvURL to real endpoints.
func Example_readme() {
	s, err := startStandIns(piaKund(), "../../testdata/pia/kundhandelser.json")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	skvURL, prvURL := s.server("Skatteverket").URL, s.server("PRV").URL
	if err := os.Chdir("../.."); err != nil { // the README runs from the repository root
		log.Fatal(err)
	}
	defer os.Chdir("examples/foretagstjanst")

	// README begins
	skv, err1 := client.New(skvURL, &client.Options{Name: "Skatteverket", Version: minaarenden.V6_0, Prefixes: []minaarenden.Kundhandelsetyp{"SKV"}})
	prv, err2 := client.New(prvURL, &client.Options{Name: "PRV", Version: minaarenden.V5_0, Prefixes: []minaarenden.Kundhandelsetyp{"PRV"}})
	cat, err3 := sample.Catalog() // your own: catalog.Load("path/to/catalog")
	if err := errors.Join(err1, err2, err3); err != nil {
		log.Fatal(err)
	}
	agg, err := aggregate.New([]aggregate.Source{skv, prv}, &aggregate.Options{SourceTimeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	kund := minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}, Anvandare: "199001012385"})
	if err != nil {
		log.Fatal(err) // only an invalid question: a failing producer is an outcome in res
	}
	cases := flow.Place(cat, res.Events, &flow.Options{
		Expected: []flow.Expected{{Typ: "SKV.ARBETSGIVARE"}, {Typ: "PRV.VARUMARKE"}, {Typ: "BV.VERKLIG_HUVUDMAN"}},
		Answered: res.Answered(), // anyone not heard (Bolagsverket: not asked) is okand, never "not started"
	})
	for _, c := range cases {
		fmt.Println(c.Typ, c.Producent, c.Status, c.Bollen, c.Aterstar)
	}
	// README ends

	// Output:
	// BV.VERKLIG_HUVUDMAN Bolagsverket okand ingen [BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN BV.VERKLIG_HUVUDMAN.REGISTRERAD]
	// PRV.VARUMARKE PRV vantar_pa_kund kund [PRV.VARUMARKE.GRANSKNING PRV.VARUMARKE.REGISTRERAD]
	// SKV.ARBETSGIVARE Skatteverket klart ingen []
}
