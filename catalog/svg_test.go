package catalog

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
)

func svgString(t testing.TB, g *Graph, states map[minaarenden.Kundhandelsetyp]string) string {
	t.Helper()
	var b strings.Builder
	if err := SVG(&b, g, states); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every flow of the sample catalog, each union and each slice, and two
// instances' states.
func TestSVGGolden(t *testing.T) {
	c := loadTestdata(t)
	for _, typ := range c.Producentarendetyper {
		producers := []string{""}
		for _, v := range typ.Varianter {
			producers = append(producers, v.Producent)
		}
		for _, p := range producers {
			name := goldenName(typ.ID, p)
			t.Run(name, func(t *testing.T) {
				got := svgString(t, typ.Graph(p), nil)
				golden(t, name+".svg", got)
				checkSVG(t, typ.Graph(p), got)
			})
		}
	}
	prv, _ := c.Type("PRV.VARUMARKE")
	states := map[minaarenden.Kundhandelsetyp]string{
		"PRV.VARUMARKE.ANSOKAN":       StateDone,
		"PRV.VARUMARKE.GRANSKNING":    StateExpected,
		"PRV.VARUMARKE.KOMPLETTERING": StateCurrent,
		"PRV.VARUMARKE.REGISTRERAD":   StateExpected,
		"PRV.VARUMARKE.AVSLAG":        StateUnvisited,
		"PRV.VARUMARKE.OKAND":         StateDone, // not in the graph: ignored
	}
	golden(t, "PRV.VARUMARKE-states.svg", svgString(t, prv.Graph(""), states))
	moms, _ := c.Type("SKV.MOMS")
	states = map[minaarenden.Kundhandelsetyp]string{
		"SKV.MOMS.DEKL_INLAMAD": StateDone,
		"SKV.MOMS.KONTROLL":     StateSkipped,
		"SKV.MOMS.BESLUT":       StateDone,
		"SKV.MOMS.BETALNING":    "no such state", // ignored: drawn unstyled
		"SKV.MOMS.BETALD":       StateDone,
	}
	golden(t, "SKV.MOMS-states.svg", svgString(t, moms.Graph(""), states))
}

// svgDoc is the part of the SVG the tests read back.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	ViewBox string   `xml:"viewBox,attr"`
	Title   string   `xml:"title"`
	Edges   []struct {
		Class string `xml:"class,attr"`
	} `xml:"g>path"`
	Steps []svgStep `xml:"g>g"`
}

type svgStep struct {
	Class string `xml:"class,attr"`
	ID    string `xml:"data-id,attr"`
	Title string `xml:"title"`
	Texts []struct {
		Class string   `xml:"class,attr"`
		Chars string   `xml:",chardata"`
		Spans []string `xml:"tspan"`
	} `xml:"text"`
}

// namn is the step's name as drawn: its lines joined by spaces.
func (s svgStep) namn() string {
	for _, t := range s.Texts {
		if t.Class == "steg__namn" {
			return strings.Join(t.Spans, " ")
		}
	}
	return ""
}

// checkSVG parses out as XML and checks that every node of g is drawn
// exactly once, in a group naming its id, and nothing else is; that there
// is a path per edge; and that nothing a strict CSP blocks is in it.
func checkSVG(t *testing.T, g *Graph, out string) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(out))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "style" || se.Name.Local == "script" || se.Name.Local == "foreignObject" {
				t.Errorf("SVG has a <%s> element", se.Name.Local)
			}
			for _, a := range se.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "href" {
					t.Errorf("SVG has a %s attribute on <%s>", a.Name.Local, se.Name.Local)
				}
			}
		}
	}
	var doc svgDoc
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range doc.Steps {
		got = append(got, s.ID)
	}
	var want []string
	for _, n := range g.Nodes {
		want = append(want, string(n))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps drawn mismatch (-want +got):\n%s", diff)
	}
	if len(doc.Edges) != len(g.Edges) {
		t.Errorf("%d edges drawn, want %d", len(doc.Edges), len(g.Edges))
	}
	return doc
}

