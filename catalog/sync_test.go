package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aterkoppling/minaarenden"
)

// ownCatalog is producer p's own catalog: the central types that list p,
// copied, then edited. It is indexed without validation, so a test can
// serve a broken one as a careless producer would.
func ownCatalog(t testing.TB, central *Catalog, p string, edit func(*Catalog)) *Catalog {
	t.Helper()
	c := &Catalog{}
	for _, typ := range central.Producentarendetyper {
		if slices.Contains(typ.Producenter, p) {
			cp, err := cloneType(typ)
			if err != nil {
				t.Fatal(err)
			}
			c.Producentarendetyper = append(c.Producentarendetyper, cp)
		}
	}
	if edit != nil {
		edit(c)
	}
	c.index()
	return c
}

func producers(c *Catalog) []string {
	var ps []string
	for _, t := range c.Producentarendetyper {
		for _, p := range t.Producenter {
			if !slices.Contains(ps, p) {
				ps = append(ps, p)
			}
		}
	}
	slices.Sort(ps)
	return ps
}

// syncSources serves every producer's own catalog of central on loopback,
// edited where edits says.
func syncSources(t testing.TB, central *Catalog, edits map[string]func(*Catalog)) []SyncSource {
	return syncSourcesWire(t, central, edits, nil)
}

// syncSourcesWire is syncSources with the flow answers of a producer passed
// through wire[producer] on their way out: a producer whose server is not
// this SDK's Handler may answer what Handler never would.
func syncSourcesWire(t testing.TB, central *Catalog, edits map[string]func(*Catalog), wire map[string]func(*FlowAnswer)) []SyncSource {
	t.Helper()
	var srcs []SyncSource
	for _, p := range producers(central) {
		c := ownCatalog(t, central, p, edits[p])
		if wire[p] == nil {
			srcs = append(srcs, SyncSource{Producent: p, URL: serve(t, c)})
			continue
		}
		h := Handler(c)
		mux := http.NewServeMux()
		mux.Handle("/katalog/v1/", http.StripPrefix("/katalog/v1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/flode") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var a FlowAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				panic(err)
			}
			wire[p](&a)
			writeJSON(w, a)
		})))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		srcs = append(srcs, SyncSource{Producent: p, URL: srv.URL + "/katalog/v1"})
	}
	return srcs
}

func typeOf(t testing.TB, c *Catalog, id string) *Producentarendetyp {
	t.Helper()
	for _, typ := range c.Producentarendetyper {
		if typ.ID == id {
			return typ
		}
	}
	t.Fatalf("no type %s", id)
	return nil
}

func stepOf(t testing.TB, typ *Producentarendetyp, id minaarenden.Kundhandelsetyp) *Step {
	t.Helper()
	for _, s := range typ.Kundhandelsetyper {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no step %s", id)
	return nil
}

// newType copies the sample's SKV.ARBETSGIVARE under another id; c, the
// catalog it is for, is unused but keeps the call sites readable.
func newType(t testing.TB, _ *Catalog, id, producent string) *Producentarendetyp {
	t.Helper()
	b, err := json.Marshal(typeOf(t, loadTestdata(t), "SKV.ARBETSGIVARE"))
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.ReplaceAll(string(b), "SKV.ARBETSGIVARE", id))
	var typ Producentarendetyp
	if err := json.Unmarshal(b, &typ); err != nil {
		t.Fatal(err)
	}
	typ.Producenter = []string{producent}
	return &typ
}

func kh(ids ...string) []minaarenden.Kundhandelsetyp {
	out := []minaarenden.Kundhandelsetyp{}
	for _, id := range ids {
		out = append(out, minaarenden.Kundhandelsetyp(id))
	}
	return out
}

func edges(pairs ...[2]string) []Overgang {
	out := []Overgang{}
	for _, p := range pairs {
		out = append(out, Overgang{minaarenden.Kundhandelsetyp(p[0]), minaarenden.Kundhandelsetyp(p[1])})
	}
	return out
}

func change(typ string, kind ChangeKind) TypeChange {
	return TypeChange{Typ: typ, Change: kind, StepsAdded: kh(), StepsRemoved: kh(), EdgesAdded: edges(), EdgesRemoved: edges()}
}

// wantReport is every producer of central merged without changes, but for
// the given outcomes; an outcome's Error is a substring the real one must
// contain.
func wantReport(central *Catalog, outcomes ...ProducerReport) *SyncReport {
	r := &SyncReport{}
	for _, p := range producers(central) {
		pr := ProducerReport{Producent: p, Status: SyncMerged, Changes: []TypeChange{}, Ignored: []IgnoredType{}}
		for _, o := range outcomes {
			if o.Producent == p {
				pr = o
				if pr.Changes == nil {
					pr.Changes = []TypeChange{}
				}
				if pr.Ignored == nil {
					pr.Ignored = []IgnoredType{}
				}
			}
		}
		r.Producenter = append(r.Producenter, pr)
	}
	return r
}

func checkReport(t *testing.T, want, got *SyncReport) {
	t.Helper()
	if got == nil {
		t.Fatal("no report")
	}
	got = &SyncReport{Producenter: slices.Clone(got.Producenter)}
	for i := range got.Producenter {
		if i < len(want.Producenter) && want.Producenter[i].Error != "" {
			if !strings.Contains(got.Producenter[i].Error, want.Producenter[i].Error) {
				t.Errorf("%s: error %q does not contain %q", got.Producenter[i].Producent, got.Producenter[i].Error, want.Producenter[i].Error)
			}
			got.Producenter[i].Error = want.Producenter[i].Error
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(ProducerReport{}, "Err")); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}
}

