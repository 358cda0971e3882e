package aggregate_test

import (
	"net/http"
	"testing"

	"github.com/aterkoppling/minaarenden/aggregate"
)

func TestTransportIsOwnAndPooled(t *testing.T) {
	tr := aggregate.Transport()
	if tr == aggregate.Transport() || aggregate.NewHTTPClient().Transport == http.RoundTripper(tr) {
		t.Fatal("Transport handed out one transport twice: a change to it would change every holder's")
	}
	if tr == http.DefaultTransport {
		t.Fatal("Transport is http.DefaultTransport, which keeps two idle connections per host")
	}
	if tr.MaxIdleConnsPerHost < aggregate.DefaultConcurrency {
		t.Errorf("MaxIdleConnsPerHost = %d, want at least DefaultConcurrency (%d)", tr.MaxIdleConnsPerHost, aggregate.DefaultConcurrency)
	}
	if tr.MaxIdleConns != 0 && tr.MaxIdleConns < tr.MaxIdleConnsPerHost {
		t.Errorf("MaxIdleConns = %d caps the per-host pool", tr.MaxIdleConns)
	}
}
