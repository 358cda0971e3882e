package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validErrors unwraps a joined error into its *ValidationErrors.
func validErrors(t *testing.T, err error) []ValidationError {
	t.Helper()
	if err == nil {
		return nil
	}
	var got []ValidationError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ve *ValidationError
		if !errors.As(e, &ve) {
			t.Fatalf("error %v is not a *ValidationError", e)
		}
		got = append(got, *ve)
	}
	return got
}

// A small valid type the cases below break one rule at a time:
// A -> B -> C, B -> K (kundatgard) -> B.
const validType = `{"id": "X.T", "namn": "T", "producenter": ["P1", "P2"],
  "kundhandelsetyper": [{"id": "X.T.A", "namn": "A"}, {"id": "X.T.B", "namn": "B"},
                        {"id": "X.T.K", "namn": "K", "kundatgard": true}, {"id": "X.T.C", "namn": "C", "klart": true}],
  "flode": {"start": ["X.T.A"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.K"], ["X.T.K", "X.T.B"], ["X.T.B", "X.T.C"]], "slut": ["X.T.C"]},
  "varianter": [{"producent": "P1", "kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.C"]}]}`

func doc(types ...string) []byte {
	return []byte(`{"producentarendetyper": [` + strings.Join(types, ",") + `]}`)
}

func TestParseValid(t *testing.T) {
	c, err := Parse(doc(validType))
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := c.Type("X.T")
	if !ok {
		t.Fatal("type X.T not found")
	}
	if diff := cmp.Diff([]string{"X.T.A", "X.T.B", "X.T.C"}, ids(typ.Graph("P1").Nodes)); diff != "" {
		t.Errorf("P1 slice mismatch (-want +got):\n%s", diff)
	}
}

