package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aterkoppling/minaarenden"
)

// TestNewRefusesPlainHTTP: every request carries credentials and personal
// identity numbers, so plain http is refused to anything but loopback
// unless the caller says the network is trusted.
func TestNewRefusesPlainHTTP(t *testing.T) {
	tests := []struct {
		url   string
		allow bool // Options.AllowInsecureHTTP
		ok    bool
	}{
		{"https://api.example.se/v6", false, true},
		{"http://127.0.0.1:8080/v6", false, true},
		{"http://127.8.9.10/v6", false, true},
		{"http://[::1]:8080/v6", false, true},
		{"http://[::ffff:127.0.0.1]/v6", false, true},
		{"http://localhost:8080/v6", false, true},
		{"http://LocalHost./v6", false, true},
		{"http://api.example.se/v6", false, false},
		{"http://user:hemligt@api.example.se/v6?apikey=hemligt", false, false},
		{"http://10.0.0.1/v6", false, false},
		{"http://[fe80::1]/v6", false, false},
		{"http://localhost.example.se/v6", false, false},
		{"http://127.0.0.1.example.se/v6", false, false},
		{"http://0.0.0.0/v6", false, false},
		{"http://api.example.se/v6", true, true},
		{"http://10.0.0.1/v6", true, true},
	}
	for _, tt := range tests {
		name := tt.url
		if tt.allow {
			name += " allowed"
		}
		t.Run(name, func(t *testing.T) {
			_, err := New(tt.url, &Options{AllowInsecureHTTP: tt.allow})
			if tt.ok {
				if err != nil {
					t.Errorf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "AllowInsecureHTTP") {
				t.Fatalf("New: err = %v, want plain http refused naming AllowInsecureHTTP", err)
			}
			if strings.Contains(err.Error(), "example.se") || strings.Contains(err.Error(), "hemligt") {
				t.Errorf("error quotes the URL: %v", err)
			}
		})
	}
}

// TestRedirectToHTTPRefused: a redirect from an https endpoint to http on
// the same host and port is another origin, and is not followed: it would
// send the question and credentials unencrypted.
func TestRedirectToHTTPRefused(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		to := *r.URL
		to.Scheme, to.Host, to.Path = "http", r.Host, "/moved"+r.URL.Path
		http.Redirect(w, r, to.String(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL+base, &Options{HTTPClient: srv.Client(), Retry: NoRetry})
	_, err := c.Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	if !errors.Is(err, ErrRedirect) {
		t.Errorf("err = %v, want ErrRedirect", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the https endpoint was asked %d times, want 1", n)
	}
}
