package main

import (
	"context"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/aggregate/report"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

// service is the whole path a företagstjänst runs per question: ask every
// endpoint (aggregate over clients), place the events with the catalog
// (flow). It is built once and safe for concurrent use, so -serve shares it
// between requests.
type service struct {
	cat       *catalog.Catalog
	agg       *aggregate.Aggregator
	expect    []flow.Expected           // when a question names none
	anvandare minaarenden.Identifierare // when a question names none and its kund is no person (-anvandare)
}

func newService(cat *catalog.Catalog, eps []client.Endpoint, cfg *config) (*service, error) {
	registered := cat.Producers()
	sources := make([]aggregate.Source, 0, len(eps))
	for _, ep := range eps {
		c, err := ep.New(&client.Options{
			AnropandeOrganisation: cfg.organisation,
			Konsumenttjanst:       "minaarenden foretagstjanst",
		})
		if err != nil {
			hint := ""
			if cfg.organisation == "" && ep.Version != "" && !minaarenden.Version(ep.Version).AtLeast(minaarenden.V5_0) {
				hint = " (give -organisation)"
			}
			return nil, usagef("-producers: %s: %v%s", ep.Name, err, hint)
		}
		if c.Dialect() == client.Producer {
			// A producer may answer for what the file registers, and for
			// what the catalog says it produces.
			registered[c.Name()] = append(registered[c.Name()], c.Prefixes()...)
		}
		sources = append(sources, c)
	}
	agg, err := aggregate.New(sources, &aggregate.Options{
		SourceTimeout: cfg.timeout,
		Producers:     registered,
	})
	if err != nil {
		return nil, usagef("-producers: %v", err)
	}
	return &service{cat: cat, agg: agg, expect: cfg.expect, anvandare: cfg.anvandare}, nil
}

// ask asks every endpoint about kund and places what they say. An error is
// a question that could not be asked at all; sources that fail are in the
// report, and their expected cases are okand (report.New places with
// aggregate.Result.Answered).
func (s *service) ask(ctx context.Context, kund minaarenden.Kund, anvandare minaarenden.Identifierare, expect []flow.Expected) (*report.Report, error) {
	if expect == nil {
		expect = s.expect
	}
	if anvandare == "" {
		anvandare = defaultAnvandare(kund, s.anvandare)
	}
	f := minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}, Anvandare: anvandare}
	res, err := s.agg.Run(ctx, f)
	if err != nil {
		return nil, err
	}
	return report.New(s.cat, res, expect), nil
}
