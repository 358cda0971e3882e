package clienttest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// A stand-in serving events kept as JSON, as producers answer them. The
// wire form has no part (it is the question's, not the event's), so each
// event must be given the Part it belongs to, or NewServer refuses it: an
// event no question can match would make every answer silently empty.
// Requests records what the client sent, headers included.
func ExampleNewServer() {
	data, err := os.ReadFile("../../testdata/pia/kundhandelser.json")
	if err != nil {
		panic(err)
	}
	var all []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &all); err != nil {
		panic(err)
	}
	var prv []minaarenden.Kundhandelse
	for _, e := range all {
		if e.Producent == "PRV" {
			prv = append(prv, e)
		}
	}
	if _, err := clienttest.NewServer(clienttest.Config{Events: prv}); err != nil {
		fmt.Println(err)
	}

	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}}
	for i := range prv {
		prv[i].Part = pia
	}
	s, err := clienttest.NewServer(clienttest.Config{Version: minaarenden.V5_0, Events: prv})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	c, err := client.New(s.URL, &client.Options{
		Name:      "PRV",
		Version:   minaarenden.V5_0, // the stand-in refuses another version's request shape
		Transport: client.APIKey("X-API-Key", "nyckel", nil),
	})
	if err != nil {
		panic(err)
	}
	a, err := c.Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}, Anvandare: "199001012385"})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Version, len(a.Events), "events")
	fmt.Println("X-API-Key:", s.Handler.Requests()[0].Header.Get("X-API-Key"))
	// Output:
	// clienttest: PRV event "prv-2b9e6a40-5c1d-4e8f-a7b3-93d0f4c2a001" has no Part, so no question can match it
	// 5.0 2 events
	// X-API-Key: nyckel
}

// Faults for the two failures a fan-out meets most: a producer that fails
// once and answers when asked again (the client retries 503), and one so
// slow that the caller's deadline ends the wait.
func ExampleHandler_SetFault() {
	pia := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}}
	f := minaarenden.Fraga{Parter: []minaarenden.Part{pia}, Anvandare: "199001012385"}

	flaky, err := clienttest.NewServer(clienttest.Config{Producent: "PRV"})
	if err != nil {
		panic(err)
	}
	defer flaky.Close()
	flaky.Handler.SetFault(clienttest.Fault{HTTPCode: 503, Times: 1})
	c, _ := client.New(flaky.URL, &client.Options{Name: "PRV"})
	a, err := c.Query(context.Background(), f)
	fmt.Println("flaky:", a.Outcomes[0].HTTPCode, a.Outcomes[0].Attempts, "attempts", err)

	slow, err := clienttest.NewServer(clienttest.Config{Producent: "Bolagsverket"})
	if err != nil {
		panic(err)
	}
	defer slow.Close()
	slow.Handler.SetFault(clienttest.Fault{Latency: time.Minute}) // ends early when the request is cancelled
	c, _ = client.New(slow.URL, &client.Options{Name: "Bolagsverket"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Query(ctx, f)
	fmt.Println("slow:", errors.Is(err, context.DeadlineExceeded))
	// Output:
	// flaky: 200 2 attempts <nil>
	// slow: true
}
