package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
)

// The decoder reads every answer shape a consumer meets into one set of
// wire structs, in a single json.Unmarshal of the body:
//
//   - the producer RAML 3.1–6.x: {metadata{version}, kundhandelser[event]},
//     kundhandelser possibly absent;
//   - the forwarding service: {kundhandelser[{part,
//     totaltAntalKundhandelser, kundhandelserForPart[event]}], delfragor},
//     version on each event;
//   - pre-3.0 answers without version and referenser;
//   - pre-2.0 answers with ä in the names (kundhändelser, kundhändelseId,
//     kundhändelseTyp) and kundhandelsekategori instead of the two flags.
//
// Unknown fields are ignored; a leading byte-order mark is skipped;
// kundhandelseId, version and the count may come as numbers and the flags
// as "true"/"false" (looseText, looseBool). tidpunkt is kept as text and
// read with ParseTidpunkt in the producer's zone.

type wireAnswer struct {
	Metadata struct {
		Version looseText `json:"version"`
	} `json:"metadata"`
	Version        looseText      `json:"version"` // 3.0 put it beside the events
	Kundhandelser  []wireItem     `json:"kundhandelser"`
	KundhandelserA []wireItem     `json:"kundhändelser"`
	Delfragor      []wireDelfraga `json:"delfragor"`
}

// wireItem is an element of kundhandelser: an event (producer shape) or a
// part's group of events (forwarding shape). Both decode into the same
// struct so the body is read once whatever its shape.
type wireItem struct {
	wireEvent
	Part    *minaarenden.Part `json:"part"`
	Total   *looseText        `json:"totaltAntalKundhandelser"`
	ForPart []wireEvent       `json:"kundhandelserForPart"`
}

func (w *wireItem) isGroup() bool { return w.Part != nil || w.Total != nil || w.ForPart != nil }

type wireEvent struct {
	KundhandelseID    looseText                   `json:"kundhandelseId"`
	KundhandelseIDA   looseText                   `json:"kundhändelseId"`
	Rubrik            string                      `json:"rubrik"`
	Beskrivning       string                      `json:"beskrivning"`
	Sprak             string                      `json:"sprak"`
	SprakA            string                      `json:"språk"`
	Producent         string                      `json:"producent"`
	Tidpunkt          looseText                   `json:"tidpunkt"`
	Typ               minaarenden.Kundhandelsetyp `json:"kundhandelseTyp"`
	TypA              minaarenden.Kundhandelsetyp `json:"kundhändelseTyp"`
	Kategori          string                      `json:"kundhandelsekategori"`
	KategoriA         string                      `json:"kundhändelsekategori"`
	KraverKundatgard  looseBool                   `json:"producentarendetKraverKundatgard"`
	Klart             looseBool                   `json:"producentarendetKlart"`
	Version           looseText                   `json:"version"`
	UtokadInformation map[string]json.RawMessage  `json:"utokadInformation"`
	Referenser        minaarenden.Referenser      `json:"referenser"`
	Taggar            []string                    `json:"taggar"`
}

type wireDelfraga struct {
	Producent string            `json:"producent"`
	Part      *minaarenden.Part `json:"part"`
	Status    string            `json:"status"`
	Message   string            `json:"message"`
	HTTPCode  int               `json:"httpCode"`
}

// decoded is an answer read into the SDK's types.
type decoded struct {
	version   minaarenden.Version
	groups    []group // one nil-part group for the producer shape
	delfragor []wireDelfraga
	// bad is set when some events or fields could not be read; the events
	// that could are in groups all the same. answerBad is the part of it
	// that belongs to no one group (a field of the wrong type).
	bad, answerBad error
}

type group struct {
	part   *minaarenden.Part // as echoed by the forwarding service
	total  *int
	events []minaarenden.Kundhandelse
	sent   int // events on the wire, readable or not: what paging counts
	// bad is set when some of this group's events could not be read, or
	// its totaltAntalKundhandelser is no count (total is then nil).
	bad      error
	skipped  int
	firstErr error
}

func (d *decoded) count() int {
	n := 0
	for _, g := range d.groups {
		n += len(g.events)
	}
	return n
}

