package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aterkoppling/minaarenden"
)

// Status is where a producentärende instance stands (rule 3).
type Status string

// The statuses of rule 3.
const (
	// EjPaborjad: an expected type with no events; the customer must start it.
	EjPaborjad Status = "ej_paborjad"
	// Pagaende: in progress, the producer has the ball.
	Pagaende Status = "pagaende"
	// VantarPaKund: the case waits for the customer to act.
	VantarPaKund Status = "vantar_pa_kund"
	// Klart: finished.
	Klart Status = "klart"
	// Okand: an expected type with no events whose producer did not answer;
	// the SDK never claims a case has not started when it could not ask.
	Okand Status = "okand"
)

// Bollen says who has the ball (rule 4).
type Bollen string

// The holders of rule 4.
const (
	BollenKund      Bollen = "kund"
	BollenProducent Bollen = "producent"
	BollenIngen     Bollen = "ingen"
)

// bollen maps a status to who has the ball (rule 4).
func bollen(s Status) Bollen {
	switch s {
	case VantarPaKund, EjPaborjad:
		return BollenKund
	case Pagaende:
		return BollenProducent
	}
	return BollenIngen // klart, okand
}

// StegState is the state of one step of an instance's flow (rule 5).
type StegState string

// The step states of rule 5, in the order a step that qualifies twice takes
// the first of.
const (
	StegCurrent   StegState = "current"
	StegDone      StegState = "done"
	StegSkipped   StegState = "skipped"
	StegExpected  StegState = "expected"
	StegUnvisited StegState = "unvisited"
)

// Steg is one node of the instance's flow with its state.
type Steg struct {
	Typ   minaarenden.Kundhandelsetyp `json:"typ"`
	State StegState                   `json:"state"`
}

// AvvikelseKind names an anomaly (rule 7).
type AvvikelseKind string

// The anomalies of rule 7.
const (
	// UnknownType: the catalog has no such producentärendetyp.
	UnknownType AvvikelseKind = "unknown_type"
	// UnknownStep: the step is not a node of the producer's flow.
	UnknownStep AvvikelseKind = "unknown_step"
	// InvalidTransition: the step cannot be reached from the previous one.
	InvalidTransition AvvikelseKind = "invalid_transition"
	// SkippedSteps: the step is reachable, but not by an edge; steps between
	// were never reported.
	SkippedSteps AvvikelseKind = "skipped_steps"
	// AfterEnd: an event after the instance finished, other than a new start.
	AfterEnd AvvikelseKind = "after_end"
	// FlagMismatch: the event's klart or kundåtgärd flag contradicts its node.
	FlagMismatch AvvikelseKind = "flag_mismatch"
)

// Avvikelse is one anomaly, tied to the event that showed it. Events are
// never dropped because of one.
type Avvikelse struct {
	Kind           AvvikelseKind `json:"kind"`
	KundhandelseID string        `json:"kundhandelseId"` // "" for an expected type the catalog lacks
	Detail         string        `json:"detail"`
}

// Instance is one producentärende: one case of one type at one producer.
// Its JSON form is the arenden item of the foretagstjanst -json contract
// (see its package doc); every slice encodes as [] when empty.
type Instance struct {
	Typ       string `json:"typ"`       // producentärendetyp, "SKV.ARBETSGIVARE"
	Producent string `json:"producent"` // the events' producent; for an expected type, as given or the type's only producent
	Referens  string `json:"referens"`  // the reference of rule 1, "" when the events carry none

	Status Status `json:"status"`
	Bollen Bollen `json:"bollen"`

	Steg     []Steg                        `json:"steg"`
	Nasta    []minaarenden.Kundhandelsetyp `json:"nasta"`
	Aterstar []minaarenden.Kundhandelsetyp `json:"aterstar"`

	Avvikelser []Avvikelse `json:"avvikelser"`

	// Events point into the slice given to Place, in instant order (rule
	// 1): the instance refers to those events rather than copying them, so
	// they must not be changed while the instance is in use. The pointers
	// of one Place call share one allocation; appending to one instance's
	// Events is safe.
	Events []*minaarenden.Kundhandelse `json:"-"`
}

