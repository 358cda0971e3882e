package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// pager walks the forwarding service's pages for one question. Pagination
// is per part: every page asks the parts not yet complete at the same
// offset, until each part's totaltAntalKundhandelser is reached or a page
// comes back short.
type pager struct {
	c        *Client
	f        minaarenden.Fraga
	corr     string
	version  minaarenden.Version
	outcomes []Outcome
	index    map[outcomeKey]int
	failures []error // distinct failures, in the order they happened
	seen     []map[eventKey]bool
	kept     []int // events kept per part, across pages
	status   int   // of the last page
	attempts int   // of the last page
}

// maxParterPerRequest is how many parter one forwarding question carries:
// the reference implementation's limit (the service's own is unpublished).
// Query and Events split larger questions.
const maxParterPerRequest = 100

type outcomeKey struct {
	producent string
	part      int // index in f.Parter; -1 for a part the service echoed unrecognisably
}

// eventKey identifies an event within one part's pages: by producent and
// kundhandelseId, or, for an event without an id (which the standard does
// not allow), by what the pages are sorted on.
type eventKey struct{ producent, id, content string }

func keyOf(e *minaarenden.Kundhandelse) eventKey {
	if e.KundhandelseID != "" {
		return eventKey{producent: e.Producent, id: e.KundhandelseID}
	}
	return eventKey{producent: e.Producent, content: strings.Join([]string{
		e.Tidpunkt.UTC().Format(time.RFC3339Nano), string(e.Typ), e.Rubrik, e.Beskrivning}, "\x00")}
}

func (c *Client) newPager(f minaarenden.Fraga, corr string) *pager {
	p := &pager{c: c, f: f, corr: corr, index: map[outcomeKey]int{}, seen: make([]map[eventKey]bool, len(f.Parter)), kept: make([]int, len(f.Parter))}
	for i := range p.seen {
		p.seen[i] = map[eventKey]bool{}
	}
	return p
}

// pages yields each page's events, each with Part set to the asked part.
// Outcomes and failures accumulate in p as pages arrive.
func (p *pager) pages(ctx context.Context) iter.Seq[[]minaarenden.Kundhandelse] {
	return func(yield func([]minaarenden.Kundhandelse) bool) {
		pending := make([]int, len(p.f.Parter))
		for i := range pending {
			pending[i] = i
		}
		size := p.c.pageSize
		for page, offset := 0, 0; len(pending) > 0; page, offset = page+1, offset+size {
			if page == p.c.maxPages {
				// A service that always has one more page would hold the
				// question until its deadline, and memory with it.
				p.failParts(pending, p.c.newError(p.status, p.attempts, p.corr,
					fmt.Errorf("%w: %d pages asked of %d each, and parts still had more; paging stopped", ErrTooManyPages, page, size)))
				return
			}
			var more []int
			// The reference service refuses more than maxParterPerRequest
			// parter in one question: ask in chunks, each paging on its own.
			for chunk := range slices.Chunk(pending, maxParterPerRequest) {
				parts := make([]minaarenden.Part, len(chunk))
				for i, idx := range chunk {
					parts[i] = p.f.Parter[idx]
				}
				page, next, ok := p.fetch(ctx, chunk, parts, offset, max(size, 0))
				if len(page) > 0 && !yield(page) {
					return
				}
				if ok {
					more = append(more, next...)
				}
			}
			if size <= 0 {
				return
			}
			pending = more
		}
	}
}

