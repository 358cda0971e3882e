package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// Endpoint is one entry of an endpoints file (see ReadEndpoints): where a
// producer or the forwarding service answers and how to speak to it. Its
// fields are strings as written in the file; New checks and converts them.
type Endpoint struct {
	// Name is the producer ("Skatteverket"); Options.Name.
	Name string `json:"name"`
	// URL is the base URL, as New takes it.
	URL string `json:"url"`
	// Dialect is "producer" (the default) or "forwarding".
	Dialect string `json:"dialect,omitempty"`
	// Version is the version of the standard to speak; default 6.1.
	Version string `json:"version,omitempty"`
	// Prefixes are the kundhandelseTyp prefixes a producer may answer for;
	// required unless Dialect is "forwarding".
	Prefixes []string `json:"prefixes,omitempty"`
	// APIKeyHeader and APIKeyEnv, given together, send the key held in the
	// environment variable APIKeyEnv as the header APIKeyHeader. The key
	// itself never goes into the file.
	APIKeyHeader string `json:"apiKeyHeader,omitempty"`
	APIKeyEnv    string `json:"apiKeyEnv,omitempty"`
	// Zone is the IANA zone the producer writes a tidpunkt without offset
	// in; default Europe/Stockholm.
	Zone string `json:"zone,omitempty"`
}

// ReadEndpoints reads an endpoints file: a JSON array of Endpoint, at
// least one, each checked as New would and no two with the same name.
// Unknown keys are an error, as is anything after the array: a misspelt
// "apiKeyEnv" would otherwise silently send no key. An error names the
// entry by its number and name, never a value that may be secret (the
// key, a URL's query).
func ReadEndpoints(r io.Reader) ([]Endpoint, error) {
	eps, err := readEndpoints(r)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return eps, nil
}

// LoadEndpoints is ReadEndpoints on the named file; its errors name the
// file.
func LoadEndpoints(name string) ([]Endpoint, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	defer f.Close()
	eps, err := readEndpoints(f)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", name, err)
	}
	return eps, nil
}

func readEndpoints(r io.Reader) ([]Endpoint, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var eps []Endpoint
	if err := dec.Decode(&eps); err != nil {
		return nil, fmt.Errorf("not a JSON array of endpoints: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("something follows the array of endpoints")
	}
	if len(eps) == 0 {
		return nil, errors.New("no endpoints")
	}
	seen := make(map[string]int, len(eps))
	for i, ep := range eps {
		if err := ep.check(); err != nil {
			return nil, fmt.Errorf("entry %d (%q): %w", i, ep.Name, err)
		}
		if j, dup := seen[ep.Name]; dup {
			return nil, fmt.Errorf("entries %d and %d are both named %q", j, i, ep.Name)
		}
		seen[ep.Name] = i
	}
	return eps, nil
}

// New returns a client for the endpoint. Name, Dialect, Version, Prefixes
// and Zone come from e; everything else (AnropandeOrganisation,
// Konsumenttjanst, Logger, …) from opts, which may be nil. With an API key
// the Transport is wrapped in APIKey, reading the key from the environment
// now. It fails on an entry ReadEndpoints would refuse, and as the package
// func New does.
func (e Endpoint) New(opts *Options) (*Client, error) {
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Name = e.Name
	o.Version = minaarenden.Version(e.Version)
	o.Dialect = Producer
	if e.Dialect == "forwarding" {
		o.Dialect = Forwarding
	}
	o.Prefixes = make([]minaarenden.Kundhandelsetyp, len(e.Prefixes))
	for i, p := range e.Prefixes {
		o.Prefixes[i] = minaarenden.Kundhandelsetyp(p)
	}
	o.Zone, _ = e.zone() // check read it
	if e.APIKeyEnv != "" {
		o.Transport = APIKey(e.APIKeyHeader, os.Getenv(e.APIKeyEnv), o.Transport)
	}
	return New(e.URL, &o)
}

// check reports the first thing wrong with e, naming the field.
func (e Endpoint) check() error {
	if strings.TrimSpace(e.Name) == "" {
		return errors.New("name is required")
	}
	if e.URL == "" {
		return errors.New("url is required")
	}
	switch e.Dialect {
	case "", "producer", "forwarding":
	default:
		return fmt.Errorf("dialect %q: must be producer or forwarding", e.Dialect)
	}
	if e.Version != "" && !minaarenden.Version(e.Version).Known() {
		return fmt.Errorf("version %q is not a published version of the standard (%v)", e.Version, minaarenden.Versions())
	}
	if e.Dialect != "forwarding" && len(e.Prefixes) == 0 {
		return errors.New("prefixes are required for a producer: the kundhandelseTyp prefixes it may answer for")
	}
	for _, p := range e.Prefixes {
		if err := minaarenden.Kundhandelsetyp(p).ValidatePrefix(); err != nil {
			return err
		}
	}
	if (e.APIKeyHeader == "") != (e.APIKeyEnv == "") {
		return errors.New("apiKeyHeader and apiKeyEnv go together")
	}
	if e.APIKeyEnv != "" && os.Getenv(e.APIKeyEnv) == "" {
		return fmt.Errorf("apiKeyEnv: environment variable %s is not set", e.APIKeyEnv)
	}
	_, err := e.zone()
	return err
}

func (e Endpoint) zone() (*time.Location, error) {
	switch e.Zone {
	case "", "Europe/Stockholm":
		return minaarenden.Stockholm(), nil
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		return nil, fmt.Errorf("zone %q: %w", e.Zone, err)
	}
	return loc, nil
}
