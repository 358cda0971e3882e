package clienttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aterkoppling/minaarenden"
)

// query is a request reduced to what filtering needs, whichever dialect
// and version it came in.
type query struct {
	parter    []minaarenden.Part
	rawParter []json.RawMessage // as received, for the echo
	typer     []minaarenden.Kundhandelsetyp
	taggar    []string
	start     minaarenden.Datum
	slut      minaarenden.Datum
	sortering []sortKey
	paginate  bool
	offset    int
	limit     int // 0: to the end
}

type sortKey struct {
	attribut string
	stigande bool
}

// wireKund and wireArende are a request's kund and ärende with every field
// as received, so that validation can name what is wrong.
type wireKund struct {
	Identifierare string  `json:"identifierare"`
	Tillagg       *string `json:"tillagg"`
	Typ           string  `json:"typ"`
}

type wireArende struct {
	Identifierare string `json:"identifierare"`
	Typ           string `json:"typ"`
}

// producerRequest is the flat RAML body of every version; which fields a
// version allows is checked separately, before this is decoded.
type producerRequest struct {
	Kund              *wireKund   `json:"kund"`
	Arende            *wireArende `json:"arende"`
	KundhandelseTyper []string    `json:"kundhandelseTyper"`
	Taggar            []string    `json:"taggar"`
	StartDatum        *string     `json:"startDatum"`
	SlutDatum         *string     `json:"slutDatum"`
	Anvandare         *string     `json:"anvandare"`
	Konsument         *string     `json:"konsument"`
	Konsumenttjanst   *string     `json:"konsumenttjanst"`
	SessionID         *string     `json:"sessionID"`
}

// producerFields returns the body fields version v's request schema allows
// at the top level and inside kund (additionalProperties is false in both).
// Versions before 3.1 have no published schema: they get the 3.1 fields
// without kund.tillagg, and 1.x no arende (asking by ärende came with 2.0).
func producerFields(v minaarenden.Version) (top, kund []string) {
	top = []string{"kund", "kundhandelseTyper", "startDatum", "slutDatum"}
	kund = []string{"identifierare", "typ"}
	if v.AtLeast(minaarenden.V2_0) {
		top = append(top, "arende")
	}
	if v.AtLeast(minaarenden.V3_1) {
		kund = append(kund, "tillagg")
	}
	if v.AtLeast(minaarenden.V4_0) {
		top = append(top, "taggar")
	}
	if v.AtLeast(minaarenden.V5_0) {
		top = append(top, "anvandare", "konsument", "konsumenttjanst")
	}
	if v == minaarenden.V5_0 {
		top = append(top, "sessionID")
	}
	return top, kund
}

// producerEcho is what a producer answer's metadata repeats of the request.
type producerEcho struct {
	kund, arende                          json.RawMessage
	anvandare                             string
	konsument, konsumenttjanst, sessionID string
}

