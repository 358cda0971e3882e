package aggregate

import (
	"net/http"
	"sync"
	"time"
)

// Transport returns the process-wide *http.Transport tuned for fan-out: it
// keeps enough idle connections per host for DefaultConcurrency requests
// and their hedges, so steady load reuses connections instead of dialling
// (http.DefaultTransport keeps only two per host, so a burst to the
// forwarding service would dial nearly every time). Build every client that
// goes into an Aggregator with it, directly or under an auth wrapper:
//
//	c, err := client.New(url, &client.Options{Transport: aggregate.Transport(), ...})
//
// Sharing one transport shares its pool across clients; a client that needs
// its own TLS settings (mTLS) clones it: aggregate.Transport().Clone().
func Transport() *http.Transport { return sharedTransport() }

var sharedTransport = sync.OnceValue(func() *http.Transport { return newTransport() })

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no global cap: one slow host must not evict another's
	t.MaxIdleConnsPerHost = 2 * DefaultConcurrency
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 0 // the context bounds each request
	return t
}

// NewHTTPClient returns an *http.Client on Transport, for client.Options
// HTTPClient. It has no Timeout: Run's per-source timeout and the caller's
// context bound each request.
func NewHTTPClient() *http.Client { return &http.Client{Transport: Transport()} }