// bom is the UTF-8 byte-order mark .NET producers write before their JSON,
// which JSON forbids and encoding/json rejects.
var bom = []byte("\uFEFF")

// decodeAnswer reads an answer of any known shape. It fails only when the
// body is empty or not JSON at all; an unreadable tidpunkt, id, flag or
// version costs that event, is reported in bad, and keeps the rest. A
// field of another wrong type is zero in its event and reported in bad.
func decodeAnswer(body []byte, zone *time.Location) (*decoded, error) {
	body = bytes.TrimPrefix(body, bom)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: the body is empty", ErrMalformedAnswer)
	}
	var w wireAnswer
	if !bytes.Contains(body, []byte(`"kundhandelserForPart"`)) {
		// A producer answer: size the events up front from a count of
		// their one required key, so the decoder fills the slice instead
		// of growing and copying it (a third of decoding's bytes).
		if n := bytes.Count(body, []byte(`"kundhandelseId"`)); n > 0 {
			w.Kundhandelser = make([]wireItem, 0, n)
		}
	}
	var typeErr error
	if err := json.Unmarshal(body, &w); err != nil {
		// encoding/json completes the decode past a type mismatch and
		// reports the first one; only a syntax error loses everything.
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
			return nil, fmt.Errorf("%w: %w", ErrMalformedAnswer, err)
		}
		// The message quotes a number that overflows its field in full.
		typeErr = errors.New(redact(err.Error()))
	}
	items := w.Kundhandelser
	if len(items) == 0 {
		items = w.KundhandelserA
	}
	d := &decoded{version: minaarenden.Version(first(w.Metadata.Version.s, w.Version.s)), delfragor: w.Delfragor}
	if typeErr == nil && (w.Metadata.Version.bad != "" || w.Version.bad != "") {
		typeErr = fmt.Errorf("version is %s, not text", first(w.Metadata.Version.bad, w.Version.bad))
	}
	flat := -1 // index of the group of a producer-shaped answer's events
	read := func(e *wireEvent, into *group) {
		k, err := e.event(zone, d.version)
		if err != nil {
			into.skipped++
			if into.firstErr == nil {
				into.firstErr = err
			}
			return
		}
		into.events = append(into.events, k)
	}
	for i := range items {
		it := &items[i]
		if it.isGroup() {
			g := group{part: it.Part, events: make([]minaarenden.Kundhandelse, 0, len(it.ForPart)), sent: len(it.ForPart)}
			if it.Total != nil {
				g.total, g.bad = it.Total.count()
			}
			for j := range it.ForPart {
				read(&it.ForPart[j], &g)
			}
			d.groups = append(d.groups, g)
			continue
		}
		if flat < 0 {
			flat = len(d.groups)
			d.groups = append(d.groups, group{events: make([]minaarenden.Kundhandelse, 0, len(items))})
		}
		d.groups[flat].sent++
		read(&it.wireEvent, &d.groups[flat])
	}
	if len(d.groups) == 0 {
		d.groups = []group{{events: []minaarenden.Kundhandelse{}}}
	}
	if d.version == "" {
		// The forwarding service carries version per event.
		for _, g := range d.groups {
			if len(g.events) > 0 && g.events[0].Version != "" {
				d.version = g.events[0].Version
				break
			}
		}
	}
	// bad sums up for the producer dialect, which asks one part per
	// answer; the forwarding dialect fails each group's part by its own.
	var skipped int
	var groupErr error
	for i := range d.groups {
		g := &d.groups[i]
		if g.skipped > 0 {
			g.bad = errors.Join(g.bad, fmt.Errorf("%w: %d event(s) could not be read, first: %w", ErrMalformedAnswer, g.skipped, g.firstErr))
		}
		skipped += g.skipped
		if groupErr == nil {
			groupErr = g.bad
		}
	}
	if typeErr != nil {
		d.answerBad = fmt.Errorf("%w: %w", ErrMalformedAnswer, typeErr)
	}
	switch {
	case skipped > 0:
		d.bad = fmt.Errorf("%w: %d event(s) could not be read, first: %w", ErrMalformedAnswer, skipped, firstReadErr(d.groups))
	case groupErr != nil:
		d.bad = groupErr
	default:
		d.bad = d.answerBad
	}
	return d, nil
}

