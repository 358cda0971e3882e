package catalog

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/aterkoppling/minaarenden"
)

// The step states a picture of one instance draws; package flow uses the
// same strings for its step states.
const (
	StateDone      = "done"
	StateCurrent   = "current"
	StateSkipped   = "skipped"
	StateExpected  = "expected"
	StateUnvisited = "unvisited"
)

// nodeStyle is how one node is drawn: its kind (start, slut, kundåtgärd)
// picks the shape, its state (given an instance) or else its kind the colours.
type nodeStyle struct {
	kind  string // "start", "slut", "kundatgard" or ""
	state string // one of the State constants, or ""
}

func styles(g *Graph, states map[minaarenden.Kundhandelsetyp]string) []nodeStyle {
	out := make([]nodeStyle, len(g.Nodes))
	for i, n := range g.Nodes {
		switch {
		case g.IsStart(i):
			out[i].kind = "start"
		case g.IsEnd(i):
			out[i].kind = "slut"
		case g.Step(i) != nil && g.Step(i).Kundatgard:
			out[i].kind = "kundatgard"
		}
		switch s := states[n]; s {
		case StateDone, StateCurrent, StateSkipped, StateExpected, StateUnvisited:
			out[i].state = s
		}
	}
	return out
}

// label is the step's namn (its id when it has none) over the step segment.
func label(g *Graph, i int) (namn, steg string) {
	n := g.Nodes[i]
	if s := g.Step(i); s != nil && s.Namn != "" {
		return s.Namn, n.Steg()
	}
	return string(n), ""
}

func title(g *Graph) string {
	t := g.Typ.ID
	if g.Typ.Namn != "" {
		t += " " + g.Typ.Namn
	}
	if g.Producent != "" {
		t += " (" + g.Producent + ")"
	}
	return t
}

// Mermaid draws g as a Mermaid flowchart (flowchart TD). Start steps are
// stadiums, end steps subroutine boxes, kundåtgärd steps hexagons. With
// states (step → one of the State constants, as package flow gives them)
// the nodes are coloured by state, otherwise by kind; unknown states and
// steps not in g are ignored. The output is deterministic. g must not be
// nil; Producentarendetyp.Graph never returns nil.
func Mermaid(g *Graph, states map[minaarenden.Kundhandelsetyp]string) string {
	st := styles(g, states)
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	// Mermaid reads "%%{…}%%" anywhere in the text as a directive that
	// reconfigures the diagram, so no "%" of the catalog's goes out as is.
	fmt.Fprintf(&b, "    %%%% %s\n", strings.ReplaceAll(oneLine(title(g)), "%", "#37;"))
	for i := range g.Nodes {
		namn, steg := label(g, i)
		text := mermaidText(namn)
		if steg != "" {
			text += "<br/>" + mermaidText(steg)
		}
		open, close := "[\"", "\"]"
		switch st[i].kind {
		case "start":
			open, close = "([\"", "\"])"
		case "slut":
			open, close = "[[\"", "\"]]"
		case "kundatgard":
			open, close = "{{\"", "\"}}"
		}
		fmt.Fprintf(&b, "    n%d%s%s%s\n", i, open, text, close)
	}
	for _, e := range g.Edges { // the catalog's edge order
		from, _ := g.Index(e[0])
		to, _ := g.Index(e[1])
		fmt.Fprintf(&b, "    n%d --> n%d\n", from, to)
	}
	// Each node gets one class, its state's when drawn with states, so no
	// two classDefs compete over a node.
	classes := make(map[string][]int)
	for i, s := range st {
		c := s.kind
		if states != nil {
			c = s.state
		}
		if c != "" {
			classes[c] = append(classes[c], i)
		}
	}
	for _, c := range classOrder {
		nodes := classes[c.name]
		if len(nodes) == 0 {
			continue
		}
		fmt.Fprintf(&b, "    classDef %s %s\n", c.name, c.mermaid)
		ids := make([]string, len(nodes))
		for j, i := range nodes {
			ids[j] = fmt.Sprintf("n%d", i)
		}
		fmt.Fprintf(&b, "    class %s %s\n", strings.Join(ids, ","), c.name)
	}
	return b.String()
}

