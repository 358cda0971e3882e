package catalog

import (
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
)

func ids(ns []minaarenden.Kundhandelsetyp) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}

func TestLoadTestdata(t *testing.T) {
	c, err := Load("sample")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, typ := range c.Producentarendetyper {
		got = append(got, typ.ID)
	}
	// Types come in file-name order; varmdo_kommun.json only extends.
	want := []string{"BV.VERKLIG_HUVUDMAN", "KOMMUN.BYGGLOV", "KOMMUN.FETTAVSKILJARE", "PRV.VARUMARKE", "SKV.ARBETSGIVARE", "SKV.MOMS"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("types mismatch (-want +got):\n%s", diff)
	}
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	if diff := cmp.Diff([]string{"Stockholms stad", "Värmdö kommun"}, bygglov.Producenter); diff != "" {
		t.Errorf("merged producenter mismatch (-want +got):\n%s", diff)
	}
	if s, ok := c.Step("PRV.VARUMARKE.KOMPLETTERING"); !ok || !s.Kundatgard {
		t.Errorf("Step(PRV.VARUMARKE.KOMPLETTERING) = %+v, %v; want a kundatgard step", s, ok)
	}
	arb, _ := c.Type("SKV.ARBETSGIVARE")
	if diff := cmp.Diff(json.RawMessage(`["foretagande"]`), arb.Extra["taggar"]); diff != "" {
		t.Errorf("unknown key taggar mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadFile(t *testing.T) {
	c, err := Load("sample/skv_moms.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Producentarendetyper) != 1 || c.Producentarendetyper[0].ID != "SKV.MOMS" {
		t.Errorf("Load(skv_moms.json) gave %d types, want SKV.MOMS alone", len(c.Producentarendetyper))
	}
}

func TestLoadErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"empty/README.md":  {Data: []byte("no catalog here")},
		"broken/a.json":    {Data: []byte(`{"producentarendetyper": [`)},
		"orphan/ext.json":  {Data: []byte(`{"producentarendetyper": [{"id": "X.T", "producenter": ["P"]}]}`)},
		"twice/a.json":     {Data: doc(validType)},
		"twice/b.json":     {Data: doc(validType)},
		"twice/c.txt":      {Data: []byte("ignored")},
		"twice/sub/d.json": {Data: []byte("not read: only the directory itself")},
	}
	tests := []struct {
		root, want string
	}{
		{"missing", "catalog: open missing: file does not exist"},
		{"empty", "catalog: no *.json files in empty"},
		{"broken", "catalog: broken/a.json: invalid JSON at byte 26: unexpected end of JSON input"},
		{"orphan", "catalog: type \"X.T\": has no start\ncatalog: type \"X.T\": has no end (slut)"},
		{"twice", "catalog: type \"X.T\": duplicate id (entry 1 defines the type again)"},
	}
	for _, tt := range tests {
		t.Run(tt.root, func(t *testing.T) {
			_, err := LoadFS(fsys, tt.root)
			if err == nil {
				t.Fatal("LoadFS succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A later file may add a producer's variant to a type another file defines,
// whichever file sorts first.
func TestLoadMergesExtensions(t *testing.T) {
	ext := `{"id": "X.T", "producenter": ["P3"], "x-kalla": "p3.json",
	  "varianter": [{"producent": "P3", "kundhandelsetyper": ["X.T.A", "X.T.C"], "overgangar": [["X.T.A", "X.T.C"]]}]}`
	for _, names := range [][2]string{{"a_def.json", "b_ext.json"}, {"b_def.json", "a_ext.json"}} {
		t.Run(names[0], func(t *testing.T) {
			c, err := LoadFS(fstest.MapFS{names[0]: {Data: doc(validType)}, names[1]: {Data: doc(ext)}}, ".")
			if err != nil {
				t.Fatal(err)
			}
			typ, _ := c.Type("X.T")
			if diff := cmp.Diff([]string{"P1", "P2", "P3"}, typ.Producenter); diff != "" {
				t.Errorf("producenter mismatch (-want +got):\n%s", diff)
			}
			g := typ.Graph("P3")
			if diff := cmp.Diff([]Overgang{{"X.T.A", "X.T.C"}}, g.Edges); diff != "" {
				t.Errorf("P3 edges mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(json.RawMessage(`"p3.json"`), typ.Extra["x-kalla"]); diff != "" {
				t.Errorf("extension's unknown key mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

//go:embed testdata/embedded
var embedded embed.FS

func TestLoadFSEmbed(t *testing.T) {
	c, err := LoadFS(embedded, "testdata/embedded")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Type("X.T"); !ok {
		t.Error("embedded catalog lacks X.T")
	}
}

func TestGraphs(t *testing.T) {
	c, err := Load("sample")
	if err != nil {
		t.Fatal(err)
	}
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	tests := []struct {
		producent  string
		nodes      []string
		edges      []Overgang
		succ       [][]int
		start, end []int
	}{
		{
			producent: "",
			nodes:     []string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.HANDLAGGNING", "KOMMUN.BYGGLOV.GRANNEHORANDE", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"},
			edges:     bygglov.Flode.Overgangar,
			succ:      [][]int{{2, 1, 4}, {2, 4}, {3, 5}, {5}, {5}, nil},
			start:     []int{0}, end: []int{5},
		},
		{
			producent: "Stockholms stad", // the union's edges between its nodes
			nodes:     []string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.HANDLAGGNING", "KOMMUN.BYGGLOV.GRANNEHORANDE", "KOMMUN.BYGGLOV.BESLUT"},
			edges: []Overgang{
				{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.HANDLAGGNING"},
				{"KOMMUN.BYGGLOV.HANDLAGGNING", "KOMMUN.BYGGLOV.GRANNEHORANDE"},
				{"KOMMUN.BYGGLOV.HANDLAGGNING", "KOMMUN.BYGGLOV.BESLUT"},
				{"KOMMUN.BYGGLOV.GRANNEHORANDE", "KOMMUN.BYGGLOV.BESLUT"},
			},
			succ:  [][]int{{1}, {2, 3}, {3}, nil},
			start: []int{0}, end: []int{3},
		},
		{
			producent: "Värmdö kommun", // its own edges
			nodes:     []string{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"},
			edges: []Overgang{
				{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.REMISS"},
				{"KOMMUN.BYGGLOV.ANSOKAN", "KOMMUN.BYGGLOV.KOMPLETTERING"},
				{"KOMMUN.BYGGLOV.KOMPLETTERING", "KOMMUN.BYGGLOV.REMISS"},
				{"KOMMUN.BYGGLOV.REMISS", "KOMMUN.BYGGLOV.BESLUT"},
			},
			succ:  [][]int{{2, 1}, {2}, {3}, nil},
			start: []int{0}, end: []int{3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.producent, func(t *testing.T) {
			g := bygglov.Graph(tt.producent)
			if g.Producent != tt.producent {
				t.Errorf("Producent = %q, want %q", g.Producent, tt.producent)
			}
			if diff := cmp.Diff(tt.nodes, ids(g.Nodes)); diff != "" {
				t.Errorf("nodes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.edges, g.Edges); diff != "" {
				t.Errorf("edges mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.succ, g.Succ); diff != "" {
				t.Errorf("succ mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.start, g.Start); diff != "" {
				t.Errorf("start mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.end, g.End); diff != "" {
				t.Errorf("end mismatch (-want +got):\n%s", diff)
			}
			for i, n := range g.Nodes {
				if s := g.Step(i); s == nil || s.ID != n {
					t.Errorf("Step(%d) = %v, want %s", i, s, n)
				}
				if j, ok := g.Index(n); !ok || j != i {
					t.Errorf("Index(%s) = %d, %v; want %d", n, j, ok, i)
				}
				if got, want := g.IsStart(i), slices.Contains(tt.start, i); got != want {
					t.Errorf("IsStart(%d) = %v, want %v", i, got, want)
				}
				if got, want := g.IsEnd(i), slices.Contains(tt.end, i); got != want {
					t.Errorf("IsEnd(%d) = %v, want %v", i, got, want)
				}
			}
		})
	}
	// A producer the type lists but without a variant follows the union.
	fett, _ := c.Type("KOMMUN.FETTAVSKILJARE")
	if g := fett.Graph("Stockholms stad"); g.Producent != "" || len(g.Nodes) != 3 {
		t.Errorf("Graph(Stockholms stad) = %q with %d nodes, want the 3-node union", g.Producent, len(g.Nodes))
	}
}

// flow resolves a graph per instance: a loaded catalog answers from its
// cache, the same graph every time, allocating nothing.
func TestGraphCached(t *testing.T) {
	c, err := Load("sample")
	if err != nil {
		t.Fatal(err)
	}
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	first, again := bygglov.Graph("Värmdö kommun"), bygglov.Graph("Värmdö kommun")
	if first != again || bygglov.Graph("") != bygglov.Graph("okänd") {
		t.Error("Graph built anew on a loaded catalog, want the cached graph")
	}
	if n := testing.AllocsPerRun(100, func() {
		_ = bygglov.Graph("Värmdö kommun")
		_ = bygglov.Graph("")
	}); n != 0 {
		t.Errorf("Graph allocates %v times per call pair, want 0", n)
	}
}

// A type built by hand (not loaded) still resolves its graphs.
func TestGraphUncached(t *testing.T) {
	c, err := Parse(doc(validType))
	if err != nil {
		t.Fatal(err)
	}
	loaded, _ := c.Type("X.T")
	byHand := &Producentarendetyp{ID: loaded.ID, Kundhandelsetyper: loaded.Kundhandelsetyper, Flode: loaded.Flode, Varianter: loaded.Varianter}
	for _, p := range []string{"", "P1", "P2"} {
		want, got := loaded.Graph(p), byHand.Graph(p)
		if diff := cmp.Diff(want.Nodes, got.Nodes); diff != "" {
			t.Errorf("Graph(%q) nodes mismatch (-want +got):\n%s", p, diff)
		}
		if diff := cmp.Diff(want.Succ, got.Succ); diff != "" {
			t.Errorf("Graph(%q) succ mismatch (-want +got):\n%s", p, diff)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load("sample"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGraph(b *testing.B) {
	c := loadTestdata(b)
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	for b.Loop() {
		_ = bygglov.Graph("Värmdö kommun")
	}
}

// A loaded catalog written out as one document reads back the same, merged
// variants and unknown keys included.
func TestMarshalRoundTrip(t *testing.T) {
	c := loadTestdata(t)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parsing the written catalog: %v", err)
	}
	if diff := cmp.Diff(c, again, catalogEqual...); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(out), `"taggar":["foretagande"]`) {
		t.Error("written catalog lost the unknown key taggar")
	}
}

func TestUnknownKeys(t *testing.T) {
	c, err := Parse([]byte(`{"version": 2, "producentarendetyper": [{"id": "Y.U", "ID": "X.T",
	  "agare": {"namn": "Team Ärenden"},
	  "kundhandelsetyper": [{"id": "X.T.A", "klart": true, "ikon": "check", "Namn": "A"}],
	  "flode": {"start": ["X.T.A"], "slut": ["X.T.A"], "layout": "TD"},
	  "producenter": ["P"], "varianter": [{"producent": "P", "kundhandelsetyper": ["X.T.A"], "kommentar": "alla steg"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	typ := c.Producentarendetyper[0]
	step := typ.Kundhandelsetyper[0]
	tests := []struct {
		name string
		got  map[string]json.RawMessage
		want map[string]json.RawMessage
	}{
		{"catalog", c.Extra, map[string]json.RawMessage{"version": json.RawMessage(`2`)}},
		// "ID" is the id, as encoding/json matches keys case-insensitively;
		// the later spelling wins.
		{"type", typ.Extra, map[string]json.RawMessage{"agare": json.RawMessage(`{"namn":"Team Ärenden"}`)}},
		{"step", step.Extra, map[string]json.RawMessage{"ikon": json.RawMessage(`"check"`)}},
		{"flode", typ.Flode.Extra, map[string]json.RawMessage{"layout": json.RawMessage(`"TD"`)}},
		{"variant", typ.Varianter[0].Extra, map[string]json.RawMessage{"kommentar": json.RawMessage(`"alla steg"`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("Extra mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if typ.ID != "X.T" || step.Namn != "A" {
		t.Errorf("ID = %q, Namn = %q; want the case-folded keys read", typ.ID, step.Namn)
	}
	out, err := json.Marshal(step)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"X.T.A","namn":"A","kundatgard":false,"klart":true,"ikon":"check"}`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
}

// Load names the broken file with the directory it was given.
func TestLoadNamesFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trasig.json"), []byte(`{"producentarendetyper": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	want := "catalog: " + filepath.Join(dir, "trasig.json") + ": producentarendetyper: a JSON number where an array belongs"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}

// BenchmarkGraphUncached is what Graph costs without the load-time cache,
// for a type built by hand: the baseline the cache removes.
func BenchmarkGraphUncached(b *testing.B) {
	c := loadTestdata(b)
	loaded, _ := c.Type("KOMMUN.BYGGLOV")
	byHand := &Producentarendetyp{ID: loaded.ID, Kundhandelsetyper: loaded.Kundhandelsetyper, Flode: loaded.Flode, Varianter: loaded.Varianter}
	for b.Loop() {
		_ = byHand.Graph("Värmdö kommun")
	}
}

func BenchmarkParse(b *testing.B) {
	out, err := json.Marshal(loadTestdata(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := Parse(out); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadErrorsUnwrap(t *testing.T) {
	_, err := LoadFS(fstest.MapFS{"a.json": {Data: []byte(`{"producentarendetyper": [}`)}}, ".")
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("err = %v, want it to wrap the *json.SyntaxError", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "saknas")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing path: err = %v, want fs.ErrNotExist", err)
	}
}

// Top-level unknown keys from several files: the first file to set one wins.
func TestLoadMergesTopLevelExtra(t *testing.T) {
	c, err := LoadFS(fstest.MapFS{
		"a.json": {Data: []byte(`{"utgava": "2026-11", "producentarendetyper": []}`)},
		"b.json": {Data: []byte(`{"utgava": "gammal", "agare": "DIGG", "producentarendetyper": [` + validType + `]}`)},
	}, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]json.RawMessage{"utgava": json.RawMessage(`"2026-11"`), "agare": json.RawMessage(`"DIGG"`)}
	if diff := cmp.Diff(want, c.Extra); diff != "" {
		t.Errorf("Extra mismatch (-want +got):\n%s", diff)
	}
}

func TestMarshalExtra(t *testing.T) {
	tests := []struct {
		name, want string
		step       Step
	}{
		{"sorted after the known keys",
			`{"id":"X.T.A","namn":"A","kundatgard":false,"klart":false,"a":1,"z":[true]}`,
			Step{ID: "X.T.A", Namn: "A", Extra: map[string]json.RawMessage{"z": json.RawMessage(`[true]`), "a": json.RawMessage(`1`)}}},
		// An Extra key that is a known key's spelling would be read back as
		// that field, so it is not written.
		{"known keys skipped",
			`{"id":"X.T.A","namn":"","kundatgard":false,"klart":false}`,
			Step{ID: "X.T.A", Extra: map[string]json.RawMessage{"Rubrik": json.RawMessage(`"x"`), "KLART": json.RawMessage(`true`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := json.Marshal(tt.step)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(out)); diff != "" {
				t.Errorf("Marshal mismatch (-want +got):\n%s", diff)
			}
		})
	}
	_, err := json.Marshal(Step{ID: "X.T.A", Extra: map[string]json.RawMessage{"a": json.RawMessage(`{`)}})
	if err == nil || !strings.Contains(err.Error(), `catalog: Extra["a"] is not valid JSON`) {
		t.Errorf("Marshal with broken Extra: err = %v", err)
	}
}

// TestLoadDirectorySymlinks: a Kubernetes ConfigMap mounts each file as a
// symbolic link into a hidden ..data directory; those files are the
// catalog, while a link to a directory or a dangling link is not.
func TestLoadDirectorySymlinks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "..data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("sample/skv_arbetsgivare.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "skv_arbetsgivare.json"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"skv_arbetsgivare.json": "..data/skv_arbetsgivare.json",
		"dangling.json":         "..data/missing.json",
		"dir.json":              "..data",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Type("SKV.ARBETSGIVARE"); !ok || len(c.Producentarendetyper) != 1 {
		t.Errorf("loaded %d types, want SKV.ARBETSGIVARE from the link", len(c.Producentarendetyper))
	}
}

// TestProducers reads who reports on what from producenter and from
// variants, each type once per producer.
func TestProducers(t *testing.T) {
	c, err := Parse([]byte(`{"producentarendetyper": [
	  {"id": "X.T", "kundhandelsetyper": [{"id": "X.T.A", "klart": true}], "flode": {"start": ["X.T.A"], "slut": ["X.T.A"]},
	   "producenter": ["P", "Q", "R"], "varianter": [{"producent": "P", "kundhandelsetyper": ["X.T.A"]}, {"producent": "R", "kundhandelsetyper": ["X.T.A"]}]},
	  {"id": "Y.U", "kundhandelsetyper": [{"id": "Y.U.A", "klart": true}], "flode": {"start": ["Y.U.A"], "slut": ["Y.U.A"]}, "producenter": ["P"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]minaarenden.Kundhandelsetyp{"P": {"X.T", "Y.U"}, "Q": {"X.T"}, "R": {"X.T"}}
	if diff := cmp.Diff(want, c.Producers()); diff != "" {
		t.Errorf("producers mismatch (-want +got):\n%s", diff)
	}
}
