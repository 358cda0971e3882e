// Package filesource is an aggregate.Source over a JSON file: the smallest
// worked adapter, for a kommun that has no kundhändelse API but can publish
// a file (a nightly export, a static page on its web server).
//
// The file has the shape of the forwarding service's answer, so a producer
// that can write one can write the other:
//
//	{"kundhandelser": [
//	  {"part": {"kund": {"identifierare": "199001012385", "typ": "Personnummer"}},
//	   "kundhandelserForPart": [
//	     {"kundhandelseId": "TIMRA-BYGG-1", "rubrik": "Ansökan mottagen",
//	      "producent": "Timrå kommun", "tidpunkt": "2026-03-02 09:00:00",
//	      "kundhandelseTyp": "TIMRA.BYGGLOV.ANSOKAN", …}]}]}
//
// Query re-reads the file each time, so a file replaced on disk is seen at
// the next question, and answers each part asked with the events listed
// under a matching part, filtered like a producer filters: kundhandelseTyper
// on segment prefixes, taggar, and the inclusive startDatum/slutDatum days
// in the file's zone.
package filesource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// Options describes the file's producer. Name and Prefixes are required:
// the aggregator's spoof guard holds the file to Prefixes.
type Options struct {
	Name     string
	Prefixes []minaarenden.Kundhandelsetyp
	// Zone reads tidpunkt without an offset and the day filters; nil is
	// Europe/Stockholm.
	Zone *time.Location
}

// Source serves one file. It is safe for concurrent use.
type Source struct {
	fsys fs.FS
	path string
	opts Options
}

// New returns a Source for path in fsys (os.DirFS(dir) for a directory on
// disk, or an embed.FS). It does not read the file yet.
func New(fsys fs.FS, path string, opts *Options) (*Source, error) {
	if opts == nil || opts.Name == "" || len(opts.Prefixes) == 0 {
		return nil, errors.New("filesource: Options.Name and Options.Prefixes are required")
	}
	if !fs.ValidPath(path) {
		return nil, fmt.Errorf("filesource: %q is not a valid fs path", path)
	}
	o := *opts
	o.Prefixes = slices.Clone(o.Prefixes)
	if o.Zone == nil {
		o.Zone = minaarenden.Stockholm()
	}
	return &Source{fsys: fsys, path: path, opts: o}, nil
}

// Name returns Options.Name.
func (s *Source) Name() string { return s.opts.Name }

// Prefixes returns Options.Prefixes.
func (s *Source) Prefixes() []minaarenden.Kundhandelsetyp { return slices.Clone(s.opts.Prefixes) }

// Group is the events of one part, as in the file.
type Group struct {
	Part   minaarenden.Part
	Events []minaarenden.Kundhandelse
}

type wireFile struct {
	Kundhandelser []struct {
		Part   minaarenden.Part  `json:"part"`
		Events []json.RawMessage `json:"kundhandelserForPart"`
	} `json:"kundhandelser"`
}

// Decode reads a file's contents, zoneless tidpunkt in zone (nil is
// Europe/Stockholm). An unreadable event fails the whole file: a
// half-read export would show a case as further behind than it is.
func Decode(data []byte, zone *time.Location) ([]Group, error) {
	var w wireFile
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("filesource: %w", err)
	}
	opts := minaarenden.DecodeOptions{Zone: zone}
	groups := make([]Group, 0, len(w.Kundhandelser))
	for i, g := range w.Kundhandelser {
		if err := g.Part.Validate(); err != nil {
			return nil, fmt.Errorf("filesource: kundhandelser[%d].part: %w", i, err)
		}
		out := Group{Part: g.Part}
		for j, raw := range g.Events {
			var e minaarenden.Kundhandelse
			if err := opts.Unmarshal(raw, &e); err != nil {
				return nil, fmt.Errorf("filesource: kundhandelser[%d].kundhandelserForPart[%d]: %w", i, j, err)
			}
			e.Part = g.Part
			out.Events = append(out.Events, e)
		}
		groups = append(groups, out)
	}
	return groups, nil
}

// Query answers every part of f from the file. A file that cannot be read
// fails every part with the same error.
func (s *Source) Query(ctx context.Context, f minaarenden.Fraga) (*client.Answer, error) {
	a := &client.Answer{Endpoint: "file:" + s.path}
	fail := func(err error) (*client.Answer, error) {
		for _, p := range f.Parter {
			a.Outcomes = append(a.Outcomes, client.Outcome{Producent: s.opts.Name, Part: p, Attempts: 1, Err: err})
		}
		return a, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	data, err := fs.ReadFile(s.fsys, s.path)
	if err != nil {
		return fail(fmt.Errorf("filesource: %s: %w", s.opts.Name, err))
	}
	groups, err := Decode(data, s.opts.Zone)
	if err != nil {
		return fail(err)
	}
	for _, p := range f.Parter {
		n := 0
		for _, g := range groups {
			if !covers(p, g.Part) {
				continue
			}
			for _, e := range g.Events {
				if s.wanted(f, &e) {
					e.Part = p
					a.Events = append(a.Events, e)
					n++
				}
			}
		}
		a.Outcomes = append(a.Outcomes, client.Outcome{Producent: s.opts.Name, Part: p, Attempts: 1, Events: n})
	}
	return a, nil
}

// covers reports whether a question's part asks about the file's part: the
// kund and ärende it names must be the file part's own (a question without
// tillagg covers every tillagg).
func covers(q, file minaarenden.Part) bool {
	if q.Kund != nil {
		k := file.Kund
		if k == nil || k.Identifierare != q.Kund.Identifierare || k.Typ != q.Kund.Typ ||
			(q.Kund.Tillagg != "" && k.Tillagg != q.Kund.Tillagg) {
			return false
		}
	}
	if q.Arende != nil {
		r := file.Arende
		if r == nil || r.Identifierare != q.Arende.Identifierare || r.Typ != q.Arende.Typ {
			return false
		}
	}
	return q.Kund != nil || q.Arende != nil
}

// wanted applies the question's filters to one event.
func (s *Source) wanted(f minaarenden.Fraga, e *minaarenden.Kundhandelse) bool {
	if len(f.KundhandelseTyper) > 0 && !slices.ContainsFunc(f.KundhandelseTyper, e.Typ.HasPrefix) {
		return false
	}
	if len(f.Taggar) > 0 && !slices.ContainsFunc(f.Taggar, func(t string) bool { return slices.Contains(e.Taggar, t) }) {
		return false
	}
	if !f.StartDatum.IsZero() && e.Tidpunkt.Before(f.StartDatum.In(s.opts.Zone)) {
		return false
	}
	if !f.SlutDatum.IsZero() {
		end := f.SlutDatum.In(s.opts.Zone).AddDate(0, 0, 1)
		if !e.Tidpunkt.Before(end) {
			return false
		}
	}
	return true
}
