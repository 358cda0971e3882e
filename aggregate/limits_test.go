package aggregate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

// hostile serves answer on loopback, the request body read first: the
// server notices a client gone only once it has.
func hostile(t *testing.T, answer http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/minaarenden/v6"
}

// A producer that answers 100 000 distinct cases in one 26 MB answer is
// read up to the events limit: its outcome fails with ErrTooManyEvents
// and names it, it is unanswered for placement, and what the question
// keeps (Result and cases) is bounded by the limit, not the answer.
func TestHostileDistinctCases(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"metadata":{"version":"6.1"},"kundhandelser":[`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kundhandelseId":"e%06d","rubrik":"Ärende mottaget","beskrivning":"Vi har tagit emot ditt ärende.","sprak":"sv","producent":"Hostile","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"HOST.A%06d.MOTTAGET","producentarendetKraverKundatgard":false,"producentarendetKlart":false,"referenser":{"producentarende":"AR-%06d"}}`, i, i, i)
	}
	b.WriteString(`]}`)
	body := b.Bytes()
	url := hostile(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	c, err := client.New(url, &client.Options{Name: "Hostile", Prefixes: []minaarenden.Kundhandelsetyp{"HOST"}, Retry: client.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	agg := mustNew(t, []aggregate.Source{c}, &aggregate.Options{SourceTimeout: time.Minute})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := agg.Run(t.Context(), minaarenda(person))
	if err != nil {
		t.Fatal(err)
	}
	cases := flow.Place(nil, res.Events, &flow.Options{Answered: res.Answered()})
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(res)
	runtime.KeepAlive(cases)

	if len(res.Events) != client.DefaultMaxEventsPerPart || len(cases) != client.DefaultMaxEventsPerPart {
		t.Errorf("%d events in %d cases, want the limit, %d, in as many", len(res.Events), len(cases), client.DefaultMaxEventsPerPart)
	}
	o := res.Outcomes[0]
	if o.Producent != "Hostile" || o.Status != aggregate.StatusError || !errors.Is(o.Err, client.ErrTooManyEvents) {
		t.Errorf("outcome %s %s %v, want Hostile failed with ErrTooManyEvents", o.Producent, o.Status, o.Err)
	}
	if slices.Contains(res.Answered(), "Hostile") {
		t.Errorf("Answered() = %v, want it without Hostile: its answer was cut short", res.Answered())
	}
	// 10 000 events and cases of about 2 KB each; the whole answer's
	// would be ten times that.
	if limit := int64(len(body)); kept > limit {
		t.Errorf("the Result and cases keep %d bytes, want under %d, the answer's length", kept, limit)
	}
}

// A forwarding service whose deadline passes between pages: the relayed
// producer the first page answered is unanswered, so its expected cases
// are okand, not "not started".
func TestForwardingTimeoutMidPagingIsUnanswered(t *testing.T) {
	page := func(offset int) string {
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"kundhandelser":[{"part":{"kund":{"identifierare":"%s","typ":"Personnummer"}},"totaltAntalKundhandelser":10,"kundhandelserForPart":[`, person.Kund.Identifierare)
		for i := range 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"kundhandelseId":"e%d","rubrik":"R","beskrivning":"B","sprak":"sv","producent":"Skatteverket","tidpunkt":"2026-01-01T10:00:00Z","kundhandelseTyp":"SKV.MOMS.DEKL_INLAMAD","producentarendetKraverKundatgard":false,"producentarendetKlart":false}`, offset+i)
		}
		b.WriteString(`]}],"delfragor":[{"producent":"Skatteverket","status":"OK","httpCode":200}]}`)
		return b.String()
	}
	var asked atomic.Int32
	url := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(page(0)))
			return
		}
		<-r.Context().Done() // the second page never comes
	})
	c, err := client.New(url, &client.Options{Name: "Förmedling", Dialect: client.Forwarding, PageSize: 2, Retry: client.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	agg := mustNew(t, []aggregate.Source{c}, &aggregate.Options{
		SourceTimeout: 300 * time.Millisecond,
		Producers:     map[string][]minaarenden.Kundhandelsetyp{"Skatteverket": {"SKV"}},
	})
	f := minaarenden.Fraga{Anvandare: "199001012385", Parter: []minaarenden.Part{person}}
	res, err := agg.Run(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Answered(), "Skatteverket") {
		t.Errorf("Answered() = %v, want it without Skatteverket: its later pages were never read", res.Answered())
	}
	for _, o := range res.Outcomes {
		if o.Producent == "Skatteverket" && o.Status != aggregate.StatusTimeout {
			t.Errorf("Skatteverket's outcome is %s, want timeout", o.Status)
		}
	}
}

// An outcome's warnings are in its JSON form as sentences, left out when
// there are none.
func TestOutcomeJSONWarnings(t *testing.T) {
	o := aggregate.Outcome{Source: "SKV", Producent: "Skatteverket", Part: pia, Status: aggregate.StatusOK,
		Warnings: []client.Warning{{Field: "producentarendetKlart", Count: 3, Read: "false"}}}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Warnings []string }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3 events lack producentarendetKlart; read as false"}, got.Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	o.Warnings = nil
	if b, _ := json.Marshal(o); strings.Contains(string(b), "warnings") {
		t.Errorf("an outcome without warnings has the key: %s", b)
	}
}
