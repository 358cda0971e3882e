package client

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
)

// TestNoPersonnummerInLogsOrErrors runs every failing path it can think of
// with debug logging on and looks for the personnummer asked about, in
// every form, in everything that was logged or returned as an error.
func TestNoPersonnummerInLogsOrErrors(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var texts []string
	record := func(a *Answer, err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%v %+v %#v", err, err, err))
		}
		if a != nil {
			for _, o := range a.Outcomes {
				texts = append(texts, fmt.Sprintf("%v %+v", o, o), o.Message, o.Part.String())
				if o.Err != nil {
					texts = append(texts, o.Err.Error())
				}
			}
		}
	}
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}, Anvandare: pnr}
	ctx := t.Context()

	// Producers that echo the number in their errors, as real ones do.
	echo := func(_ int, w http.ResponseWriter, r *http.Request, _ map[string]any) {
		switch r.URL.Query().Get("mode") {
		case "problem":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(503)
			fmt.Fprintf(w, `{"title":"Kund %s saknas","detail":"personnummer 19900101-2385 / 900101-2385 / %s","instance":"/kund/%s"}`, pnr, pnr, pnr)
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "<p>%s</p>", pnr)
		case "206":
			writeJSON(w, 206, `{"kundhandelser":[],"delfragor":[{"producent":"P","part":{"kund":{"identifierare":"`+pnr+`","typ":"Personnummer"}},"status":"FEL","httpCode":400,"message":"Bad request: `+pnr+` okänd"}]}`)
		case "tidpunkt":
			writeJSON(w, 200, `{"kundhandelser":[{"kundhandelseId":"x","tidpunkt":"då"}]}`)
		case "id":
			// Producers build ids from what they have, the number included.
			writeJSON(w, 200, `{"kundhandelser":[{"kundhandelseId":"`+pnr+`-1","tidpunkt":"då"},{"kundhandelseId":"`+pnr+`-2"},{"kundhandelseId":"y","tidpunkt":"`+pnr+`"}]}`)
		case "contenttype":
			w.Header().Set("Content-Type", "text/plain; kund="+pnr)
			w.WriteHeader(200)
		default:
			writeJSON(w, 404, `{"message":"Not found: kund `+pnr+` finns inte"}`)
		}
	}
	url, _ := serve(t, echo)
	for _, mode := range []string{"message", "problem", "html", "tidpunkt", "id", "contenttype"} {
		for _, v := range []minaarenden.Version{minaarenden.V4_1, minaarenden.V5_0, minaarenden.V6_1} {
			c := newClient(t, url+"?code=S3CRET&mode="+mode, &Options{Version: v, AnropandeOrganisation: orgnr, Logger: logger, Retry: RetryPolicy{MaxAttempts: 2, MinBackoff: 1, MaxBackoff: 1}})
			record(c.Query(ctx, f))
		}
	}
	fwd := newClient(t, url+"?mode=206", &Options{Dialect: Forwarding, Logger: logger})
	record(fwd.Query(ctx, f))
	for _, err := range fwd.Events(ctx, f) {
		if err != nil {
			record(nil, err)
		}
	}

	// A producer that is down, and one that hangs up mid-answer.
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	c := newClient(t, downURL+"/x?code=S3CRET", &Options{Logger: logger, Retry: NoRetry})
	record(c.Query(ctx, f))

	// An invalid question: the check digit is wrong.
	bad := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart("199001012386")}}
	record(c.Query(ctx, bad))

	all := logs.String() + "\n" + strings.Join(texts, "\n")
	if len(texts) < 20 || logs.Len() == 0 {
		t.Fatalf("too little to check: %d texts, %d bytes of logs", len(texts), logs.Len())
	}
	for _, secret := range []string{pnr, "9001012385", "900101-2385", "19900101-2385", "199001012386", "S3CRET"} {
		if strings.Contains(all, secret) {
			i := strings.Index(all, secret)
			t.Errorf("%q leaked: …%s…", secret, all[max(0, i-120):min(len(all), i+40)])
		}
	}
	if testing.Verbose() {
		_, _ = io.WriteString(os.Stderr, all)
	}
}

// An Outcome or Answer logged with slog's JSON handler shows no part's
// identifier.
func TestOutcomeLogValue(t *testing.T) {
	var logs bytes.Buffer
	o := Outcome{Producent: "P", Part: kundPart(pnr), HTTPCode: 404, Attempts: 1}
	a := &Answer{Endpoint: "https://p.invalid/kundhandelser", Outcomes: []Outcome{o}}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("outcome", "outcome", o, "answer", a, "answer value", *a)
	if s := logs.String(); strings.Contains(s, pnr[2:]) || !strings.Contains(s, `"status":404`) || !strings.Contains(s, `"failed":0`) {
		t.Errorf("identifier leaked or outcome not logged: %s", s)
	}
}

// TestCorrelationIDWithIdentifierRefused: the correlation id travels to
// every producer as a header and into logs unmasked, so one that could be a
// personnummer is refused before anything is sent, without being quoted.
func TestCorrelationIDWithIdentifierRefused(t *testing.T) {
	url, rec := serve(t, always(http.StatusOK, okEmpty))
	c := newClient(t, url, nil)
	f := minaarenden.Fraga{Parter: []minaarenden.Part{kundPart(pnr)}}
	tests := []struct {
		id string
		ok bool
	}{
		{"3f2a9c1e-1234-4abc-9def-199003151231", true},
		{"fraga-4711", true},
		{"kund-199001012385", false},
		{"kund-19900101-2385", false},
		{"1990-01-01-2385", false},
		{"batch-2025120712", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			before := len(rec.all())
			_, err := c.Query(WithCorrelationID(t.Context(), tt.id), f)
			if tt.ok {
				if err != nil {
					t.Errorf("Query: %v", err)
				}
				return
			}
			if err == nil || strings.Contains(err.Error(), tt.id) {
				t.Errorf("Query: err = %v, want the id refused and not quoted", err)
			}
			if n := len(rec.all()) - before; n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

// TestDelfragaProducentMasked: the forwarding service writes a delfråga's
// producent; an identifier there is masked in the *Error's text and the
// outcome's log value, and a huge one is cut.
func TestDelfragaProducentMasked(t *testing.T) {
	for _, producent := range []string{"Kommun 199001012385", "Kommun " + strings.Repeat("x", 1<<16)} {
		e := &Error{Endpoint: "https://fwd.example.se/kundhandelseFragaSynkron", Producent: producent, HTTPCode: 500, Err: ErrDelfraga}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("outcome", "o", Outcome{Producent: producent, Err: e})
		for _, text := range []string{e.Error(), logs.String()} {
			if strings.Contains(text, "1990") || len(text) > 2000 {
				t.Errorf("leaks the number or is %d bytes long: %.200s", len(text), text)
			}
		}
	}
}
