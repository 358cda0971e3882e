package client

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

// issue makes a certificate for cn signed by parent (self-signed when
// parent is nil).
func issue(t *testing.T, cn string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if isCA {
		tmpl.IsCA = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}

func TestMTLS(t *testing.T) {
	ca, caKey, _ := issue(t, "Konsumenternas CA", true, nil, nil)
	_, _, clientCert := issue(t, "konsument.example", false, ca, caKey)
	_, _, strangerCert := issue(t, "someone else", false, nil, nil)

	var mu sync.Mutex
	var seen []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.TLS.PeerCertificates[0].Subject.CommonName)
		mu.Unlock()
		writeJSON(w, 200, okEmpty)
	}))
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(ca)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	tests := []struct {
		name    string
		cert    *tls.Certificate
		wantErr bool
	}{
		{"certificate from the trusted CA", &clientCert, false},
		{"no certificate", nil, true},
		{"certificate from another CA", &strangerCert, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			if tt.cert != nil {
				tr.TLSClientConfig = MTLS(*tt.cert, roots)
			} else {
				tr.TLSClientConfig = &tls.Config{RootCAs: roots}
			}
			t.Cleanup(tr.CloseIdleConnections)
			c := newClient(t, srv.URL+base, &Options{Transport: tr})
			_, err := c.Query(t.Context(), oneKund)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var e *Error
			if tt.wantErr && (!errors.As(err, &e) || e.Attempts != 1) {
				t.Errorf("err = %v, want a *Error after one attempt: a refused certificate is not retried", err)
			}
		})
	}
	if diff := cmp.Diff([]string{"konsument.example"}, seen); diff != "" {
		t.Errorf("certificates the server accepted mismatch (-want +got):\n%s", diff)
	}
}

// credServer records the credentials each request carried.
type credServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newCredServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *credServer {
	s := &credServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.Path+" key="+r.Header.Get("X-API-Key")+" auth="+r.Header.Get("Authorization"))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *credServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func credentials(next http.RoundTripper) http.RoundTripper {
	tokens := TokenSourceFunc(func(context.Context) (string, error) { return "tok", nil })
	return BearerToken(tokens, APIKey("X-API-Key", "k3y", next))
}

// The helpers on their own, in a plain http.Client that follows every
// redirect: another host gets neither the key nor the token.
func TestCredentialsNotSentAfterRedirect(t *testing.T) {
	other := newCredServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, okEmpty) })
	for _, code := range []int{302, 307} {
		origin := newCredServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/a":
				http.Redirect(w, r, "/b", code) // same origin
			case "/b":
				http.Redirect(w, r, other.URL+"/c", code)
			}
		})
		hc := &http.Client{Transport: credentials(nil)}
		req, _ := http.NewRequest(http.MethodPost, origin.URL+"/a", bytes.NewReader([]byte(`{}`)))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if req.Header.Get("X-API-Key") != "" || req.Header.Get("Authorization") != "" {
			t.Error("the round tripper changed the caller's request")
		}
		if diff := cmp.Diff([]string{"/a key=k3y auth=Bearer tok", "/b key=k3y auth=Bearer tok"}, origin.requests()); diff != "" {
			t.Errorf("%d: origin mismatch (-want +got):\n%s", code, diff)
		}
	}
	if diff := cmp.Diff([]string{"/c key= auth=", "/c key= auth="}, other.requests()); diff != "" {
		t.Errorf("other host mismatch (-want +got):\n%s", diff)
	}
}

// The client itself does not follow a redirect to another origin at all:
// the body holds the personnummer asked about.
func TestClientRefusesRedirectToAnotherHost(t *testing.T) {
	other := newCredServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, okEmpty) })
	origin := newCredServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case base + "/kundhandelser":
			http.Redirect(w, r, base+"/v2/kundhandelser", http.StatusTemporaryRedirect)
		case base + "/v2/kundhandelser":
			http.Redirect(w, r, other.URL+"/kundhandelser", http.StatusTemporaryRedirect)
		}
	})
	c := newClient(t, origin.URL+base, &Options{Transport: credentials(nil)})
	_, err := c.Query(t.Context(), oneKund)
	var e *Error
	if !errors.Is(err, ErrRedirect) || !errors.As(err, &e) || e.Attempts != 1 {
		t.Errorf("err = %v, want ErrRedirect after one attempt", err)
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other host received %d requests", n)
	}
	if got := len(origin.requests()); got != 2 {
		t.Errorf("origin received %d requests, want 2 (the same-origin redirect is followed)", got)
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://h.se/a", "https://h.se:443/b", true},
		{"https://H.se/a", "https://h.se/b", true},
		{"https://h.se/a", "http://h.se/a", false},
		{"https://h.se/a", "https://h.se:8443/a", false},
		{"https://h.se/a", "https://evil.h.se/a", false},
	}
	for _, tt := range tests {
		a, _ := http.NewRequest("GET", tt.a, nil)
		b, _ := http.NewRequest("GET", tt.b, nil)
		if got := sameOrigin(a.URL, b.URL); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

func TestBearerTokenFailure(t *testing.T) {
	url, rec := serve(t, always(200, okEmpty))
	failing := TokenSourceFunc(func(context.Context) (string, error) { return "", errors.New("token endpoint down") })
	c := newClient(t, url, &Options{Transport: BearerToken(failing, nil)})
	_, err := c.Query(t.Context(), minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}})
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 1 {
		t.Errorf("err = %v, want one attempt", err)
	}
	if len(rec.all()) != 0 {
		t.Error("a request went out without a token")
	}
}
