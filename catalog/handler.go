package catalog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/aterkoppling/minaarenden"
)

// TypeSummary is one producentärendetyp in the answer to
// GET /producenter/{producent}/producentarendetyper.
type TypeSummary struct {
	ID          string   `json:"id"`
	Namn        string   `json:"namn"`
	Beskrivning string   `json:"beskrivning,omitempty"`
	Producenter []string `json:"producenter,omitempty"`
	// Variant is true when the producer follows its own slice of the flow.
	Variant bool `json:"variant"`
}

// ProducerAnswer is the answer to GET /producenter/{producent}/producentarendetyper.
type ProducerAnswer struct {
	Producent            string        `json:"producent"`
	Producentarendetyper []TypeSummary `json:"producentarendetyper"`
}

// FlowAnswer is the answer to GET /producentarendetyper/{id}/flode: a type
// entry of the catalog format cut to one flow, so the union when Producent
// is empty, else that producer's slice with its start, edges and end.
type FlowAnswer struct {
	ID                string  `json:"id"`
	Namn              string  `json:"namn"`
	Beskrivning       string  `json:"beskrivning,omitempty"`
	Producent         string  `json:"producent,omitempty"`
	Kundhandelsetyper []*Step `json:"kundhandelsetyper"`
	Flode             Flode   `json:"flode"`
}

// StepsAnswer is the answer to GET /kundhandelsetyper?id=…: the known steps
// in the order asked, and the ids the catalog does not hold.
type StepsAnswer struct {
	Kundhandelsetyper []*Step                       `json:"kundhandelsetyper"`
	Saknas            []minaarenden.Kundhandelsetyp `json:"saknas,omitempty"`
}

// errorAnswer is the body of every 4xx answer.
type errorAnswer struct {
	Message string `json:"message"`
}

// maxIDs bounds the ids one GET /kundhandelsetyper may ask for.
const maxIDs = 100

// Handler serves the catalog API of the package doc, read-only, from the root of
// its paths; mount it under a base path with http.StripPrefix:
//
//	mux.Handle("/katalog/", http.StripPrefix("/katalog", catalog.Handler(c)))
//
// Answers are JSON; errors are 400, 404 or 405 with {"message": "…"}.
func Handler(c *Catalog) http.Handler {
	h := &handler{c: c, byProducer: make(map[string][]*Producentarendetyp)}
	for _, t := range c.Producentarendetyper {
		for _, p := range t.Producenter {
			h.byProducer[p] = append(h.byProducer[p], t)
		}
	}
	mux := http.NewServeMux()
	// Patterns without a method, so a wrong method gets our JSON 405
	// rather than ServeMux's plain-text one.
	mux.HandleFunc("/producenter/{producent}/producentarendetyper", readOnly(h.producer))
	mux.HandleFunc("/producentarendetyper/{id}/flode", readOnly(h.flow))
	mux.HandleFunc("/kundhandelsetyper", readOnly(h.steps))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such operation; see the catalog package's documentation")
	})
	return mux
}

type handler struct {
	c          *Catalog
	byProducer map[string][]*Producentarendetyp
}

func readOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed; the catalog API is read-only", r.Method))
			return
		}
		next(w, r)
	}
}

func (h *handler) producer(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("producent")
	types := h.byProducer[p]
	if len(types) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no producentärendetyper for producent %s", quote(p)))
		return
	}
	a := ProducerAnswer{Producent: p, Producentarendetyper: make([]TypeSummary, len(types))}
	for i, t := range types {
		_, variant := t.Variant(p)
		a.Producentarendetyper[i] = TypeSummary{ID: t.ID, Namn: t.Namn, Beskrivning: t.Beskrivning, Producenter: t.Producenter, Variant: variant}
	}
	writeJSON(w, a)
}

func (h *handler) flow(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["producent"]) > 1 {
		writeError(w, http.StatusBadRequest, "the query takes at most one producent")
		return
	}
	id, p := r.PathValue("id"), q.Get("producent")
	t, ok := h.c.Type(id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no producentärendetyp %s", quote(id)))
		return
	}
	if p != "" && !slices.Contains(t.Producenter, p) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("producentärendetyp %s has no producent %s", quote(id), quote(p)))
		return
	}
	writeJSON(w, flowAnswer(t.Graph(p), p))
}

// flowAnswer describes g; producent is the one asked for, which may follow
// the union flow when it has no variant of its own.
func flowAnswer(g *Graph, producent string) FlowAnswer {
	t := g.Typ
	a := FlowAnswer{ID: t.ID, Namn: t.Namn, Beskrivning: t.Beskrivning, Producent: producent,
		Kundhandelsetyper: make([]*Step, len(g.Nodes)),
		Flode:             Flode{Overgangar: slices.Clip(g.Edges)}}
	for i := range g.Nodes {
		a.Kundhandelsetyper[i] = g.Step(i)
	}
	for _, i := range g.Start {
		a.Flode.Start = append(a.Flode.Start, g.Nodes[i])
	}
	for _, i := range g.End {
		a.Flode.Slut = append(a.Flode.Slut, g.Nodes[i])
	}
	if a.Flode.Overgangar == nil {
		a.Flode.Overgangar = []Overgang{}
	}
	return a
}

func (h *handler) steps(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed query")
		return
	}
	asked := q["id"]
	switch {
	case len(asked) == 0:
		writeError(w, http.StatusBadRequest, "ask for at least one id: ?id=PRODUCENT.ARENDETYP.STEG")
		return
	case len(asked) > maxIDs:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("at most %d ids per request", maxIDs))
		return
	}
	a := StepsAnswer{Kundhandelsetyper: []*Step{}}
	var seen []minaarenden.Kundhandelsetyp
	for _, s := range asked {
		id := minaarenden.Kundhandelsetyp(s)
		if err := id.Validate(); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("id %s: %s", quote(s), typReason(err)))
			return
		}
		if slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		if step, ok := h.c.Step(id); ok {
			a.Kundhandelsetyper = append(a.Kundhandelsetyper, step)
		} else {
			a.Saknas = append(a.Saknas, id)
		}
	}
	writeJSON(w, a)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only Extra holding invalid JSON, which loading never stores
		writeError(w, http.StatusInternalServerError, "the catalog cannot be encoded")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, message string) {
	b, _ := json.Marshal(errorAnswer{Message: message})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
