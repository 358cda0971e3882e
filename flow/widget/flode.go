package widget

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// Flode draws one case on its flow, for a portal's case page or a
// <details> under the widget: the flow the case follows (its producer's
// slice of the type, or the whole flow) laid out by catalog.SVG, start at
// the top, each step coloured by its state in the case (done, current,
// skipped, expected, unvisited), in a <figure class="ma-flode"> with a
// caption naming the case.
//
// The picture is inline SVG with presentation attributes only: no script,
// no style element or attribute, all producer text escaped. It works under
// the same Content-Security-Policy as the widget, and the widget's
// stylesheet makes it scale to its container. A case whose type c lacks
// (flow's unknown_type) has no flow to draw: Flode returns "" and no error.
// A flow too large to draw gives an error wrapping catalog.ErrFlowTooLarge;
// Flode lays the flow out on every call, so a portal drawing the same type
// often may keep the picture.
func Flode(c *catalog.Catalog, in *flow.Instance) (template.HTML, error) {
	if c == nil || in == nil {
		return "", nil
	}
	t, ok := c.Type(in.Typ)
	if !ok {
		return "", nil
	}
	var svg strings.Builder
	if err := catalog.SVG(&svg, t.Graph(in.Producent), in.States()); err != nil {
		return "", fmt.Errorf("widget: %w", err)
	}
	namn := t.Namn
	if namn == "" {
		namn = t.ID
	}
	var b strings.Builder
	err := tmpl.ExecuteTemplate(&b, "flode", struct {
		Namn, Producent string
		SVG             template.HTML // catalog.SVG escapes every text it writes
	}{namn, in.Producent, template.HTML(svg.String())})
	if err != nil {
		return "", fmt.Errorf("widget: %w", err)
	}
	return template.HTML(b.String()), nil
}
