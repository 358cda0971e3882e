package report_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/aggregate/report"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/flow"
)

// A back end asks, reports and writes the contract. Bolagsverket fails,
// PRV is asked by no source: both their expected cases are okand.
func ExampleNew() {
	events, err := readPiaEvents()
	if err != nil {
		panic(err)
	}
	agg, err := aggregate.New([]aggregate.Source{
		source{name: "Skatteverket", prefix: "SKV", events: events},
		source{name: "Bolagsverket", prefix: "BV", err: errors.New("connection refused")},
	}, nil)
	if err != nil {
		panic(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})
	if err != nil {
		panic(err)
	}
	cat, err := sample.Catalog()
	if err != nil {
		panic(err)
	}
	expected := []flow.Expected{{Typ: "BV.VERKLIG_HUVUDMAN"}, {Typ: "PRV.VARUMARKE"}, {Typ: "SKV.ARBETSGIVARE"}}
	rep := report.New(cat, res, expected)
	for _, in := range rep.Arenden {
		fmt.Println(in.Typ, in.Status, in.Bollen)
	}
	for _, s := range rep.Sources {
		fmt.Printf("%s %s %q\n", s.Producent, s.Status, s.Error)
	}
	// rep.WriteJSON(ctx, w) would now stream the document to an
	// http.ResponseWriter.
	fmt.Println("complete:", rep.Complete)
	// Output:
	// BV.VERKLIG_HUVUDMAN okand ingen
	// PRV.VARUMARKE okand ingen
	// SKV.ARBETSGIVARE klart ingen
	// Skatteverket ok ""
	// Bolagsverket error "connection refused"
	// complete: false
}
