package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

// The logged-in test person and the company she acts for. Made up; they
// pass the checksums, as the stand-ins check them.
const (
	userName     = "Pia Andersson"
	company      = "Pias Tacotruck AB"
	personnummer = minaarenden.Identifierare("199001012385")
	orgnr        = minaarenden.Identifierare("165591234561")
)

// producers are the stand-ins behind the forwarding service, each with the
// prefixes the spoof guard lets it answer for and the version it speaks.
var producers = []struct {
	name    string
	prefix  minaarenden.Kundhandelsetyp
	version minaarenden.Version
}{
	{"Bolagsverket", "BV", minaarenden.V6_0},
	{"Skatteverket", "SKV", minaarenden.V6_1},
	{"PRV", "PRV", minaarenden.V6_0},
	{"Stockholms stad", "KOMMUN", minaarenden.V6_1},
}

// expected are the cases a newly started food business goes through.
var expected = []flow.Expected{
	{Typ: "BV.VERKLIG_HUVUDMAN"}, {Typ: "SKV.ARBETSGIVARE"},
	{Typ: "PRV.VARUMARKE"}, {Typ: "KOMMUN.FETTAVSKILJARE"},
}

const forwardingName = "Vidareförmedlingstjänsten"

//go:embed templates/*.tmpl portal.css
var files embed.FS

var page = template.Must(template.ParseFS(files, "templates/*.tmpl"))

// portal serves the page. It asks the forwarding service on every request,
// as a portal shows what is true now.
type portal struct {
	cat        *catalog.Catalog
	agg        *aggregate.Aggregator
	forwarding *clienttest.Server
}

func newPortal(catalogPath, eventsPath string) (*portal, error) {
	// Place cannot fail, so a mistyped expected case (a step id, lower
	// case) is caught here, once, rather than shown as an anomaly.
	if err := (&flow.Options{Expected: expected}).Validate(); err != nil {
		return nil, err
	}
	load := sample.Catalog
	if catalogPath != "" {
		load = func() (*catalog.Catalog, error) { return catalog.Load(catalogPath) }
	}
	cat, err := load()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(eventsPath)
	if err != nil {
		return nil, err
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("%s: %w", eventsPath, err)
	}
	kund := minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer}
	var cfgs []clienttest.Config
	registered := map[string][]minaarenden.Kundhandelsetyp{}
	for _, p := range producers {
		cfg := clienttest.Config{Producent: p.name, Version: p.version}
		for _, e := range events {
			if e.Producent == p.name {
				e.Part = minaarenden.Part{Kund: &kund}
				cfg.Events = append(cfg.Events, e)
			}
		}
		cfgs = append(cfgs, cfg)
		registered[p.name] = []minaarenden.Kundhandelsetyp{p.prefix}
	}
	srv, err := clienttest.NewServer(clienttest.Config{Dialect: client.Forwarding, Producers: cfgs})
	if err != nil {
		return nil, err
	}
	c, err := client.New(srv.URL, &client.Options{Dialect: client.Forwarding, Name: forwardingName,
		Konsumenttjanst: "Mina sidor (minaarenden example)"})
	if err != nil {
		srv.Close()
		return nil, err
	}
	agg, err := aggregate.New([]aggregate.Source{c}, &aggregate.Options{
		SourceTimeout: 5 * time.Second,
		Producers:     registered,
	})
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &portal{cat: cat, agg: agg, forwarding: srv}, nil
}

// Close stops the stand-in forwarding service.
func (p *portal) Close() { p.forwarding.Close() }

// Handler serves the page and its two stylesheets, every response with the
// security headers the widget is built for (widget.Secure).
func (p *portal) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.serveIndex)
	mux.Handle("GET /widget.css", widget.Stylesheet())
	mux.HandleFunc("GET /portal.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		http.ServeFileFS(w, r, files, "portal.css")
	})
	return widget.Secure(mux)
}

// pageData is what the page template shows.
type pageData struct {
	User, Company string
	Complete      bool
	Widget        template.HTML
}

func (p *portal) serveIndex(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	instances, complete, err := p.cases(ctx)
	if err != nil {
		http.Error(w, "Ärendena kunde inte hämtas just nu.", http.StatusInternalServerError)
		return
	}
	fragment, err := widget.Fragment(p.cat, instances)
	if err != nil {
		http.Error(w, "Ärendena kunde inte visas just nu.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // personal data
	page.ExecuteTemplate(w, "page", pageData{User: userName, Company: company, Complete: complete, Widget: fragment})
}

// cases asks about the company, Pia being the user, and places the events.
func (p *portal) cases(ctx context.Context) ([]*flow.Instance, bool, error) {
	kund := minaarenden.Kund{Identifierare: orgnr, Typ: minaarenden.Organisationsnummer}
	res, err := p.agg.Run(ctx, minaarenden.Fraga{Parter: []minaarenden.Part{{Kund: &kund}}, Anvandare: personnummer})
	if err != nil {
		return nil, false, err
	}
	// Only the producers heard for the company are in Answered: should the
	// forwarding service fail as a whole, none is, and every case without
	// events is okand.
	return flow.Place(p.cat, res.Events, &flow.Options{Expected: expected, Answered: res.Answered()}), res.Complete(), nil
}
