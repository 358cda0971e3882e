package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
)

// ValidationError is one problem in a catalog, naming the producentärendetyp
// and, where there is one, the producer's variant and the node.
type ValidationError struct {
	Typ       string                      // the type's id, or "producentarendetyper[i]" when it has none
	Producent string                      // the variant's producer; "" for the union flow
	Node      minaarenden.Kundhandelsetyp // the step concerned; "" for the type as a whole
	Reason    string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("catalog: type ")
	b.WriteString(quote(e.Typ))
	if e.Producent != "" {
		b.WriteString(", producent ")
		b.WriteString(quote(e.Producent))
	}
	if e.Node != "" {
		b.WriteString(", node ")
		b.WriteString(quote(string(e.Node)))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// quote makes a catalog string safe for an error line: quoted, escaped and
// cut to a readable length, since it may come from any file.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// validate checks every rule of the format (package doc) and returns the problems in
// catalog order: per type its id, steps, flow, reachability, then variants.
func validate(c *Catalog) []error {
	var errs []error
	for i, t := range c.Producentarendetyper {
		if t == nil {
			errs = append(errs, &ValidationError{Typ: fmt.Sprintf("producentarendetyper[%d]", i), Reason: "is null"})
			continue
		}
		v := typeValidator{t: t, name: t.ID}
		if v.name == "" {
			v.name = fmt.Sprintf("producentarendetyper[%d]", i)
		}
		v.check()
		errs = append(errs, v.errs...)
	}
	return errs
}

type typeValidator struct {
	t     *Producentarendetyp
	name  string
	nodes map[minaarenden.Kundhandelsetyp]bool
	// stepsOK is false when a step is null or repeated; the graph cannot be
	// built then, so reachability is not checked.
	stepsOK bool
	errs    []error
}

func (v *typeValidator) fail(producent string, node minaarenden.Kundhandelsetyp, format string, args ...any) {
	v.errs = append(v.errs, &ValidationError{Typ: v.name, Producent: producent, Node: node, Reason: fmt.Sprintf(format, args...)})
}

func (v *typeValidator) check() {
	t := v.t
	id := minaarenden.Kundhandelsetyp(t.ID)
	if err := id.ValidatePrefix(); err != nil {
		v.fail("", "", "malformed id: %s", typReason(err))
	} else if strings.Count(t.ID, ".") != 1 {
		v.fail("", "", "malformed id: a producentärendetyp is PRODUCENT.ARENDETYP, two segments")
	}

	v.nodes = make(map[minaarenden.Kundhandelsetyp]bool, len(t.Kundhandelsetyper))
	v.stepsOK = true
	for j, s := range t.Kundhandelsetyper {
		if s == nil {
			v.stepsOK = false
			v.fail("", "", "kundhandelsetyper[%d] is null", j)
			continue
		}
		if err := s.ID.Validate(); err != nil {
			v.fail("", s.ID, "malformed id: %s", typReason(err))
		} else if s.ID.Producentarendetyp() != t.ID {
			v.fail("", s.ID, "id is outside the type's prefix %s", quote(t.ID))
		}
		if v.nodes[s.ID] {
			v.stepsOK = false
			v.fail("", s.ID, "duplicate id")
		}
		v.nodes[s.ID] = true
	}
	seen := make(map[string]bool, len(t.Producenter))
	for _, p := range t.Producenter {
		switch {
		case p == "":
			v.fail("", "", "producenter has an empty name")
		case p == "." || p == "..":
			// The name is a path segment of the API and the viewer's
			// pages, where these two mean "here" and "up".
			v.fail(p, "", "producent cannot be . or .., which are path segments")
		case seen[p]:
			v.fail(p, "", "producent is listed twice")
		}
		seen[p] = true
	}

	f := t.Flode
	okStart := v.ends("", "start", f.Start, v.nodes)
	okEdges := v.edges("", f.Overgangar, v.nodes, "names an unknown node")
	okSlut := v.ends("", "slut", f.Slut, v.nodes)
	// A step's klart flag and the flow's slut say the same thing twice;
	// flow goes by slut, so a catalog where they differ says two things.
	for _, s := range t.Kundhandelsetyper {
		if s == nil || len(f.Slut) == 0 { // "has no end" says it already
			continue
		}
		switch inSlut := slices.Contains(f.Slut, s.ID); {
		case s.Klart && !inSlut:
			v.fail("", s.ID, "klart is true, but the node is not in slut")
		case !s.Klart && inSlut:
			v.fail("", s.ID, "the node is in slut, but klart is false")
		}
	}
	if okStart && okEdges && okSlut && v.stepsOK {
		v.reach("", v.t.union())
	}

	varianter := make(map[string]bool, len(t.Varianter))
	for k := range t.Varianter {
		v.variant(k, &t.Varianter[k], varianter)
	}
}

// ends checks a start or slut list; it reports whether the flow can be walked.
func (v *typeValidator) ends(producent, what string, ids []minaarenden.Kundhandelsetyp, nodes map[minaarenden.Kundhandelsetyp]bool) bool {
	ok := true
	if len(ids) == 0 {
		ok = false
		if what == "start" {
			v.fail(producent, "", "has no start")
		} else {
			v.fail(producent, "", "has no end (slut)")
		}
	}
	for j, id := range ids {
		if !nodes[id] {
			ok = false
			v.fail(producent, id, "%s names an unknown node", what)
		} else if slices.Contains(ids[:j], id) {
			v.fail(producent, id, "%s lists the node twice", what)
		}
	}
	return ok
}

func (v *typeValidator) edges(producent string, edges []Overgang, nodes map[minaarenden.Kundhandelsetyp]bool, unknown string) bool {
	ok := true
	for j, e := range edges {
		for _, n := range e {
			if !nodes[n] {
				ok = false
				v.fail(producent, n, "overgang [%s, %s] %s", quote(string(e[0])), quote(string(e[1])), unknown)
			}
		}
		if slices.Contains(edges[:j], e) {
			v.fail(producent, e[0], "overgang [%s, %s] is listed twice", quote(string(e[0])), quote(string(e[1])))
		}
	}
	return ok
}

func (v *typeValidator) variant(k int, va *Variant, seen map[string]bool) {
	p := va.Producent
	if p == "" {
		v.fail("", "", "varianter[%d] has no producent", k)
		return
	}
	if seen[p] {
		v.fail(p, "", "producent has two variants")
		return
	}
	seen[p] = true
	if !slices.Contains(v.t.Producenter, p) {
		v.fail(p, "", "the variant's producent is not listed in producenter")
	}
	if len(va.Kundhandelsetyper) == 0 {
		v.fail(p, "", "the variant has no kundhandelsetyper")
		return
	}
	nodes := make(map[minaarenden.Kundhandelsetyp]bool, len(va.Kundhandelsetyper))
	ok := true
	for _, n := range va.Kundhandelsetyper {
		switch {
		case !v.nodes[n]:
			ok = false
			v.fail(p, n, "the variant names an unknown node")
		case nodes[n]:
			v.fail(p, n, "the variant lists the node twice")
		}
		nodes[n] = true
	}
	if !v.edges(p, va.Overgangar, nodes, "names a node outside the variant") || !ok || !v.stepsOK {
		return
	}
	g := v.t.slice(va)
	if len(g.Start) == 0 {
		v.fail(p, "", "the variant contains no start node of the type")
	}
	if len(g.End) == 0 {
		v.fail(p, "", "the variant contains no end (slut) node of the type")
	}
	if len(g.Start) > 0 && len(g.End) > 0 {
		v.reach(p, g)
	}
}

// reach reports every node not reachable from a start and every node from
// which no end is reachable, in node order.
func (v *typeValidator) reach(producent string, g *Graph) {
	fwd := walk(len(g.Nodes), g.Start, g.Succ)
	pred := make([][]int, len(g.Nodes))
	for from, succ := range g.Succ {
		for _, to := range succ {
			pred[to] = append(pred[to], from)
		}
	}
	back := walk(len(g.Nodes), g.End, pred)
	for i, n := range g.Nodes {
		if !fwd[i] {
			v.fail(producent, n, "unreachable from every start")
		}
		if !back[i] {
			v.fail(producent, n, "no end (slut) is reachable from it")
		}
	}
}

// walk marks every node reachable from roots along next.
func walk(n int, roots []int, next [][]int) []bool {
	seen := make([]bool, n)
	stack := slices.Clone(roots)
	for _, r := range roots {
		seen[r] = true
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range next[i] {
			if !seen[j] {
				seen[j] = true
				stack = append(stack, j)
			}
		}
	}
	return seen
}

// typReason keeps the root package's reason without its prefix and the
// (already named) id.
func typReason(err error) string {
	if te, ok := err.(*minaarenden.TypError); ok {
		return "it " + te.Reason
	}
	return err.Error()
}
