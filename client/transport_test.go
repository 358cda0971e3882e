package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/aterkoppling/minaarenden"
)

// TestDefaultTransportIsACopy: DefaultTransport hands out a transport of
// the caller's own, so changing it cannot change what clients without a
// transport of their own use.
func TestDefaultTransportIsACopy(t *testing.T) {
	tr := DefaultTransport()
	if tr == DefaultTransport() || tr == sharedTransport() {
		t.Fatal("DefaultTransport returned the same transport twice, or the shared one")
	}
	if tr.MaxIdleConnsPerHost != DefaultIdleConnsPerHost || tr.MaxIdleConns != 0 {
		t.Errorf("DefaultTransport pools %d per host, %d in all; want %d and no cap", tr.MaxIdleConnsPerHost, tr.MaxIdleConns, DefaultIdleConnsPerHost)
	}
	// Break the copy: a client built afterwards without a transport still
	// reaches its endpoint.
	tr.DialContext = func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("the caller's copy was used")
	}
	tr.MaxIdleConnsPerHost = 1
	url, _ := serve(t, always(http.StatusOK, okEmpty))
	c := newClient(t, url, &Options{Retry: NoRetry})
	if _, err := c.Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}); err != nil {
		t.Fatalf("Query over the shared transport: %v", err)
	}
	if sharedTransport().MaxIdleConnsPerHost != DefaultIdleConnsPerHost {
		t.Error("changing DefaultTransport's result changed the shared transport")
	}
	// The credential helpers over a nil next use the shared one too.
	c = newClient(t, url, &Options{Retry: NoRetry, Transport: APIKey("X-API-Key", "k", nil)})
	if _, err := c.Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}); err != nil {
		t.Fatalf("Query over APIKey(nil): %v", err)
	}
}