// event converts one wire event. version is the answer's, for events that
// carry none of their own.
func (w *wireEvent) event(zone *time.Location, version minaarenden.Version) (minaarenden.Kundhandelse, error) {
	k := minaarenden.Kundhandelse{
		KundhandelseID:    first(w.KundhandelseID.s, w.KundhandelseIDA.s),
		Rubrik:            w.Rubrik,
		Beskrivning:       w.Beskrivning,
		Sprak:             first(w.Sprak, w.SprakA),
		Producent:         w.Producent,
		Typ:               minaarenden.Kundhandelsetyp(first(string(w.Typ), string(w.TypA))),
		KraverKundatgard:  w.KraverKundatgard.v,
		Klart:             w.Klart.v,
		Version:           minaarenden.Version(first(w.Version.s, string(version))),
		UtokadInformation: w.UtokadInformation,
		Referenser:        w.Referenser,
		Taggar:            w.Taggar,
	}
	// The id is the producer's text and may be built from an identifier.
	for _, f := range [...]struct{ name, bad, want string }{
		{"kundhandelseId", first(w.KundhandelseID.bad, w.KundhandelseIDA.bad), "text"},
		{"producentarendetKraverKundatgard", w.KraverKundatgard.bad, "a boolean"},
		{"producentarendetKlart", w.Klart.bad, "a boolean"},
		{"version", w.Version.bad, "text"},
	} {
		if f.bad != "" {
			return k, fmt.Errorf("kundhändelse %q: %s is %s, not %s", redact(k.KundhandelseID), f.name, f.bad, f.want)
		}
	}
	if cat := first(w.Kategori, w.KategoriA); cat != "" {
		kundatgard, klart := kategoriFlags(cat)
		k.KraverKundatgard = k.KraverKundatgard || kundatgard
		k.Klart = k.Klart || klart
	}
	if w.Tidpunkt.bad != "" {
		return k, fmt.Errorf("kundhändelse %q: tidpunkt is %s, want date-time text such as 2025-08-12T14:03:55Z", redact(k.KundhandelseID), w.Tidpunkt.bad)
	}
	if w.Tidpunkt.s == "" {
		return k, fmt.Errorf("kundhändelse %q has no tidpunkt", redact(k.KundhandelseID))
	}
	// A number (epoch milliseconds) is kept as written for ParseTidpunkt to name.
	t, err := minaarenden.ParseTidpunkt(w.Tidpunkt.s, zone)
	if err != nil {
		return k, fmt.Errorf("kundhändelse %q: %w", redact(k.KundhandelseID), err)
	}
	k.Tidpunkt = t
	return k, nil
}

// looseText is a JSON string, or a number kept as written: producers that
// keep kundhandelseId, version or a count as a number in their database
// send it unquoted ("kundhandelseId": 12345, "version": 6.0). Any other
// value leaves it empty and says what it was in bad, for the caller to
// refuse the one event. null reads as absent.
//
// The loose types never return an error: encoding/json abandons the whole
// answer at an Unmarshaler's error, and one event must not cost the rest.
type looseText struct {
	s   string
	bad string
}

func (t *looseText) UnmarshalJSON(data []byte) error {
	switch c := data[0]; {
	case c == '"':
		t.s = unquote(data)
	case c == '-' || c >= '0' && c <= '9':
		t.s = string(data)
	case c != 'n':
		t.bad = describe(data)
	}
	return nil
}

// count reads a totaltAntalKundhandelser, given as a number or as the
// digits of one.
func (t *looseText) count() (*int, error) {
	if t.bad == "" && t.s == "" {
		return nil, nil // null
	}
	if n, err := strconv.Atoi(t.s); t.bad == "" && err == nil && n >= 0 {
		return &n, nil
	}
	what := t.bad
	if what == "" {
		what = strconv.Quote(redact(t.s))
	}
	return nil, fmt.Errorf("%w: totaltAntalKundhandelser is %s, not a count", ErrMalformedAnswer, what)
}