func catalogJSON(t testing.TB, c *Catalog) string {
	t.Helper()
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSyncMergeRules(t *testing.T) {
	const markup = `<script>alert("x")</script> & <b>fet</b>`
	tests := []struct {
		name     string
		central  func(*Catalog) // edits the central catalog
		edits    map[string]func(*Catalog)
		wire     map[string]func(*FlowAnswer)
		prefixes map[string][]string
		want     []ProducerReport
		check    func(t *testing.T, central, merged *Catalog)
	}{{
		name: "nothing changed",
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "a new type under the producer's prefix",
		edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "SKV.NY", "Skatteverket"))
		}},
		want: []ProducerReport{{Producent: "Skatteverket", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "SKV.NY", Change: ChangeAdded,
			StepsAdded:   kh("SKV.NY.ANSOKAN", "SKV.NY.HANDLAGGNING", "SKV.NY.BESLUT"),
			StepsRemoved: kh(),
			EdgesAdded:   edges([2]string{"SKV.NY.ANSOKAN", "SKV.NY.HANDLAGGNING"}, [2]string{"SKV.NY.HANDLAGGNING", "SKV.NY.BESLUT"}),
			EdgesRemoved: edges(),
		}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			typ, ok := merged.Type("SKV.NY")
			if !ok {
				t.Fatal("SKV.NY not merged")
			}
			if diff := cmp.Diff([]string{"Skatteverket"}, typ.Producenter); diff != "" {
				t.Errorf("producenter mismatch (-want +got):\n%s", diff)
			}
			if last := merged.Producentarendetyper[len(merged.Producentarendetyper)-1]; last.ID != "SKV.NY" {
				t.Errorf("last type %s, want the new type appended", last.ID)
			}
		},
	}, {
		name: "a step's text changed",
		edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
			stepOf(t, typeOf(t, c, "SKV.MOMS"), "SKV.MOMS.KONTROLL").Namn = "Kontroll pågår"
		}},
		want: []ProducerReport{{Producent: "Skatteverket", Status: SyncMerged, Changes: []TypeChange{change("SKV.MOMS", ChangeChanged)}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if s, _ := merged.Step("SKV.MOMS.KONTROLL"); s.Namn != "Kontroll pågår" {
				t.Errorf("namn %q, want the producer's", s.Namn)
			}
		},
	}, {
		name: "edges reordered: no change",
		edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
			slices.Reverse(typeOf(t, c, "SKV.MOMS").Flode.Overgangar)
		}},
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "a step removed",
		edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
			typ := typeOf(t, c, "SKV.MOMS")
			typ.Kundhandelsetyper = slices.DeleteFunc(typ.Kundhandelsetyper, func(s *Step) bool { return s.ID == "SKV.MOMS.KOMPLETTERING" })
			typ.Flode.Overgangar = slices.DeleteFunc(typ.Flode.Overgangar, func(e Overgang) bool {
				return e[0] == "SKV.MOMS.KOMPLETTERING" || e[1] == "SKV.MOMS.KOMPLETTERING"
			})
		}},
		want: []ProducerReport{{Producent: "Skatteverket", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "SKV.MOMS", Change: ChangeChanged, StepsAdded: kh(), StepsRemoved: kh("SKV.MOMS.KOMPLETTERING"), EdgesAdded: edges(),
			EdgesRemoved: edges([2]string{"SKV.MOMS.KONTROLL", "SKV.MOMS.KOMPLETTERING"}, [2]string{"SKV.MOMS.KOMPLETTERING", "SKV.MOMS.KONTROLL"}),
		}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if _, ok := merged.Step("SKV.MOMS.KOMPLETTERING"); ok {
				t.Error("the removed step is still in the merged catalog")
			}
		},
	}, {
		name: "a type removed",
		edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
			c.Producentarendetyper = slices.DeleteFunc(c.Producentarendetyper, func(t *Producentarendetyp) bool { return t.ID == "SKV.ARBETSGIVARE" })
		}},
		want: []ProducerReport{{Producent: "Skatteverket", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "SKV.ARBETSGIVARE", Change: ChangeRemoved, StepsAdded: kh(), EdgesAdded: edges(),
			StepsRemoved: kh("SKV.ARBETSGIVARE.ANSOKAN", "SKV.ARBETSGIVARE.HANDLAGGNING", "SKV.ARBETSGIVARE.BESLUT"),
			EdgesRemoved: edges([2]string{"SKV.ARBETSGIVARE.ANSOKAN", "SKV.ARBETSGIVARE.HANDLAGGNING"}, [2]string{"SKV.ARBETSGIVARE.HANDLAGGNING", "SKV.ARBETSGIVARE.BESLUT"}),
		}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if _, ok := merged.Type("SKV.ARBETSGIVARE"); ok {
				t.Error("the removed type is still in the merged catalog")
			}
		},
	}, {
		name: "a shared type: the producer changes its own variant only",
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			typ := typeOf(t, c, "KOMMUN.BYGGLOV")
			v, _ := typ.Variant("Värmdö kommun")
			v.Kundhandelsetyper = kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT")
			v.Overgangar = edges([2]string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS"}, [2]string{"KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"})
			// Text of the shared steps is not Värmdö's alone to change.
			stepOf(t, typ, "KOMMUN.BYGGLOV.BESLUT").Namn = "Värmdös namn"
		}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "KOMMUN.BYGGLOV", Change: ChangeChanged, StepsAdded: kh(), EdgesAdded: edges(),
			StepsRemoved: kh("KOMMUN.BYGGLOV.KOMPLETTERING"),
			EdgesRemoved: edges([2]string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING"}, [2]string{"KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS"}),
		}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			typ, _ := merged.Type("KOMMUN.BYGGLOV")
			old, _ := central.Type("KOMMUN.BYGGLOV")
			if diff := cmp.Diff(old.Graph("Stockholms stad").Edges, typ.Graph("Stockholms stad").Edges); diff != "" {
				t.Errorf("Stockholms stad's slice changed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(old.Flode, typ.Flode); diff != "" {
				t.Errorf("the union changed (-want +got):\n%s", diff)
			}
			if s, _ := merged.Step("KOMMUN.BYGGLOV.BESLUT"); s.Namn != "Beslut om bygglov" {
				t.Errorf("shared step namn %q changed by one producer", s.Namn)
			}
			if diff := cmp.Diff(kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"), typ.Graph("Värmdö kommun").Nodes); diff != "" {
				t.Errorf("Värmdö's slice mismatch (-want +got):\n%s", diff)
			}
		},
	}, {
		name: "a shared type: a step outside the shared flow is ignored",
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			typ := typeOf(t, c, "KOMMUN.BYGGLOV")
			typ.Kundhandelsetyper = append(typ.Kundhandelsetyper, &Step{ID: "KOMMUN.BYGGLOV.SJOTOMT", Namn: "Strandskydd prövas"})
			typ.Flode.Overgangar = append(typ.Flode.Overgangar, edges([2]string{"KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.SJOTOMT"}, [2]string{"KOMMUN.BYGGLOV.SJOTOMT", "KOMMUN.BYGGLOV.BESLUT"})...)
			v, _ := typ.Variant("Värmdö kommun")
			v.Kundhandelsetyper = append(v.Kundhandelsetyper, "KOMMUN.BYGGLOV.SJOTOMT")
			v.Overgangar = append(v.Overgangar, edges([2]string{"KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.SJOTOMT"}, [2]string{"KOMMUN.BYGGLOV.SJOTOMT", "KOMMUN.BYGGLOV.BESLUT"})...)
		}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Ignored: []IgnoredType{{
			Typ: "KOMMUN.BYGGLOV", Reason: `shared with Stockholms stad; step KOMMUN.BYGGLOV.SJOTOMT is not in the shared flow`}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "a shared type dropped, a new one added",
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			c.Producentarendetyper = []*Producentarendetyp{newType(t, c, "KOMMUN.BRYGGA", "Värmdö kommun")}
		}},
		// Värmdö only shares KOMMUN.BYGGLOV, which grants no prefix.
		prefixes: map[string][]string{"Värmdö kommun": {"KOMMUN"}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "KOMMUN.BRYGGA", Change: ChangeAdded, StepsRemoved: kh(), EdgesRemoved: edges(),
			StepsAdded: kh("KOMMUN.BRYGGA.ANSOKAN", "KOMMUN.BRYGGA.HANDLAGGNING", "KOMMUN.BRYGGA.BESLUT"),
			EdgesAdded: edges([2]string{"KOMMUN.BRYGGA.ANSOKAN", "KOMMUN.BRYGGA.HANDLAGGNING"}, [2]string{"KOMMUN.BRYGGA.HANDLAGGNING", "KOMMUN.BRYGGA.BESLUT"}),
		}, {
			Typ: "KOMMUN.BYGGLOV", Change: ChangeRemoved, StepsAdded: kh(), EdgesAdded: edges(),
			StepsRemoved: kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"),
			EdgesRemoved: edges([2]string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS"}, [2]string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING"},
				[2]string{"KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS"}, [2]string{"KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"}),
		}}}},
		check: func(t *testing.T, central, merged *Catalog) {
			typ, _ := merged.Type("KOMMUN.BYGGLOV")
			if diff := cmp.Diff([]string{"Stockholms stad"}, typ.Producenter); diff != "" {
				t.Errorf("producenter mismatch (-want +got):\n%s", diff)
			}
			if _, ok := typ.Variant("Värmdö kommun"); ok {
				t.Error("Värmdö's variant is still there")
			}
		},
	}, {
		name: "another producer's type is ignored, the owner named",
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			moms := newType(t, c, "SKV.MOMS", "Värmdö kommun")
			c.Producentarendetyper = append(c.Producentarendetyper, moms, newType(t, c, "SKV.NY", "Värmdö kommun"), newType(t, c, "VARMDO.BRYGGA", "Värmdö kommun"))
		}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Ignored: []IgnoredType{
			{Typ: "SKV.MOMS", Reason: "owned by Skatteverket"},
			{Typ: "SKV.NY", Reason: "prefix SKV is owned by Skatteverket"},
			{Typ: "VARMDO.BRYGGA", Reason: "prefix VARMDO is not Värmdö kommun's"},
		}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "a shared type grants no prefix",
		central: func(c *Catalog) {
			typ := typeOf(t, c, "SKV.ARBETSGIVARE")
			typ.Producenter = append(typ.Producenter, "Värmdö kommun")
		},
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "SKV.FALSK", "Värmdö kommun"), newType(t, c, "KOMMUN.BRYGGA", "Värmdö kommun"))
		}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Ignored: []IgnoredType{
			{Typ: "KOMMUN.BRYGGA", Reason: "prefix KOMMUN is owned by Stockholms stad"},
			{Typ: "SKV.FALSK", Reason: "prefix SKV is owned by Skatteverket"},
		}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "a prefix granted in the sync source",
		edits: map[string]func(*Catalog){"Värmdö kommun": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "VARMDO.BRYGGA", "Värmdö kommun"))
		}},
		prefixes: map[string][]string{"Värmdö kommun": {"VARMDO"}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "VARMDO.BRYGGA", Change: ChangeAdded, StepsRemoved: kh(), EdgesRemoved: edges(),
			StepsAdded: kh("VARMDO.BRYGGA.ANSOKAN", "VARMDO.BRYGGA.HANDLAGGNING", "VARMDO.BRYGGA.BESLUT"),
			EdgesAdded: edges([2]string{"VARMDO.BRYGGA.ANSOKAN", "VARMDO.BRYGGA.HANDLAGGNING"}, [2]string{"VARMDO.BRYGGA.HANDLAGGNING", "VARMDO.BRYGGA.BESLUT"}),
		}}}},
	}, {
		name: "two producers add the same type: the first by name has it",
		edits: map[string]func(*Catalog){
			"Stockholms stad": func(c *Catalog) {
				c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "KOMMUN.BRYGGA", "Stockholms stad"))
			},
			"Värmdö kommun": func(c *Catalog) {
				c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "KOMMUN.BRYGGA", "Värmdö kommun"))
			},
		},
		// Stockholms stad owns KOMMUN.FETTAVSKILJARE alone; Värmdö needs a grant.
		prefixes: map[string][]string{"Värmdö kommun": {"KOMMUN"}},
		want: []ProducerReport{{Producent: "Stockholms stad", Status: SyncMerged, Changes: []TypeChange{{
			Typ: "KOMMUN.BRYGGA", Change: ChangeAdded, StepsRemoved: kh(), EdgesRemoved: edges(),
			StepsAdded: kh("KOMMUN.BRYGGA.ANSOKAN", "KOMMUN.BRYGGA.HANDLAGGNING", "KOMMUN.BRYGGA.BESLUT"),
			EdgesAdded: edges([2]string{"KOMMUN.BRYGGA.ANSOKAN", "KOMMUN.BRYGGA.HANDLAGGNING"}, [2]string{"KOMMUN.BRYGGA.HANDLAGGNING", "KOMMUN.BRYGGA.BESLUT"}),
		}}}, {Producent: "Värmdö kommun", Status: SyncMerged, Ignored: []IgnoredType{{Typ: "KOMMUN.BRYGGA", Reason: "owned by Stockholms stad"}}}},
	}, {
		// The slice answers well on its own, but the variant it makes
		// would leave KOMMUN.BYGGLOV without its start step: the merge
		// refuses the producer, the others merge.
		name: "refused at merge: a shared type's slice without the start step",
		wire: map[string]func(*FlowAnswer){"Värmdö kommun": func(a *FlowAnswer) {
			if a.ID != "KOMMUN.BYGGLOV" {
				return
			}
			// REMISS → BESLUT, starting at REMISS: a flow of its own.
			gone := kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING")
			a.Kundhandelsetyper = slices.DeleteFunc(a.Kundhandelsetyper, func(s *Step) bool { return slices.Contains(gone, s.ID) })
			a.Flode.Start = kh("KOMMUN.BYGGLOV.REMISS")
			a.Flode.Overgangar = slices.DeleteFunc(a.Flode.Overgangar, func(e Overgang) bool { return slices.Contains(gone, e[0]) || slices.Contains(gone, e[1]) })
		}},
		want: []ProducerReport{{Producent: "Värmdö kommun", Status: SyncRefused, Error: `producent "Värmdö kommun": the variant contains no start node of the type`}},
		check: func(t *testing.T, central, merged *Catalog) {
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		},
	}, {
		name: "text with markup is kept as text",
		edits: map[string]func(*Catalog){"Bolagsverket": func(c *Catalog) {
			stepOf(t, typeOf(t, c, "BV.VERKLIG_HUVUDMAN"), "BV.VERKLIG_HUVUDMAN.REGISTRERAD").Namn = markup
		}},
		want: []ProducerReport{{Producent: "Bolagsverket", Status: SyncMerged, Changes: []TypeChange{change("BV.VERKLIG_HUVUDMAN", ChangeChanged)}}},
		check: func(t *testing.T, central, merged *Catalog) {
			if s, _ := merged.Step("BV.VERKLIG_HUVUDMAN.REGISTRERAD"); s.Namn != markup {
				t.Errorf("namn %q, want %q unchanged", s.Namn, markup)
			}
		},
	}}
	for _, refusal := range []struct {
		name, err string
		edit      func(c *Catalog)
		wire      func(a *FlowAnswer) // SKV.MOMS's union flow as answered
	}{{
		name: "a cycle without an end",
		err:  `node "SKV.MOMS.LOOP_A": no end (slut) is reachable from it`,
		edit: func(c *Catalog) {
			typ := typeOf(t, c, "SKV.MOMS")
			typ.Kundhandelsetyper = append(typ.Kundhandelsetyper, &Step{ID: "SKV.MOMS.LOOP_A"}, &Step{ID: "SKV.MOMS.LOOP_B"})
			typ.Flode.Overgangar = append(typ.Flode.Overgangar, edges([2]string{"SKV.MOMS.KONTROLL", "SKV.MOMS.LOOP_A"},
				[2]string{"SKV.MOMS.LOOP_A", "SKV.MOMS.LOOP_B"}, [2]string{"SKV.MOMS.LOOP_B", "SKV.MOMS.LOOP_A"})...)
		},
	}, {
		name: "a dangling edge",
		err:  `node "SKV.MOMS.FINNS_EJ": overgang ["SKV.MOMS.KONTROLL", "SKV.MOMS.FINNS_EJ"] names an unknown node`,
		wire: func(a *FlowAnswer) {
			a.Flode.Overgangar = append(a.Flode.Overgangar, edges([2]string{"SKV.MOMS.KONTROLL", "SKV.MOMS.FINNS_EJ"})...)
		},
	}, {
		name: "a duplicate step id",
		err:  `node "SKV.MOMS.KONTROLL": duplicate id`,
		wire: func(a *FlowAnswer) {
			a.Kundhandelsetyper = append(a.Kundhandelsetyper, &Step{ID: "SKV.MOMS.KONTROLL"})
		},
	}, {
		name: "a duplicate type id",
		err:  `lists type "SKV.MOMS" twice (duplicate id)`,
		edit: func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, typeOf(t, c, "SKV.MOMS"))
		},
	}} {
		tests = append(tests, struct {
			name     string
			central  func(*Catalog) // edits the central catalog
			edits    map[string]func(*Catalog)
			wire     map[string]func(*FlowAnswer)
			prefixes map[string][]string
			want     []ProducerReport
			check    func(t *testing.T, central, merged *Catalog)
		}{
			name: "refused: " + refusal.name,
			edits: map[string]func(*Catalog){"Skatteverket": func(c *Catalog) {
				// A valid change beside the broken one, which must not
				// be merged either: a producer merges whole or not at all.
				stepOf(t, typeOf(t, c, "SKV.ARBETSGIVARE"), "SKV.ARBETSGIVARE.BESLUT").Namn = "Nytt namn"
				if refusal.edit != nil {
					refusal.edit(c)
				}
			}},
			wire: map[string]func(*FlowAnswer){"Skatteverket": func(a *FlowAnswer) {
				if refusal.wire != nil && a.ID == "SKV.MOMS" {
					refusal.wire(a)
				}
			}},
			want: []ProducerReport{{Producent: "Skatteverket", Status: SyncRefused, Error: refusal.err}},
			check: func(t *testing.T, central, merged *Catalog) {
				if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
					t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
				}
			},
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			central := loadTestdata(t)
			if tt.central != nil {
				tt.central(central)
				central.index()
			}
			before := catalogJSON(t, central)
			srcs := syncSourcesWire(t, central, tt.edits, tt.wire)
			for i := range srcs {
				srcs[i].Prefixes = tt.prefixes[srcs[i].Producent]
			}
			merged, report, err := Sync(context.Background(), central, srcs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, wantReport(central, tt.want...), report)
			if tt.check != nil {
				tt.check(t, central, merged)
			}
			if after := catalogJSON(t, central); after != before {
				t.Error("Sync changed the central catalog")
			}
		})
	}
}

