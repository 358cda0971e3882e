package catalog

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The layered (Sugiyama-style) layout SVG draws: cycles broken by a
// depth-first search from the start steps, so a komplettering loop's
// closing edge becomes a back edge; longest-path layers with the start at
// the top and finishing steps at the bottom; crossings reduced by
// barycenter sweeps; x coordinates pulled towards each node's neighbours.
// Every step is deterministic: the same graph gives the same picture.

// Sizes, in SVG user units (pixels at scale 1).
const (
	nodeWidth    = 220.0
	lineHeight   = 16.0
	idHeight     = 14.0 // the line with the step's id segment
	nodePadding  = 10.0 // above and below the text
	layerGap     = 44.0 // between the bottom of one layer and the top of the next
	nodeGap      = 28.0 // between two nodes of a layer
	dummyWidth   = 10.0 // a long edge's waypoint
	dummyGap     = 16.0
	margin       = 12.0
	loopRoom     = 44.0 // right of the drawing, for back edges and self-loops
	wrapRunes    = 24   // characters on one label line, about 180 px at 13 px
	maxLabelRows = 3
	sweeps       = 8 // barycenter down-and-up passes at most
	placePasses  = 6 // coordinate passes
)

// The largest flow SVG draws. Layout time and picture size grow with the
// steps, the edges and the waypoints long edges need (one per layer an
// edge crosses), so a flow beyond any of these is refused up front, before
// anything is allocated for it. The sample catalog's largest flow has 12
// steps; a readable picture has far fewer than these.
const (
	maxFlowSteps     = 500
	maxFlowEdges     = 2000
	maxFlowWaypoints = 5000
)

type point struct{ x, y float64 }

// flowLayout is where everything goes. Node i is g.Nodes[i].
type flowLayout struct {
	width, height float64
	nodeHeight    float64
	centre        []point    // per node
	lines         [][]string // per node: the namn, wrapped
	routes        []route    // per edge of g.Edges
}

// route is one edge's way from its source's border to its target's.
type route struct {
	from, to int
	// points run from the source to the target: its port, the waypoints
	// through the layers between, the target's port.
	points []point
	back   bool // against the layering: the edge closing a loop
	self   bool // from a step to itself
}

