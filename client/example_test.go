package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// A producer on 6.0 answering with the RAML's zoneless tidpunkt.
const exampleAnswer = `{
  "metadata": {"anvandare": "199001012385", "version": "6.0"},
  "kundhandelser": [{
    "kundhandelseId": "6f1c2a8e-0b7e-4c55-9a40-2d3b8a1e9f01",
    "rubrik": "Momsdeklaration mottagen",
    "beskrivning": "Vi har tagit emot din momsdeklaration.",
    "sprak": "sv", "producent": "Skatteverket",
    "tidpunkt": "2025-08-12 14:03:55.00",
    "kundhandelseTyp": "SKV.MOMS.DEKL_INLAMAD",
    "producentarendetKraverKundatgard": false, "producentarendetKlart": false,
    "utokadInformation": {"servicelofte": "30 dagar"}
  }]
}`

func ExampleClient_Query() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /skv/minaarenden/kundhandelser", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, exampleAnswer)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c, err := client.New(srv.URL+"/skv/minaarenden", &client.Options{
		Name:     "Skatteverket",
		Version:  minaarenden.V6_0,
		Prefixes: []minaarenden.Kundhandelsetyp{"SKV"},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := c.Query(ctx, minaarenden.Fraga{
		Parter: []minaarenden.Part{{Kund: &minaarenden.Kund{
			Identifierare: "199001012385", Typ: minaarenden.Personnummer,
		}}},
		KundhandelseTyper: []minaarenden.Kundhandelsetyp{"SKV.MOMS"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("version:", answer.Version)
	for _, e := range answer.Events {
		fmt.Println(e.Tidpunkt.UTC().Format(time.RFC3339), e.Typ, e.Rubrik, "–", e.Servicelofte())
		fmt.Println("asked about:", e.Part)
	}
	for _, o := range answer.Outcomes {
		fmt.Printf("%s: HTTP %d, %d event(s), %d attempt(s)\n", o.Producent, o.HTTPCode, o.Events, o.Attempts)
	}
	// Output:
	// version: 6.0
	// 2025-08-12T12:03:55Z SKV.MOMS.DEKL_INLAMAD Momsdeklaration mottagen – 30 dagar
	// asked about: kund Personnummer ************
	// Skatteverket: HTTP 200, 1 event(s), 1 attempt(s)
}

// Failures are data: each part has an Outcome, and the error is a *Error
// with the producer's message (identifiers masked) and the cause.
func ExampleError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not found: kund 199001012385 saknas"}`)
	}))
	defer srv.Close()

	c, _ := client.New(srv.URL+"/api", &client.Options{Name: "Bolagsverket"})
	_, err := c.Query(context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{{
		Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer},
	}}})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Producent, e.HTTPCode, e.Attempts, e.Message)
	}
	// Output:
	// Bolagsverket 404 1 Not found: kund ************ saknas
}

// The forwarding service answers many parter at once, in pages; Events
// walks them without holding every page.
func ExampleClient_Events() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"kundhandelser":[{"part":{"kund":{"identifierare":"199001012385","typ":"Personnummer"}},
		  "totaltAntalKundhandelser":1,"kundhandelserForPart":[{"kundhandelseId":"k1","rubrik":"Plats erbjuden",
		  "producent":"Testköpings kommun","tidpunkt":"2026-09-10T07:30:00+02:00","kundhandelseTyp":"TESTKOP.FORSKOLA.PLATS_ERBJUDEN",
		  "producentarendetKraverKundatgard":true,"producentarendetKlart":false,"version":"6.1"}]}],
		  "delfragor":[{"producent":"Testköpings kommun","status":"OK","httpCode":200}]}`)
	}))
	defer srv.Close()

	c, _ := client.New(srv.URL+"/vidareformedling", &client.Options{Dialect: client.Forwarding})
	f := minaarenden.Fraga{Parter: []minaarenden.Part{{
		Kund: &minaarenden.Kund{Identifierare: "199001012385", Typ: minaarenden.Personnummer},
	}}}
	ctx := client.WithCorrelationID(context.Background(), "fraga-4711")
	for e, err := range c.Events(ctx, f) {
		if err != nil {
			fmt.Println("failed:", err)
			continue
		}
		fmt.Println(e.Producent, e.Typ, e.KraverKundatgard, e.Version)
	}
	// Output:
	// Testköpings kommun TESTKOP.FORSKOLA.PLATS_ERBJUDEN true 6.1
}

// Credentials compose as round trippers; each is sent only to the
// endpoint's own origin.
func ExampleAPIKey() {
	tokens := client.TokenSourceFunc(func(ctx context.Context) (string, error) {
		return os.Getenv("SKV_TOKEN"), nil // an oauth2.TokenSource in real use
	})
	transport := client.BearerToken(tokens, client.APIKey("client_id", os.Getenv("SKV_CLIENT_ID"), nil))
	c, err := client.New("https://api.test.example/minaarenden/v1", &client.Options{
		Dialect:   client.Forwarding,
		Transport: transport,
	})
	fmt.Println(c.Dialect(), err)
	// Output: forwarding <nil>
}

// A producer that wants mutual TLS gets a transport of its own.
func ExampleMTLS() {
	cert, err := tls.LoadX509KeyPair("konsument.crt", "konsument.key")
	if err != nil {
		return // the files are the caller's
	}
	roots := x509.NewCertPool()     // the producer's CA
	tr := client.DefaultTransport() // the fan-out tuning, in a transport of its own
	tr.TLSClientConfig = client.MTLS(cert, roots)
	c, err := client.New("https://kundhandelser.example.se/api", &client.Options{Transport: tr})
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}