func TestSyncUnreachable(t *testing.T) {
	central := loadTestdata(t)
	srcs := syncSources(t, central, nil)
	// A server that drops the connection unanswered, rather than a closed
	// server's port, which a test running beside this one could take.
	dropping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close() // no answer at all
		}
	}))
	t.Cleanup(dropping.Close)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"underhåll"}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	for i := range srcs {
		switch srcs[i].Producent {
		case "Bolagsverket":
			srcs[i].URL = dropping.URL
		case "PRV":
			srcs[i].URL = down.URL
		case "Skatteverket":
			srcs[i].URL = hang.URL
		}
	}
	// The timeout ends the hanging producer; it is long enough that the
	// healthy ones answer within it on a loaded machine.
	merged, report, err := Sync(context.Background(), central, srcs, &SyncOptions{ProducerTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, wantReport(central,
		ProducerReport{Producent: "Bolagsverket", Status: SyncUnreachable, Error: ": EOF"},
		ProducerReport{Producent: "PRV", Status: SyncUnreachable, Error: `503 Service Unavailable: "underhåll"`},
		ProducerReport{Producent: "Skatteverket", Status: SyncUnreachable, Error: "context deadline exceeded"},
	), report)
	if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
		t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
	}
	if err := report.Err(); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("report.Err() = %v, want one matching context.DeadlineExceeded", err)
	}
}