// fetch asks one page for the pending parts and returns its events and the
// parts that have more.
func (p *pager) fetch(ctx context.Context, pending []int, parts []minaarenden.Part, offset, limit int) (page []minaarenden.Kundhandelse, next []int, ok bool) {
	body, err := forwardingBody(p.f, parts, offset, limit)
	if err != nil {
		p.failAll(pending, nil, p.c.newError(0, 0, p.corr, err))
		return nil, nil, false
	}
	ex, err := p.c.post(ctx, body, p.corr, p.c.forwardingHeader(p.corr), okForwarding)
	if ex != nil {
		p.status, p.attempts = ex.status, ex.attempts
	}
	if err != nil {
		p.failAll(pending, ex, err)
		return nil, nil, false
	}
	dec, err := ex.dec, ex.decErr
	if isContextErr(err) {
		p.failAll(pending, ex, p.c.newError(ex.status, ex.attempts, p.corr, err))
		return nil, nil, false
	}
	if err != nil {
		p.failAll(pending, ex, p.c.unreadable(ctx, ex, p.corr, err))
		return nil, nil, false
	}
	if p.version == "" {
		p.version = dec.version
	}

	// Map each group to the part it answers: by the echoed part, else by
	// position (the service answers parts in request order). A group
	// without an echo is placed by position only when the groups are one
	// per part asked: otherwise its events could be given to another
	// person's part.
	matched := make([]bool, len(pending))
	perPart := map[int][]minaarenden.Kundhandelse{}
	totals := map[int]*int{}
	var stalled []int // parts whose full page brought nothing new
	var full []int    // parts past the events limit
	var unplaced int  // groups that answer no part asked
	groupOf := map[int]*group{}
	badGroups := map[int]error{}
	mentioned := make([]bool, len(p.f.Parter))
	for gi, g := range dec.groups {
		pos := matchPart(g.part, parts, matched)
		switch {
		case pos >= 0:
		case (g.part != nil || len(dec.groups) == len(parts)) && gi < len(parts) && !matched[gi]:
			pos = gi
		case g.part == nil && len(parts) == 1 && !matched[0]:
			pos = 0
		}
		idx, part := -1, minaarenden.Part{}
		if pos >= 0 {
			matched[pos] = true
			idx, part = pending[pos], parts[pos]
		} else if g.part != nil {
			part = *g.part
		}
		fresh, over := false, false
		for _, e := range g.events {
			if idx >= 0 {
				if p.kept[idx] >= p.c.maxEvents {
					over = true
					break
				}
				k := keyOf(&e)
				switch {
				case !p.seen[idx][k]:
					p.seen[idx][k] = true
					fresh = true
				case e.KundhandelseID != "":
					continue // moved across a page boundary between requests
				}
			}
			e.Part = part
			page = append(page, e)
			perPart[idx] = append(perPart[idx], e)
			if idx >= 0 {
				p.kept[idx]++
			}
		}
		if idx < 0 {
			unplaced++
			continue
		}
		groupOf[idx] = &dec.groups[gi]
		if over {
			full = append(full, idx)
		}
		mentioned[idx] = true
		totals[idx] = g.total
		if g.bad != nil {
			badGroups[idx] = g.bad
		}
		more := limit > 0 && g.sent >= limit && (g.total == nil || offset+limit < *g.total)
		switch {
		case over:
		case more && !fresh:
			// A service that ignores offset, or whose total overstates what
			// it has, would otherwise be asked for the same page forever.
			stalled = append(stalled, idx)
		case more:
			next = append(next, idx)
		}
	}

	failedHere := false
	byDelfraga := make([]bool, len(p.f.Parter))
	for _, d := range dec.delfragor {
		// Matched within the parts this request asked: a chunk of one is a
		// one-part question, and a part of another chunk was not asked here.
		pos := matchPart(d.Part, parts, nil)
		if pos < 0 && len(parts) == 1 {
			pos = 0
		}
		idx, part := -1, minaarenden.Part{}
		switch {
		case pos >= 0:
			idx, part = pending[pos], parts[pos]
			mentioned[idx], byDelfraga[idx] = true, true
		case d.Part != nil:
			part = *d.Part
		}
		o := p.outcome(outcomeKey{d.Producent, idx}, part)
		o.Attempts += ex.attempts
		if o.Err == nil {
			o.HTTPCode, o.Status = d.HTTPCode, d.Status
			if o.HTTPCode == 0 && !delfragaFailed(d) {
				o.HTTPCode = ex.status // the service gave no code of its own
			}
		}
		if t := totals[idx]; t != nil {
			o.Total = *t
		}
		for _, e := range perPart[idx] {
			if e.Producent == d.Producent {
				o.Events++
			}
		}
		if g := groupOf[idx]; g != nil {
			o.Warnings = addWarnings(o.Warnings, g.warnings(d.Producent, false))
		}
		if delfragaFailed(d) {
			failedHere = true
			if o.Err == nil {
				msg := redact(d.Message)
				o.Message, o.HTTPCode, o.Status = msg, d.HTTPCode, d.Status
				cause := ErrDelfraga
				if d.Status != "" {
					// The standard publishes no status but OK: name the one given.
					cause = fmt.Errorf("%w: status %q", ErrDelfraga, redact(d.Status))
				}
				e := &Error{Endpoint: p.c.endpoint, Producent: d.Producent, HTTPCode: d.HTTPCode, Message: msg,
					Attempts: ex.attempts, CorrelationID: p.corr, Err: cause}
				o.Err = e
				p.failures = append(p.failures, e)
			}
		}
	}
	// A part no delfråga answered (every part, when there are none) is
	// reported as for a producer, with this request's status: left to
	// finish, it would get the last chunk's.
	for pos, idx := range pending {
		if !byDelfraga[idx] {
			o := p.outcome(outcomeKey{p.c.name, idx}, parts[pos])
			o.Attempts += ex.attempts
			o.HTTPCode = ex.status
			o.Events += len(perPart[idx])
			if t := totals[idx]; t != nil {
				o.Total = *t
			}
			if g := groupOf[idx]; g != nil {
				o.Warnings = addWarnings(o.Warnings, g.warnings("", true))
			}
		}
	}
	// The service answers every part asked; one it does not mention at all
	// is unknown, never "no events".
	var missing []int
	for _, idx := range pending {
		if !mentioned[idx] {
			missing = append(missing, idx)
		}
	}
	if len(missing) > 0 {
		p.failParts(missing, p.c.newError(ex.status, ex.attempts, p.corr,
			fmt.Errorf("%w: %d part(s) asked have no entry in the answer", ErrMalformedAnswer, len(missing))))
	}
	if unplaced > 0 {
		p.failParts(pending, p.c.newError(ex.status, ex.attempts, p.corr,
			fmt.Errorf("%w: %d entry(ies) answer no part asked (no part echo, or one that matches none); their events have no part", ErrMalformedAnswer, unplaced)))
	}
	for _, idx := range pending {
		if err := badGroups[idx]; err != nil {
			p.failParts([]int{idx}, p.c.unreadable(ctx, ex, p.corr, err))
		}
	}
	if len(full) > 0 {
		p.failParts(full, p.c.newError(ex.status, ex.attempts, p.corr,
			fmt.Errorf("%w: more than %d events for one part; paging stopped", ErrTooManyEvents, p.c.maxEvents)))
	}
	if len(stalled) > 0 {
		p.failParts(stalled, p.c.newError(ex.status, ex.attempts, p.corr,
			fmt.Errorf("%w: a full page at offset %d brought no new events; paging stopped", ErrMalformedAnswer, offset)))
	}
	if ex.status == http.StatusPartialContent && !failedHere {
		e := p.c.newError(ex.status, ex.attempts, p.corr, ErrPartialAnswer)
		p.failParts(pending, e)
	}
	if dec.answerBad != nil {
		p.failParts(pending, p.c.unreadable(ctx, ex, p.corr, dec.answerBad))
	}
	return page, next, true
}

