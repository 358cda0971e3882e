package catalog

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/internal/tooltest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// golden compares got with testdata/render/name, or writes it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "render", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// goldenName turns a flow into a plain file name: "KOMMUN.BYGGLOV@Varmdo_kommun".
func goldenName(typ, producent string) string {
	if producent == "" {
		return typ
	}
	return typ + "@" + strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "A", "Ä", "A", "Ö", "O", " ", "_").Replace(producent)
}

// Every plain flow of the testdata catalog: each union and each slice.
func TestRenderGolden(t *testing.T) {
	c := loadTestdata(t)
	for _, typ := range c.Producentarendetyper {
		producers := []string{""}
		for _, v := range typ.Varianter {
			producers = append(producers, v.Producent)
		}
		for _, p := range producers {
			name := goldenName(typ.ID, p)
			t.Run(name, func(t *testing.T) {
				g := typ.Graph(p)
				golden(t, name+".mmd", Mermaid(g, nil))
				golden(t, name+".dot", DOT(g, nil))
			})
		}
	}
}

// One instance's states drawn in: PRV waiting on a komplettering.
func TestRenderStatesGolden(t *testing.T) {
	c := loadTestdata(t)
	prv, _ := c.Type("PRV.VARUMARKE")
	states := map[minaarenden.Kundhandelsetyp]string{
		"PRV.VARUMARKE.ANSOKAN":       StateDone,
		"PRV.VARUMARKE.GRANSKNING":    StateExpected,
		"PRV.VARUMARKE.KOMPLETTERING": StateCurrent,
		"PRV.VARUMARKE.REGISTRERAD":   StateExpected,
		"PRV.VARUMARKE.AVSLAG":        StateUnvisited,
		"PRV.VARUMARKE.OKAND":         StateDone, // not in the graph: ignored
	}
	golden(t, "PRV.VARUMARKE-states.mmd", Mermaid(prv.Graph(""), states))
	golden(t, "PRV.VARUMARKE-states.dot", DOT(prv.Graph(""), states))

	moms, _ := c.Type("SKV.MOMS")
	states = map[minaarenden.Kundhandelsetyp]string{
		"SKV.MOMS.DEKL_INLAMAD": StateDone,
		"SKV.MOMS.KONTROLL":     StateSkipped,
		"SKV.MOMS.BESLUT":       StateDone,
		"SKV.MOMS.BETALNING":    "no such state", // ignored: drawn unstyled
		"SKV.MOMS.BETALD":       StateDone,
	}
	golden(t, "SKV.MOMS-states.mmd", Mermaid(moms.Graph(""), states))
	golden(t, "SKV.MOMS-states.dot", DOT(moms.Graph(""), states))
}

// Labels come from catalog files anyone writes: quotes, brackets, HTML and
// the formats' own escape characters must come out as text.
func TestRenderEscapes(t *testing.T) {
	c, err := Parse(doc(`{"id": "X.T", "namn": "Typ \"med\" <b>HTML</b> & #hash",
	  "producenter": ["P \"1\"\n\\"],
	  "kundhandelsetyper": [
	    {"id": "X.T.A", "namn": "Start [a] (b) {c} \"q\" 'p'"},
	    {"id": "X.T.B", "namn": "<script>alert(1)</script> & #quot; \u0060code\u0060 | x"},
	    {"id": "X.T.C", "namn": "Back\\slash \\n and \"\nnewline\u2028sep", "klart": true},
	    {"id": "X.T.D", "namn": ""}],
	  "flode": {"start": ["X.T.A"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.D"], ["X.T.D", "X.T.C"]], "slut": ["X.T.C"]},
	  "varianter": [{"producent": "P \"1\"\n\\", "kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.D", "X.T.C"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := c.Type("X.T")
	g := typ.Graph("P \"1\"\n\\")
	golden(t, "escapes.mmd", Mermaid(g, nil))
	golden(t, "escapes.dot", DOT(g, nil))
}

// A catalog's text must not reach Mermaid as a directive ("%%{init: …}%%"
// anywhere in a diagram reconfigures it), neither from a step's namn nor
// from the type's in the title comment.
func TestMermaidNoDirective(t *testing.T) {
	c, err := Parse(doc(`{"id": "X.D", "namn": "%%{init: {\"theme\": \"dark\"}}%%", "producenter": ["P"],
	  "kundhandelsetyper": [{"id": "X.D.A", "namn": "50 % klart %%{init: {}}%%", "klart": true}],
	  "flode": {"start": ["X.D.A"], "overgangar": [], "slut": ["X.D.A"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := c.Type("X.D")
	got := Mermaid(typ.Graph(""), nil)
	if strings.Contains(got, "%%{") || strings.Count(got, "%") != 2 { // only the comment's own "%%"
		t.Errorf("a catalog's %% reached the diagram:\n%s", got)
	}
	if !strings.Contains(got, "50 #37; klart") {
		t.Errorf("the step's %% is not escaped as #37;:\n%s", got)
	}
}

func TestRenderDeterministic(t *testing.T) {
	c := loadTestdata(t)
	bygglov, _ := c.Type("KOMMUN.BYGGLOV")
	g := bygglov.Graph("")
	states := map[minaarenden.Kundhandelsetyp]string{}
	for i, n := range g.Nodes {
		states[n] = []string{StateDone, StateCurrent, StateSkipped, StateExpected, StateUnvisited}[i%5]
	}
	m, d := Mermaid(g, states), DOT(g, states)
	for range 20 {
		if Mermaid(g, states) != m || DOT(g, states) != d {
			t.Fatal("rendering the same graph twice gave different output")
		}
	}
}

// Each DOT golden must be a graph Graphviz reads and renders to SVG.
func TestDOTGoldensParse(t *testing.T) {
	dot := tooltest.Find(t, "apt-get install graphviz", "dot")
	files, err := filepath.Glob(filepath.Join("testdata", "render", "*.dot"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no DOT goldens found: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(dot, "-Tsvg", f)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("dot -Tsvg %s: %v\n%s", f, err, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("dot -Tsvg %s warned:\n%s", f, stderr.String())
			}
			dec := xml.NewDecoder(&stdout)
			for {
				if _, err := dec.Token(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("dot's SVG for %s does not parse: %v", f, err)
				}
			}
		})
	}
}
