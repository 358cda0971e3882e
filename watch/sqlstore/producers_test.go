package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// producer is an in-memory producer source: it answers every part with
// the first Steps events of one case. The first event is its flow's first
// type; later ones go round the rest, each a new event, so a test or a
// benchmark moves every subscription's case on by adding a step.
type producer struct {
	name   string
	prefix minaarenden.Kundhandelsetyp
	flow   []minaarenden.Kundhandelsetyp
	Steps  atomic.Int32
}

func newProducer(name, prefix string, flow ...minaarenden.Kundhandelsetyp) *producer {
	p := &producer{name: name, prefix: minaarenden.Kundhandelsetyp(prefix), flow: flow}
	p.Steps.Store(1)
	return p
}

func (p *producer) Name() string { return p.name }

func (p *producer) Prefixes() []minaarenden.Kundhandelsetyp {
	return []minaarenden.Kundhandelsetyp{p.prefix}
}

func (p *producer) Query(_ context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	ref := minaarenden.Referenser{{Nyckel: minaarenden.RefProducentarende, Varden: []minaarenden.ReferensVarde{{Text: p.name + "-2026-0815"}}}}
	evs := make([]minaarenden.Kundhandelse, p.Steps.Load())
	for i := range evs {
		typ := p.flow[0]
		if i > 0 {
			typ = p.flow[1+(i-1)%(len(p.flow)-1)]
		}
		evs[i] = minaarenden.Kundhandelse{
			KundhandelseID: fmt.Sprintf("%s-%d", p.name, i+1), Typ: typ, Producent: p.name,
			Rubrik: fmt.Sprintf("steg %d", i+1), Tidpunkt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour),
			Referenser: ref, Part: f.Parter[0],
		}
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
		prv: newProducer("PRV", "PRV.VARUMARKE", "PRV.VARUMARKE.ANSOKAN", "PRV.VARUMARKE.GRANSKNING", "PRV.VARUMARKE.KOMPLETTERING"),
		bv:  newProducer("Bolagsverket", "BV.VERKLIG_HUVUDMAN", "BV.VERKLIG_HUVUDMAN.ANMALAN_MOTTAGEN", "BV.VERKLIG_HUVUDMAN.REGISTRERAD"),
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