// parseProducer validates a producer request strictly for version v.
func parseProducer(r *http.Request, body []byte, v minaarenden.Version) (*query, *producerEcho, *httpError) {
	echo := &producerEcho{}
	// Headers: 3.1 to 4.1 require the caller's organisation and user; 5.0
	// moved the user into the body, and a personnummer sent in a header the
	// version does not define is rejected rather than ignored.
	headerVersions := v.AtLeast(minaarenden.V3_1) && !v.AtLeast(minaarenden.V5_0)
	for _, name := range []string{"anropandeOrganisation", "anvandare"} {
		val := r.Header.Get(name)
		switch {
		case headerVersions && strings.TrimSpace(val) == "":
			return nil, nil, badRequest("header %s is required in version %s", name, v)
		case v.AtLeast(minaarenden.V5_0) && len(r.Header.Values(name)) > 0:
			return nil, nil, badRequest("header %s is not part of version %s", name, v)
		}
	}
	echo.anvandare = r.Header.Get("anvandare")

	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, nil, badRequest("the body is not a JSON object")
	}
	top, kundFields := producerFields(v)
	if err := onlyFields(fields, top, "", v); err != nil {
		return nil, nil, err
	}
	if raw, ok := fields["kund"]; ok && !isNull(raw) {
		var kf map[string]json.RawMessage
		if err := json.Unmarshal(raw, &kf); err != nil {
			return nil, nil, badRequest("kund must be an object")
		}
		if err := onlyFields(kf, kundFields, "kund.", v); err != nil {
			return nil, nil, err
		}
		echo.kund = raw
	}
	if raw, ok := fields["arende"]; ok && !isNull(raw) {
		var af map[string]json.RawMessage
		if err := json.Unmarshal(raw, &af); err != nil {
			return nil, nil, badRequest("arende must be an object")
		}
		if err := onlyFields(af, []string{"identifierare", "typ"}, "arende.", v); err != nil {
			return nil, nil, err
		}
		echo.arende = raw
	}
	var req producerRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nil, typeError(err)
	}
	if req.Kund == nil && req.Arende == nil {
		return nil, nil, badRequest("kund or arende is required")
	}
	var part minaarenden.Part
	if req.Kund != nil {
		k, err := checkKund(req.Kund, "kund")
		if err != nil {
			return nil, nil, err
		}
		part.Kund = k
	}
	if req.Arende != nil {
		// The producer RAML spells Producentärendereferens with ä; before
		// 3.1 there is no schema, so both spellings pass.
		spellings := []string{"Producentärendereferens"}
		if !v.AtLeast(minaarenden.V3_1) {
			spellings = append(spellings, "Producentarendereferens")
		}
		a, err := checkArende(req.Arende, "arende", spellings)
		if err != nil {
			return nil, nil, err
		}
		part.Arende = a
	}
	q := &query{parter: []minaarenden.Part{part}}
	// Prefixes came with 4.0; before that only whole types are filters.
	if err := q.setFilters(req.KundhandelseTyper, req.Taggar, req.StartDatum, req.SlutDatum, v.AtLeast(minaarenden.V4_0)); err != nil {
		return nil, nil, err
	}
	if req.Anvandare != nil {
		if !twelveDigits(*req.Anvandare) {
			return nil, nil, badRequest("anvandare must be 12 digits")
		}
		echo.anvandare = *req.Anvandare
	}
	if req.SessionID != nil {
		if !uuidPattern.MatchString(*req.SessionID) {
			return nil, nil, badRequest("sessionID must be a UUID")
		}
		echo.sessionID = *req.SessionID
	}
	if req.Konsument != nil {
		echo.konsument = *req.Konsument
	}
	if req.Konsumenttjanst != nil {
		echo.konsumenttjanst = *req.Konsumenttjanst
	}
	return q, echo, nil
}

// forwardingRequest is KundhandelseFragaRequest.
type forwardingRequest struct {
	Fraga *struct {
		Parter            []json.RawMessage `json:"parter"`
		KundhandelseTyper []string          `json:"kundhandelseTyper"`
		Taggar            []string          `json:"taggar"`
		StartDatum        *string           `json:"startDatum"`
		SlutDatum         *string           `json:"slutDatum"`
		Behandling        *struct {
			Sortering []struct {
				Attribut string `json:"attribut"`
				Stigande *bool  `json:"stigande"`
			} `json:"sortering"`
			Paginering *struct {
				Offset *int `json:"offset"`
				Limit  *int `json:"limit"`
			} `json:"paginering"`
		} `json:"behandling"`
	} `json:"fraga"`
	Anvandare *string `json:"anvandare"`
}

type forwardingPart struct {
	Kund   *wireKund   `json:"kund"`
	Arende *wireArende `json:"arende"`
}

// The forwarding service's limits, as the reference implementation sets
// them (the standard names none).
const (
	maxParter = 100
	maxTyper  = 100
	maxTaggar = 100
	maxLimit  = 1000
)

// sortAttributes are the attributes behandling.sortering accepts.
var sortAttributes = []string{"RUBRIK", "BESKRIVNING", "PRODUCENT", "TIDPUNKT", "KUNDHANDELSETYP",
	"PRODUCENTARENDETKRAVERKUNDATGARD", "PRODUCENTARENDETKLART"}

