package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

// piaEvents is where the stand-ins' events come from, relative to the
// repository root.
var piaEvents = filepath.Join("testdata", "pia", "kundhandelser.json")

// standIns are local producers answering for Pia's Tacotruck, each in a
// different version of the standard, one behind a forwarding service: the
// spread a real företagstjänst meets.
type standIns struct {
	servers   []*clienttest.Server
	endpoints []client.Endpoint
}

// standIn describes one stand-in; forwarded ones sit behind the forwarding
// service.
var standInProducers = []struct {
	name, prefix string
	version      minaarenden.Version
	forwarded    bool
}{
	{"Bolagsverket", "BV", minaarenden.V4_1, false},
	{"Skatteverket", "SKV", minaarenden.V6_0, false},
	{"PRV", "PRV", minaarenden.V5_0, false},
	{"Stockholms stad", "KOMMUN", minaarenden.V6_1, true},
}

// forwardingName names the forwarding-service stand-in.
const forwardingName = "Vidareförmedlingstjänsten"

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
	byProducer := map[string][]minaarenden.Kundhandelse{}
	for _, e := range events {
		e.Part = minaarenden.Part{Kund: &kund}
		byProducer[e.Producent] = append(byProducer[e.Producent], e)
	}

	s := &standIns{}
	var forwarded []clienttest.Config
	for _, p := range standInProducers {
		cfg := clienttest.Config{Dialect: client.Producer, Version: p.version, Producent: p.name, Events: byProducer[p.name]}
		if p.forwarded {
			forwarded = append(forwarded, cfg)
			continue
		}
		srv, err := clienttest.NewServer(cfg)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("stand-in %s: %w", p.name, err)
		}
		s.servers = append(s.servers, srv)
		s.endpoints = append(s.endpoints, client.Endpoint{Name: p.name, URL: srv.URL, Dialect: "producer",
			Version: string(p.version), Prefixes: []string{p.prefix}})
	}
	srv, err := clienttest.NewServer(clienttest.Config{Dialect: client.Forwarding, Producers: forwarded})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("stand-in %s: %w", forwardingName, err)
	}
	s.servers = append(s.servers, srv)
	fwd := client.Endpoint{Name: forwardingName, URL: srv.URL, Dialect: "forwarding"}
	for _, p := range standInProducers {
		if p.forwarded {
			fwd.Prefixes = append(fwd.Prefixes, p.prefix)
		}
	}
	s.endpoints = append(s.endpoints, fwd)
	return s, nil
}

// Close stops every stand-in.
func (s *standIns) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}
