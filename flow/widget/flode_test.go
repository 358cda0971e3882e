package widget_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

// What the picture may hold besides the fragment's own elements: SVG
// shapes and text with presentation attributes, and nothing that runs,
// loads or styles (no script, style, foreignObject, use, image, href,
// style= or on*=).
var (
	pictureElements = union(allowedElements, "figure", "figcaption", "svg", "title", "g", "path", "polygon", "rect", "text", "tspan")
	pictureAttrs    = union(allowedAttrs, "xmlns", "viewBox", "width", "height", "role", "font-family", "font-size",
		"d", "points", "x", "y", "rx", "fill", "stroke", "stroke-width", "stroke-dasharray", "text-anchor", "data-id")
)

func union(m map[string]bool, more ...string) map[string]bool {
	out := maps.Clone(m)
	for _, k := range more {
		out[k] = true
	}
	return out
}

// Pia's cases on their flows: golden, inert, every step drawn once with
// the state the case gives it.
func TestFlode(t *testing.T) {
	cat, instances := loadPia(t)
	var all strings.Builder
	for _, in := range instances {
		pic, err := widget.Flode(cat, in)
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(string(pic) + "\n")
		checkAllowed(t, string(pic), pictureElements, pictureAttrs)
		doc := parse(t, string(pic))
		got := map[minaarenden.Kundhandelsetyp]string{}
		for _, g := range doc.find(func(n *node) bool { return n.attr("data-id") != "" }) {
			id := minaarenden.Kundhandelsetyp(g.attr("data-id"))
			if _, dup := got[id]; dup {
				t.Errorf("%s: step %s drawn twice", in.Typ, id)
			}
			for _, c := range strings.Fields(g.attr("class")) {
				if s, ok := strings.CutPrefix(c, "steg--"); ok && isState(s) {
					got[id] = s
				}
			}
		}
		if diff := cmp.Diff(in.States(), got); diff != "" {
			t.Errorf("%s: step states drawn mismatch (-want +got):\n%s", in.Typ, diff)
		}
	}
	golden := filepath.Join("testdata", "pia-flode.html")
	if *update {
		if err := os.WriteFile(golden, []byte(all.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), all.String()); diff != "" {
		t.Errorf("Flode mismatch (-want +got):\n%s", diff)
	}
}

func isState(s string) bool {
	switch flow.StegState(s) {
	case flow.StegDone, flow.StegCurrent, flow.StegSkipped, flow.StegExpected, flow.StegUnvisited:
		return true
	}
	return false
}

// The widget and the pictures together, as a portal's page holds them,
// stay inert, and producer text in the catalog comes back as text.
func TestFlodeWithWidget(t *testing.T) {
	c, err := catalog.Parse([]byte(`{"producentarendetyper": [{"id": "X.T", "namn": "Typ ` + jsonString(hostile) + `",
	  "producenter": ["P ` + jsonString(hostile) + `"],
	  "kundhandelsetyper": [{"id": "X.T.A", "namn": "` + jsonString(hostile) + `"}, {"id": "X.T.B", "namn": "Klart", "klart": true}],
	  "flode": {"start": ["X.T.A"], "overgangar": [["X.T.A", "X.T.B"], ["X.T.B", "X.T.A"]], "slut": ["X.T.B"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	in := &flow.Instance{Typ: "X.T", Producent: "P " + hostile, Status: flow.Pagaende,
		Steg: []flow.Steg{{Typ: "X.T.A", State: flow.StegCurrent}, {Typ: "X.T.B", State: flow.StegExpected}}}
	frag, err := widget.Fragment(c, []*flow.Instance{in})
	if err != nil {
		t.Fatal(err)
	}
	pic, err := widget.Flode(c, in)
	if err != nil {
		t.Fatal(err)
	}
	page := string(frag) + string(pic)
	checkAllowed(t, page, pictureElements, pictureAttrs)
	doc := parse(t, string(pic))
	var texts []string
	for _, n := range doc.withClass("steg__namn") {
		texts = append(texts, n.text())
	}
	// The picture wraps a long name over three lines (text() joins them
	// without the spaces between) and cuts the rest.
	want := []string{`<script>document.title="pwned"</script>"'onmouseover="alert(1)"…`, "Klart"}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("names drawn mismatch (-want +got):\n%s", diff)
	}
	if got := doc.withClass("ma-flode__rubrik"); len(got) != 1 || got[0].text() != strings.Join(strings.Fields("Flödet för Typ "+hostile+" hos P "+hostile), " ") {
		t.Errorf("caption %v", got)
	}
}

func jsonString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// A case of a type the catalog lacks, or no catalog, has nothing to draw.
func TestFlodeUnknownType(t *testing.T) {
	cat, _ := loadPia(t)
	for _, c := range []*catalog.Catalog{cat, nil} {
		got, err := widget.Flode(c, &flow.Instance{Typ: "X.OKAND", Producent: "X"})
		if got != "" || err != nil {
			t.Errorf("Flode of an unknown type: %q, %v; want nothing", got, err)
		}
	}
}