// parseForwarding validates a kundhandelseFragaSynkron request.
func parseForwarding(r *http.Request, body []byte) (*query, *httpError) {
	id := r.Header.Get("skv_client_correlation_id")
	if id == "" {
		return nil, badRequest("header skv_client_correlation_id is required")
	}
	if len(id) > 200 || strings.IndexFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		return nil, badRequest("header skv_client_correlation_id must be at most 200 printable ASCII characters")
	}
	var req forwardingRequest
	if err := strictDecode(body, &req); err != nil {
		return nil, err
	}
	if req.Anvandare == nil || !twelveDigits(*req.Anvandare) {
		return nil, badRequest("anvandare is required and must be 12 digits")
	}
	if req.Fraga == nil {
		return nil, badRequest("fraga is required")
	}
	f := req.Fraga
	if len(f.Parter) == 0 {
		return nil, badRequest("fraga.parter needs at least one part")
	}
	if len(f.Parter) > maxParter {
		return nil, badRequest("fraga.parter has more than %d parts", maxParter)
	}
	if len(f.KundhandelseTyper) > maxTyper {
		return nil, badRequest("fraga.kundhandelseTyper has more than %d entries", maxTyper)
	}
	if len(f.Taggar) > maxTaggar {
		return nil, badRequest("fraga.taggar has more than %d entries", maxTaggar)
	}
	q := &query{rawParter: f.Parter}
	for i, raw := range f.Parter {
		var wp forwardingPart
		if err := strictDecode(raw, &wp); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("fraga.parter[%d]", i)
		if wp.Kund == nil && wp.Arende == nil {
			return nil, badRequest("%s needs kund or arende", name)
		}
		var part minaarenden.Part
		if wp.Kund != nil {
			k, err := checkKund(wp.Kund, name+".kund")
			if err != nil {
				return nil, err
			}
			part.Kund = k
		}
		if wp.Arende != nil {
			// The forwarding service spells it without ä.
			a, err := checkArende(wp.Arende, name+".arende", []string{"Producentarendereferens"})
			if err != nil {
				return nil, err
			}
			part.Arende = a
		}
		q.parter = append(q.parter, part)
	}
	if err := q.setFilters(f.KundhandelseTyper, f.Taggar, f.StartDatum, f.SlutDatum, true); err != nil {
		return nil, err
	}
	if b := f.Behandling; b != nil {
		for i, s := range b.Sortering {
			if !slices.Contains(sortAttributes, s.Attribut) {
				return nil, badRequest("fraga.behandling.sortering[%d].attribut must be one of %s", i, strings.Join(sortAttributes, ", "))
			}
			// stigande is optional; absent sorts ascending.
			q.sortering = append(q.sortering, sortKey{attribut: s.Attribut, stigande: s.Stigande == nil || *s.Stigande})
		}
		if p := b.Paginering; p != nil {
			if len(q.sortering) == 0 {
				return nil, badRequest("Paginering kräver att sortering anges")
			}
			if p.Offset == nil || *p.Offset < 0 {
				return nil, badRequest("fraga.behandling.paginering.offset is required and must be 0 or more")
			}
			if p.Limit != nil && (*p.Limit < 1 || *p.Limit > maxLimit) {
				return nil, badRequest("fraga.behandling.paginering.limit must be between 1 and %d", maxLimit)
			}
			q.paginate, q.offset = true, *p.Offset
			if p.Limit != nil {
				q.limit = *p.Limit
			}
		}
	}
	return q, nil
}

