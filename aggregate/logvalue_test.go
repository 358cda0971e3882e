package aggregate_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
)

// slog's JSON handler marshals a struct field by field unless it has a
// LogValue; every type that holds a Part must have one.
func TestLogValuesMaskParts(t *testing.T) {
	const pnr = "199001012385"
	part := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}
	o := aggregate.Outcome{Source: "S", Producent: "P", Part: part, Status: aggregate.StatusOK, HTTPCode: 200, Events: 2}
	a := aggregate.Attempt{Source: "S", Part: part, Status: aggregate.StatusOK, HTTPCode: 200}

	src := &fake{name: "Skatteverket", prefixes: typs{"SKV"}}
	agg := mustNew(t, []aggregate.Source{src}, nil)
	res := mustRun(t, agg, context.Background(), minaarenden.Fraga{Parter: []minaarenden.Part{part}})

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "outcome", o, "outcomes", []aggregate.Outcome{o}, "attempt", a, "result", res)
	s := logs.String()
	if strings.Contains(s, pnr[2:]) {
		t.Errorf("identifier leaked: %s", s)
	}
	for _, want := range []string{`"outcome":{"source":"S","producer":"P"`, `"http_code":200`, `"complete":true`} {
		if !strings.Contains(s, want) {
			t.Errorf("log lacks %s: %s", want, s)
		}
	}
}
