package aggregate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
)

// TestOutcomeJSON: an Outcome's JSON form has camelCase keys, whole
// milliseconds, the error as a masked message with no URL query, and no
// identifier anywhere.
func TestOutcomeJSON(t *testing.T) {
	o := aggregate.Outcome{
		Source: "SKV", Producent: "Skatteverket", Part: pia, Status: aggregate.StatusError, HTTPCode: 502,
		Err: fmt.Errorf(`Post "https://skv.example/v6/kundhandelser?kund=199001012385#x": producer said "kund 199001012385 okänd": %w`,
			errors.New("bad gateway")),
		Attempts: 3, Hedges: 1, Duration: 1500*time.Millisecond + 999*time.Microsecond, Events: 0, Rejected: 2, Duplicates: 1,
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"source": "SKV", "producent": "Skatteverket", "part": pia.String(), "status": "error", "httpCode": 502.0,
		"error":    `Post "https://skv.example/v6/kundhandelser": producer said "kund ************ okänd": bad gateway`,
		"attempts": 3.0, "hedges": 1.0, "durationMs": 1500.0, "events": 0.0, "rejected": 2.0, "duplicates": 1.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(string(b), "2385") {
		t.Errorf("JSON holds the identifier: %s", b)
	}

	ok, err := json.Marshal(aggregate.Outcome{Source: "PRV", Producent: "PRV", Part: pia, Status: aggregate.StatusOK, HTTPCode: 200})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ok), `"error":""`) {
		t.Errorf("an ok outcome's error is not \"\": %s", ok)
	}
}

// TestResultJSON: a Result encodes as {"complete", "events", "outcomes"},
// lists as [] when empty.
func TestResultJSON(t *testing.T) {
	a := mustNew(t, []aggregate.Source{
		&fake{name: "Skatteverket", prefixes: typs{"SKV"}, events: []minaarenden.Kundhandelse{ev("Skatteverket", "s1", "SKV.MOMS.DEKL", 1)}},
		&fake{name: "PRV", prefixes: typs{"PRV"}, err: errors.New("down")},
	}, nil)
	res := mustRun(t, a, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{pia}})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Complete *bool
		Events   []struct{ KundhandelseID string }
		Outcomes []struct{ Producent, Status, Error string }
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Complete == nil || *got.Complete || len(got.Events) != 1 || got.Events[0].KundhandelseID != "s1" {
		t.Errorf("complete %v, events %+v; want false and s1", got.Complete, got.Events)
	}
	want := []struct{ Producent, Status, Error string }{{"Skatteverket", "ok", ""}, {"PRV", "error", "down"}}
	if diff := cmp.Diff(want, got.Outcomes); diff != "" {
		t.Errorf("outcomes mismatch (-want +got):\n%s", diff)
	}

	empty, err := json.Marshal(&aggregate.Result{})
	if err != nil {
		t.Fatal(err)
	}
	if string(empty) != `{"complete":true,"events":[],"outcomes":[]}` {
		t.Errorf("empty Result = %s", empty)
	}
}