// setFilters checks and stores the filters both dialects share.
func (q *query) setFilters(typer, taggar []string, start, slut *string, prefixes bool) *httpError {
	for i, s := range typer {
		t := minaarenden.Kundhandelsetyp(s)
		check, want := t.Validate, "a whole type (prefixes came with 4.0)"
		if prefixes {
			check, want = t.ValidatePrefix, "a type or a prefix"
		}
		if err := check(); err != nil {
			// The reason, not the value: a misplaced identifier must not
			// come back in the message.
			reason := "is malformed"
			var te *minaarenden.TypError
			if errors.As(err, &te) {
				reason = te.Reason
			}
			return badRequest("kundhandelseTyper[%d] must be %s: it %s", i, want, reason)
		}
		q.typer = append(q.typer, t)
	}
	for _, s := range taggar {
		if strings.TrimSpace(s) == "" {
			return badRequest("taggar has an empty tag")
		}
	}
	q.taggar = taggar
	for _, d := range []struct {
		name string
		in   *string
		out  *minaarenden.Datum
	}{{"startDatum", start, &q.start}, {"slutDatum", slut, &q.slut}} {
		if d.in == nil {
			continue
		}
		v, err := minaarenden.ParseDatum(*d.in)
		if err != nil {
			return badRequest("%s must be a YYYY-MM-DD day", d.name)
		}
		*d.out = v
	}
	if !q.start.IsZero() && !q.slut.IsZero() && q.slut.Before(q.start) {
		return badRequest("slutDatum is before startDatum")
	}
	return nil
}

func checkKund(k *wireKund, name string) (*minaarenden.Kund, *httpError) {
	// Only the form is checked, as a schema would: 12 digits. The number
	// itself never goes into a message.
	if !twelveDigits(k.Identifierare) {
		return nil, badRequest("%s.identifierare must be 12 digits", name)
	}
	typ := minaarenden.KundTyp(k.Typ)
	switch typ {
	case minaarenden.Personnummer, minaarenden.Samordningsnummer, minaarenden.Organisationsnummer:
	default:
		return nil, badRequest("%s.typ must be Personnummer, Samordningsnummer or Organisationsnummer", name)
	}
	kund := &minaarenden.Kund{Identifierare: minaarenden.Identifierare(k.Identifierare), Typ: typ}
	if k.Tillagg != nil {
		kund.Tillagg = *k.Tillagg
	}
	return kund, nil
}

func checkArende(a *wireArende, name string, producentarende []string) (*minaarenden.Arende, *httpError) {
	if strings.TrimSpace(a.Identifierare) == "" {
		return nil, badRequest("%s.identifierare is required", name)
	}
	typ := minaarenden.ArendeTyp(a.Typ)
	switch {
	case slices.Contains(producentarende, a.Typ):
		typ = minaarenden.ProducentarendeReferens
	case typ == minaarenden.Konsumentreferens, typ == minaarenden.Diarienummer, typ == minaarenden.Kvittensnummer:
	default:
		return nil, badRequest("%s.typ must be one of Konsumentreferens, %s, Diarienummer, Kvittensnummer", name, strings.Join(producentarende, ", "))
	}
	return &minaarenden.Arende{Identifierare: a.Identifierare, Typ: typ}, nil
}

// onlyFields rejects any key not in allowed, naming the first in sorted
// order so the message is stable.
func onlyFields(fields map[string]json.RawMessage, allowed []string, prefix string, v minaarenden.Version) *httpError {
	var extra []string
	for k := range fields {
		if !slices.Contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return badRequest("field %s%s is not allowed in version %s", prefix, fieldName(extra[0]), v)
}

// fieldName returns an unknown field's name for an error message, unless it
// could be personal data: the standard's names have no digits, and a client
// that put an identifier where a name goes must not get it echoed.
func fieldName(name string) string {
	if len(name) > 64 || strings.ContainsAny(name, "0123456789") {
		return "(a name with digits)"
	}
	return name
}

// strictDecode decodes one JSON value, rejecting unknown fields and
// trailing data, with messages that name fields but never values.
func strictDecode(data []byte, v any) *httpError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return typeError(err)
	}
	if dec.More() {
		return badRequest("the body has data after the JSON value")
	}
	return nil
}

func typeError(err error) *httpError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return badRequest("%s has the wrong type, want %s", te.Field, te.Type)
	}
	// DisallowUnknownFields reports `json: unknown field "x"`: a field
	// name, never a value, but still checked by fieldName.
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		name, _ := strconv.Unquote(strings.TrimPrefix(msg, "json: unknown field "))
		return badRequest("unknown field %q", fieldName(name))
	}
	return badRequest("the body is not valid JSON")
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func twelveDigits(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
