package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aterkoppling/minaarenden"
)

// ErrNotFound is what a Client's errors match (errors.Is) when the catalog
// does not know the producer, type or step asked about.
var ErrNotFound = errors.New("catalog: not found")

// ErrNotConfigured is what every call of a zero Client{} or a nil *Client
// returns: build one with NewClient.
var ErrNotConfigured = errors.New("catalog: the Client is not configured: build it with catalog.NewClient")

// APIError is a catalog API answer other than 200.
type APIError struct {
	URL      string // without the query
	HTTPCode int
	Message  string // the answer's "message", or the start of its body; quoted, cut to 80 bytes
}

func (e *APIError) Error() string {
	return fmt.Sprintf("catalog: GET %s: %d %s: %s", e.URL, e.HTTPCode, http.StatusText(e.HTTPCode), e.Message)
}

// Is makes a 404 match ErrNotFound.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.HTTPCode == http.StatusNotFound
}

// MissingError reports ids a GET /kundhandelsetyper answer listed as
// unknown; it matches ErrNotFound.
type MissingError struct {
	IDs []minaarenden.Kundhandelsetyp
}

func (e *MissingError) Error() string {
	s := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		s[i] = quote(string(id))
	}
	return "catalog: unknown kundhandelsetyper " + strings.Join(s, ", ")
}

func (e *MissingError) Is(target error) bool { return target == ErrNotFound }

// MaxAnswerBytes bounds the body a Client reads; a catalog answer is small,
// so anything larger is a wrong URL or a broken server.
const MaxAnswerBytes = 4 << 20

// Client reads a remote catalog API (the one Handler serves). It is safe for
// concurrent use; build one per base URL and reuse it.
type Client struct {
	base string // without a trailing slash
	err  error  // a malformed base URL, reported by every call
	hc   *http.Client
}

// NewClient returns a client for the catalog API at baseURL
// ("https://katalog.example.se/v1"). A nil httpClient means
// http.DefaultClient. A malformed baseURL makes every call fail.
func NewClient(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: httpClient}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		c.err = fmt.Errorf("catalog: base URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		c.err = fmt.Errorf("catalog: base URL %q is not an absolute http(s) URL", baseURL)
	case u.RawQuery != "" || u.Fragment != "":
		c.err = errors.New("catalog: base URL must not have a query or fragment")
	}
	return c
}

// ProducentarendetyperFor lists the producentärendetyper producent reports
// on. An unknown producer gives an error matching ErrNotFound.
func (c *Client) ProducentarendetyperFor(ctx context.Context, producent string) ([]TypeSummary, error) {
	seg, err := segment("producent", producent)
	if err != nil {
		return nil, err
	}
	var a ProducerAnswer
	if err := c.get(ctx, "/producenter/"+seg+"/producentarendetyper", nil, &a); err != nil {
		return nil, err
	}
	if a.Producent != producent {
		return nil, fmt.Errorf("catalog: asked for the producentärendetyper of %s, got those of %s", quote(producent), quote(a.Producent))
	}
	return a.Producentarendetyper, nil
}

// Flode fetches a type's flow, the union when producent is "" or else that
// producer's slice, validates it like a loaded catalog and resolves it.
// The Graph's Typ holds only the steps of that flow.
func (c *Client) Flode(ctx context.Context, typID, producent string) (*Graph, error) {
	seg, err := segment("type id", typID)
	if err != nil {
		return nil, err
	}
	var q url.Values
	if producent != "" {
		q = url.Values{"producent": {producent}}
	}
	var a FlowAnswer
	if err := c.get(ctx, "/producentarendetyper/"+seg+"/flode", q, &a); err != nil {
		return nil, err
	}
	if a.ID != typID || a.Producent != producent {
		return nil, fmt.Errorf("catalog: asked for the flow of %s for %s, got %s for %s", quote(typID), quote(producent), quote(a.ID), quote(a.Producent))
	}
	t := &Producentarendetyp{ID: a.ID, Namn: a.Namn, Beskrivning: a.Beskrivning, Kundhandelsetyper: a.Kundhandelsetyper, Flode: a.Flode}
	if producent != "" {
		// The slice becomes the type's only variant, so the Graph carries
		// the producer and validation checks the slice as loading would.
		t.Producenter = []string{producent}
		v := Variant{Producent: producent, Overgangar: a.Flode.Overgangar}
		for _, s := range a.Kundhandelsetyper {
			if s != nil {
				v.Kundhandelsetyper = append(v.Kundhandelsetyper, s.ID)
			}
		}
		t.Varianter = []Variant{v}
	}
	cat, err := build(&Catalog{Producentarendetyper: []*Producentarendetyp{t}})
	if err != nil {
		return nil, fmt.Errorf("catalog: the flow answered for %s: %w", quote(typID), err)
	}
	return cat.Producentarendetyper[0].Graph(producent), nil
}

// Kundhandelsetyper fetches the details of steps, in the order asked. When
// the catalog does not know some of them, the known ones come back with a
// *MissingError (matching ErrNotFound) naming the rest.
func (c *Client) Kundhandelsetyper(ctx context.Context, ids ...minaarenden.Kundhandelsetyp) ([]*Step, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > maxIDs {
		return nil, fmt.Errorf("catalog: at most %d kundhandelsetyper per request, asked for %d", maxIDs, len(ids))
	}
	q := url.Values{}
	for _, id := range ids {
		if err := id.Validate(); err != nil {
			return nil, err
		}
		q.Add("id", string(id))
	}
	var a StepsAnswer
	if err := c.get(ctx, "/kundhandelsetyper", q, &a); err != nil {
		return nil, err
	}
	if len(a.Saknas) > 0 {
		return a.Kundhandelsetyper, &MissingError{IDs: a.Saknas}
	}
	return a.Kundhandelsetyper, nil
}

// segment escapes one path segment; "." and ".." would be cleaned away by
// the server's router, so they are refused here.
func segment(what, s string) (string, error) {
	if s == "" || s == "." || s == ".." {
		return "", fmt.Errorf("catalog: %s %q cannot be a path segment", what, s)
	}
	return url.PathEscape(s), nil
}

func (c *Client) get(ctx context.Context, path string, q url.Values, into any) error {
	if c == nil || c.hc == nil {
		return ErrNotConfigured
	}
	if c.err != nil {
		return c.err
	}
	target := c.base + path
	full := target
	if len(q) > 0 {
		full += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, full, nil)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		// The *url.Error names the full URL; say only the path we asked.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("catalog: GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		return fmt.Errorf("catalog: GET %s: reading the answer: %w", target, err)
	}
	if len(body) > MaxAnswerBytes {
		return fmt.Errorf("catalog: GET %s: the answer is larger than %d bytes", target, MaxAnswerBytes)
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{URL: target, HTTPCode: resp.StatusCode}
		var ea errorAnswer
		if json.Unmarshal(body, &ea) == nil && ea.Message != "" {
			e.Message = quote(ea.Message)
		} else {
			e.Message = quote(strings.TrimSpace(string(body)))
		}
		return e
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("catalog: GET %s: decoding the answer: %w", target, err)
	}
	return nil
}