// MarshalJSON writes the contract form, with [] rather than null for an
// empty slice, so readers need no null checks.
// It has a value receiver so an Instance encodes alike by value and by
// pointer.
func (in Instance) MarshalJSON() ([]byte, error) {
	type plain Instance // no methods: no recursion
	p := plain(in)
	if p.Steg == nil {
		p.Steg = []Steg{}
	}
	if p.Nasta == nil {
		p.Nasta = []minaarenden.Kundhandelsetyp{}
	}
	if p.Aterstar == nil {
		p.Aterstar = []minaarenden.Kundhandelsetyp{}
	}
	if p.Avvikelser == nil {
		p.Avvikelser = []Avvikelse{}
	}
	return json.Marshal(p)
}

// State returns the state of step in the instance's flow, or "" when the
// step is not in it.
func (in *Instance) State(step minaarenden.Kundhandelsetyp) StegState {
	for _, s := range in.Steg {
		if s.Typ == step {
			return s.State
		}
	}
	return ""
}

// Expected is a producentärendetyp a customer is expected to go through:
// "TYPE", or "TYPE@Producent" to name one producer of a type many share.
type Expected struct {
	Typ       string // "BV.VERKLIG_HUVUDMAN"
	Producent string // "" for any producer of the type
}

// String returns the form ParseExpected reads.
func (e Expected) String() string {
	if e.Producent == "" {
		return e.Typ
	}
	return e.Typ + "@" + e.Producent
}

// MaxProducentLen bounds a producer's name in an Expected, in bytes: the
// longest Swedish authority or kommun name is well under it.
const MaxProducentLen = 100

// Validate checks that Typ is a whole producentärendetyp (PRODUCENT.ARENDETYP:
// upper case, digits and _ in two dot-separated segments — not a step id,
// not lower case) and that Producent, when given, is a plausible producer
// name: valid UTF-8, printable, at most MaxProducentLen bytes. Neither may
// look like a personal identity number (six digits or more, in any
// script), and no error repeats one: Typ is quoted only when it does not,
// Producent never.
func (e Expected) Validate() error {
	typ := shownTyp(e.Typ)
	if err := minaarenden.Kundhandelsetyp(e.Typ).ValidatePrefix(); err != nil {
		var te *minaarenden.TypError
		if errors.As(err, &te) {
			return fmt.Errorf("flow: expected type %s %s", typ, minaarenden.Redact(te.Reason))
		}
		return fmt.Errorf("flow: expected type %s is not a producentärendetyp (PRODUCENT.ARENDETYP)", typ)
	}
	if strings.Count(e.Typ, ".") != 1 {
		return fmt.Errorf("flow: expected type %s is not a producentärendetyp (PRODUCENT.ARENDETYP)", typ)
	}
	if identifierLike(e.Typ) {
		return fmt.Errorf("flow: expected type %s looks like an identity number, not a producentärendetyp", typ)
	}
	if e.Producent == "" {
		return nil
	}
	if why := badProducent(e.Producent); why != "" {
		return fmt.Errorf("flow: expected type %s: the producent after @ %s", typ, why)
	}
	return nil
}

// shownTyp quotes an expected type for an error, or says it is not shown
// when it could be an identity number.
func shownTyp(t string) string {
	if identifierLike(t) {
		return "(not shown)"
	}
	return strconv.Quote(t)
}

// identifierLike reports whether s holds six digits or more, together or
// apart, in any script: a date of birth at least, and so personal data.
// Producer names and types are words, so this is no loss.
func identifierLike(s string) bool {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits >= 6 || minaarenden.Redact(s) != s
}

