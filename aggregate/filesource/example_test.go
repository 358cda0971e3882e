package filesource_test

import (
	"context"
	"fmt"
	"os"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/aggregate/filesource"
)

// A kommun without an API publishes a file; the aggregator asks it like any
// producer.
func Example() {
	timra, err := filesource.New(os.DirFS("testdata"), "timra.json", &filesource.Options{
		Name:     "Timrå kommun",
		Prefixes: []minaarenden.Kundhandelsetyp{"TIMRA"},
	})
	if err != nil {
		panic(err)
	}
	agg, err := aggregate.New([]aggregate.Source{timra}, nil)
	if err != nil {
		panic(err)
	}
	kund := minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{
		Parter:            []minaarenden.Part{{Kund: &kund}},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"TIMRA.BYGGLOV"},
	})
	if err != nil {
		panic(err)
	}
	for _, e := range res.Events {
		fmt.Println(e.Tidpunkt.UTC().Format("2006-01-02 15:04Z"), e.Typ, e.Rubrik)
	}
	o := res.Outcomes[0]
	fmt.Println(o.Source, o.Status, o.Events, "events")
	// Output:
	// 2026-03-02 08:00Z TIMRA.BYGGLOV.ANSOKAN Ansökan om bygglov mottagen
	// 2026-03-09 13:30Z TIMRA.BYGGLOV.KOMPLETTERING Komplettera din ansökan
	// Timrå kommun ok 2 events
}
