package aggregate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// Pia's Tacotruck is asked about at three producers; PRV is down. The
// answer still holds everyone else's events, and says exactly what
// happened at PRV.
func Example() {
	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
	at := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, minaarenden.Stockholm()) }
	producers := []clienttest.Config{
		{Producent: "Skatteverket", Events: []minaarenden.Kundhandelse{
			{KundhandelseID: "skv-1", Rubrik: "Ansökan mottagen", Tidpunkt: at(2), Typ: "SKV.ARBETSGIVARE.ANSOKAN", Part: pia},
			{KundhandelseID: "skv-2", Rubrik: "Beslut fattat", Tidpunkt: at(9), Typ: "SKV.ARBETSGIVARE.BESLUT", Klart: true, Part: pia},
		}},
		{Producent: "PRV", Events: []minaarenden.Kundhandelse{
			{KundhandelseID: "prv-1", Rubrik: "Komplettera din ansökan", Tidpunkt: at(5), Typ: "PRV.VARUMARKE.KOMPLETTERING", Part: pia},
		}},
		{Producent: "Stockholms stad", Events: []minaarenden.Kundhandelse{
			{KundhandelseID: "sthlm-1", Rubrik: "Anmälan mottagen", Tidpunkt: at(4), Typ: "KOMMUN.FETTAVSKILJARE.ANSOKAN", Part: pia},
		}},
	}
	prefixes := map[string][]minaarenden.Kundhandelsetyp{"Skatteverket": {"SKV"}, "PRV": {"PRV"}, "Stockholms stad": {"KOMMUN.FETTAVSKILJARE"}}

	hc := aggregate.NewHTTPClient() // one pool of connections for every client
	var sources []aggregate.Source
	for _, cfg := range producers {
		srv, err := clienttest.NewServer(cfg)
		if err != nil {
			panic(err)
		}
		defer srv.Close()
		if cfg.Producent == "PRV" {
			srv.Handler.SetFault(clienttest.Fault{Status: 500})
		}
		c, err := client.New(srv.URL, &client.Options{Name: cfg.Producent, Prefixes: prefixes[cfg.Producent], HTTPClient: hc})
		if err != nil {
			panic(err)
		}
		sources = append(sources, c)
	}

	agg, err := aggregate.New(sources, &aggregate.Options{SourceTimeout: 3 * time.Second})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := agg.Run(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{pia}, Anvandare: "199001012385"})
	if err != nil {
		panic(err) // only an invalid Fraga
	}
	for _, e := range res.Events {
		fmt.Println(e.Tidpunkt.Format(time.DateOnly), e.Typ, e.Rubrik)
	}
	for _, o := range res.Outcomes {
		fmt.Println(o.Source, o.Status, o.HTTPCode, o.Events)
	}
	fmt.Println("complete:", res.Complete(), "unanswered:", res.Unanswered())
	// Output:
	// 2026-03-02 SKV.ARBETSGIVARE.ANSOKAN Ansökan mottagen
	// 2026-03-04 KOMMUN.FETTAVSKILJARE.ANSOKAN Anmälan mottagen
	// 2026-03-09 SKV.ARBETSGIVARE.BESLUT Beslut fattat
	// Skatteverket ok 200 2
	// PRV error 500 0
	// Stockholms stad ok 200 1
	// complete: false unanswered: [PRV]
}

// Routing asks only the sources whose prefixes can match the question's
// kundhandelseTyper; the others are reported as skipped, not failed.
func ExampleAggregator_Run_routing() {
	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
	var sources []aggregate.Source
	for name, prefix := range map[string]minaarenden.Kundhandelsetyp{"Skatteverket": "SKV", "PRV": "PRV"} {
		srv, err := clienttest.NewServer(clienttest.Config{Producent: name})
		if err != nil {
			panic(err)
		}
		defer srv.Close()
		c, err := client.New(srv.URL, &client.Options{Name: name, Prefixes: []minaarenden.Kundhandelsetyp{prefix}, HTTPClient: aggregate.NewHTTPClient()})
		if err != nil {
			panic(err)
		}
		sources = append(sources, c)
	}
	agg, err := aggregate.New(sources, nil)
	if err != nil {
		panic(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{
		Parter:            []minaarenden.Part{pia},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS"},
		Anvandare:         "199001012385",
	})
	if err != nil {
		panic(err)
	}
	for _, o := range res.Outcomes {
		fmt.Println(o.Source, o.Status)
	}
	fmt.Println("complete:", res.Complete())
	// Unordered output:
	// Skatteverket ok
	// PRV skipped
	// complete: true
}

// An Observer sees every request, hedges included, to feed metrics or
// tracing: here, the second request sent to a producer that was slow the
// first time.
func ExampleObserverFuncs() {
	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
	srv, err := clienttest.NewServer(clienttest.Config{Producent: "Skatteverket"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Handler.SetFault(clienttest.Fault{Latency: 10 * time.Second, Times: 1})
	c, err := client.New(srv.URL, &client.Options{Name: "Skatteverket", Prefixes: []minaarenden.Kundhandelsetyp{"SKV"}, HTTPClient: aggregate.NewHTTPClient()})
	if err != nil {
		panic(err)
	}
	obs := aggregate.ObserverFuncs{
		Done: func(ctx context.Context, a aggregate.Attempt) {
			fmt.Printf("%s hedge=%v status=%s won=%v\n", a.Source, a.Hedge, a.Status, a.Won)
		},
	}
	agg, err := aggregate.New([]aggregate.Source{c}, &aggregate.Options{Observer: obs, HedgeDelay: 100 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}, Anvandare: "199001012385"})
	if err != nil {
		panic(err)
	}
	fmt.Println("hedges:", res.Outcomes[0].Hedges)
	// Output:
	// Skatteverket hedge=false status=error won=false
	// Skatteverket hedge=true status=ok won=true
	// hedges: 1
}