// badProducent says what is wrong with a producer name, without repeating
// it, or returns "".
func badProducent(p string) string {
	switch {
	case len(p) > MaxProducentLen:
		return fmt.Sprintf("is longer than %d bytes", MaxProducentLen)
	case !utf8.ValidString(p):
		return "is not valid UTF-8"
	case strings.TrimSpace(p) != p:
		return "has leading or trailing space"
	}
	for _, r := range p {
		if !unicode.IsPrint(r) {
			return "holds a control or non-printing character"
		}
	}
	if identifierLike(p) {
		return "looks like an identity number, not a producer's name"
	}
	return ""
}

// ParseExpected reads "TYPE" or "TYPE@Producent" and checks it as
// Expected.Validate does. TYPE must be a whole producentärendetyp,
// PRODUCENT.ARENDETYP; Producent is the producer's name as events carry it
// ("Stockholms stad") and may contain spaces. An error never repeats the
// producent and masks anything identifier-like in the type, so it is safe
// to show to whoever typed it, and to log.
func ParseExpected(s string) (Expected, error) {
	typ, producent, hasAt := strings.Cut(strings.TrimSpace(s), "@")
	e := Expected{Typ: strings.TrimSpace(typ), Producent: strings.TrimSpace(producent)}
	if hasAt && e.Producent == "" {
		return Expected{}, fmt.Errorf("flow: expected type %s names no producent after @", shownTyp(e.Typ))
	}
	if hasAt && strings.Contains(e.Producent, "@") {
		return Expected{}, errors.New("flow: an expected type names one producent, after one @")
	}
	if err := e.Validate(); err != nil {
		return Expected{}, err
	}
	return e, nil
}

// Options are Place's optional inputs; nil means none.
//
// Who answered decides between ej_paborjad and okand, so Place never says a
// case has not started when its producer was not heard. A caller passes:
//
//   - after aggregate.Aggregator.Run about one kund (or any question whose
//     events are placed together): Answered = Result.Answered();
//   - when placing one part's events of a question about many parter (a
//     batch job, a watcher): Answered = Result.AnsweredFor(part);
//   - after asking one producer with package client: that producer's name
//     when its answer was complete, else nothing.
//
// Expected without Answered makes every expected case without events
// okand: "not started" is a claim only an answer can back.
type Options struct {
	// Expected are the types the customer is expected to go through; each
	// one with no instance gets an ej_paborjad or okand instance. Entries
	// that fail Expected.Validate get an okand instance carrying an
	// unknown_type anomaly that says so; call Validate first to refuse them.
	Expected []Expected
	// Answered are the producers (by producent name, as events carry it)
	// that were asked and answered fully. An expected type without events
	// is ej_paborjad only when its producer answered:
	//
	//   - "TYPE@Producent": when Producent is listed;
	//   - "TYPE": when every producer the catalog lists for the type is
	//     listed (it could be a case at any of them; name the producer to
	//     judge one alone), and never for a type the catalog lacks or lists
	//     no producer for, as no one can be said to have been asked.
	//
	// Otherwise it is okand. A producer skipped by routing or not
	// configured at all is not in Answered, so its cases are okand too.
	Answered []string
}

// Validate reports every Expected entry that fails Expected.Validate,
// naming its index. Place cannot fail, so callers that build Options from
// input (flags, a request body, configuration) call Validate first; Place
// still marks a bad entry with an anomaly rather than drop it.
func (o *Options) Validate() error {
	if o == nil {
		return nil
	}
	var errs []error
	for i, ex := range o.Expected {
		if err := ex.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("flow: Options.Expected[%d]: %s", i, strings.TrimPrefix(err.Error(), "flow: ")))
		}
	}
	return errors.Join(errs...)
}

// States returns each step's state as the string catalog.Mermaid,
// catalog.DOT and catalog.SVG draw, to picture the instance on its flow.
func (in *Instance) States() map[minaarenden.Kundhandelsetyp]string {
	m := make(map[minaarenden.Kundhandelsetyp]string, len(in.Steg))
	for _, s := range in.Steg {
		m[s.Typ] = string(s.State)
	}
	return m
}
