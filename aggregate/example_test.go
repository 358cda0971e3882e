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
			srv.Handler.SetFault(clienttest.Fault{HTTPCode: 500})
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
	fmt.Println("complete:", res.Complete(), "answered:", res.Answered())
	// Output:
	// 2026-03-02 SKV.ARBETSGIVARE.ANSOKAN Ansökan mottagen
	// 2026-03-04 KOMMUN.FETTAVSKILJARE.ANSOKAN Anmälan mottagen
	// 2026-03-09 SKV.ARBETSGIVARE.BESLUT Beslut fattat
	// Skatteverket ok 200 2
	// PRV error 500 0
	// Stockholms stad ok 200 1
	// complete: false answered: [Skatteverket Stockholms stad]
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

// A nightly batch asks about many customers: in chunks of parter (a
// forwarding service takes at most 100 per request), with Concurrency
// bounding how many requests any one producer sees at once, under one
// deadline for the whole job. Failures are tallied per producer from the
// outcomes; nothing else is lost because of them.
func ExampleAggregator_Run_batch() {
	const customers, chunk = 12, 6
	parter := make([]minaarenden.Part, customers)
	for i := range parter {
		parter[i] = minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: exampleOrgnr(i), Typ: minaarenden.Organisationsnummer}}
	}
	var sources []aggregate.Source
	for i, name := range []string{"Skatteverket", "PRV", "Bolagsverket"} {
		prefix := []minaarenden.Kundhandelsetyp{"SKV", "PRV", "BV"}[i]
		var events []minaarenden.Kundhandelse
		for j := i; j < customers; j += 3 { // every third customer has a case here
			events = append(events, minaarenden.Kundhandelse{
				KundhandelseID: fmt.Sprint(prefix, "-", j), Rubrik: "Ansökan mottagen", Producent: name,
				Tidpunkt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Typ: prefix + ".ARENDE.ANSOKAN", Part: parter[j],
			})
		}
		srv, err := clienttest.NewServer(clienttest.Config{Producent: name, Events: events})
		if err != nil {
			panic(err)
		}
		defer srv.Close()
		switch name {
		case "PRV":
			srv.Handler.SetFault(clienttest.Fault{HTTPCode: 500})
		case "Bolagsverket":
			srv.Handler.SetFault(clienttest.Fault{Latency: time.Minute}) // slow: each part times out
		}
		c, err := client.New(srv.URL, &client.Options{Name: name, Prefixes: []minaarenden.Kundhandelsetyp{prefix}})
		if err != nil {
			panic(err)
		}
		sources = append(sources, c)
	}
	agg, err := aggregate.New(sources, &aggregate.Options{Concurrency: 8, SourceTimeout: 500 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the whole job
	defer cancel()

	events := 0
	failed := map[string]map[aggregate.Status]int{}
	for start := 0; start < customers && ctx.Err() == nil; start += chunk {
		res, err := agg.Run(ctx, minaarenden.Fraga{
			Parter:    parter[start:min(start+chunk, customers)],
			Anvandare: "199001012385", // forwarding and 3.1–4.1 require one; agree with producers what a batch sends
		})
		if err != nil {
			panic(err) // only an invalid Fraga
		}
		events += len(res.Events)
		for _, o := range res.Outcomes {
			if o.Status == aggregate.StatusOK || o.Status == aggregate.StatusSkipped {
				continue
			}
			if failed[o.Producent] == nil {
				failed[o.Producent] = map[aggregate.Status]int{}
			}
			failed[o.Producent][o.Status]++
		}
	}
	fmt.Println("events:", events)
	for _, p := range []string{"Skatteverket", "PRV", "Bolagsverket"} {
		fmt.Println(p, failed[p])
	}
	// Output:
	// events: 4
	// Skatteverket map[]
	// PRV map[error:12]
	// Bolagsverket map[timeout:12]
}

// exampleOrgnr returns the i-th of a run of valid organisationsnummer:
// 16, a group number of 20 or more, and the Luhn check digit.
func exampleOrgnr(i int) minaarenden.Identifierare {
	nine := fmt.Sprintf("5560%05d", i)
	sum := 0
	for j, r := range nine {
		d := int(r-'0') * (2 - j%2)
		sum += d/10 + d%10
	}
	return minaarenden.Identifierare(fmt.Sprintf("16%s%d", nine, (10-sum%10)%10))
}

// Skatteverket's forwarding service as one source among others: it is
// asked once with every part, and its delfragor become one outcome per
// producer behind it. Options.Producers registers what each of them may
// send (New refuses a forwarding source without it). Here PRV fails
// behind the service (a 206): its outcome says so, Skatteverket's events
// still arrive.
func ExampleAggregator_Run_forwarding() {
	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}
	srv, err := clienttest.NewServer(clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{
		{Producent: "Skatteverket", Events: []minaarenden.Kundhandelse{{KundhandelseID: "skv-1", Rubrik: "Ansökan mottagen",
			Tidpunkt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Typ: "SKV.ARBETSGIVARE.ANSOKAN", Part: pia}}},
		{Producent: "PRV"},
	}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.Handler.SetProducerFault("PRV", clienttest.Fault{HTTPCode: 503})

	fwd, err := client.New(srv.URL, &client.Options{Name: "Vidareförmedlingen", Dialect: client.Forwarding})
	if err != nil {
		panic(err)
	}
	agg, err := aggregate.New([]aggregate.Source{fwd}, &aggregate.Options{
		Producers: map[string][]minaarenden.Kundhandelsetyp{"Skatteverket": {"SKV"}, "PRV": {"PRV"}},
	})
	if err != nil {
		panic(err)
	}
	res, err := agg.Run(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}, Anvandare: "199001012385"})
	if err != nil {
		panic(err)
	}
	for _, o := range res.Outcomes {
		fmt.Println(o.Source, o.Producent, o.Status, o.HTTPCode, o.Events)
	}
	fmt.Println("answered:", res.Answered()) // for flow.Options.Answered: PRV's cases are okand
	// Output:
	// Vidareförmedlingen PRV error 503 0
	// Vidareförmedlingen Skatteverket ok 200 1
	// answered: [Skatteverket]
}
