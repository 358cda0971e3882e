package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/aterkoppling/minaarenden"
)

// The request bodies are built field by field per version because every
// version's schema is additionalProperties:false: a field a producer's
// version does not know makes it answer 400.

type wireKund struct {
	Identifierare string `json:"identifierare"`
	Tillagg       string `json:"tillagg,omitempty"`
	Typ           string `json:"typ"`
}

type wireArende struct {
	Identifierare string `json:"identifierare"`
	Typ           string `json:"typ"`
}

// producerRequest is KundhändelseRequest of the producer RAML, the union of
// every version's fields; producerBody fills only those the spoken version
// has.
type producerRequest struct {
	Kund              *wireKund                     `json:"kund,omitempty"`
	Arende            *wireArende                   `json:"arende,omitempty"`
	KundhandelseTyper []minaarenden.Kundhandelsetyp `json:"kundhandelseTyper,omitempty"`
	Taggar            []string                      `json:"taggar,omitempty"`
	StartDatum        string                        `json:"startDatum,omitempty"`
	SlutDatum         string                        `json:"slutDatum,omitempty"`
	Anvandare         string                        `json:"anvandare,omitempty"`
	Konsument         string                        `json:"konsument,omitempty"`
	Konsumenttjanst   string                        `json:"konsumenttjanst,omitempty"`
	SessionID         string                        `json:"sessionID,omitempty"`
}

// arendeTyp spells the ärende type as the dialect's schema does: the
// producer RAML's enum has Producentärendereferens with ä, the forwarding
// service's has it without.
func arendeTyp(t minaarenden.ArendeTyp, d Dialect) string {
	if t == minaarenden.ProducentarendeReferens && d == Producer {
		return "Producentärendereferens"
	}
	return string(t)
}

func datum(d minaarenden.Datum) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// producerBody builds the body for one part in the spoken version. filter,
// when not nil, is a type filter the version could not carry (prefixes
// before 4.0) and that the client applies to the answer instead.
func (c *Client) producerBody(f minaarenden.Fraga, part minaarenden.Part, corr string) (body []byte, filter []minaarenden.Kundhandelsetyp, err error) {
	v := c.version
	var r producerRequest
	if k := part.Kund; k != nil {
		if k.Tillagg != "" && !v.AtLeast(minaarenden.V3_1) {
			return nil, nil, fmt.Errorf("%w: kund.tillagg needs 3.1 or newer, the endpoint speaks %s", ErrNotInVersion, v)
		}
		r.Kund = &wireKund{Identifierare: string(k.Identifierare), Tillagg: k.Tillagg, Typ: string(k.Typ)}
	}
	if a := part.Arende; a != nil {
		if !v.AtLeast(minaarenden.V2_0) {
			return nil, nil, fmt.Errorf("%w: asking by arende needs 2.0 or newer, the endpoint speaks %s", ErrNotInVersion, v)
		}
		r.Arende = &wireArende{Identifierare: a.Identifierare, Typ: arendeTyp(a.Typ, Producer)}
	}
	if len(f.Taggar) > 0 {
		if !v.AtLeast(minaarenden.V4_0) {
			return nil, nil, fmt.Errorf("%w: taggar need 4.0 or newer, the endpoint speaks %s", ErrNotInVersion, v)
		}
		r.Taggar = f.Taggar
	}
	r.KundhandelseTyper = f.KundhandelseTyper
	if !v.AtLeast(minaarenden.V4_0) {
		// Before 4.0 kundhandelseTyper held full types only. A prefix is
		// exact to apply here, so ask for everything and filter the answer.
		for _, t := range f.KundhandelseTyper {
			if t.Validate() != nil {
				r.KundhandelseTyper, filter = nil, f.KundhandelseTyper
				break
			}
		}
	}
	r.StartDatum, r.SlutDatum = datum(f.StartDatum), datum(f.SlutDatum)
	if v.AtLeast(minaarenden.V5_0) {
		r.Anvandare = string(f.User())
		r.Konsument, r.Konsumenttjanst = c.kons, c.konsTj
		if !v.AtLeast(minaarenden.V6_0) {
			// 5.0's sessionID is what 6.0 made x-correlation-id.
			r.SessionID = corr
			if !uuidPattern.MatchString(corr) {
				r.SessionID = newUUID()
			}
		}
	} else if f.User() == "" && v.AtLeast(minaarenden.V3_1) {
		return nil, nil, fmt.Errorf("%w (header anvandare, %s)", ErrAnvandareRequired, v)
	}
	body, err = json.Marshal(r)
	return body, filter, err
}

