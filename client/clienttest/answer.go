package clienttest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// event is one producer event with everything an answer needs computed
// once: its Swedish calendar day for the date filters, and its encodings.
type event struct {
	k        minaarenden.Kundhandelse
	day      minaarenden.Datum
	producer int // index in Handler.producers
	order    int // index in Handler.ordered
	// raml is the event as the producer writes it in its own version.
	raml []byte
	// fwd is the event as the forwarding service passes it on: RFC 3339
	// with the Swedish offset and the producer's version.
	fwd []byte
}

// ramlTidpunkt is the RAML's tidpunkt form: space, two fractional digits,
// no zone.
const ramlTidpunkt = "2006-01-02 15:04:05.00"

func prepare(k minaarenden.Kundhandelse, v minaarenden.Version, zone *time.Location) (*event, error) {
	e := &event{k: k, day: minaarenden.DatumOf(k.Tidpunkt.In(minaarenden.Stockholm()))}
	var err error
	if e.raml, err = encodeRAML(k, v, zone); err != nil {
		return nil, err
	}
	w := wireEvent{
		KundhandelseID: k.KundhandelseID, Rubrik: k.Rubrik, Beskrivning: k.Beskrivning, Sprak: k.Sprak,
		Producent: k.Producent, Tidpunkt: k.Tidpunkt.In(minaarenden.Stockholm()).Format(time.RFC3339Nano),
		Typ: string(k.Typ), KraverKundatgard: k.KraverKundatgard, Klart: k.Klart,
		UtokadInformation: k.UtokadInformation, Taggar: k.Taggar,
	}
	if len(k.Referenser) > 0 {
		w.Referenser = k.Referenser
	}
	if v.AtLeast(minaarenden.V3_0) {
		w.Version = string(v) // a producer before 3.0 states no version to copy
	}
	e.fwd, err = marshal(w)
	return e, err
}

// wireEvent is an event in a producer answer from 2.0 on, and in the
// forwarding service's answer (which adds version). Fields a version lacks
// stay empty and are left out.
type wireEvent struct {
	KundhandelseID    string                        `json:"kundhandelseId"`
	Rubrik            string                        `json:"rubrik"`
	Beskrivning       string                        `json:"beskrivning"`
	Sprak             string                        `json:"sprak"`
	Producent         string                        `json:"producent"`
	Tidpunkt          string                        `json:"tidpunkt"`
	Typ               string                        `json:"kundhandelseTyp"`
	KraverKundatgard  bool                          `json:"producentarendetKraverKundatgard"`
	Klart             bool                          `json:"producentarendetKlart"`
	Version           string                        `json:"version,omitempty"`
	UtokadInformation minaarenden.UtokadInformation `json:"utokadInformation,omitempty"`
	Referenser        any                           `json:"referenser,omitempty"` // the 4.1 forms, or plain strings before
	Taggar            []string                      `json:"taggar,omitempty"`
}

// v1Event is an event before 2.0: attribute names with ä and å
// (kundhändelseId, språk) and one kundhandelsekategori instead of the two
// booleans. The names are the ones package client's testdata/answers uses;
// the category keeps the spelling the changelog gives it.
type v1Event struct {
	KundhandelseID string `json:"kundhändelseId"`
	Rubrik         string `json:"rubrik"`
	Beskrivning    string `json:"beskrivning"`
	Sprak          string `json:"språk"`
	Producent      string `json:"producent"`
	Tidpunkt       string `json:"tidpunkt"`
	Typ            string `json:"kundhändelseTyp"`
	Kategori       string `json:"kundhandelsekategori"`
}

// The kundhandelsekategori values this stand-in writes for 1.x. The real
// values were never published (docs/mina-arenden.md); the category said who has
// the ball, so these three carry exactly what 2.0's two booleans do, in
// words package client's mapping reads.
const (
	KategoriKundatgard  = "Åtgärd krävs" // producentarendetKraverKundatgard
	KategoriKlart       = "Avslutat"     // producentarendetKlart
	KategoriInformation = "Information"  // neither
)

