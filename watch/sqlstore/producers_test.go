package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// producer is an in-memory producer source: it answers every part with the
// first Steps events of its flow, one case, so a test moves every
// subscription's case on by adding a step.
type producer struct {
	name   string
	prefix minaarenden.Kundhandelsetyp
	events []minaarenden.Kundhandelse
	Steps  atomic.Int32
}

func newProducer(tb testing.TB, name, prefix string, flow ...string) *producer {
	tb.Helper()
	p := &producer{name: name, prefix: minaarenden.Kundhandelsetyp(prefix)}
	for i, typ := range flow {
		raw := fmt.Sprintf(`{"kundhandelseId":"%s-%d","kundhandelseTyp":%q,"producent":%q,"rubrik":"steg %d","tidpunkt":"2026-03-%02dT12:00:00Z","referenser":{"producentarende":"%s-2026-0815"}}`,
			prefix, i+1, typ, name, i+1, i+1, prefix)
		var e minaarenden.Kundhandelse
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			tb.Fatal(err)
		}
		p.events = append(p.events, e)
	}
	p.Steps.Store(1)
	return p
}

func (p *producer) Name() string { return p.name }

func (p *producer) Prefixes() []minaarenden.Kundhandelsetyp {
	return []minaarenden.Kundhandelsetyp{p.prefix}
}

func (p *producer) Query(_ context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	evs := make([]minaarenden.Kundhandelse, p.Steps.Load())
	copy(evs, p.events)
	for i := range evs {
		evs[i].Part = f.Parter[0]
	}
	return &client.Answer{Events: evs, Outcomes: []client.Outcome{{Producent: p.name, Part: f.Parter[0], HTTPCode: 200, Events: len(evs)}}}, nil
}

// producers are PRV and Bolagsverket, each with one case a subscription
// follows, and the sample catalog that places their events.
type producers struct {
	prv, bv *producer
	agg     *aggregate.Aggregator
	cat     *catalog.Catalog
}

func newProducers(tb testing.TB) *producers {
	tb.Helper()
	p := &producers{
		prv: newProducer(tb, "PRV", "PRV.VARUMARKE", "PRV.VARUMARKE.ANSOKAN", "PRV.VARUMARKE.GRANSKNING", "PRV.VARUMARKE.REGISTRERAD"),
		bv:  newProducer(tb, "Bolagsverket", "BV.VERKLIG_HUVUDMAN", "BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN", "BV.VERKLIG_HUVUDMAN.REGISTRERAD"),
	}
	var err error
	if p.agg, err = aggregate.New([]aggregate.Source{p.prv, p.bv}, &aggregate.Options{Concurrency: 64}); err != nil {
		tb.Fatal(err)
	}
	if p.cat, err = sample.Catalog(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// subscriptions are n subscriptions, all for one company: the producers
// answer alike whoever asks.
func subscriptions(n int) []watch.Subscription {
	subs := make([]watch.Subscription, n)
	for i := range subs {
		subs[i] = watch.Subscription{
			ID:        fmt.Sprintf("sub-%05d", i),
			Parter:    []minaarenden.Part{{Kund: &minaarenden.Kund{Identifierare: "165560360793", Typ: minaarenden.Organisationsnummer}}},
			Anvandare: "199001012385",
			Expected:  []flow.Expected{{Typ: "PRV.VARUMARKE"}},
		}
	}
	return subs
}
