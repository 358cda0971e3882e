package main

import (
	"fmt"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/client"
)

// newAggregator builds one client per endpoint and the aggregator over
// them. The catalog says which producentärendetyper each producer reports
// on: what the spoof guard lets a forwarding service relay for it.
func newAggregator(cat *catalog.Catalog, eps []client.Endpoint, organisation minaarenden.Identifierare, timeout time.Duration) (*aggregate.Aggregator, error) {
	registered := cat.Producers()
	sources := make([]aggregate.Source, 0, len(eps))
	for _, ep := range eps {
		c, err := ep.New(&client.Options{AnropandeOrganisation: organisation, Konsumenttjanst: "minaarenden bevakning"})
		if err != nil {
			hint := ""
			if organisation == "" && ep.Version != "" && !minaarenden.Version(ep.Version).AtLeast(minaarenden.V5_0) {
				hint = " (give -organisation)"
			}
			return nil, fmt.Errorf("-producers: %s: %w%s", ep.Name, err, hint)
		}
		if c.Dialect() == client.Producer {
			registered[c.Name()] = append(registered[c.Name()], c.Prefixes()...)
		}
		sources = append(sources, c)
	}
	return aggregate.New(sources, &aggregate.Options{SourceTimeout: timeout, Producers: registered})
}