func kategori(k minaarenden.Kundhandelse) string {
	switch {
	case k.Klart:
		return KategoriKlart
	case k.KraverKundatgard:
		return KategoriKundatgard
	}
	return KategoriInformation
}

func encodeRAML(k minaarenden.Kundhandelse, v minaarenden.Version, zone *time.Location) ([]byte, error) {
	tid := k.Tidpunkt.In(zone).Format(ramlTidpunkt)
	if !v.AtLeast(minaarenden.V2_0) {
		return marshal(v1Event{
			KundhandelseID: k.KundhandelseID, Rubrik: k.Rubrik, Beskrivning: k.Beskrivning, Sprak: k.Sprak,
			Producent: k.Producent, Tidpunkt: tid, Typ: string(k.Typ), Kategori: kategori(k),
		})
	}
	w := wireEvent{
		KundhandelseID: k.KundhandelseID, Rubrik: k.Rubrik, Beskrivning: k.Beskrivning, Sprak: k.Sprak,
		Producent: k.Producent, Tidpunkt: tid, Typ: string(k.Typ),
		KraverKundatgard: k.KraverKundatgard, Klart: k.Klart,
	}
	if v.AtLeast(minaarenden.V3_0) { // referenser and utokadInformation came with 3.0
		w.UtokadInformation = k.UtokadInformation
		if v.AtLeast(minaarenden.V4_1) {
			if len(k.Referenser) > 0 {
				w.Referenser = k.Referenser
			}
		} else if refs := plainReferenser(k.Referenser); len(refs) > 0 {
			w.Referenser = refs
		}
	}
	if v.AtLeast(minaarenden.V6_1) {
		w.Taggar = k.Taggar
	}
	return marshal(w)
}