func TestValidationErrors(t *testing.T) {
	// with replaces one piece of validType.
	with := func(old, new string) string {
		if !strings.Contains(validType, old) {
			panic("test case does not apply: " + old)
		}
		return strings.Replace(validType, old, new, 1)
	}
	tests := []struct {
		name string
		doc  []byte
		want []ValidationError
	}{
		{
			name: "malformed type id",
			doc:  doc(strings.ReplaceAll(validType, "X.T", "x.T")),
			want: []ValidationError{
				{Typ: "x.T", Reason: `malformed id: it segment 1 has 'x'; only A–Z (and 0–9, _ after the first segment) are allowed`},
				{Typ: "x.T", Node: "x.T.A", Reason: `malformed id: it segment 1 has 'x'; only A–Z (and 0–9, _ after the first segment) are allowed`},
				{Typ: "x.T", Node: "x.T.B", Reason: `malformed id: it segment 1 has 'x'; only A–Z (and 0–9, _ after the first segment) are allowed`},
				{Typ: "x.T", Node: "x.T.K", Reason: `malformed id: it segment 1 has 'x'; only A–Z (and 0–9, _ after the first segment) are allowed`},
				{Typ: "x.T", Node: "x.T.C", Reason: `malformed id: it segment 1 has 'x'; only A–Z (and 0–9, _ after the first segment) are allowed`},
			},
		},
		{
			name: "type id with three segments",
			doc:  doc(strings.Replace(validType, `"id": "X.T",`, `"id": "X.T.U",`, 1)),
			want: []ValidationError{
				{Typ: "X.T.U", Reason: "malformed id: a producentärendetyp is PRODUCENT.ARENDETYP, two segments"},
				{Typ: "X.T.U", Node: "X.T.A", Reason: `id is outside the type's prefix "X.T.U"`},
				{Typ: "X.T.U", Node: "X.T.B", Reason: `id is outside the type's prefix "X.T.U"`},
				{Typ: "X.T.U", Node: "X.T.K", Reason: `id is outside the type's prefix "X.T.U"`},
				{Typ: "X.T.U", Node: "X.T.C", Reason: `id is outside the type's prefix "X.T.U"`},
			},
		},
		{
			name: "type without id",
			doc:  doc(`{"namn": "no id", "kundhandelsetyper": [], "flode": {"start": [], "overgangar": [], "slut": []}}`),
			want: []ValidationError{
				{Typ: "producentarendetyper[0]", Reason: "malformed id: it is empty"},
				{Typ: "producentarendetyper[0]", Reason: "has no start"},
				{Typ: "producentarendetyper[0]", Reason: "has no end (slut)"},
			},
		},
		{
			name: "malformed step id",
			doc:  doc(with(`{"id": "X.T.K", "namn": "K", "kundatgard": true}`, `{"id": "X.T.k", "namn": "K"}, {"id": "X.T.K", "namn": "K"}`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.k", Reason: `malformed id: it segment 3 has 'k'; only A–Z (and 0–9, _ after the first segment) are allowed`},
				{Typ: "X.T", Node: "X.T.k", Reason: "unreachable from every start"},
				{Typ: "X.T", Node: "X.T.k", Reason: "no end (slut) is reachable from it"},
			},
		},
		{
			name: "step id with two segments",
			doc:  doc(with(`{"id": "X.T.C", "namn": "C", "klart": true}`, `{"id": "X.T.C", "namn": "C", "klart": true}, {"id": "X.T", "namn": "T"}`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T", Reason: "malformed id: it has 2 segment(s), a kundhandelseTyp needs PRODUCENT.ARENDETYP.STEG"},
				{Typ: "X.T", Node: "X.T", Reason: "unreachable from every start"},
				{Typ: "X.T", Node: "X.T", Reason: "no end (slut) is reachable from it"},
			},
		},
		{
			name: "step outside the type's prefix",
			doc:  doc(with(`{"id": "X.T.C", "namn": "C", "klart": true}]`, `{"id": "X.T.C", "namn": "C", "klart": true}, {"id": "X.U.D", "namn": "D"}]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.U.D", Reason: `id is outside the type's prefix "X.T"`},
				{Typ: "X.T", Node: "X.U.D", Reason: "unreachable from every start"},
				{Typ: "X.T", Node: "X.U.D", Reason: "no end (slut) is reachable from it"},
			},
		},
		{
			name: "duplicate step id",
			doc:  doc(with(`{"id": "X.T.C", "namn": "C", "klart": true}`, `{"id": "X.T.C", "namn": "C", "klart": true}, {"id": "X.T.B", "namn": "B again"}`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.B", Reason: "duplicate id"},
			},
		},
		{
			name: "null step",
			doc:  doc(with(`{"id": "X.T.A", "namn": "A"},`, `{"id": "X.T.A", "namn": "A"}, null,`)),
			want: []ValidationError{
				{Typ: "X.T", Reason: "kundhandelsetyper[1] is null"},
			},
		},
		{
			name: "null type",
			doc:  doc(validType, "null"),
			want: []ValidationError{
				{Typ: "producentarendetyper[1]", Reason: "is null"},
			},
		},
		{
			name: "duplicate type id",
			doc:  doc(validType, validType),
			want: []ValidationError{
				{Typ: "X.T", Reason: "duplicate id (entry 1 defines the type again)"},
			},
		},
		{
			name: "extension that renames the type",
			doc:  doc(validType, `{"id": "X.T", "namn": "Other"}`),
			want: []ValidationError{
				{Typ: "X.T", Reason: "an extension of a type may only add producenter and varianter, not namn or beskrivning"},
			},
		},
		{
			name: "no start",
			doc:  doc(with(`"start": ["X.T.A"]`, `"start": []`)),
			want: []ValidationError{
				{Typ: "X.T", Reason: "has no start"},
				{Typ: "X.T", Producent: "P1", Reason: "the variant contains no start node of the type"},
			},
		},
		{
			name: "no end",
			doc:  doc(with(`"slut": ["X.T.C"]`, `"slut": []`)),
			want: []ValidationError{
				{Typ: "X.T", Reason: "has no end (slut)"},
				{Typ: "X.T", Producent: "P1", Reason: "the variant contains no end (slut) node of the type"},
			},
		},
		{
			name: "a klart step not in slut",
			doc:  doc(with(`{"id": "X.T.B", "namn": "B"}`, `{"id": "X.T.B", "namn": "B", "klart": true}`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.B", Reason: "klart is true, but the node is not in slut"},
			},
		},
		{
			name: "a slut step not klart",
			doc:  doc(with(`"namn": "C", "klart": true`, `"namn": "C"`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.C", Reason: "the node is in slut, but klart is false"},
			},
		},
		{
			name: "start names an unknown node",
			doc:  doc(with(`"start": ["X.T.A"]`, `"start": ["X.T.A", "X.T.Z"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.Z", Reason: "start names an unknown node"},
			},
		},
		{
			name: "slut names an unknown node",
			doc:  doc(with(`"slut": ["X.T.C"]`, `"slut": ["X.T.Z", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.Z", Reason: "slut names an unknown node"},
			},
		},
		{
			name: "start listed twice",
			doc:  doc(with(`"start": ["X.T.A"]`, `"start": ["X.T.A", "X.T.A"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.A", Reason: "start lists the node twice"},
			},
		},
		{
			name: "edge names an unknown node",
			doc:  doc(with(`["X.T.B", "X.T.C"]`, `["X.T.B", "X.T.C"], ["X.T.Q", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.Q", Reason: `overgang ["X.T.Q", "X.T.C"] names an unknown node`},
			},
		},
		{
			name: "edge listed twice",
			doc:  doc(with(`["X.T.B", "X.T.C"]`, `["X.T.B", "X.T.C"], ["X.T.B", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.B", Reason: `overgang ["X.T.B", "X.T.C"] is listed twice`},
			},
		},
		{
			name: "node unreachable from every start",
			doc:  doc(with(`["X.T.A", "X.T.B"]`, `["X.T.C", "X.T.B"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.A", Reason: "no end (slut) is reachable from it"},
				{Typ: "X.T", Node: "X.T.B", Reason: "unreachable from every start"},
				{Typ: "X.T", Node: "X.T.K", Reason: "unreachable from every start"},
				{Typ: "X.T", Node: "X.T.C", Reason: "unreachable from every start"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.A", Reason: "no end (slut) is reachable from it"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.B", Reason: "unreachable from every start"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.C", Reason: "unreachable from every start"},
			},
		},
		{
			name: "node from which no end is reachable",
			doc:  doc(with(`["X.T.K", "X.T.B"]`, `["X.T.A", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Node: "X.T.K", Reason: "no end (slut) is reachable from it"},
			},
		},
		{
			name: "variant without producent",
			doc:  doc(with(`{"producent": "P1",`, `{`)),
			want: []ValidationError{
				{Typ: "X.T", Reason: "varianter[0] has no producent"},
			},
		},
		{
			name: "variant producent not listed",
			doc:  doc(with(`"producent": "P1"`, `"producent": "P9"`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P9", Reason: "the variant's producent is not listed in producenter"},
			},
		},
		{
			name: "two variants for one producent",
			doc:  doc(with(`"varianter": [`, `"varianter": [{"producent": "P1", "kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.C"]}, `)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Reason: "producent has two variants"},
			},
		},
		{
			name: "producent listed twice",
			doc:  doc(with(`"producenter": ["P1", "P2"]`, `"producenter": ["P1", "P2", "P1", ""]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Reason: "producent is listed twice"},
				{Typ: "X.T", Reason: "producenter has an empty name"},
			},
		},
		{
			name: "producent . or ..",
			doc:  doc(with(`"producenter": ["P1", "P2"]`, `"producenter": ["P1", "P2", ".", ".."]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: ".", Reason: "producent cannot be . or .., which are path segments"},
				{Typ: "X.T", Producent: "..", Reason: "producent cannot be . or .., which are path segments"},
			},
		},
		{
			name: "variant with no steps",
			doc:  doc(with(`"kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.C"]`, `"kundhandelsetyper": []`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Reason: "the variant has no kundhandelsetyper"},
			},
		},
		{
			name: "variant names an unknown node",
			doc:  doc(with(`["X.T.A", "X.T.B", "X.T.C"]`, `["X.T.A", "X.T.B", "X.T.Y", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Node: "X.T.Y", Reason: "the variant names an unknown node"},
			},
		},
		{
			name: "variant lists a node twice",
			doc:  doc(with(`["X.T.A", "X.T.B", "X.T.C"]`, `["X.T.A", "X.T.B", "X.T.C", "X.T.A"]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Node: "X.T.A", Reason: "the variant lists the node twice"},
			},
		},
		{
			name: "variant edge outside its nodes",
			doc:  doc(with(`["X.T.A", "X.T.B", "X.T.C"]}`, `["X.T.A", "X.T.B", "X.T.C"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.K"], ["X.T.B", "X.T.C"]]}`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Node: "X.T.K", Reason: `overgang ["X.T.B", "X.T.K"] names a node outside the variant`},
			},
		},
		{
			name: "variant without a start",
			doc:  doc(with(`["X.T.A", "X.T.B", "X.T.C"]`, `["X.T.B", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Reason: "the variant contains no start node of the type"},
			},
		},
		{
			name: "variant node unreachable in the slice",
			doc:  doc(with(`["X.T.A", "X.T.B", "X.T.C"]`, `["X.T.A", "X.T.K", "X.T.C"]`)),
			want: []ValidationError{
				{Typ: "X.T", Producent: "P1", Node: "X.T.A", Reason: "no end (slut) is reachable from it"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.K", Reason: "unreachable from every start"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.K", Reason: "no end (slut) is reachable from it"},
				{Typ: "X.T", Producent: "P1", Node: "X.T.C", Reason: "unreachable from every start"},
			},
		},
		{
			name: "errors from several types, in catalog order",
			doc: doc(
				strings.Replace(validType, `"slut": ["X.T.C"]`, `"slut": []`, 1),
				strings.ReplaceAll(strings.Replace(validType, `"start": ["X.T.A"]`, `"start": ["X.T.Z"]`, 1), "X.T", "X.S"),
			),
			want: []ValidationError{
				{Typ: "X.T", Reason: "has no end (slut)"},
				{Typ: "X.T", Producent: "P1", Reason: "the variant contains no end (slut) node of the type"},
				{Typ: "X.S", Node: "X.S.Z", Reason: "start names an unknown node"},
				{Typ: "X.S", Producent: "P1", Reason: "the variant contains no start node of the type"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded, want errors; catalog has %d types", len(c.Producentarendetyper))
			}
			if diff := cmp.Diff(tt.want, validErrors(t, err)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationErrorString(t *testing.T) {
	tests := []struct {
		err  ValidationError
		want string
	}{
		{ValidationError{Typ: "X.T", Reason: "has no start"}, `catalog: type "X.T": has no start`},
		{ValidationError{Typ: "X.T", Node: "X.T.A", Reason: "unreachable from every start"}, `catalog: type "X.T", node "X.T.A": unreachable from every start`},
		{ValidationError{Typ: "X.T", Producent: "Värmdö kommun", Node: "X.T.A", Reason: "r"}, `catalog: type "X.T", producent "Värmdö kommun", node "X.T.A": r`},
		{ValidationError{Typ: "X.T\n" + strings.Repeat("Å", 50), Reason: "r"}, `catalog: type "X.T\n` + strings.Repeat("Å", 38) + `…": r`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("Error() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejectsBadJSON(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not an object", `null`, "catalog: not a JSON object"},
		{"empty", ``, "catalog: not a JSON object"},
		{"syntax", `{"producentarendetyper": [`, "catalog: invalid JSON at byte 26: unexpected end of JSON input"},
		{"wrong field type", `{"producentarendetyper": [{"id": 7}]}`, "catalog: producentarendetyper.id: a JSON number where a string belongs"},
		{"string for a type", `{"producentarendetyper": ["SKV.MOMS"]}`, "catalog: producentarendetyper: a JSON string where an object belongs"},
		{"number for a flag", `{"producentarendetyper": [{"kundhandelsetyper": [{"klart": 1}]}]}`, "catalog: producentarendetyper.kundhandelsetyper.klart: a JSON number where true or false belongs"},
		{"edge of three", `{"producentarendetyper": [{"id": "X.T", "flode": {"overgangar": [["X.T.A", "X.T.B", "X.T.C"]]}}]}`, "catalog: an overgang is a [from, to] pair, got 3 ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, jsonPathTail(tt.want, err.Error())); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// jsonPathTail reads got as want when the two differ only in how much of
// a type error's field path they name: encoding/json on the v2 engine
// (Go 1.27, GOEXPERIMENT=jsonv2) names the field within the innermost
// value only ("id" for "producentarendetyper.id"), and none for an array
// element.
func jsonPathTail(want, got string) string {
	const prefix = "catalog: "
	wantPath, wantRest, ok1 := strings.Cut(strings.TrimPrefix(want, prefix), ": a JSON ")
	gotPath, gotRest, ok2 := strings.Cut(strings.TrimPrefix(got, prefix), "a JSON ")
	gotPath = strings.TrimSuffix(gotPath, ": ")
	if !ok1 || !ok2 || !strings.HasPrefix(got, prefix) || wantRest != gotRest {
		return got
	}
	if gotPath == "" || wantPath == gotPath || strings.HasSuffix(wantPath, "."+gotPath) {
		return want
	}
	return got
}
