package report

import (
	"bufio"
	"context"
	"encoding/json"
	"io"

	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
)

// Report is the contract document.
type Report struct {
	Complete bool             `json:"complete"`
	Sources  []Source         `json:"sources"`
	Arenden  []*flow.Instance `json:"arenden"`
}

// Source is how one (source, part) fared: the public face of an
// aggregate.Outcome.
type Source struct {
	Producent string           `json:"producent"`
	Status    aggregate.Status `json:"status"`
	HTTPCode  int              `json:"httpCode"`
	Events    int              `json:"events"`
	Error     string           `json:"error"` // "" when ok; masked, no URL query
}

// New places res's events with cat, counting as answered only the
// producers res heard (aggregate.Result.Answered), so an expected case of
// any other producer is okand, and reports them with res's sources.
// expected may be nil.
func New(cat *catalog.Catalog, res *aggregate.Result, expected []flow.Expected) *Report {
	arenden := flow.Place(cat, res.Events, &flow.Options{Expected: expected, Answered: res.Answered()})
	return &Report{Complete: res.Complete(), Sources: Sources(res), Arenden: arenden}
}

// Sources returns one Source per outcome of res, in order: for a caller
// that places events itself (part by part, say) and builds the Report.
func Sources(res *aggregate.Result) []Source {
	out := make([]Source, len(res.Outcomes))
	for i, o := range res.Outcomes {
		out[i] = Source{Producent: o.Producent, Status: o.Status, HTTPCode: o.HTTPCode, Events: o.Events, Error: o.ErrorMessage()}
	}
	return out
}

// Failed counts the sources that did not answer fully: neither ok nor
// skipped by routing.
func (r *Report) Failed() int {
	n := 0
	for _, s := range r.Sources {
		if s.Status != aggregate.StatusOK && s.Status != aggregate.StatusSkipped {
			n++
		}
	}
	return n
}

// WriteJSON writes the report as indented JSON, the same bytes as
// json.Encoder with SetIndent("", "  ") (but [] for a nil list), encoding
// one case at a time so
// that a report of many cases is never held in memory as a whole. It stops
// with ctx's error between cases once ctx is done, leaving the document
// unfinished: a reader sees invalid JSON, never a short list that parses.
func (r *Report) WriteJSON(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	sources := r.Sources
	if sources == nil {
		sources = []Source{}
	}
	src, err := json.MarshalIndent(sources, "  ", "  ")
	if err != nil {
		return err
	}
	complete := "false"
	if r.Complete {
		complete = "true"
	}
	bw.WriteString("{\n  \"complete\": " + complete + ",\n  \"sources\": ")
	bw.Write(src)
	bw.WriteString(",\n  \"arenden\": [")
	for i, in := range r.Arenden {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		b, err := json.MarshalIndent(in, "    ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		if _, err := bw.Write(b); err != nil {
			return err // the writer failed: stop encoding
		}
	}
	if len(r.Arenden) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}