// layoutGraph lays g out, or refuses a graph over the caps above with an
// error wrapping ErrFlowTooLarge.
func layoutGraph(g *Graph) (*flowLayout, error) {
	n := len(g.Nodes)
	if n > maxFlowSteps {
		return nil, fmt.Errorf("%w: %d steps, more than %d", ErrFlowTooLarge, n, maxFlowSteps)
	}
	if len(g.Edges) > maxFlowEdges {
		return nil, fmt.Errorf("%w: %d övergångar, more than %d", ErrFlowTooLarge, len(g.Edges), maxFlowEdges)
	}
	l := &flowLayout{centre: make([]point, n), lines: make([][]string, n), routes: make([]route, len(g.Edges))}
	rows := 1
	for i := range g.Nodes {
		namn, _ := label(g, i)
		l.lines[i] = wrap(oneLine(namn), wrapRunes, maxLabelRows)
		rows = max(rows, len(l.lines[i]))
	}
	l.nodeHeight = float64(rows)*lineHeight + idHeight + 2*nodePadding

	for k, e := range g.Edges {
		from, _ := g.Index(e[0])
		to, _ := g.Index(e[1])
		l.routes[k] = route{from: from, to: to, self: from == to}
	}
	preorder, finish := breakCycles(g, l.routes)
	layer := assignLayers(g, l.routes, finish)
	waypoints := 0
	for _, r := range l.routes {
		a, b := r.from, r.to
		if r.back {
			a, b = b, a
		}
		if !r.self {
			waypoints += max(0, layer[b]-layer[a]-1)
		}
	}
	if waypoints > maxFlowWaypoints {
		return nil, fmt.Errorf("%w: its long övergångar need %d waypoints, more than %d", ErrFlowTooLarge, waypoints, maxFlowWaypoints)
	}

	// The layered graph: the nodes, then a waypoint per layer a long edge
	// crosses. Edges run downwards only, back edges reversed.
	lg := &layered{layer: layer, width: slices.Repeat([]float64{nodeWidth}, n)}
	lg.up = make([][]int, n)
	lg.down = make([][]int, n)
	chains := make([][]int, len(l.routes))
	for k, r := range l.routes {
		if r.self {
			continue
		}
		a, b := r.from, r.to
		if r.back {
			a, b = b, a
		}
		chain := []int{a}
		for ly := layer[a] + 1; ly < layer[b]; ly++ {
			chain = append(chain, lg.add(ly))
		}
		chain = append(chain, b)
		for j := 1; j < len(chain); j++ {
			lg.down[chain[j-1]] = append(lg.down[chain[j-1]], chain[j])
			lg.up[chain[j]] = append(lg.up[chain[j]], chain[j-1])
		}
		chains[k] = chain
	}
	lg.order(preorder)
	lg.place()

	right := 0.0
	for v, x := range lg.x {
		right = max(right, x+lg.width[v]/2)
	}
	y := func(ly int) float64 { return margin + float64(ly)*(l.nodeHeight+layerGap) + l.nodeHeight/2 }
	for i := range n {
		l.centre[i] = point{lg.x[i], y(layer[i])}
	}
	half := l.nodeHeight / 2
	for k := range l.routes {
		r := &l.routes[k]
		if r.self {
			continue
		}
		// A waypoint is a vertical run through its layer's band, so a
		// long edge passes beside the nodes of that layer, never across.
		var pts []point
		for _, v := range chains[k] {
			p := point{lg.x[v], y(lg.layer[v])}
			if v >= n {
				pts = append(pts, point{p.x, p.y - half}, point{p.x, p.y + half})
				continue
			}
			pts = append(pts, p)
		}
		// A back edge leaves its source's top and enters its target's
		// bottom a quarter width off the centre, on the side its source
		// lies, so it runs beside the forward edge of the same loop
		// instead of on top of it or across it.
		if r.back {
			slices.Reverse(pts)
			dx := nodeWidth / 4
			if l.centre[r.from].x < l.centre[r.to].x {
				dx = -dx
			}
			pts[0].x += dx
			pts[0].y -= half
			pts[len(pts)-1].x += dx
			pts[len(pts)-1].y += half
		} else {
			pts[0].y += half
			pts[len(pts)-1].y -= half
		}
		r.points = pts
	}
	maxLayer := 0
	for _, ly := range layer {
		maxLayer = max(maxLayer, ly)
	}
	l.width = right + loopRoom
	l.height = y(maxLayer) + half + margin
	return l, nil
}

// breakCycles marks back edges: a depth-first search from the start steps
// (then from any node not yet reached, for a graph built by hand) follows
// edges in the catalog's order, and an edge to a node still on the search
// path closes a cycle. It returns the nodes in the order first reached and
// each node's finishing number; reversing the back edges leaves a graph in
// which every edge runs from a higher finishing number to a lower one.
func breakCycles(g *Graph, routes []route) (preorder []int, finish []int) {
	n := len(g.Nodes)
	out := make([][]int, n) // edge indexes by source, in edge order
	for k, r := range routes {
		out[r.from] = append(out[r.from], k)
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, n)
	finish = make([]int, n)
	clock := 0
	// An explicit stack, so a long chain cannot exhaust the goroutine stack.
	type frame struct{ node, next int }
	visit := func(root int) {
		if state[root] != unseen {
			return
		}
		state[root] = onPath
		preorder = append(preorder, root)
		stack := []frame{{root, 0}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(out[top.node]) {
				state[top.node] = done
				finish[top.node] = clock
				clock++
				stack = stack[:len(stack)-1]
				continue
			}
			k := out[top.node][top.next]
			top.next++
			switch to := routes[k].to; state[to] {
			case onPath:
				routes[k].back = !routes[k].self
			case unseen:
				state[to] = onPath
				preorder = append(preorder, to)
				stack = append(stack, frame{to, 0})
			}
		}
	}
	for _, s := range g.Start {
		visit(s)
	}
	for i := range n {
		visit(i)
	}
	return preorder, finish
}

