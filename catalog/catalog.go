package catalog

import (
	"encoding/json"
	"slices"

	"github.com/aterkoppling/minaarenden"
)

// Catalog is a kundhändelsetypskatalog: the producentärendetyper (kinds of
// case) producers report on, the kundhändelsetyper (steps) in each, and how
// the steps follow each other. Build one with Load, LoadFS or Parse, which
// validate it; a Catalog is read-only afterwards and safe for concurrent use.
type Catalog struct {
	Producentarendetyper []*Producentarendetyp `json:"producentarendetyper"`

	// Extra keeps top-level keys this SDK does not know.
	Extra map[string]json.RawMessage `json:"-"`

	types map[string]*Producentarendetyp        // by id, "SKV.ARBETSGIVARE"
	steps map[minaarenden.Kundhandelsetyp]*Step // by full id
}

// Producentarendetyp is one kind of case, e.g. SKV.ARBETSGIVARE "Registrera
// arbetsgivare", with its steps and its flow.
type Producentarendetyp struct {
	ID          string   `json:"id"` // PRODUCENT.ARENDETYP
	Namn        string   `json:"namn"`
	Beskrivning string   `json:"beskrivning,omitempty"`
	Producenter []string `json:"producenter,omitempty"`
	// Kundhandelsetyper are the steps, in the order pictures and flow.Steg
	// list them.
	Kundhandelsetyper []*Step `json:"kundhandelsetyper"`
	// Flode is the union flow across every producer of the type.
	Flode Flode `json:"flode"`
	// Varianter are per-producer slices of the union flow, for types many
	// producers (kommuner) share.
	Varianter []Variant `json:"varianter,omitempty"`

	// Extra keeps keys this SDK does not know, so a catalog passes through
	// unchanged.
	Extra map[string]json.RawMessage `json:"-"`

	graphs *graphs // built at load time; nil for a type built by hand
}