// A reader finds every step by its name in the picture's text, and the
// loop's closing edge is the one back edge.
func TestSVGText(t *testing.T) {
	c := loadTestdata(t)
	for _, typ := range c.Producentarendetyper {
		t.Run(typ.ID, func(t *testing.T) {
			g := typ.Graph("")
			doc := checkSVG(t, g, svgString(t, g, nil))
			for i, s := range doc.Steps {
				if want := g.Step(i).Namn; s.namn() != want {
					t.Errorf("step %s drawn as %q, want %q", g.Nodes[i], s.namn(), want)
				}
				if want := g.Step(i).Namn + " (" + string(g.Nodes[i]) + ")"; s.Title != want {
					t.Errorf("step %s titled %q, want %q", g.Nodes[i], s.Title, want)
				}
			}
		})
	}
	prv, _ := c.Type("PRV.VARUMARKE")
	doc := checkSVG(t, prv.Graph(""), svgString(t, prv.Graph(""), nil))
	var back []int
	for k, e := range doc.Edges {
		if strings.Contains(e.Class, "overgang--tillbaka") {
			back = append(back, k)
		}
	}
	// Edge 3 is KOMPLETTERING → GRANSKNING, the way back after a komplettering.
	if diff := cmp.Diff([]int{3}, back); diff != "" {
		t.Errorf("back edges mismatch (-want +got):\n%s", diff)
	}
}

// Start steps sit in the top layer, finishing steps without successors in
// the bottom one, and every edge but a back edge runs downwards.
func TestSVGLayers(t *testing.T) {
	c := loadTestdata(t)
	for _, typ := range c.Producentarendetyper {
		t.Run(typ.ID, func(t *testing.T) {
			g := typ.Graph("")
			l := mustLayout(t, g)
			top, bottom := l.centre[0].y, l.centre[0].y
			for _, p := range l.centre {
				top, bottom = min(top, p.y), max(bottom, p.y)
			}
			for _, i := range g.Start {
				if l.centre[i].y != top {
					t.Errorf("start %s at y %v, not the top layer %v", g.Nodes[i], l.centre[i].y, top)
				}
			}
			for _, i := range g.End {
				if len(g.Succ[i]) == 0 && l.centre[i].y != bottom {
					t.Errorf("end %s at y %v, not the bottom layer %v", g.Nodes[i], l.centre[i].y, bottom)
				}
			}
			for _, r := range l.routes {
				down := l.centre[r.to].y > l.centre[r.from].y
				if !r.self && down == r.back {
					t.Errorf("edge %s → %s: back %v but runs down %v", g.Nodes[r.from], g.Nodes[r.to], r.back, down)
				}
			}
			checkLayout(t, g, l)
		})
	}
}