func delfragaFailed(d wireDelfraga) bool {
	if d.HTTPCode != 0 && (d.HTTPCode < 200 || d.HTTPCode > 299) {
		return true
	}
	return d.Status != "" && !strings.EqualFold(d.Status, "OK")
}

// matchPart returns the position in parts of the part the service echoed,
// skipping positions already matched, or -1.
func matchPart(echo *minaarenden.Part, parts []minaarenden.Part, matched []bool) int {
	if echo == nil {
		return -1
	}
	key := echo.Key() // ArendeTyp's decoder already folded the ä spelling
	for i, q := range parts {
		if (matched == nil || !matched[i]) && q.Key() == key {
			return i
		}
	}
	return -1
}

// outcome returns the outcome for k, creating it.
func (p *pager) outcome(k outcomeKey, part minaarenden.Part) *Outcome {
	i, ok := p.index[k]
	if !ok {
		i = len(p.outcomes)
		p.index[k] = i
		p.outcomes = append(p.outcomes, Outcome{Producent: k.producent, Part: part})
	}
	return &p.outcomes[i]
}

// failAll marks every pending part as failed with err: the request as a
// whole did not give their answer. A part that earlier pages answered is
// failed on every producer's outcome too: its answer is cut short, and a
// producer whose later pages were never read has not answered.
func (p *pager) failAll(pending []int, ex *exchange, err error) {
	p.failures = append(p.failures, err)
	for _, idx := range pending {
		o := p.outcome(outcomeKey{p.c.name, idx}, p.f.Parter[idx])
		if ex != nil {
			o.HTTPCode = ex.status
			o.Attempts += ex.attempts
		}
		if o.Err == nil {
			o.Err = err
			o.Message = errorMessage(err)
		}
		for k, i := range p.index {
			if o := &p.outcomes[i]; k.part == idx && o.Err == nil {
				o.Err, o.Message = err, errorMessage(err)
			}
		}
	}
}

// failParts marks every outcome of the given parts as failed with err,
// keeping an earlier failure, and gives a part without outcomes one: with
// delfrågor, the failure shows on each producer's outcome for the part
// rather than on an outcome of its own.
func (p *pager) failParts(parts []int, err error) {
	p.failures = append(p.failures, err)
	for _, idx := range parts {
		found := false
		for k, i := range p.index {
			if k.part != idx {
				continue
			}
			found = true
			if o := &p.outcomes[i]; o.Err == nil {
				o.Err, o.Message = err, errorMessage(err)
			}
		}
		if !found {
			o := p.outcome(outcomeKey{p.c.name, idx}, p.f.Parter[idx])
			o.HTTPCode, o.Attempts = p.status, p.attempts
			o.Err, o.Message = err, errorMessage(err)
		}
	}
}

// finish moves what the pages gathered into a, with an outcome for every
// part even if the service never mentioned it.
func (p *pager) finish(a *Answer) {
	a.Version = p.version
	for idx, part := range p.f.Parter {
		has := false
		for k := range p.index {
			if k.part == idx {
				has = true
				break
			}
		}
		if !has {
			o := p.outcome(outcomeKey{p.c.name, idx}, part)
			o.HTTPCode, o.Attempts = p.status, p.attempts
		}
	}
	a.Outcomes = p.outcomes
}
