package aggregate

import (
	"net/http"

	"github.com/aterkoppling/minaarenden/client"
)

// Transport returns a new *http.Transport tuned for fan-out, as
// client.DefaultTransport: it keeps enough idle connections per host for
// DefaultConcurrency requests and their hedges, so steady load reuses
// connections instead of dialling (http.DefaultTransport keeps only two per
// host, so a burst to the forwarding service would dial nearly every time).
// Each call returns a transport of its own, to change freely (TLS settings
// for mTLS); clients built without a Transport or HTTPClient, and
// client.APIKey or client.BearerToken over a nil next, share one such pool
// already and need none:
//
//	c, err := client.New(url, &client.Options{Transport: client.APIKey("X-API-Key", key, nil), ...})
func Transport() *http.Transport { return client.DefaultTransport() }

// NewHTTPClient returns an *http.Client on a new Transport, for client.Options
// HTTPClient. It has no Timeout: Run's per-source timeout and the caller's
// context bound each request.
func NewHTTPClient() *http.Client { return &http.Client{Transport: Transport()} }