// assignLayers gives each node the length of the longest path to it from a
// node without predecessors, back edges reversed; then steps that finish
// the case and lead nowhere go down to the bottom layer, below every other.
func assignLayers(g *Graph, routes []route, finish []int) []int {
	n := len(g.Nodes)
	topo := make([]int, n) // decreasing finishing number is a topological order
	for i, f := range finish {
		topo[n-1-f] = i
	}
	succ := make([][]int, n)
	for _, r := range routes {
		switch {
		case r.self:
		case r.back:
			succ[r.to] = append(succ[r.to], r.from)
		default:
			succ[r.from] = append(succ[r.from], r.to)
		}
	}
	layer := make([]int, n)
	bottom := 0
	for _, a := range topo {
		for _, b := range succ[a] {
			layer[b] = max(layer[b], layer[a]+1)
		}
		bottom = max(bottom, layer[a])
	}
	sink := make([]bool, n) // an end step that leads nowhere
	for _, i := range g.End {
		sink[i] = len(succ[i]) == 0
	}
	// The bottom row is the ends' own: a step that loops back (a
	// komplettering) must not sit beside them.
	for i := range n {
		if !sink[i] && layer[i] == bottom && len(g.End) > 0 {
			bottom++
			break
		}
	}
	for i := range n {
		if sink[i] {
			layer[i] = bottom
		}
	}
	return layer
}

// layered is the proper layered graph: every edge joins adjacent layers.
// Vertices 0..n-1 are the nodes, the rest waypoints of long edges.
type layered struct {
	layer    []int
	width    []float64
	up, down [][]int // neighbours in the layer above and below
	layers   [][]int // vertices per layer, left to right
	pos      []int   // a vertex's index in its layer
	x        []float64
	key      []float64 // per vertex, sortByBarycenter's scratch
}

func (lg *layered) add(layer int) int {
	lg.layer = append(lg.layer, layer)
	lg.width = append(lg.width, dummyWidth)
	lg.up = append(lg.up, nil)
	lg.down = append(lg.down, nil)
	return len(lg.layer) - 1
}

// order sets the left-to-right order in each layer: first the nodes in the
// order the search reached them, waypoints after, then barycenter sweeps
// down and up, keeping the order with the fewest crossings (the first one
// found, on ties).
func (lg *layered) order(preorder []int) {
	maxLayer := 0
	for _, ly := range lg.layer {
		maxLayer = max(maxLayer, ly)
	}
	lg.layers = make([][]int, maxLayer+1)
	for _, v := range preorder {
		lg.layers[lg.layer[v]] = append(lg.layers[lg.layer[v]], v)
	}
	for v := len(preorder); v < len(lg.layer); v++ {
		lg.layers[lg.layer[v]] = append(lg.layers[lg.layer[v]], v)
	}
	lg.pos = make([]int, len(lg.layer))
	lg.index()

	best, bestCross := lg.snapshot(), lg.crossings()
	for range sweeps {
		if bestCross == 0 {
			break
		}
		for ly := 1; ly < len(lg.layers); ly++ {
			lg.sortByBarycenter(ly, lg.up)
		}
		for ly := len(lg.layers) - 2; ly >= 0; ly-- {
			lg.sortByBarycenter(ly, lg.down)
		}
		if c := lg.crossings(); c < bestCross {
			best, bestCross = lg.snapshot(), c
		}
	}
	lg.layers = best
	lg.index()
}

func (lg *layered) index() {
	for _, vs := range lg.layers {
		for i, v := range vs {
			lg.pos[v] = i
		}
	}
}

func (lg *layered) snapshot() [][]int {
	s := make([][]int, len(lg.layers))
	for i, vs := range lg.layers {
		s[i] = slices.Clone(vs)
	}
	return s
}

// sortByBarycenter orders layer ly by the mean position of each vertex's
// neighbours in the adjacent layer; a vertex without any keeps its place.
// The sort is stable, so ties keep the current order.
func (lg *layered) sortByBarycenter(ly int, adj [][]int) {
	vs := lg.layers[ly]
	if lg.key == nil {
		lg.key = make([]float64, len(lg.layer))
	}
	key := lg.key
	for _, v := range vs {
		key[v] = float64(lg.pos[v])
		if len(adj[v]) > 0 {
			sum := 0
			for _, u := range adj[v] {
				sum += lg.pos[u]
			}
			key[v] = float64(sum) / float64(len(adj[v]))
		}
	}
	slices.SortStableFunc(vs, func(a, b int) int {
		switch {
		case key[a] < key[b]:
			return -1
		case key[a] > key[b]:
			return 1
		}
		return 0
	})
	for i, v := range vs {
		lg.pos[v] = i
	}
}

