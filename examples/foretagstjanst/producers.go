package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// endpoint is one entry of the -producers file (see the package doc).
type endpoint struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Dialect  string   `json:"dialect"` // "producer" (default) or "forwarding"
	Version  string   `json:"version"` // default 6.1
	Prefixes []string `json:"prefixes"`
	// APIKeyHeader and APIKeyEnv send the key held in the environment
	// variable APIKeyEnv as the header APIKeyHeader. The key itself never
	// goes into the file.
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
	if _, err := ep.zone(); err != nil {
		return err
	}
	return nil
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

func (ep endpoint) prefixes() []minaarenden.Kundhandelsetyp {
	out := make([]minaarenden.Kundhandelsetyp, len(ep.Prefixes))
	for i, p := range ep.Prefixes {
		out[i] = minaarenden.Kundhandelsetyp(p)
	}
	return out
}
