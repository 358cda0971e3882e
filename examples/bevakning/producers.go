package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/client"
)

// endpoint is one entry of the -producers file, the same format as
// examples/foretagstjanst reads. (Examples are main packages and cannot
// share code; this is the part of foretagstjanst's producers.go and
// service.go that builds the sources, copied.)
type endpoint struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Dialect  string   `json:"dialect"` // "producer" (default) or "forwarding"
	Version  string   `json:"version"` // default 6.1
	Prefixes []string `json:"prefixes"`
	// APIKeyHeader and APIKeyEnv send the key held in the environment
	// variable APIKeyEnv as the header APIKeyHeader.
	APIKeyHeader string `json:"apiKeyHeader"`
	APIKeyEnv    string `json:"apiKeyEnv"`
	// Zone is the IANA zone the producer writes zoneless tidpunkt in;
	// default Europe/Stockholm.
	Zone string `json:"zone"`
}

// readProducers reads and checks the -producers file. Unknown keys are an
// error: a misspelt "apiKeyEnv" would otherwise silently send no key.
func readProducers(path string) ([]endpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-producers: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var eps []endpoint
	if err := dec.Decode(&eps); err != nil {
		return nil, fmt.Errorf("-producers %s: not a JSON array of endpoints: %w", path, err)
	}
	if len(eps) == 0 {
		return nil, fmt.Errorf("-producers %s: no endpoints", path)
	}
	seen := map[string]bool{}
	for i, ep := range eps {
		if err := ep.check(); err != nil {
			return nil, fmt.Errorf("-producers %s: entry %d (%q): %w", path, i, ep.Name, err)
		}
		if seen[ep.Name] {
			return nil, fmt.Errorf("-producers %s: two entries are named %q", path, ep.Name)
		}
		seen[ep.Name] = true
	}
	return eps, nil
}

func (ep endpoint) check() error {
	if strings.TrimSpace(ep.Name) == "" {
		return fmt.Errorf("name is required")
	}
	if ep.URL == "" {
		return fmt.Errorf("url is required")
	}
	switch ep.Dialect {
	case "", "producer", "forwarding":
	default:
		return fmt.Errorf("dialect %q: must be producer or forwarding", ep.Dialect)
	}
	if ep.Version != "" && !minaarenden.Version(ep.Version).Known() {
		return fmt.Errorf("version %q is not a published version of the standard (%v)", ep.Version, minaarenden.Versions())
	}
	if ep.Dialect != "forwarding" && len(ep.Prefixes) == 0 {
		return fmt.Errorf("prefixes are required for a producer: the kundhandelseTyp prefixes it may answer for")
	}
	for _, p := range ep.Prefixes {
		if err := minaarenden.Kundhandelsetyp(p).ValidatePrefix(); err != nil {
			return err
		}
	}
	if (ep.APIKeyHeader == "") != (ep.APIKeyEnv == "") {
		return fmt.Errorf("apiKeyHeader and apiKeyEnv go together")
	}
	if ep.APIKeyEnv != "" && os.Getenv(ep.APIKeyEnv) == "" {
		return fmt.Errorf("apiKeyEnv: environment variable %s is not set", ep.APIKeyEnv)
	}
	_, err := ep.zone()
	return err
}

func (ep endpoint) zone() (*time.Location, error) {
	switch ep.Zone {
	case "", "Europe/Stockholm":
		return minaarenden.Stockholm(), nil
	}
	loc, err := time.LoadLocation(ep.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", ep.Zone, err)
	}
	return loc, nil
}

// newAggregator builds one client per endpoint and the aggregator over
// them. The catalog says which producentärendetyper each producer reports
// on: what the spoof guard lets a forwarding service relay for it.
func newAggregator(cat *catalog.Catalog, eps []endpoint, organisation minaarenden.Identifierare, timeout time.Duration) (*aggregate.Aggregator, error) {
	registered := producerPrefixes(cat)
	transport := aggregate.Transport() // one connection pool for every endpoint
	sources := make([]aggregate.Source, 0, len(eps))
	for _, ep := range eps {
		var rt http.RoundTripper = transport
		if ep.APIKeyEnv != "" {
			rt = client.APIKey(ep.APIKeyHeader, os.Getenv(ep.APIKeyEnv), rt)
		}
		zone, err := ep.zone()
		if err != nil {
			return nil, fmt.Errorf("-producers: %s: %w", ep.Name, err)
		}
		opts := &client.Options{
			Name:                  ep.Name,
			Version:               minaarenden.Version(ep.Version),
			Transport:             rt,
			Zone:                  zone,
			AnropandeOrganisation: organisation,
			Konsumenttjanst:       "minaarenden bevakning",
		}
		for _, p := range ep.Prefixes {
			opts.Prefixes = append(opts.Prefixes, minaarenden.Kundhandelsetyp(p))
		}
		if ep.Dialect == "forwarding" {
			opts.Dialect = client.Forwarding
		} else {
			registered[ep.Name] = append(registered[ep.Name], opts.Prefixes...)
		}
		c, err := client.New(ep.URL, opts)
		if err != nil {
			hint := ""
			if organisation == "" && ep.Version != "" && !minaarenden.Version(ep.Version).AtLeast(minaarenden.V5_0) {
				hint = " (give -organisation)"
			}
			return nil, fmt.Errorf("-producers: %s: %w%s", ep.Name, err, hint)
		}
		sources = append(sources, c)
	}
	return aggregate.New(sources, &aggregate.Options{SourceTimeout: timeout, Producers: registered})
}

// producerPrefixes reads from the catalog which producentärendetyper each
// producer reports on.
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
