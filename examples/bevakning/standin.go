package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// piaEvents is where the stand-ins' events come from, relative to the
// repository root.
var piaEvents = filepath.Join("testdata", "pia", "kundhandelser.json")

// Pia's Tacotruck AB, Pia herself, and the consumer service's own
// organisationsnummer: made up, and passing the checksum.
const (
	piaOrganisation     = minaarenden.Identifierare("165591234561")
	piaPersonnummer     = minaarenden.Identifierare("199001012385")
	standInOrganisation = minaarenden.Identifierare("165566778899")
)

// piaExpected are the four producentärendetyper of the worked example.
var piaExpected = []string{"BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE"}

// granskning is the event PRV sends once Pia's komplettering is in: her
// trademark case moves from waiting on her to being examined.
const granskning = `{"kundhandelseId": "prv-2b9e6a40-5c1d-4e8f-a7b3-93d0f4c2a003", "producent": "PRV",
 "kundhandelseTyp": "PRV.VARUMARKE.GRANSKNING", "tidpunkt": "2026-03-27T10:12:00+01:00",
 "rubrik": "Din ansökan granskas", "beskrivning": "Vi har fått din komplettering och granskar nu ansökan.",
 "sprak": "sv", "producentarendetKraverKundatgard": false, "producentarendetKlart": false,
 "referenser": {"producentarende": "2026/01877"}}`

// standIns are local producers answering for Pia's Tacotruck, each in
// another version of the standard. Each serves a handler that can be
// replaced, so a producer's case can move on between passes.
type standIns struct {
	kund      minaarenden.Kund
	byName    map[string]*standIn
	endpoints []client.Endpoint
}

type standIn struct {
	server  *httptest.Server
	version minaarenden.Version
	events  []minaarenden.Kundhandelse
	handler atomic.Pointer[clienttest.Handler]
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.Load().ServeHTTP(w, r) }

// serve makes the stand-in answer with its events.
func (s *standIn) serve(name string) error {
	h, err := clienttest.NewHandler(clienttest.Config{Dialect: client.Producer, Version: s.version, Producent: name, Events: s.events})
	if err != nil {
		return fmt.Errorf("stand-in %s: %w", name, err)
	}
	s.handler.Store(h)
	return nil
}

var standInProducers = []struct {
	name, prefix string
	version      minaarenden.Version
}{
	{"Bolagsverket", "BV", minaarenden.V4_1},
	{"Skatteverket", "SKV", minaarenden.V6_0},
	{"PRV", "PRV", minaarenden.V5_0},
	{"Stockholms stad", "KOMMUN", minaarenden.V6_1},
}

// startStandIns starts the stand-ins on loopback with the events in
// eventsFile, each event belonging to kund. Close them when done.
func startStandIns(kund minaarenden.Kund, eventsFile string) (*standIns, error) {
	data, err := os.ReadFile(eventsFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no stand-in events at %s: run from the repository root, or ask real producers with -producers FILE", eventsFile)
		}
		return nil, err
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("%s: %w", eventsFile, err)
	}
	s := &standIns{kund: kund, byName: map[string]*standIn{}}
	for _, p := range standInProducers {
		si := &standIn{version: p.version}
		for _, e := range events {
			if e.Producent == p.name {
				e.Part = minaarenden.Part{Kund: &kund}
				si.events = append(si.events, e)
			}
		}
		if err := si.serve(p.name); err != nil {
			s.Close()
			return nil, err
		}
		si.server = httptest.NewServer(si)
		s.byName[p.name] = si
		s.endpoints = append(s.endpoints, client.Endpoint{Name: p.name, URL: si.server.URL + clienttest.DefaultBasePath,
			Version: string(p.version), Prefixes: []string{p.prefix}})
	}
	return s, nil
}

// moveOn makes PRV report the granskning of Pia's trademark.
func (s *standIns) moveOn() error {
	var e minaarenden.Kundhandelse
	if err := json.Unmarshal([]byte(granskning), &e); err != nil {
		return err
	}
	e.Part = minaarenden.Part{Kund: &s.kund}
	prv := s.byName["PRV"]
	prv.events = append(prv.events, e)
	return prv.serve("PRV")
}

// Close stops every stand-in.
func (s *standIns) Close() {
	for _, si := range s.byName {
		si.server.Close()
	}
}
