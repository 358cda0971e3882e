package main

import (
	"context"
	"net/http"
	"os"
	"slices"

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

func newService(cat *catalog.Catalog, eps []endpoint, cfg *config) (*service, error) {
	registered := producerPrefixes(cat)
	sources := make([]aggregate.Source, 0, len(eps))
	for _, ep := range eps {
		var rt http.RoundTripper // nil: the pool every client shares
		if ep.APIKeyEnv != "" {
			rt = client.APIKey(ep.APIKeyHeader, os.Getenv(ep.APIKeyEnv), rt)
		}
		zone, err := ep.zone()
		if err != nil {
			return nil, usagef("-producers: %s: %v", ep.Name, err)
		}
		opts := &client.Options{
			Name:                  ep.Name,
			Version:               minaarenden.Version(ep.Version),
			Prefixes:              ep.prefixes(),
			Transport:             rt,
			Zone:                  zone,
			AnropandeOrganisation: cfg.organisation,
			Konsumenttjanst:       "minaarenden foretagstjanst",
		}
		if ep.Dialect == "forwarding" {
			opts.Dialect = client.Forwarding
		} else {
			// A producer may answer for what the file registers, and for
			// what the catalog says it produces.
			registered[ep.Name] = append(registered[ep.Name], opts.Prefixes...)
		}
		c, err := client.New(ep.URL, opts)
		if err != nil {
			hint := ""
			if cfg.organisation == "" && ep.Version != "" && !minaarenden.Version(ep.Version).AtLeast(minaarenden.V5_0) {
				hint = " (give -organisation)"
			}
			return nil, usagef("-producers: %s: %v%s", ep.Name, err, hint)
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

// producerPrefixes reads from the catalog which producentärendetyper each
// producer reports on: the registry the spoof guard checks the events a
// forwarding service relays against. The kundhändelsetypskatalog is where
// the standard keeps exactly this routing information.
func producerPrefixes(cat *catalog.Catalog) map[string][]minaarenden.Kundhandelsetyp {
	m := map[string][]minaarenden.Kundhandelsetyp{}
	add := func(producent, typ string) {
		t := minaarenden.Kundhandelsetyp(typ)
		if !slices.Contains(m[producent], t) {
			m[producent] = append(m[producent], t)
		}
	}
	for _, t := range cat.Producentarendetyper {
		for _, p := range t.Producenter {
			add(p, t.ID)
		}
		for _, v := range t.Varianter {
			add(v.Producent, t.ID)
		}
	}
	return m
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
