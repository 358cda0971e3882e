package catalog

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/aterkoppling/minaarenden"
)

// SVG draws g as a standalone SVG image, laid out in layers: start steps at
// the top, steps that finish the case at the bottom, crossings reduced, and
// an edge that closes a loop (komplettering) drawn as a dashed back edge
// beside the forward one. Shapes and colours are Mermaid's and DOT's: start
// steps rounded into a stadium, end steps double-bordered, kundåtgärd steps
// hexagons, and with states (step → one of the State constants) the nodes
// coloured by state; unknown states and steps not in g are ignored.
//
// Each step is a <g> with a <title> (namn and full id), its namn as <text>
// (wrapped to three lines of about 24 characters, cut with "…" beyond) and
// its step segment. The look comes from presentation attributes only, no
// <style> and no style attributes, so the image can be inlined into an
// HTML page served with Content-Security-Policy: default-src 'self'. It
// scales by its viewBox; give it max-width: 100% in the page's stylesheet.
// All text is XML-escaped. The output is deterministic. g must not be nil.
//
// A flow too large to draw in bounded time and memory is refused with an
// error wrapping ErrFlowTooLarge, before anything is written: more than
// 500 steps, more than 2000 övergångar, or long övergångar that would need
// more than 5000 waypoints in all (one per layer an övergång passes). The
// only other error is w's.
func SVG(w io.Writer, g *Graph, states map[minaarenden.Kundhandelsetyp]string) error {
	l, err := layoutGraph(g)
	if err != nil {
		return err
	}
	st := styles(g, states)
	var b strings.Builder
	b.Grow(1024 + 600*len(g.Nodes) + 250*len(l.routes)) // a little more than a step and an edge take
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="flode"`)
	attr(&b, "viewBox", "0 0 "+num(l.width)+" "+num(l.height))
	attr(&b, "width", num(l.width))
	attr(&b, "height", num(l.height))
	b.WriteString(` role="img" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="13">` + "\n")
	b.WriteString("<title>")
	text(&b, title(g))
	b.WriteString("</title>\n")

	b.WriteString(`<g class="overgangar" fill="none" stroke-width="1.5">` + "\n")
	for _, r := range l.routes {
		edge(&b, l, r)
	}
	b.WriteString("</g>\n")

	b.WriteString(`<g class="steg">` + "\n")
	for i := range g.Nodes {
		node(&b, g, l, i, st[i], states != nil)
	}
	b.WriteString("</g>\n</svg>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// ErrFlowTooLarge is what SVG's error wraps when a flow is too large to draw.
var ErrFlowTooLarge = errors.New("catalog: the flow is too large to draw")

// Edge colours: forward edges grey, back edges violet and dashed, so a loop
// reads as a way back rather than onwards.
const (
	edgeColour = "#616161"
	backColour = "#6a1b9a"
)

func edge(b *strings.Builder, l *flowLayout, r route) {
	colour, class, dash := edgeColour, "overgang", ""
	if r.back || r.self {
		colour, class, dash = backColour, "overgang overgang--tillbaka", ` stroke-dasharray="6 4"`
	}
	var d strings.Builder
	var tip point
	var dir float64 // the arrowhead's direction: +1 down, -1 up, 0 left
	if r.self {
		// A loop on the node's right side, ending in an arrow pointing left.
		c := l.centre[r.from]
		p := point{c.x + nodeWidth/2, c.y - 8}
		q := point{c.x + nodeWidth/2, c.y + 8}
		d.WriteString("M" + pt(p) + " C" + pt(point{p.x + 36, p.y - 22}) + " " + pt(point{q.x + 36, q.y + 22}) + " " + pt(q))
		tip = q
	} else {
		pts := r.points
		d.WriteString("M" + pt(pts[0]))
		for j := 1; j < len(pts); j++ {
			// Vertical tangents at every point: smooth through waypoints,
			// and the arrowhead always points straight down or up.
			p, q := pts[j-1], pts[j]
			h := (q.y - p.y) / 2
			d.WriteString(" C" + pt(point{p.x, p.y + h}) + " " + pt(point{q.x, q.y - h}) + " " + pt(q))
		}
		tip = pts[len(pts)-1]
		dir = 1
		if r.back {
			dir = -1
		}
	}
	b.WriteString(`<path class="` + class + `" d="` + d.String() + `" stroke="` + colour + `"` + dash + "/>\n")
	var head [3]point
	if dir == 0 {
		head = [3]point{{tip.x + 9, tip.y - 5}, {tip.x + 9, tip.y + 5}, tip}
	} else {
		head = [3]point{{tip.x - 5, tip.y - 9*dir}, {tip.x + 5, tip.y - 9*dir}, tip}
	}
	b.WriteString(`<polygon points="` + pt(head[0]) + " " + pt(head[1]) + " " + pt(head[2]) + `" fill="` + colour + `" stroke="none"/>` + "\n")
}

func node(b *strings.Builder, g *Graph, l *flowLayout, i int, s nodeStyle, withStates bool) {
	c := l.centre[i]
	hw, hh := nodeWidth/2, l.nodeHeight/2
	namn, steg := label(g, i)

	class := "steg"
	if s.kind != "" {
		class += " steg--" + s.kind
	}
	if s.state != "" && withStates {
		class += " steg--" + s.state
	}
	b.WriteString(`<g class="` + class + `"`)
	attr(b, "data-id", string(g.Nodes[i]))
	b.WriteString("><title>")
	text(b, oneLine(namn))
	if steg != "" {
		text(b, " ("+oneLine(string(g.Nodes[i]))+")")
	}
	b.WriteString("</title>")

	look := paint{fill: "#ffffff", stroke: "#424242", width: "1.5", text: "#212121"}
	cl := s.kind
	if withStates {
		cl = s.state
	}
	for _, c := range classOrder {
		if c.name == cl {
			look = look.with(c.mermaid)
		}
	}
	shape := look.attrs()
	switch s.kind {
	case "start":
		b.WriteString(`<rect x="` + num(c.x-hw) + `" y="` + num(c.y-hh) + `" width="` + num(nodeWidth) + `" height="` + num(l.nodeHeight) + `" rx="` + num(hh) + `"` + shape + "/>")
	case "slut":
		b.WriteString(`<rect x="` + num(c.x-hw) + `" y="` + num(c.y-hh) + `" width="` + num(nodeWidth) + `" height="` + num(l.nodeHeight) + `" rx="6"` + shape + "/>")
		b.WriteString(`<rect x="` + num(c.x-hw+4) + `" y="` + num(c.y-hh+4) + `" width="` + num(nodeWidth-8) + `" height="` + num(l.nodeHeight-8) + `" rx="3" fill="none" stroke="` + look.stroke + `" stroke-width="1"/>`)
	case "kundatgard":
		const k = 14 // how far the hexagon's points stick out
		b.WriteString(`<polygon points="` + pt(point{c.x - hw + k, c.y - hh}) + " " + pt(point{c.x + hw - k, c.y - hh}) + " " +
			pt(point{c.x + hw, c.y}) + " " + pt(point{c.x + hw - k, c.y + hh}) + " " + pt(point{c.x - hw + k, c.y + hh}) + " " +
			pt(point{c.x - hw, c.y}) + `"` + shape + "/>")
	default:
		b.WriteString(`<rect x="` + num(c.x-hw) + `" y="` + num(c.y-hh) + `" width="` + num(nodeWidth) + `" height="` + num(l.nodeHeight) + `" rx="4"` + shape + "/>")
	}

	// The namn's lines, then the step segment in small grey type, the
	// block centred in the node.
	lines := l.lines[i]
	top := c.y - (float64(len(lines))*lineHeight+idHeight)/2
	b.WriteString(`<text class="steg__namn" text-anchor="middle" fill="` + look.text + `">`)
	for j, line := range lines {
		b.WriteString(`<tspan x="` + num(c.x) + `" y="` + num(top+float64(j+1)*lineHeight-4) + `">`)
		text(b, line)
		b.WriteString("</tspan>")
	}
	b.WriteString("</text>")
	if steg != "" {
		b.WriteString(`<text class="steg__id" x="` + num(c.x) + `" y="` + num(top+float64(len(lines))*lineHeight+idHeight-3) + `" text-anchor="middle" font-size="10" fill="#616161">`)
		text(b, oneLine(steg))
		b.WriteString("</text>")
	}
	b.WriteString("</g>\n")
}

