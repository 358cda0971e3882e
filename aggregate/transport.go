package aggregate

import (
	"net/http"

	"github.com/aterkoppling/minaarenden/client"
)

// Transport returns the process-wide *http.Transport tuned for fan-out,
// client.DefaultTransport: it keeps enough idle connections per host for
// DefaultConcurrency requests and their hedges, so steady load reuses
// connections instead of dialling (http.DefaultTransport keeps only two per
// host, so a burst to the forwarding service would dial nearly every time).
// Clients built without a Transport or HTTPClient already use it; pass it
// explicitly under an auth wrapper:
//
//	c, err := client.New(url, &client.Options{Transport: client.APIKey("X-API-Key", key, aggregate.Transport()), ...})
//
// A client that needs its own TLS settings (mTLS) clones it:
// aggregate.Transport().Clone().
func Transport() *http.Transport { return client.DefaultTransport() }

// NewHTTPClient returns an *http.Client on Transport, for client.Options
// HTTPClient. It has no Timeout: Run's per-source timeout and the caller's
// context bound each request.
func NewHTTPClient() *http.Client { return &http.Client{Transport: Transport()} }