// producerHeader returns the headers of one question in the spoken
// version, sent on every attempt of its attempt chain.
func (c *Client) producerHeader(f minaarenden.Fraga, corr string) http.Header {
	v := c.version
	if v.AtLeast(minaarenden.V6_0) {
		return c.newHeader("X-Request-Id", newUUID(), "X-Correlation-Id", corr)
	}
	if v.AtLeast(minaarenden.V5_0) {
		return c.newHeader("X-Request-Id", newUUID())
	}
	var buf [4]string
	extra := buf[:0]
	if c.org != "" {
		extra = append(extra, "Anropandeorganisation", string(c.org))
	}
	if u := f.User(); u != "" {
		extra = append(extra, "Anvandare", string(u))
	}
	return c.newHeader(extra...)
}

// forwardingRequest is KundhandelseFragaRequest of the forwarding service.
type forwardingRequest struct {
	Fraga     forwardingFraga `json:"fraga"`
	Anvandare string          `json:"anvandare"`
}

type forwardingFraga struct {
	Parter            []wirePart                    `json:"parter"`
	KundhandelseTyper []minaarenden.Kundhandelsetyp `json:"kundhandelseTyper,omitempty"`
	Taggar            []string                      `json:"taggar,omitempty"`
	StartDatum        string                        `json:"startDatum,omitempty"`
	SlutDatum         string                        `json:"slutDatum,omitempty"`
	Behandling        *behandling                   `json:"behandling,omitempty"`
}

type wirePart struct {
	Kund   *wireKund   `json:"kund,omitempty"`
	Arende *wireArende `json:"arende,omitempty"`
}

type behandling struct {
	Sortering  []sortering `json:"sortering"`
	Paginering *paginering `json:"paginering,omitempty"`
}

type sortering struct {
	Attribut string `json:"attribut"`
	Stigande bool   `json:"stigande"`
}

type paginering struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// stableSort orders pages so that an offset means the same thing from one
// page to the next: instant first, then every text attribute the service
// can sort on, as there is no kundhandelseId attribute to break ties with.
var stableSort = []sortering{
	{"TIDPUNKT", true}, {"PRODUCENT", true}, {"KUNDHANDELSETYP", true},
	{"RUBRIK", true}, {"BESKRIVNING", true},
}

func forwardingBody(f minaarenden.Fraga, parts []minaarenden.Part, offset, limit int) ([]byte, error) {
	if f.User() == "" {
		// The service's schema requires anvandare as 12 digits: an empty
		// one is a 400 for sure, so it is not sent.
		return nil, fmt.Errorf("%w (forwarding service): set Fraga.Anvandare when no part is a person", ErrAnvandareRequired)
	}
	r := forwardingRequest{
		Fraga: forwardingFraga{
			KundhandelseTyper: f.KundhandelseTyper,
			Taggar:            f.Taggar,
			StartDatum:        datum(f.StartDatum),
			SlutDatum:         datum(f.SlutDatum),
		},
		Anvandare: string(f.User()),
	}
	for _, p := range parts {
		var w wirePart
		if k := p.Kund; k != nil {
			w.Kund = &wireKund{Identifierare: string(k.Identifierare), Tillagg: k.Tillagg, Typ: string(k.Typ)}
		}
		if a := p.Arende; a != nil {
			w.Arende = &wireArende{Identifierare: a.Identifierare, Typ: arendeTyp(a.Typ, Forwarding)}
		}
		r.Fraga.Parter = append(r.Fraga.Parter, w)
	}
	if limit > 0 {
		r.Fraga.Behandling = &behandling{Sortering: stableSort, Paginering: &paginering{Offset: offset, Limit: limit}}
	}
	return json.Marshal(r)
}

// forwardingHeader returns the headers of one request to the forwarding
// service.
func (c *Client) forwardingHeader(corr string) http.Header {
	return c.newHeader("X-Request-Id", newUUID(), "Skv_client_correlation_id", corr)
}