// paint is a node's look as SVG presentation attributes.
type paint struct {
	fill, stroke, width, dash, text string
}

// with applies a Mermaid classDef style ("fill:#e3f2fd,stroke:#1565c0,
// stroke-width:3px"), so the SVG takes its colours from the same table as
// Mermaid and DOT.
func (p paint) with(mermaid string) paint {
	for _, kv := range strings.Split(mermaid, ",") {
		k, v, _ := strings.Cut(kv, ":")
		switch k {
		case "fill":
			p.fill = v
		case "stroke":
			p.stroke = v
		case "stroke-width":
			p.width = strings.TrimSuffix(v, "px")
		case "stroke-dasharray":
			p.dash = v
		case "color":
			p.text = v
		}
	}
	return p
}

func (p paint) attrs() string {
	s := ` fill="` + p.fill + `" stroke="` + p.stroke + `" stroke-width="` + p.width + `"`
	if p.dash != "" {
		s += ` stroke-dasharray="` + p.dash + `"`
	}
	return s
}

// attr writes name="value", the value XML-escaped.
func attr(b *strings.Builder, name, value string) {
	b.WriteString(" " + name + `="`)
	text(b, value)
	b.WriteString(`"`)
}

// text writes s XML-escaped; EscapeText also replaces characters XML
// cannot hold with U+FFFD.
func text(b *strings.Builder, s string) {
	xml.EscapeText(b, []byte(s)) // a strings.Builder does not fail
}

func pt(p point) string { return num(p.x) + "," + num(p.y) }

// num writes a coordinate to a tenth of a unit, enough for the eye and
// short in the output.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10+0.5*sign(f)))/10, 'f', -1, 64)
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
