package clienttest

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// answerEndless answers a forwarding question as a service that always has
// one more page (Fault.EndlessPages): each part a full page of fresh
// events, and a total one page past it. Producer faults do not apply.
func (h *Handler) answerEndless(r *http.Request, body []byte, b *bytes.Buffer) *httpError {
	q, e := parseForwarding(r, body)
	if e != nil {
		return e
	}
	size := q.limit
	if size == 0 {
		size = maxLimit // no paginering: as much as one page can hold
	}
	b.WriteString(`{"kundhandelser":[`)
	var delfragor []delfraga
	for pi, part := range q.parter {
		for _, p := range h.producers {
			delfragor = append(delfragor, delfraga{Producent: p.name, Part: q.rawParter[pi], Status: StatusOK, HTTPCode: http.StatusOK})
		}
		var hits []*event
		for _, ev := range h.ordered {
			if h.producers[ev.producer].matches(ev, part, q) {
				hits = append(hits, ev)
			}
		}
		total := 0
		if len(hits) > 0 {
			total = q.offset + 2*size // a part nothing matches has no pages at all
		}
		writeGroupStart(b, pi, q.rawParter[pi], total)
		for i := range min(total, size) {
			// The n-th event of the endless list is the matching events
			// over and over, each round under ids of its own.
			n := q.offset + i
			ev := hits[n%len(hits)]
			k := ev.k
			k.KundhandelseID += "~" + strconv.Itoa(n/len(hits))
			// The zone only writes the producer's own form, not used here.
			again, err := prepare(k, h.producers[ev.producer].version, time.UTC)
			if err != nil {
				return &httpError{status: http.StatusInternalServerError}
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(again.fwd)
		}
		b.WriteString("]}")
	}
	d, err := marshal(delfragor)
	if err != nil {
		return &httpError{status: http.StatusInternalServerError}
	}
	b.WriteString(`],"delfragor":`)
	b.Write(d)
	b.WriteString("}")
	return nil
}