func mustLayout(t *testing.T, g *Graph) *flowLayout {
	t.Helper()
	l, err := layoutGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// checkLayout checks that no two nodes overlap and that everything drawn
// lies inside the picture.
func checkLayout(t *testing.T, g *Graph, l *flowLayout) {
	t.Helper()
	for i, p := range l.centre {
		if p.x-nodeWidth/2 < 0 || p.x+nodeWidth/2 > l.width || p.y-l.nodeHeight/2 < 0 || p.y+l.nodeHeight/2 > l.height {
			t.Errorf("node %s at %v lies outside the %vx%v picture", g.Nodes[i], p, l.width, l.height)
		}
		for j := range i {
			q := l.centre[j]
			if abs(p.x-q.x) < nodeWidth && abs(p.y-q.y) < l.nodeHeight {
				t.Errorf("nodes %s at %v and %s at %v overlap", g.Nodes[i], p, g.Nodes[j], q)
			}
		}
	}
	for _, r := range l.routes {
		for _, p := range r.points {
			if p.x < 0 || p.x > l.width || p.y < 0 || p.y > l.height {
				t.Errorf("edge %s → %s passes %v, outside the picture", g.Nodes[r.from], g.Nodes[r.to], p)
			}
		}
	}
}

func abs(f float64) float64 { return max(f, -f) }

// Names come from catalog files anyone writes: markup must come out as
// text, never as an element or attribute of the picture.
func TestSVGEscapes(t *testing.T) {
	c, err := Parse(doc(`{"id": "X.T", "namn": "Typ </title><script>alert(1)</script>",
	  "producenter": ["P \"><img src=x onerror=alert(1)>"],
	  "kundhandelsetyper": [
	    {"id": "X.T.A", "namn": "<script>x()</script>"},
	    {"id": "X.T.B", "namn": "\"><img src=x onerror=alert(1)> & ]]> <!-- x"},
	    {"id": "X.T.C", "namn": "Bad \u0001 control \ufffe char", "klart": true}],
	  "flode": {"start": ["X.T.A"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.C"]], "slut": ["X.T.C"]},
	  "varianter": [{"producent": "P \"><img src=x onerror=alert(1)>", "kundhandelsetyper": ["X.T.A", "X.T.B", "X.T.C"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := c.Type("X.T")
	g := typ.Graph("P \"><img src=x onerror=alert(1)>")
	out := svgString(t, g, nil)
	golden(t, "escapes.svg", out)
	doc := checkSVG(t, g, out)
	got := []string{doc.Title}
	for _, s := range doc.Steps {
		got = append(got, s.namn())
	}
	want := []string{"X.T Typ </title><script>alert(1)</script> (P \"><img src=x onerror=alert(1)>)",
		"<script>x()</script>", "\"><img src=x onerror=alert(1)> & ]]> <!-- x", "Bad control \ufffd char"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text mismatch (-want +got):\n%s", diff)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"Grannar hörs", []string{"Grannar", "hörs"}},
		{"Åäöåäöåäöå", []string{"Åäöåäöåä", "öå"}},
		{"ett  två tre fyra fem sex sju åtta", []string{"ett två", "tre fyra", "fem sex…"}},
		{"abcdefghijklmnopqrstuvwxyz", []string{"abcdefgh", "ijklmnop", "qrstuvw…"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, wrap(tt.in, 8, 3)); diff != "" {
			t.Errorf("wrap(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSVGDeterministic(t *testing.T) {
	c := loadTestdata(t)
	for _, typ := range c.Producentarendetyper {
		first := svgString(t, typ.Graph(""), nil)
		for range 10 {
			if svgString(t, typ.Graph(""), nil) != first {
				t.Fatalf("%s: drawing the same graph twice gave different pictures", typ.ID)
			}
		}
	}
}

// A type built by hand, not loaded, may have no steps at all: an empty
// picture, not a panic.
func TestSVGEmptyGraph(t *testing.T) {
	typ := &Producentarendetyp{ID: "X.TOM", Namn: "Tom"}
	out := svgString(t, typ.Graph(""), nil)
	doc := checkSVG(t, typ.Graph(""), out)
	if doc.Title != "X.TOM Tom" || len(doc.Steps) != 0 {
		t.Errorf("empty graph drawn as %+v", doc)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSVGWriteError(t *testing.T) {
	c := loadTestdata(t)
	typ, _ := c.Type("SKV.MOMS")
	if err := SVG(failingWriter{}, typ.Graph(""), nil); err == nil || err.Error() != "disk full" {
		t.Errorf("SVG to a failing writer: %v, want its error", err)
	}
}

// randomType builds a valid type from data: a backbone path through every
// step (so each is reachable from the start and reaches the end), the steps
// listed in a shuffled order, and up to three extra edges per step anywhere,
// loops, self-loops and repeats included. Extra end steps may have
// successors; names have markup and vary in length.
func randomType(id string, data []byte) []byte {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	n := 1 + next()%24
	step := func(i int) string { return fmt.Sprintf("%s.S%d", id, i) }
	type stepJSON struct {
		ID         string `json:"id"`
		Namn       string `json:"namn"`
		Kundatgard bool   `json:"kundatgard"`
		Klart      bool   `json:"klart"`
	}
	steps := make([]stepJSON, n)
	for i := range n {
		words := strings.Repeat("ord <b>&amp; ", next()%6)
		steps[i] = stepJSON{ID: step(i), Namn: fmt.Sprintf("Steg %d %s", i, words), Kundatgard: next()%4 == 0}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for i := n - 1; i > 0; i-- { // Fisher–Yates from the data
		j := next() % (i + 1)
		order[i], order[j] = order[j], order[i]
	}
	edges := [][2]string{}
	for i := 1; i < n; i++ {
		edges = append(edges, [2]string{step(i - 1), step(i)})
	}
	extra := next() % (3*n + 1)
	for range extra {
		e := [2]string{step(next() % n), step(next() % n)}
		if !slices.Contains(edges, e) {
			edges = append(edges, e)
		}
	}
	ends := []string{step(n - 1)}
	steps[n-1].Klart = true
	for i := range n - 1 {
		if next()%5 == 0 {
			ends = append(ends, step(i))
			steps[i].Klart = true
		}
	}
	shuffled := make([]stepJSON, n)
	for i, o := range order {
		shuffled[i] = steps[o]
	}
	typ := map[string]any{
		"id": id, "namn": "Slump", "producenter": []string{"P"},
		"kundhandelsetyper": shuffled,
		"flode":             map[string]any{"start": []string{step(0)}, "overgangar": edges, "slut": ends},
	}
	b, _ := json.Marshal(typ)
	return b
}

// FuzzSVGLayout: any valid graph lays out and draws, every node exactly
// once, nothing overlapping, everything inside the picture.
// Seeds: testdata/fuzz/FuzzSVGLayout.
func FuzzSVGLayout(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(doc(string(randomType("F.T", data))))
		if err != nil {
			t.Fatalf("the generator built an invalid type: %v", err)
		}
		typ, _ := c.Type("F.T")
		g := typ.Graph("")
		checkSVG(t, g, svgString(t, g, nil))
		checkLayout(t, g, mustLayout(t, g))
	})
}

// BenchmarkSVG draws each flow of the sample catalog.
func BenchmarkSVG(b *testing.B) {
	c := loadTestdata(b)
	for _, typ := range c.Producentarendetyper {
		g := typ.Graph("")
		b.Run(typ.ID, func(b *testing.B) {
			for b.Loop() {
				if err := SVG(io.Discard, g, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSVGvsGraphviz draws each flow of the sample catalog the way a
// user would without catalog.SVG, by piping catalog.DOT through Graphviz
// (dot -Tsvg), alternating with catalog.SVG in one loop. Skipped without dot.
func BenchmarkSVGvsGraphviz(b *testing.B) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		b.Skip("Graphviz dot not installed")
	}
	c := loadTestdata(b)
	var graphs []*Graph
	for _, typ := range c.Producentarendetyper {
		graphs = append(graphs, typ.Graph(""))
	}
	var svgTime, dotTime time.Duration
	for b.Loop() {
		for _, g := range graphs {
			start := time.Now()
			if err := SVG(io.Discard, g, nil); err != nil {
				b.Fatal(err)
			}
			svgTime += time.Since(start)
			start = time.Now()
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin = strings.NewReader(DOT(g, nil))
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			dotTime += time.Since(start)
		}
	}
	perType := float64(b.N * len(graphs))
	b.ReportMetric(float64(svgTime.Nanoseconds())/perType, "svg-ns/type")
	b.ReportMetric(float64(dotTime.Nanoseconds())/perType, "dot-ns/type")
}

// BenchmarkSVGCatalog500 draws every flow of a catalog of 500 generated
// types of 1 to 24 steps (about 12 on average) with loops and branches.
func BenchmarkSVGCatalog500(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := make([]string, 500)
	for i := range types {
		data := make([]byte, 200)
		for j := range data {
			data[j] = byte(rng.UintN(256))
		}
		types[i] = string(randomType(fmt.Sprintf("B.T%d", i), data))
	}
	c, err := Parse(doc(types...))
	if err != nil {
		b.Fatal(err)
	}
	steps := 0
	for _, typ := range c.Producentarendetyper {
		steps += len(typ.Kundhandelsetyper)
	}
	b.ReportMetric(float64(steps)/500, "steps/type")
	for b.Loop() {
		for _, typ := range c.Producentarendetyper {
			if err := SVG(io.Discard, typ.Graph(""), nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// fanType builds the worst flow for a layered layout that is still valid:
// a chain of n steps, and an edge from the start to every other step, so
// edge k crosses k layers.
func fanType(id string, n int) []byte {
	step := func(i int) string { return fmt.Sprintf("%s.S%d", id, i) }
	type stepJSON struct {
		ID    string `json:"id"`
		Namn  string `json:"namn"`
		Klart bool   `json:"klart"`
	}
	steps := make([]stepJSON, n)
	edges := [][2]string{}
	for i := range n {
		steps[i] = stepJSON{ID: step(i), Namn: fmt.Sprintf("Steg %d", i), Klart: i == n-1}
		if i > 0 {
			edges = append(edges, [2]string{step(i - 1), step(i)})
		}
		if i > 1 {
			edges = append(edges, [2]string{step(0), step(i)})
		}
	}
	typ := map[string]any{
		"id": id, "namn": "Solfjäder", "producenter": []string{"P"},
		"kundhandelsetyper": steps,
		"flode":             map[string]any{"start": []string{step(0)}, "overgangar": edges, "slut": []string{step(n - 1)}},
	}
	b, _ := json.Marshal(typ)
	return b
}

// BenchmarkSVGFan draws (or refuses) the fan flows of fanType.
func BenchmarkSVGFan(b *testing.B) {
	for _, n := range []int{50, 100, 200, 800} {
		c, err := Parse(doc(string(fanType("F.T", n))))
		if err != nil {
			b.Fatal(err)
		}
		typ, _ := c.Type("F.T")
		g := typ.Graph("")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := SVG(io.Discard, g, nil)
				if err != nil && !errors.Is(err, ErrFlowTooLarge) {
					b.Fatal(err)
				}
			}
		})
	}
}

// A flow too large to lay out in bounded time and memory is refused with
// ErrFlowTooLarge before the layout allocates for it: drawing the 800-step
// fan took 2.4 s and 680 MB before the caps.
func TestSVGTooLarge(t *testing.T) {
	edges := fanGraph(t, 60) // few steps, its edges repeated: 117·32 edges
	for range 5 {
		edges.Edges = append(edges.Edges, edges.Edges...)
	}
	tests := []struct {
		name string
		g    *Graph
		want string
	}{
		{"steps", fanGraph(t, 800), "800 steps, more than 500"},
		{"waypoints", fanGraph(t, 200), "need 19701 waypoints, more than 5000"},
		{"edges", edges, "3744 övergångar, more than 2000"},
		{"largest fan drawn", fanGraph(t, 100), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var b strings.Builder
			err := SVG(&b, tt.g, nil)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			if tt.want == "" {
				// The largest flow the caps let through: about 9 MB.
				if err != nil {
					t.Fatalf("SVG: %v", err)
				}
				if alloc > 32<<20 {
					t.Errorf("drawing allocated %d bytes, want at most 32 MiB", alloc)
				}
				return
			}
			if !errors.Is(err, ErrFlowTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SVG: %v, want ErrFlowTooLarge saying %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("SVG wrote %d bytes before refusing", b.Len())
			}
			if alloc > 1<<20 {
				t.Errorf("refusing allocated %d bytes, want at most 1 MiB", alloc)
			}
		})
	}
}

func fanGraph(t *testing.T, n int) *Graph {
	t.Helper()
	c, err := Parse(doc(string(fanType("F.T", n))))
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := c.Type("F.T")
	return typ.Graph("")
}