// plainReferenser writes referenser as the plain strings they were before
// 4.1: a link's URL, an array's first value.
func plainReferenser(r minaarenden.Referenser) map[string]string {
	out := map[string]string{}
	for _, ref := range r {
		if s := ref.First(); s != "" {
			out[ref.Nyckel] = s
		}
	}
	return out
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := jsonEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// matches reports whether e answers part under the query's filters:
// kundhandelseTyper (full types or segment prefixes) and taggar each match
// when any entry does, and both must match when both are given (the
// reference implementation's reading; the standard is silent).
func (p *producer) matches(e *event, part minaarenden.Part, q *query) bool {
	if !partMatches(e.k.Part, part) {
		return false
	}
	if len(q.typer) > 0 && !slices.ContainsFunc(q.typer, e.k.Typ.HasPrefix) {
		return false
	}
	if len(q.taggar) > 0 && !slices.ContainsFunc(q.taggar, func(tag string) bool { return p.tagged(e, tag) }) {
		return false
	}
	if !q.start.IsZero() && e.day.Before(q.start) {
		return false
	}
	if !q.slut.IsZero() && q.slut.Before(e.day) {
		return false
	}
	return true
}

// tagged reports whether tag points out e: through the producer's own tag
// definitions (the standard: a tag selects types), or because the event
// carries the tag itself (the forwarding service as the reference
// implementation models it).
func (p *producer) tagged(e *event, tag string) bool {
	if slices.ContainsFunc(p.taggar[tag], e.k.Typ.HasPrefix) {
		return true
	}
	return slices.Contains(e.k.Taggar, tag)
}

// partMatches reports whether an event whose part is have answers a
// question about want: every kund and ärende the question names must be the
// event's, and a question without tillagg covers every tillagg.
func partMatches(have, want minaarenden.Part) bool {
	if want.Kund != nil {
		if have.Kund == nil || have.Kund.Identifierare != want.Kund.Identifierare || have.Kund.Typ != want.Kund.Typ {
			return false
		}
		if want.Kund.Tillagg != "" && want.Kund.Tillagg != have.Kund.Tillagg {
			return false
		}
	}
	if want.Arende != nil {
		if have.Arende == nil || have.Arende.Identifierare != want.Arende.Identifierare || have.Arende.Typ != want.Arende.Typ {
			return false
		}
	}
	return true
}

// producerMeta is a producer answer's metadata. Which fields appear follows
// the version; see answerProducer.
type producerMeta struct {
	Kund              json.RawMessage `json:"kund,omitempty"`
	Arende            json.RawMessage `json:"arende,omitempty"`
	KundhandelseTyper []string        `json:"kundhandelseTyper,omitempty"`
	Taggar            []string        `json:"taggar,omitempty"`
	StartDatum        string          `json:"startDatum,omitempty"`
	SlutDatum         string          `json:"slutDatum,omitempty"`
	Anvandare         *string         `json:"anvandare,omitempty"`
	Konsument         string          `json:"konsument,omitempty"`
	Konsumenttjanst   string          `json:"konsumenttjanst,omitempty"`
	SessionID         string          `json:"sessionID,omitempty"`
	OnskatSprak       string          `json:"onskatSprak,omitempty"`
	Version           string          `json:"version,omitempty"`
}

// answerProducer answers POST {base}/kundhandelser in the producer's
// version: events in the order configured, kundhandelser left out when
// none match (the schema allows it and clients must cope), and for 1.x
// only {"kundhändelser": [...]}.
func (h *Handler) answerProducer(r *http.Request, body []byte, b *bytes.Buffer) *httpError {
	p := h.producers[0]
	v := p.version
	q, echo, e := parseProducer(r, body, v)
	if e != nil {
		return e
	}
	n := 0
	events := func() {
		for _, ev := range p.events {
			if p.matches(ev, q.parter[0], q) {
				if n > 0 {
					b.WriteByte(',')
				}
				b.Write(ev.raml)
				n++
			}
		}
	}
	if !v.AtLeast(minaarenden.V2_0) {
		b.WriteString(`{"kundhändelser":[`)
		events()
		b.WriteString("]}")
		return nil
	}
	meta := producerMeta{Kund: echo.kund, Arende: echo.arende, StartDatum: dayString(q.start), SlutDatum: dayString(q.slut)}
	meta.KundhandelseTyper = typeStrings(q.typer)
	meta.Taggar = q.taggar
	if v.AtLeast(minaarenden.V3_0) {
		meta.Version = string(v)
		meta.OnskatSprak = language(r)
	}
	if v.AtLeast(minaarenden.V3_1) {
		meta.Anvandare = &echo.anvandare // required in the schema
	}
	if v.AtLeast(minaarenden.V5_0) {
		meta.Konsument, meta.Konsumenttjanst = echo.konsument, echo.konsumenttjanst
	}
	if v == minaarenden.V5_0 {
		meta.SessionID = echo.sessionID
	}
	m, err := marshal(meta)
	if err != nil {
		return &httpError{status: http.StatusInternalServerError}
	}
	b.WriteString(`{"metadata":`)
	b.Write(m)
	mark := b.Len()
	b.WriteString(`,"kundhandelser":[`)
	events()
	if n == 0 {
		b.Truncate(mark)
		b.WriteString("}")
	} else {
		b.WriteString("]}")
	}
	return nil
}

func dayString(d minaarenden.Datum) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func typeStrings(ts []minaarenden.Kundhandelsetyp) []string {
	if len(ts) == 0 {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// language is the primary subtag of the first Accept-Language entry, or
// "sv", the standard's default.
func language(r *http.Request) string {
	s := r.Header.Get("Accept-Language")
	s, _, _ = strings.Cut(s, ",")
	s, _, _ = strings.Cut(s, ";")
	s, _, _ = strings.Cut(strings.TrimSpace(s), "-")
	if s == "" || s == "*" {
		return "sv"
	}
	return strings.ToLower(s)
}

// delfraga is one (producer, part) sub-question in a forwarding answer.
type delfraga struct {
	Producent string          `json:"producent"`
	Part      json.RawMessage `json:"part"`
	Status    string          `json:"status"`
	HTTPCode  int             `json:"httpCode"`
	Message   string          `json:"message,omitempty"`
}

// Delfråga statuses. "OK" is the reference implementation's; the others
// are this stand-in's (the real set is unknown).
const (
	StatusOK      = "OK"
	StatusFel     = "FEL"
	StatusTimeout = "TIMEOUT"
)

type fwdMeta struct {
	Parter            []json.RawMessage `json:"parter"`
	KundhandelseTyper []string          `json:"kundhandelseTyper,omitempty"`
	Taggar            []string          `json:"taggar,omitempty"`
	StartDatum        string            `json:"startDatum,omitempty"`
	SlutDatum         string            `json:"slutDatum,omitempty"`
	OnskatSprak       string            `json:"onskatSprak"`
	Behandling        json.RawMessage   `json:"behandling,omitempty"`
}

// answerForwarding answers POST {base}/kundhandelseFragaSynkron: per part,
// the events of every producer that answered, sorted and paged; 206 when
// any delfråga failed.
func (h *Handler) answerForwarding(r *http.Request, body []byte, b *bytes.Buffer) (int, *httpError) {
	q, e := parseForwarding(r, body)
	if e != nil {
		return 0, e
	}
	// Which producers fail or are slow is decided once per request, so a
	// producer's fault counts one request however many parts it serves.
	failed := make([]*delfraga, len(h.producers))
	var delay time.Duration
	for i, p := range h.producers {
		fs := p.fault.Load()
		if !fs.take() {
			continue
		}
		d := fs.Latency + fs.SlowBody
		switch {
		case fs.Stall || (h.timeout > 0 && d > h.timeout):
			if h.timeout == 0 {
				<-r.Context().Done()
				return 0, &httpError{status: http.StatusGatewayTimeout}
			}
			delay = max(delay, h.timeout)
			failed[i] = &delfraga{Status: StatusTimeout, HTTPCode: http.StatusGatewayTimeout, Message: "Gateway timeout"}
			continue
		default:
			delay = max(delay, d)
		}
		switch {
		case fs.HTTPCode >= 300 || fs.HTTPCode > 0 && fs.HTTPCode < 200:
			msg := reason(fs.HTTPCode)
			if fs.Message != "" {
				msg += ": " + fs.Message
			}
			failed[i] = &delfraga{Status: StatusFel, HTTPCode: fs.HTTPCode, Message: msg}
		case fs.Truncate || fs.Malformed || fs.ResetMidBody || fs.Oversize > 0 ||
			fs.ContentType != "" && !isJSON(fs.ContentType):
			failed[i] = &delfraga{Status: StatusFel, HTTPCode: http.StatusBadGateway, Message: "Bad gateway: the producer's answer could not be read"}
		}
	}
	if !wait(r, delay) {
		return 0, &httpError{status: http.StatusGatewayTimeout}
	}

	status := http.StatusOK
	b.WriteString(`{"kundhandelser":[`)
	var delfragor []delfraga
	var hits []*event
	for pi, part := range q.parter {
		for i, p := range h.producers {
			d := delfraga{Producent: p.name, Part: q.rawParter[pi], Status: StatusOK, HTTPCode: http.StatusOK}
			if f := failed[i]; f != nil {
				d.Status, d.HTTPCode, d.Message = f.Status, f.HTTPCode, f.Message
				status = http.StatusPartialContent
			}
			delfragor = append(delfragor, d)
		}
		// h.ordered is every producer's events in the base order already,
		// so only behandling.sortering is left to sort by.
		hits = hits[:0]
		for _, ev := range h.ordered {
			if failed[ev.producer] == nil && h.producers[ev.producer].matches(ev, part, q) {
				hits = append(hits, ev)
			}
		}
		total := len(hits)
		sortHits(hits, q.sortering)
		if q.paginate {
			hits = hits[min(q.offset, len(hits)):]
			if q.limit > 0 && q.limit < len(hits) {
				hits = hits[:q.limit]
			}
		}
		writeGroupStart(b, pi, q.rawParter[pi], total)
		for i, ev := range hits {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(ev.fwd)
		}
		b.WriteString("]}")
	}
	meta := fwdMeta{Parter: q.rawParter, KundhandelseTyper: typeStrings(q.typer), Taggar: q.taggar,
		StartDatum: dayString(q.start), SlutDatum: dayString(q.slut), OnskatSprak: language(r)}
	if beh := behandlingEcho(body); beh != nil {
		meta.Behandling = beh
	}
	m, err := marshal(meta)
	if err != nil {
		return 0, &httpError{status: http.StatusInternalServerError}
	}
	d, err := marshal(delfragor)
	if err != nil {
		return 0, &httpError{status: http.StatusInternalServerError}
	}
	b.WriteString(`],"metadata":`)
	b.Write(m)
	b.WriteString(`,"delfragor":`)
	b.Write(d)
	b.WriteString("}")
	return status, nil
}

// behandlingEcho returns fraga.behandling exactly as sent.
func behandlingEcho(body []byte) json.RawMessage {
	var req struct {
		Fraga struct {
			Behandling json.RawMessage `json:"behandling"`
		} `json:"fraga"`
	}
	if json.Unmarshal(body, &req) != nil || isNull(req.Fraga.Behandling) {
		return nil
	}
	return req.Fraga.Behandling
}

// baseOrder is the forwarding service's order without sortering: newest
// first, as the reference implementation answers, with ties broken by
// producent and kundhandelseId so that pages are stable.
func baseOrder(a, b *event) int {
	return cmp.Or(b.k.Tidpunkt.Compare(a.k.Tidpunkt),
		strings.Compare(a.k.Producent, b.k.Producent),
		strings.Compare(a.k.KundhandelseID, b.k.KundhandelseID))
}

// sortHits sorts hits, which are in baseOrder, by each sortering key in
// priority order. Ties keep the base order through each event's position
// in it, which makes the sort stable without the cost of a stable sort.
func sortHits(hits []*event, keys []sortKey) {
	if len(keys) == 0 {
		return
	}
	slices.SortFunc(hits, func(a, b *event) int {
		for _, k := range keys {
			c := compareBy(a, b, k.attribut)
			if !k.stigande {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return a.order - b.order
	})
}

func compareBy(a, b *event, attribut string) int {
	switch attribut {
	case "RUBRIK":
		return strings.Compare(a.k.Rubrik, b.k.Rubrik)
	case "BESKRIVNING":
		return strings.Compare(a.k.Beskrivning, b.k.Beskrivning)
	case "PRODUCENT":
		return strings.Compare(a.k.Producent, b.k.Producent)
	case "TIDPUNKT":
		return a.k.Tidpunkt.Compare(b.k.Tidpunkt)
	case "KUNDHANDELSETYP":
		return strings.Compare(string(a.k.Typ), string(b.k.Typ))
	case "PRODUCENTARENDETKRAVERKUNDATGARD":
		return compareBool(a.k.KraverKundatgard, b.k.KraverKundatgard)
	case "PRODUCENTARENDETKLART":
		return compareBool(a.k.Klart, b.k.Klart)
	}
	return 0
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// writeGroupStart opens the forwarding answer's group for the part at
// index pi (its JSON as asked), up to its events.
func writeGroupStart(b *bytes.Buffer, pi int, part []byte, total int) {
	if pi > 0 {
		b.WriteByte(',')
	}
	b.WriteString(`{"part":`)
	b.Write(part)
	b.WriteString(`,"totaltAntalKundhandelser":`)
	b.WriteString(strconv.Itoa(total))
	b.WriteString(`,"kundhandelserForPart":[`)
}