// crossings counts pairs of edges that cross between adjacent layers: with
// the edges between two layers sorted by their upper end, then their lower
// end, each pair crossing is an inversion of the lower ends, counted with a
// Fenwick tree in O(e log v) rather than by comparing every pair.
func (lg *layered) crossings() int {
	total := 0
	var segs [][2]int
	var tree []int // tree[i]: lower ends seen so far, Fenwick-indexed from 1
	for ly := 0; ly+1 < len(lg.layers); ly++ {
		segs = segs[:0]
		for _, u := range lg.layers[ly] {
			for _, v := range lg.down[u] {
				segs = append(segs, [2]int{lg.pos[u], lg.pos[v]})
			}
		}
		slices.SortFunc(segs, func(a, b [2]int) int {
			if a[0] != b[0] {
				return a[0] - b[0]
			}
			return a[1] - b[1]
		})
		width := len(lg.layers[ly+1])
		tree = slices.Grow(tree[:0], width+1)[:width+1]
		clear(tree)
		for seen, s := range segs {
			// Edges seen before with a lower end right of s's cross it.
			atMost := 0
			for i := s[1] + 1; i > 0; i -= i & -i {
				atMost += tree[i]
			}
			total += seen - atMost
			for i := s[1] + 1; i <= width; i += i & -i {
				tree[i]++
			}
		}
	}
	return total
}

// place gives each vertex its x: packed from the left, then passes that
// move every vertex towards the mean x of its neighbours above (going
// down), below (going up) and finally both, as close as the order and the
// gaps allow. The drawing is then shifted to start at the margin.
func (lg *layered) place() {
	lg.x = make([]float64, len(lg.layer))
	for _, vs := range lg.layers {
		x := 0.0
		for i, v := range vs {
			if i > 0 {
				x += lg.sep(vs[i-1], v)
			}
			lg.x[v] = x
		}
	}
	both := make([][]int, len(lg.layer))
	for v := range both {
		both[v] = append(slices.Clone(lg.up[v]), lg.down[v]...)
	}
	for range placePasses {
		for ly := 1; ly < len(lg.layers); ly++ {
			lg.pull(ly, lg.up)
		}
		for ly := len(lg.layers) - 2; ly >= 0; ly-- {
			lg.pull(ly, lg.down)
		}
	}
	for ly := range lg.layers {
		lg.pull(ly, both)
	}
	left := 0.0
	for v, x := range lg.x {
		if l := x - lg.width[v]/2; v == 0 || l < left {
			left = l
		}
	}
	for v := range lg.x {
		lg.x[v] += margin - left
	}
}

// sep is the least distance between the centres of neighbours a and b.
func (lg *layered) sep(a, b int) float64 {
	gap := nodeGap
	if lg.width[a] == dummyWidth || lg.width[b] == dummyWidth {
		gap = dummyGap
	}
	return (lg.width[a]+lg.width[b])/2 + gap
}

// pull moves the vertices of layer ly as near their wished x (the mean of
// their neighbours' in adj) as keeping their order and gaps allows, in the
// least-squares sense: with c the running sum of the gaps, x-c must not
// decrease along the layer, which pool-adjacent-violators solves exactly.
func (lg *layered) pull(ly int, adj [][]int) {
	vs := lg.layers[ly]
	type block struct {
		sum   float64
		count int
	}
	offset := make([]float64, len(vs))
	blocks := make([]block, 0, len(vs))
	for i, v := range vs {
		if i > 0 {
			offset[i] = offset[i-1] + lg.sep(vs[i-1], v)
		}
		wish := lg.x[v]
		if len(adj[v]) > 0 {
			wish = 0
			for _, u := range adj[v] {
				wish += lg.x[u]
			}
			wish /= float64(len(adj[v]))
		}
		blocks = append(blocks, block{wish - offset[i], 1})
		// Merge while the last block's mean is below the one before it.
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.count) <= b.sum/float64(b.count) {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{a.sum + b.sum, a.count + b.count})
		}
	}
	i := 0
	for _, b := range blocks {
		mean := b.sum / float64(b.count)
		for range b.count {
			lg.x[vs[i]] = mean + offset[i]
			i++
		}
	}
}

// wrap breaks s into lines of at most width runes at spaces, a word longer
// than a line cut; beyond rows lines the last one ends in "…".
func wrap(s string, width, rows int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		for utf8.RuneCountInString(word) > width {
			if line != "" {
				lines = append(lines, line)
				line = ""
			}
			cut := byteIndex(word, width)
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > rows {
		last := lines[rows-1]
		if utf8.RuneCountInString(last) >= width {
			last = last[:byteIndex(last, width-1)]
		}
		lines = append(lines[:rows-1], last+"…")
	}
	return lines
}

// byteIndex is the byte offset of the n-th rune of s.
func byteIndex(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