// A producer answering 10 MB of types is refused by the answer bound; many
// answers under it are refused by the producer's byte budget; too many
// types or steps by the caps. The others merge.
func TestSyncBounds(t *testing.T) {
	central := loadTestdata(t)
	var body strings.Builder
	body.WriteString(`{"producent":"Skatteverket","producentarendetyper":[`)
	for i := 0; body.Len() < 10<<20; i++ {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"SKV.T%d","namn":"%s","variant":false}`, i, strings.Repeat("x", 80))
	}
	body.WriteString("]}")
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body.String())
	}))
	t.Cleanup(huge.Close)
	tests := []struct {
		name string
		opts SyncOptions
		url  string
		err  string
	}{
		{name: "10 MB of types", url: huge.URL, err: "the answer is larger than 4194304 bytes"},
		{name: "byte budget", opts: SyncOptions{MaxBytes: 2000}, err: errBudget.Error()},
		{name: "types cap", opts: SyncOptions{MaxTypes: 1}, err: "lists 2 producentärendetyper, more than the cap of 1"},
		{name: "steps cap", opts: SyncOptions{MaxSteps: 5}, err: "more than the cap of 5 kundhandelsetyper"},
		{name: "steps per type cap", opts: SyncOptions{MaxStepsPerType: 3}, err: "kundhandelsetyper, more than the cap of 3 per type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := syncSources(t, central, nil)
			for i := range srcs {
				if srcs[i].Producent == "Skatteverket" && tt.url != "" {
					srcs[i].URL = tt.url
				}
			}
			_, report, err := Sync(context.Background(), central, srcs, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range report.Producenter {
				switch {
				case p.Producent == "Skatteverket":
					if p.Status != SyncRefused || !strings.Contains(p.Error, tt.err) {
						t.Errorf("Skatteverket: %s %q, want refused with %q", p.Status, p.Error, tt.err)
					}
				case p.Producent == "Bolagsverket" && tt.opts.MaxBytes == 0 && p.Status != SyncMerged:
					// One type of three steps: under every cap but the
					// byte budget, which refuses every producer here.
					t.Errorf("%s: %s %s, want merged", p.Producent, p.Status, p.Error)
				}
			}
		})
	}
}

// The same sources in any order give byte-identical catalogs and reports.
func TestSyncDeterministic(t *testing.T) {
	central := loadTestdata(t)
	srcs := syncSources(t, central, map[string]func(*Catalog){
		"Skatteverket": func(c *Catalog) {
			stepOf(t, typeOf(t, c, "SKV.MOMS"), "SKV.MOMS.KONTROLL").Namn = "Kontroll pågår"
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "SKV.NY", "Skatteverket"), newType(t, c, "SKV.ANNAN", "Skatteverket"))
		},
		"Stockholms stad": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "KOMMUN.BRYGGA", "Stockholms stad"))
		},
		"Värmdö kommun": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "KOMMUN.BRYGGA", "Värmdö kommun"), newType(t, c, "SKV.MOMS", "Värmdö kommun"))
			v, _ := typeOf(t, c, "KOMMUN.BYGGLOV").Variant("Värmdö kommun")
			v.Overgangar = slices.Clone(v.Overgangar)
			slices.Reverse(v.Overgangar)
		},
	})
	var wantCat, wantReport []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 8 {
		rng.Shuffle(len(srcs), func(i, j int) { srcs[i], srcs[j] = srcs[j], srcs[i] })
		merged, report, err := Sync(context.Background(), central, srcs, &SyncOptions{Concurrency: 1 + i%3})
		if err != nil {
			t.Fatal(err)
		}
		cat, _ := json.Marshal(merged)
		rep, _ := json.Marshal(report)
		if i == 0 {
			wantCat, wantReport = cat, rep
			continue
		}
		if diff := cmp.Diff(string(wantCat), string(cat)); diff != "" {
			t.Fatalf("order %d: catalog mismatch (-first +this):\n%s", i, diff)
		}
		if diff := cmp.Diff(string(wantReport), string(rep)); diff != "" {
			t.Fatalf("order %d: report mismatch (-first +this):\n%s", i, diff)
		}
	}
}

// The merged catalog written out and read back with Load and Parse is the
// same catalog.
func TestSyncRoundTrip(t *testing.T) {
	central := loadTestdata(t)
	srcs := syncSources(t, central, map[string]func(*Catalog){
		"Skatteverket": func(c *Catalog) {
			c.Producentarendetyper = append(c.Producentarendetyper, newType(t, c, "SKV.NY", "Skatteverket"))
		},
		"Värmdö kommun": func(c *Catalog) {
			v, _ := typeOf(t, c, "KOMMUN.BYGGLOV").Variant("Värmdö kommun")
			v.Kundhandelsetyper = kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT")
			v.Overgangar = nil
		},
	})
	merged, _, err := Sync(context.Background(), central, srcs, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := catalogJSON(t, merged)
	name := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, catalogJSON(t, loaded)); diff != "" {
		t.Errorf("Load mismatch (-merged +loaded):\n%s", diff)
	}
	parsed, err := Parse([]byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, catalogJSON(t, parsed)); diff != "" {
		t.Errorf("Parse mismatch (-merged +parsed):\n%s", diff)
	}
	// Värmdö's slice follows the union's edges between its steps, so it is
	// stored without edges of its own.
	typ, _ := loaded.Type("KOMMUN.BYGGLOV")
	if v, _ := typ.Variant("Värmdö kommun"); v.Overgangar != nil {
		t.Errorf("Värmdö's variant stores edges %v the union implies", v.Overgangar)
	}
}

func TestSyncSourceErrors(t *testing.T) {
	central := loadTestdata(t)
	tests := []struct {
		name string
		srcs []SyncSource
		err  string
	}{
		{"no producent", []SyncSource{{URL: "http://127.0.0.1:1"}}, "sync source 0: catalog: no producent"},
		{"bad URL", []SyncSource{{Producent: "PRV", URL: "http://127.0.0.1:1"}, {Producent: "SKV", URL: "ftp://x"}}, `sync source 1: catalog: "SKV": base URL "ftp://x" is not an absolute http(s) URL`},
		{"twice", []SyncSource{{Producent: "PRV", URL: "http://127.0.0.1:1"}, {Producent: "PRV", URL: "http://127.0.0.1:2"}}, `sync source "PRV" is listed twice`},
		{"bad prefix", []SyncSource{{Producent: "PRV", URL: "http://127.0.0.1:1", Prefixes: []string{"PRV.X"}}}, `sync source 0: catalog: "PRV": prefix "PRV.X" is not one segment`},
		{"empty prefix", []SyncSource{{Producent: "PRV", URL: "http://127.0.0.1:1", Prefixes: []string{""}}}, `prefix "" is not one segment`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r, err := Sync(context.Background(), central, tt.srcs, nil)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			}
			if c != nil || r != nil {
				t.Error("a catalog or report with an error")
			}
		})
	}
}

// A central catalog that does not validate after the merge fails the sync
// as a whole: no catalog comes back.
func TestSyncMergedInvalid(t *testing.T) {
	good := loadTestdata(t)
	broken := &Catalog{Producentarendetyper: append(slices.Clone(good.Producentarendetyper),
		&Producentarendetyp{ID: "X.TRASIG", Namn: "Trasig", Producenter: []string{"X"}})}
	srcs := syncSources(t, good, nil)
	c, report, err := Sync(context.Background(), broken, srcs, nil)
	if err == nil || !strings.Contains(err.Error(), `the merged catalog does not validate: catalog: type "X.TRASIG": has no start`) {
		t.Fatalf("error %v, want the merged catalog's validation error", err)
	}
	if c != nil {
		t.Error("a catalog with the error")
	}
	if report == nil {
		t.Error("no report with the error")
	}
}

func TestSyncCancelled(t *testing.T) {
	central := loadTestdata(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Sync(ctx, central, syncSources(t, central, nil), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// The report's JSON has every key, lists empty rather than null.
func TestSyncReportJSON(t *testing.T) {
	r := SyncReport{Producenter: []ProducerReport{{
		Producent: "Värmdö kommun", Status: SyncMerged,
		Changes: []TypeChange{{Typ: "KOMMUN.BYGGLOV", Change: ChangeChanged, StepsAdded: kh(), StepsRemoved: kh("KOMMUN.BYGGLOV.KOMPLETTERING"),
			EdgesAdded: edges(), EdgesRemoved: edges([2]string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING"})}},
		Ignored: []IgnoredType{{Typ: "SKV.MOMS", Reason: "owned by Skatteverket"}},
	}, {Producent: "PRV", Status: SyncUnreachable, Error: "timeout", Changes: []TypeChange{}, Ignored: []IgnoredType{}}}}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"producenter":[{"producent":"Värmdö kommun","status":"merged","error":"",` +
		`"changes":[{"typ":"KOMMUN.BYGGLOV","change":"changed","stepsAdded":[],"stepsRemoved":["KOMMUN.BYGGLOV.KOMPLETTERING"],` +
		`"edgesAdded":[],"edgesRemoved":[["KOMMUN.BYGGLOV.ANSOKAN","KOMMUN.BYGGLOV.KOMPLETTERING"]]}],` +
		`"ignored":[{"typ":"SKV.MOMS","reason":"owned by Skatteverket"}]},` +
		`{"producent":"PRV","status":"unreachable","error":"timeout","changes":[],"ignored":[]}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

// Sync never writes the central catalog, which a server may be reading:
// under -race, reading it during a sync that changes every producer's
// types reports any write.
func TestSyncLeavesCentralAlone(t *testing.T) {
	central := loadTestdata(t)
	srcs := syncSources(t, central, map[string]func(*Catalog){
		"Skatteverket": func(c *Catalog) {
			stepOf(t, typeOf(t, c, "SKV.MOMS"), "SKV.MOMS.KONTROLL").Namn = "Kontroll pågår"
		},
		"Värmdö kommun": func(c *Catalog) {
			v, _ := typeOf(t, c, "KOMMUN.BYGGLOV").Variant("Värmdö kommun")
			v.Kundhandelsetyper = kh("KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT")
			v.Overgangar = nil
		},
	})
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, typ := range central.Producentarendetyper {
				for _, p := range append([]string{""}, typ.Producenter...) {
					_ = typ.Graph(p).Nodes
				}
				for _, s := range typ.Kundhandelsetyper {
					_ = s.Namn
				}
			}
		}
	}()
	merged, _, err := Sync(context.Background(), central, srcs, nil)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := central.Step("SKV.MOMS.KONTROLL"); s.Namn == "Kontroll pågår" {
		t.Error("the change reached the central catalog")
	}
	if s, _ := merged.Step("SKV.MOMS.KONTROLL"); s.Namn != "Kontroll pågår" {
		t.Error("the change did not reach the merged catalog")
	}
}

// inMemory answers every request from the handler for its host, after a
// delay in the bubble's time, counting the requests in flight; no socket,
// so Sync runs inside a synctest bubble.
type inMemory struct {
	handlers map[string]http.Handler // by host
	delay    map[string]time.Duration
	mu       sync.Mutex
	inflight int
	max      int
}

func (m *inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	m.inflight++
	m.max = max(m.max, m.inflight)
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.inflight--
		m.mu.Unlock()
	}()
	select {
	case <-time.After(m.delay[req.URL.Host]):
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	rec := httptest.NewRecorder()
	m.handlers[req.URL.Host].ServeHTTP(rec, req)
	return rec.Result(), nil
}

func inMemorySources(t testing.TB, central *Catalog, delay time.Duration) ([]SyncSource, *inMemory) {
	m := &inMemory{handlers: map[string]http.Handler{}, delay: map[string]time.Duration{}}
	var srcs []SyncSource
	for i, p := range producers(central) {
		host := fmt.Sprintf("producent%d.test", i)
		m.handlers[host] = Handler(ownCatalog(t, central, p, nil))
		m.delay[host] = delay
		srcs = append(srcs, SyncSource{Producent: p, URL: "http://" + host})
	}
	return srcs, m
}

// Producers are fetched at most Concurrency at a time, each within
// ProducerTimeout, all within Timeout; a producer past a timeout is
// unreachable and the rest merges.
func TestSyncTimeAndConcurrency(t *testing.T) {
	central := loadTestdata(t)
	statuses := func(r *SyncReport) map[string]SyncStatus {
		m := map[string]SyncStatus{}
		for _, p := range r.Producenter {
			m[p.Producent] = p.Status
		}
		return m
	}
	t.Run("concurrency", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srcs, m := inMemorySources(t, central, time.Second)
			_, r, err := Sync(context.Background(), central, srcs, &SyncOptions{HTTPClient: &http.Client{Transport: m}, Concurrency: 2})
			if err != nil || r.Err() != nil {
				t.Fatal(err, r.Err())
			}
			if m.max != 2 {
				t.Errorf("%d requests in flight at most, want 2", m.max)
			}
		})
	})
	for _, tt := range []struct {
		name  string
		opts  SyncOptions
		delay time.Duration // Skatteverket's
	}{
		{"producer timeout (default 1 minute)", SyncOptions{}, 2 * time.Minute},
		{"overall timeout (default 5 minutes)", SyncOptions{ProducerTimeout: time.Hour}, 10 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srcs, m := inMemorySources(t, central, time.Second)
				for _, s := range srcs {
					if s.Producent == "Skatteverket" {
						m.delay[strings.TrimPrefix(s.URL, "http://")] = tt.delay
					}
				}
				tt.opts.HTTPClient = &http.Client{Transport: m}
				start := time.Now()
				_, r, err := Sync(context.Background(), central, srcs, &tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]SyncStatus{"Bolagsverket": SyncMerged, "PRV": SyncMerged, "Skatteverket": SyncUnreachable,
					"Stockholms stad": SyncMerged, "Värmdö kommun": SyncMerged}
				if diff := cmp.Diff(want, statuses(r)); diff != "" {
					t.Errorf("statuses mismatch (-want +got):\n%s", diff)
				}
				// The bubble's clock: Sync gave up when the timeout said.
				if took := time.Since(start); took >= tt.delay {
					t.Errorf("Sync took %v, waiting the whole delay %v", took, tt.delay)
				}
			})
		})
	}
}

// Answers that arrived but are wrong refuse the producer; none of them
// removes what it owns.
func TestSyncRefusesAnswers(t *testing.T) {
	central := loadTestdata(t)
	tests := []struct {
		name, answer string
		status       int
		err          string
	}{
		{"empty list", `{"producent":"Skatteverket","producentarendetyper":[]}`, 200, "lists no producentärendetyper"},
		{"another producer's list", `{"producent":"PRV","producentarendetyper":[{"id":"PRV.VARUMARKE"}]}`, 200, `asked for the producentärendetyper of "Skatteverket", got those of "PRV"`},
		{"404", `{"message":"okänd producent"}`, 404, `404 Not Found: "okänd producent"`},
		// A message with a terminal escape, a forged report line and 3 MB
		// of padding comes out quoted and cut.
		{"hostile message", `{"message":"\u001b[31mRED\nSkatteverket   merged  0  0\n` + strings.Repeat("x", 3<<20) + `"}`, 404,
			`404 Not Found: "\x1b[31mRED\nSkatteverket   merged  0  0\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"`},
		{"not JSON", `<html>`, 200, "decoding the answer"},
		{"malformed type id", `{"producent":"Skatteverket","producentarendetyper":[{"id":"skv.moms"}]}`, 200, `malformed type id "skv.moms"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs, m := inMemorySources(t, central, 0)
			for _, s := range srcs {
				if s.Producent == "Skatteverket" {
					m.handlers[strings.TrimPrefix(s.URL, "http://")] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						w.WriteHeader(tt.status)
						io.WriteString(w, tt.answer)
					})
				}
			}
			merged, r, err := Sync(context.Background(), central, srcs, &SyncOptions{HTTPClient: &http.Client{Transport: m}})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, wantReport(central, ProducerReport{Producent: "Skatteverket", Status: SyncRefused, Error: tt.err}), r)
			for _, p := range r.Producenter {
				if len(p.Error) > 500 || strings.ContainsFunc(p.Error, unicode.IsControl) {
					t.Errorf("%s: error of %d bytes, or with control characters: %.200q", p.Producent, len(p.Error), p.Error)
				}
			}
			if diff := cmp.Diff(catalogJSON(t, central), catalogJSON(t, merged)); diff != "" {
				t.Errorf("merged catalog mismatch (-central +merged):\n%s", diff)
			}
		})
	}
}
