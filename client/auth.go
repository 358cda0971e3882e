package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
)

// Auth is composed from http.RoundTripper layers passed as
// Options.Transport, so the client needs no knob per scheme:
//
//	tr := client.APIKey("X-API-Key", key, nil)
//	tr = client.BearerToken(tokens, tr)
//
// Each layer adds its credential only to requests for the origin (scheme,
// host and port) the first request of a redirect chain went to: a producer
// that redirects elsewhere never receives the key. Layers never change the
// caller's request; they send a clone.

// APIKey returns a round tripper that sets header to key on each request,
// then calls next (nil means the transport clients share by default).
func APIKey(header, key string, next http.RoundTripper) http.RoundTripper {
	return &credential{next: next, set: func(r *http.Request) error {
		r.Header.Set(header, key)
		return nil
	}}
}

// TokenSource gives the current access token; it is called once per HTTP
// attempt, so it should cache and refresh by itself (an
// oauth2.TokenSource adapts in three lines).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenSourceFunc adapts a function to TokenSource.
type TokenSourceFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// BearerToken returns a round tripper that sends "Authorization: Bearer
// <token>" with a token from src, then calls next (nil means the
// transport clients share by default). A failing src fails the request
// without retries.
func BearerToken(src TokenSource, next http.RoundTripper) http.RoundTripper {
	return &credential{next: next, set: func(r *http.Request) error {
		tok, err := src.Token(r.Context())
		if err != nil {
			return &tokenError{err}
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}}
}

// MTLS returns a TLS configuration that presents cert as the client
// certificate and trusts only roots (nil means the system's roots), for a
// producer that authenticates consumers with mutual TLS. Use it on a
// transport of its own:
//
//	tr := client.DefaultTransport() // a transport of its own
//	tr.TLSClientConfig = client.MTLS(cert, roots)
//	c, err := client.New(url, &client.Options{Transport: tr})
func MTLS(cert tls.Certificate, roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      roots,
		MinVersion:   tls.VersionTLS12,
	}
}

type credential struct {
	next http.RoundTripper
	set  func(*http.Request) error
}

func (c *credential) RoundTrip(req *http.Request) (*http.Response, error) {
	next := c.next
	if next == nil {
		next = sharedTransport()
	}
	if !sameOrigin(req.URL, chainStart(req).URL) {
		return next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if err := c.set(r); err != nil {
		if req.Body != nil {
			req.Body.Close() // RoundTrip must close the body, even on error
		}
		return nil, err
	}
	return next.RoundTrip(r)
}

// chainStart follows a redirected request back to the first request of its
// chain; http.Client links them through Response.Request.
func chainStart(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// tokenError marks a failed token source, which retrying will not mend.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "bearer token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }
