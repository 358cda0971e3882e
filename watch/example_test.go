package watch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// Pia's Tacotruck waits on PRV for a komplettering. The first pass is a
// silent baseline; once PRV has her komplettering and starts its
// granskning, the next pass prints one notification.
func Example() {
	ctx := context.Background()
	pia := minaarenden.Kund{Identifierare: "165591234561", Typ: minaarenden.Organisationsnummer}
	at := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	ref := minaarenden.Referenser{{Nyckel: "producentarende", Varden: []minaarenden.ReferensVarde{{Text: "2026/01877"}}}}
	events := []minaarenden.Kundhandelse{
		{KundhandelseID: "prv-1", Rubrik: "Vi har tagit emot din ansökan", Tidpunkt: at(10), Typ: "PRV.VARUMARKE.ANSOKAN", Referenser: ref},
		{KundhandelseID: "prv-2", Rubrik: "Komplettera din ansökan", Tidpunkt: at(24), Typ: "PRV.VARUMARKE.KOMPLETTERING", Referenser: ref},
		{KundhandelseID: "prv-3", Rubrik: "Din ansökan granskas", Tidpunkt: at(26), Typ: "PRV.VARUMARKE.GRANSKNING", Referenser: ref},
	}
	for i := range events {
		events[i].Part = minaarenden.Part{Kund: &pia}
	}

	// A stand-in PRV whose events can be replaced between passes.
	var prv atomic.Pointer[clienttest.Handler]
	serve := func(evs []minaarenden.Kundhandelse) {
		h, err := clienttest.NewHandler(clienttest.Config{Dialect: client.Producer, Producent: "PRV", Events: evs})
		if err != nil {
			panic(err)
		}
		prv.Store(h)
	}
	serve(events[:2])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { prv.Load().ServeHTTP(w, r) }))
	defer srv.Close()

	c, err := client.New(srv.URL+clienttest.DefaultBasePath, &client.Options{Name: "PRV", Prefixes: []minaarenden.Kundhandelsetyp{"PRV"}})
	if err != nil {
		panic(err)
	}
	agg, err := aggregate.New([]aggregate.Source{c}, nil)
	if err != nil {
		panic(err)
	}
	cat, err := sample.Catalog()
	if err != nil {
		panic(err)
	}
	store := watch.NewMemoryStore()
	if err := store.Put(ctx, watch.Subscription{ID: "sub-1", Parter: []minaarenden.Part{{Kund: &pia}},
		Anvandare: "199001012385", Expected: []flow.Expected{{Typ: "PRV.VARUMARKE"}}}); err != nil {
		panic(err)
	}
	w, err := watch.New(store, agg, cat, watch.NewJSONLines(os.Stdout), nil)
	if err != nil {
		panic(err)
	}

	sum, err := w.RunOnce(ctx)
	fmt.Printf("baseline: %d polled, %d notified, err %v\n", sum.Polled, sum.Notified, err)
	serve(events)
	sum, err = w.RunOnce(ctx)
	fmt.Printf("second pass: %d polled, %d delivered, complete %v, err %v\n", sum.Polled, sum.Delivered, sum.Complete(), err)
	// Output:
	// baseline: 1 polled, 0 notified, err <nil>
	// {"id":"4iwgr7nz732jebvracjpcgyq7576rpevqhg5zlard6ybxwz3g4aa","subscription":"sub-1","change":"updated","typ":"PRV.VARUMARKE","producent":"PRV","referens":"2026/01877","namn":"Registrera varumärke","status":{"from":"vantar_pa_kund","to":"pagaende"},"bollen":{"from":"kund","to":"producent"},"steg":{"from":"PRV.VARUMARKE.KOMPLETTERING","to":"PRV.VARUMARKE.GRANSKNING"},"kundhandelser":["prv-3"],"rubrik":"Din ansökan granskas","tidpunkt":"2026-03-26T09:00:00Z"}
	// second pass: 1 polled, 1 delivered, complete true, err <nil>
}

// A receiver checks each webhook before trusting it; here with the
// Standard Webhooks specification's own test message.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from the receiver's configuration
	h := http.Header{}
	h.Set(watch.HeaderWebhookID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(watch.HeaderWebhookTimestamp, "1614265330")
	h.Set(watch.HeaderWebhookSignature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	body := []byte(`{"test": 2432232314}`)
	now := time.Unix(1614265330, 0).Add(30 * time.Second) // in a handler: time.Now()

	fmt.Println(watch.Verify(secret, h, body, now, 5*time.Minute))
	fmt.Println(watch.Verify(secret, h, []byte(`{"test": 1}`), now, 5*time.Minute))
	fmt.Println(watch.Verify(secret, h, body, now.Add(time.Hour), 5*time.Minute))
	// Output:
	// <nil>
	// watch: webhook signature does not verify
	// watch: webhook signature does not verify: timestamp is 1h0m30s away from now, beyond 5m0s
}