// Step describes one step of a flow — one kundhändelsetyp of the catalog,
// named apart from the root package's Kundhandelsetyp, which is only its id:
// the SKALL fields (namn, id, behörighet,
// api) and the KAN fields (rubrik, beskrivning, dokumentation).
type Step struct {
	ID          minaarenden.Kundhandelsetyp `json:"id"`
	Namn        string                      `json:"namn"`
	Rubrik      string                      `json:"rubrik,omitempty"`
	Beskrivning string                      `json:"beskrivning,omitempty"`
	// Kundatgard marks a step where the customer has the ball.
	Kundatgard bool `json:"kundatgard"`
	// Klart marks a step that finishes the case.
	Klart         bool   `json:"klart"`
	Behorighet    string `json:"behorighet,omitempty"`
	API           string `json:"api,omitempty"`
	Dokumentation string `json:"dokumentation,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Flode is a flow graph: where a case starts, which step may follow which
// (cycles allowed, for komplettering loops), and where it ends.
type Flode struct {
	Start      []minaarenden.Kundhandelsetyp `json:"start"`
	Overgangar []Overgang                    `json:"overgangar"`
	Slut       []minaarenden.Kundhandelsetyp `json:"slut"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Overgang is one transition, [from, to] on the wire.
type Overgang [2]minaarenden.Kundhandelsetyp

// Variant is one producer's slice of a shared type: the steps it uses and,
// optionally, its own transitions (otherwise the union's transitions between
// its steps).
type Variant struct {
	Producent         string                        `json:"producent"`
	Kundhandelsetyper []minaarenden.Kundhandelsetyp `json:"kundhandelsetyper"`
	Overgangar        []Overgang                    `json:"overgangar,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Type returns the producentärendetyp with the given id ("SKV.ARBETSGIVARE").
func (c *Catalog) Type(id string) (*Producentarendetyp, bool) {
	t, ok := c.types[id]
	return t, ok
}

// Step returns the kundhändelsetyp with the given full id.
func (c *Catalog) Step(id minaarenden.Kundhandelsetyp) (*Step, bool) {
	s, ok := c.steps[id]
	return s, ok
}

// Producers returns, for each producer the catalog names (in producenter
// or a variant), the ids of the producentärendetyper it reports on, as
// kundhandelseTyp prefixes ("SKV.MOMS" covers "SKV.MOMS.INLAMNAD"): the
// registry aggregate.Options.Producers wants for the spoof guard of a
// forwarding service, kept by the catalog because that is where the
// standard says who reports on what. The map is the caller's to change.
func (c *Catalog) Producers() map[string][]minaarenden.Kundhandelsetyp {
	m := make(map[string][]minaarenden.Kundhandelsetyp)
	add := func(producent, typ string) {
		t := minaarenden.Kundhandelsetyp(typ)
		if !slices.Contains(m[producent], t) {
			m[producent] = append(m[producent], t)
		}
	}
	for _, t := range c.Producentarendetyper {
		for _, p := range t.Producenter {
			add(p, t.ID)
		}
		for _, v := range t.Varianter {
			add(v.Producent, t.ID)
		}
	}
	return m
}

// index builds the lookup maps; loading calls it after validation.
func (c *Catalog) index() {
	c.types = make(map[string]*Producentarendetyp, len(c.Producentarendetyper))
	c.steps = make(map[minaarenden.Kundhandelsetyp]*Step)
	for _, t := range c.Producentarendetyper {
		c.types[t.ID] = t
		for _, s := range t.Kundhandelsetyper {
			c.steps[s.ID] = s
		}
		t.resolve()
	}
}

// Variant returns the slice of producent, if the type has one.
func (t *Producentarendetyp) Variant(producent string) (*Variant, bool) {
	for i := range t.Varianter {
		if t.Varianter[i].Producent == producent {
			return &t.Varianter[i], true
		}
	}
	return nil, false
}

// Graph returns the flow producent follows: its variant's slice when it has
// one, the union flow otherwise (producent "" always gets the union).
//
// For a loaded catalog the graphs are built once at load time, so Graph is a
// map lookup that allocates nothing; flow calls it for every instance. The
// returned Graph is shared and must not be modified.
func (t *Producentarendetyp) Graph(producent string) *Graph {
	if t.graphs != nil {
		if g, ok := t.graphs.slices[producent]; ok && producent != "" {
			return g
		}
		return t.graphs.union
	}
	// A type built by hand rather than loaded: resolve on every call.
	if v, ok := t.Variant(producent); ok && producent != "" {
		return t.slice(v)
	}
	return t.union()
}

// graphs caches a loaded type's resolved flows.
type graphs struct {
	union  *Graph
	slices map[string]*Graph // by producent
}

// resolve builds the cached graphs; loading calls it after validation.
func (t *Producentarendetyp) resolve() {
	gs := &graphs{union: t.union(), slices: make(map[string]*Graph, len(t.Varianter))}
	for i := range t.Varianter {
		v := &t.Varianter[i]
		gs.slices[v.Producent] = t.slice(v)
	}
	t.graphs = gs
}

func (t *Producentarendetyp) union() *Graph {
	nodes := make([]minaarenden.Kundhandelsetyp, len(t.Kundhandelsetyper))
	for i, s := range t.Kundhandelsetyper {
		nodes[i] = s.ID
	}
	return newGraph(t, "", nodes, t.Flode.Overgangar)
}

func (t *Producentarendetyp) slice(v *Variant) *Graph {
	// Keep the catalog's step order, whatever order the variant lists.
	var nodes []minaarenden.Kundhandelsetyp
	for _, s := range t.Kundhandelsetyper {
		if slices.Contains(v.Kundhandelsetyper, s.ID) {
			nodes = append(nodes, s.ID)
		}
	}
	// An empty list means the same as a missing one: the JSON form cannot
	// tell them apart once written with omitempty.
	edges := v.Overgangar
	if len(edges) == 0 {
		for _, e := range t.Flode.Overgangar {
			if slices.Contains(nodes, e[0]) && slices.Contains(nodes, e[1]) {
				edges = append(edges, e)
			}
		}
	}
	return newGraph(t, v.Producent, nodes, edges)
}

// Graph is a resolved flow — the union of a type or one producer's slice —
// with nodes numbered in the catalog's step order for fast walking.
type Graph struct {
	Typ       *Producentarendetyp
	Producent string // "" for the union flow

	Nodes []minaarenden.Kundhandelsetyp // in the catalog's step order
	Edges []Overgang                    // in the catalog's edge order
	// Succ[i] lists the successors of Nodes[i] by index, in edge order.
	Succ [][]int
	// Start and End are indexes into Nodes: the union's start and end steps
	// this graph contains.
	Start, End []int

	index map[minaarenden.Kundhandelsetyp]int
	steps []*Step    // parallel to Nodes, for O(1) Step
	kind  []nodeKind // parallel to Nodes, for O(1) IsStart/IsEnd
}

type nodeKind uint8

const (
	kindStart nodeKind = 1 << iota
	kindEnd
)

func newGraph(t *Producentarendetyp, producent string, nodes []minaarenden.Kundhandelsetyp, edges []Overgang) *Graph {
	g := &Graph{Typ: t, Producent: producent, Nodes: nodes, Succ: make([][]int, len(nodes)),
		index: make(map[minaarenden.Kundhandelsetyp]int, len(nodes)),
		steps: make([]*Step, len(nodes)), kind: make([]nodeKind, len(nodes))}
	for i, n := range nodes {
		g.index[n] = i
	}
	for _, s := range t.Kundhandelsetyper {
		if i, ok := g.index[s.ID]; ok {
			g.steps[i] = s
		}
	}
	for _, e := range edges {
		from, ok1 := g.index[e[0]]
		to, ok2 := g.index[e[1]]
		if ok1 && ok2 {
			g.Edges = append(g.Edges, e)
			g.Succ[from] = append(g.Succ[from], to)
		}
	}
	for _, s := range t.Flode.Start {
		if i, ok := g.index[s]; ok {
			g.Start = append(g.Start, i)
			g.kind[i] |= kindStart
		}
	}
	for _, s := range t.Flode.Slut {
		if i, ok := g.index[s]; ok {
			g.End = append(g.End, i)
			g.kind[i] |= kindEnd
		}
	}
	return g
}

// Index returns the position of step in Nodes.
func (g *Graph) Index(step minaarenden.Kundhandelsetyp) (int, bool) {
	i, ok := g.index[step]
	return i, ok
}

// IsStart reports whether node i is a start step.
func (g *Graph) IsStart(i int) bool { return g.kind[i]&kindStart != 0 }

// IsEnd reports whether node i is an end step.
func (g *Graph) IsEnd(i int) bool { return g.kind[i]&kindEnd != 0 }

// Step returns the catalog's description of node i.
func (g *Graph) Step(i int) *Step { return g.steps[i] }