// looseBool is a JSON boolean, or the string "true" or "false" in any case,
// as producers that build their JSON by hand send it. Anything else (1,
// "ja", "Y") has no one reading and is reported in bad.
type looseBool struct {
	v   bool
	bad string
}

func (b *looseBool) UnmarshalJSON(data []byte) error {
	s := string(data)
	if data[0] == '"' {
		s = strings.ToLower(unquote(data))
	}
	switch s {
	case "true":
		b.v = true
	case "false", "null":
	default:
		b.bad = describe(data)
	}
	return nil
}

// unquote returns the text of a JSON string the decoder has already found
// valid.
func unquote(data []byte) string {
	if bytes.IndexByte(data, '\\') < 0 && utf8.Valid(data) {
		return string(data[1 : len(data)-1])
	}
	var s string
	_ = json.Unmarshal(data, &s)
	return s
}

// describe names a JSON value for an error: its kind, and its text when
// short, masked of identifiers.
func describe(data []byte) string {
	switch data[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case '"':
		// Masked before cut: a cut could leave too few of an
		// identifier's digits to be masked.
		s := redact(unquote(data))
		if len(s) > 32 {
			s = strings.ToValidUTF8(s[:32], "") + "…"
		}
		return "the string " + strconv.Quote(s)
	}
	if len(data) > 32 {
		return "a number"
	}
	return "the number " + redact(string(data))
}

func firstReadErr(groups []group) error {
	for _, g := range groups {
		if g.firstErr != nil {
			return g.firstErr
		}
	}
	return nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// kategoriFlags maps a pre-2.0 kundhandelsekategori to the two flags that
// replaced it in 2.0 (change 2022-10-18-03). The category's values were
// never published; the sources say only that it told who has the ball
// and whether the customer must act. So the mapping reads the words, with
// å/ä/ö folded and case ignored:
//
//   - a word containing "åtgärd", or starting "komplett", or the phrases
//     "väntar på kund", "hos kund" → producentarendetKraverKundatgard;
//   - a word starting "klar", "avslut" or "färdig", or ending "klar(t)"
//     (not "oklar") → producentarendetKlart;
//   - a clause (split at , ; /) with "ingen", "inga", "inget", "ej" or
//     "inte" says neither: "Ingen åtgärd krävs" is no kundåtgärd;
//   - anything else ("Information", "Pågående", "Mottagen") → neither.
//
// The flags, when an answer carries them too, win over the category only
// by being true: the two are ORed.
func kategoriFlags(kategori string) (kundatgard, klart bool) {
	folded := strings.Map(func(r rune) rune {
		switch r {
		case 'å', 'ä', 'Å', 'Ä':
			return 'a'
		case 'ö', 'Ö':
			return 'o'
		}
		return unicode.ToLower(r)
	}, kategori)
	for _, clause := range strings.FieldsFunc(folded, func(r rune) bool { return r == ',' || r == ';' || r == '/' }) {
		words := strings.FieldsFunc(clause, func(r rune) bool { return r == ' ' || r == '_' || r == '-' || r == '.' })
		if slices.ContainsFunc(words, func(w string) bool { return slices.Contains(negations, w) }) {
			continue
		}
		joined := strings.Join(words, "")
		if strings.Contains(joined, "vantarpakund") || strings.Contains(joined, "hoskund") {
			kundatgard = true
		}
		for _, w := range words {
			if strings.Contains(w, "atgard") || strings.HasPrefix(w, "komplett") {
				kundatgard = true
			}
			if strings.HasPrefix(w, "klar") || strings.HasPrefix(w, "avslut") || strings.HasPrefix(w, "fardig") ||
				(strings.HasSuffix(w, "klar") || strings.HasSuffix(w, "klart")) && !strings.HasPrefix(w, "oklar") {
				klart = true
			}
		}
	}
	return kundatgard, klart
}

// negations turn a category clause into neither flag.
var negations = []string{"ingen", "inga", "inget", "ej", "inte"}