// classOrder lists the classes in output order with their Mermaid style and
// the DOT attributes of the same look.
var classOrder = []struct {
	name, mermaid, dot string
}{
	{"start", "fill:#e3f2fd,stroke:#1565c0", `fillcolor="#e3f2fd", color="#1565c0"`},
	{"slut", "fill:#e8f5e9,stroke:#2e7d32,stroke-width:3px", `fillcolor="#e8f5e9", color="#2e7d32"`},
	{"kundatgard", "fill:#fff3e0,stroke:#ef6c00", `fillcolor="#fff3e0", color="#ef6c00"`},
	{StateDone, "fill:#c8e6c9,stroke:#2e7d32", `fillcolor="#c8e6c9", color="#2e7d32"`},
	{StateCurrent, "fill:#ffe082,stroke:#ff6f00,stroke-width:3px", `fillcolor="#ffe082", color="#ff6f00", penwidth=3`},
	{StateSkipped, "fill:#eeeeee,stroke:#9e9e9e,stroke-dasharray:5 5", `fillcolor="#eeeeee", color="#9e9e9e", style="rounded,filled,dashed"`},
	{StateExpected, "fill:#ffffff,stroke:#616161,stroke-dasharray:3 3", `fillcolor="#ffffff", color="#616161", style="rounded,filled,dashed"`},
	{StateUnvisited, "fill:#ffffff,stroke:#bdbdbd,color:#9e9e9e", `fillcolor="#ffffff", color="#bdbdbd", fontcolor="#9e9e9e"`},
}

// DOT draws g as a Graphviz digraph with the same shapes, colours and rules
// as Mermaid: start steps bold, end steps double-bordered, kundåtgärd steps
// hexagons. The output is deterministic. g must not be nil.
func DOT(g *Graph, states map[minaarenden.Kundhandelsetyp]string) string {
	st := styles(g, states)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotString(g.Typ.ID))
	fmt.Fprintf(&b, "\tlabel=%s;\n\tlabelloc=t;\n\trankdir=TB;\n", dotString(title(g)))
	b.WriteString("\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n")
	for i := range g.Nodes {
		namn, steg := label(g, i)
		text := dotText(namn)
		if steg != "" {
			text += `\n` + dotText(steg)
		}
		attrs := []string{`label="` + text + `"`}
		switch st[i].kind {
		case "start":
			attrs = append(attrs, "penwidth=2")
		case "slut":
			attrs = append(attrs, "peripheries=2")
		case "kundatgard":
			attrs = append(attrs, "shape=hexagon")
		}
		c := st[i].kind
		if states != nil {
			c = st[i].state
		}
		for _, cl := range classOrder {
			if cl.name == c {
				attrs = append(attrs, cl.dot)
			}
		}
		fmt.Fprintf(&b, "\tn%d [%s];\n", i, strings.Join(attrs, ", "))
	}
	for _, e := range g.Edges {
		from, _ := g.Index(e[0])
		to, _ := g.Index(e[1])
		fmt.Fprintf(&b, "\tn%d -> n%d;\n", from, to)
	}
	b.WriteString("}\n")
	return b.String()
}

// mermaidText escapes text for a quoted Mermaid label: Mermaid's entity
// codes for the characters that end a label, read as HTML or markdown, or
// start a directive.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		switch r {
		case '"':
			b.WriteString("#quot;")
		case '#':
			b.WriteString("#35;")
		case '&':
			b.WriteString("#amp;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '`':
			b.WriteString("#96;")
		case '%': // "%%{" would start a directive
			b.WriteString("#37;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dotText escapes text for inside a quoted DOT string: a backslash would
// start a Graphviz escape (\n, \N, \G…), a quote would end the string, and
// Graphviz reads "&lt;" and the like as entities.
func dotText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;").Replace(oneLine(s))
}

func dotString(s string) string { return `"` + dotText(s) + `"` }

// oneLine makes s valid UTF-8 on one line: control characters and line
// breaks become spaces, as a label or comment cannot hold them.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
