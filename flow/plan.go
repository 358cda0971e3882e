package flow

import (
	"github.com/aterkoppling/minaarenden/catalog"
)

// plan is one graph (a type's union flow or one producer's slice) with
// everything placement asks of it precomputed, so walking an instance costs
// a few slice lookups per event. Place builds one per (type, producent) and
// shares it across every instance of that pair.
type plan struct {
	g          *catalog.Graph
	isStart    []bool
	isEnd      []bool
	kundatgard []bool
	// parent[s][t] is t's predecessor on the shortest path from s to t,
	// -1 when t is unreachable from s; parent[s][s] == s. BFS visits
	// successors in edge order, so ties go to the earlier edge (rule 6).
	parent [][]int32
	// toEnd[i] is the shortest path from i (exclusive) to the nearest end
	// (inclusive); nil when no end is reachable or i is an end.
	toEnd [][]int
	// fromStart is parent for a BFS seeded with every start node in the
	// catalog's start order, for "the shortest path from a start".
	fromStart []int32
	// startToEnd is the shortest start→end path, both inclusive.
	startToEnd []int
}

func newPlan(g *catalog.Graph) *plan {
	n := len(g.Nodes)
	p := &plan{g: g, isStart: make([]bool, n), isEnd: make([]bool, n), kundatgard: make([]bool, n),
		parent: make([][]int32, n), toEnd: make([][]int, n)}
	for _, i := range g.Start {
		p.isStart[i] = true
	}
	for _, i := range g.End {
		p.isEnd[i] = true
	}
	for i := range n {
		if s := g.Step(i); s != nil {
			p.kundatgard[i] = s.Kundatgard
		}
	}
	queue := make([]int, 0, n)
	for s := range n {
		var order []int
		p.parent[s], order = p.bfs([]int{s}, queue)
		for _, t := range order[1:] { // order is by distance, ties by edge order
			if p.isEnd[t] && !p.isEnd[s] {
				p.toEnd[s] = p.path(p.parent[s], t)[1:]
				break
			}
		}
	}
	var order []int
	p.fromStart, order = p.bfs(g.Start, queue)
	for _, t := range order {
		if p.isEnd[t] {
			p.startToEnd = p.path(p.fromStart, t)
			break
		}
	}
	return p
}

// bfs runs a breadth-first search from sources, visiting successors in edge
// order. It returns the parent array (sources are their own parent) and the
// nodes in the order they were discovered.
func (p *plan) bfs(sources []int, queue []int) ([]int32, []int) {
	parent := make([]int32, len(p.g.Nodes))
	for i := range parent {
		parent[i] = -1
	}
	queue = queue[:0]
	for _, s := range sources {
		if parent[s] < 0 {
			parent[s] = int32(s)
			queue = append(queue, s)
		}
	}
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		for _, v := range p.g.Succ[u] {
			if parent[v] < 0 {
				parent[v] = int32(u)
				queue = append(queue, v)
			}
		}
	}
	return parent, append([]int(nil), queue...)
}

// path follows parent back from t and returns the path source…t, both
// inclusive; nil when t was not reached. A source is its own parent.
func (p *plan) path(parent []int32, t int) []int {
	if parent[t] < 0 {
		return nil
	}
	var rev []int
	for {
		rev = append(rev, t)
		u := int(parent[t])
		if u == t {
			break
		}
		t = u
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// isEdge reports whether to is a successor of from.
func (p *plan) isEdge(from, to int) bool {
	for _, v := range p.g.Succ[from] {
		if v == to {
			return true
		}
	}
	return false
}
