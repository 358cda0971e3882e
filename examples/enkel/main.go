// Command enkel asks one Mina ärenden endpoint about one kund or ärende and
// prints the kundhändelser that came back and the version of the standard
// the answer was written in.
//
// With no -url it serves, in-process, a stand-in of Skatteverket's Enkel
// kundhändelsetjänst (the example producer published with the standard)
// from testdata/enkel/kundhandelser.json, in whatever -dialect and
// -version you ask for, and asks it:
//
//	go run ./examples/enkel                       # the test person, 6.1
//	go run ./examples/enkel -version 3.1          # the same, as a 3.1 producer
//	go run ./examples/enkel -kund 165560360793 -anvandare 199001012385 -dialect forwarding
//	go run ./examples/enkel -typer SKV.MOMS -json # 6.1 wire form, UTC, by instant
//
// # The real service
//
// Skatteverket lists its Enkel kundhändelsetjänst with the rest of the
// standard's material under Mina ärenden on Sveriges dataportal,
// https://www.dataportal.se/sv/datasets/6_71657/mina-arenden. Pass the URL
// given there as -url (with or without its final /kundhandelser; the
// client adds it when missing), with the -version its page names:
//
//	go run ./examples/enkel -url https://…/kundhandelser -version 6.0 -kund 199001012385
//
// A producer of version 3.1–4.1 also wants the consumer's
// organisationsnummer as a header: give it with -org. Services that need
// credentials (API keys, OAuth, mTLS) are out of scope for this example;
// see package client for composing them.
//
// Exit status, as for the other examples: 0 when everything asked was
// answered, 3 when the answer is partial (a producer behind the forwarding
// service failed, or some events could not be read; what did arrive is
// printed), 2 for a usage error (a bad flag, an invalid identifier: the
// message names the rule, never the number), 1 for any other failure.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit statuses.
const (
	exitOK      = 0
	exitFail    = 1
	exitUsage   = 2
	exitPartial = 3
)

// partialError is a failure after which part of the answer was printed.
type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// The stand-in's defaults: the test person of testdata/enkel, and an
// invented consumer organisation for the 3.1–4.1 header.
const (
	standInKund = "199001012385"
	standInOrg  = "165599999991"
)

// options are the parsed flags.
type options struct {
	url, dialect, version          string
	kund, kundtyp, anvandare, org  string
	arende, arendetyp, typer, data string
	json                           bool
	timeout                        time.Duration
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("enkel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.url, "url", "", "base URL of the endpoint; empty serves the in-process stand-in of Skatteverket's Enkel kundhändelsetjänst")
	fs.StringVar(&o.dialect, "dialect", "producer", "API the endpoint speaks: producer (/kundhandelser) or forwarding (/kundhandelseFragaSynkron)")
	fs.StringVar(&o.version, "version", string(minaarenden.V6_1), "version of the standard to speak (answers are read whatever version they carry)")
	fs.StringVar(&o.kund, "kund", "", "the kund asked about: 12-digit personnummer, samordningsnummer or organisationsnummer")
	fs.StringVar(&o.kundtyp, "kundtyp", "", "Personnummer, Samordningsnummer or Organisationsnummer; empty guesses from the number (16… is an organisationsnummer)")
	fs.StringVar(&o.anvandare, "anvandare", "", "personnummer of the person using the service; defaults to -kund when that is a person")
	fs.StringVar(&o.org, "org", "", "organisationsnummer of the consumer, the anropandeOrganisation header of 3.1–4.1")
	fs.StringVar(&o.arende, "arende", "", "an ärende reference to ask about, alone or with -kund")
	fs.StringVar(&o.arendetyp, "arendetyp", string(minaarenden.Diarienummer), "Konsumentreferens, Producentarendereferens, Diarienummer or Kvittensnummer")
	fs.StringVar(&o.typer, "typer", "", "comma-separated kundhandelseTyper: whole types or prefixes (SKV, SKV.MOMS)")
	fs.BoolVar(&o.json, "json", false, "print the events as a JSON array in the 6.1 wire form, tidpunkt in UTC, ordered by instant")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up after this long")
	fs.StringVar(&o.data, "data", "", "stand-in data file; empty finds testdata/enkel/kundhandelser.json in the module")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // flag has printed the problem and the usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "enkel: unexpected argument %q; every input is a flag\n", fs.Arg(0))
		return exitUsage
	}
	err := ask(o, stdout)
	var ue *usageError
	var pe *partialError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "enkel:", err)
		return exitUsage
	case errors.As(err, &pe):
		fmt.Fprintln(stderr, "enkel: partial answer:", err)
		return exitPartial
	default:
		fmt.Fprintln(stderr, "enkel:", err)
		return exitFail
	}
}

func ask(o options, stdout io.Writer) error {
	dialect, version, fraga, err := question(o)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()

	base, org, label := o.url, minaarenden.Identifierare(o.org), ""
	if base == "" {
		srv, err := standIn(o.data, dialect, version)
		if err != nil {
			return err
		}
		defer srv.Close()
		base, label = srv.URL, "stand-in for Skatteverket's Enkel kundhändelsetjänst (in-process)"
		if org == "" {
			org = standInOrg
		}
	}
	if org != "" {
		if err := org.Validate(minaarenden.Organisationsnummer); err != nil {
			return usagef("-org: %v", err)
		}
	}
	c, err := client.New(base, &client.Options{
		Dialect: dialect, Version: version, Name: "Skatteverket", AnropandeOrganisation: org,
	})
	if err != nil {
		return usagef("%v", err)
	}
	answer, qerr := c.Query(ctx, fraga)
	if errors.Is(qerr, client.ErrAnvandareRequired) || errors.Is(qerr, client.ErrNotInVersion) {
		return usagef("%v", qerr)
	}
	if label == "" {
		label = answer.Endpoint
	}
	events := append([]minaarenden.Kundhandelse{}, answer.Events...) // [] in -json, never null
	slices.SortStableFunc(events, func(a, b minaarenden.Kundhandelse) int {
		return cmp.Or(a.Tidpunkt.Compare(b.Tidpunkt),
			strings.Compare(a.Producent, b.Producent),
			strings.Compare(a.KundhandelseID, b.KundhandelseID))
	})
	if o.json {
		if err := writeJSON(stdout, events); err != nil {
			return err
		}
	} else {
		writeText(stdout, label, dialect, answer, events)
	}
	if qerr != nil && (len(events) > 0 || slices.ContainsFunc(answer.Outcomes, func(o client.Outcome) bool { return o.Err == nil })) {
		return &partialError{qerr}
	}
	return qerr
}

// question turns the flags into what to ask, refusing anything the
// standard would refuse before a request leaves the process.
func question(o options) (client.Dialect, minaarenden.Version, minaarenden.Fraga, error) {
	var f minaarenden.Fraga
	var dialect client.Dialect
	switch o.dialect {
	case "producer":
		dialect = client.Producer
	case "forwarding":
		dialect = client.Forwarding
	default:
		return 0, "", f, usagef("-dialect must be producer or forwarding")
	}
	version := minaarenden.Version(o.version)
	if !version.Known() {
		return 0, "", f, usagef("-version %q is not a version of the standard (%s)", o.version, versionList())
	}
	kund := o.kund
	if kund == "" && o.arende == "" && o.url == "" {
		kund = standInKund // the stand-in's test person
	}
	if kund == "" && o.arende == "" {
		return 0, "", f, usagef("give -kund or -arende (or both)")
	}
	var part minaarenden.Part
	if kund != "" {
		typ := minaarenden.KundTyp(o.kundtyp)
		if typ == "" {
			typ = guessKundTyp(kund)
		}
		k := &minaarenden.Kund{Identifierare: minaarenden.Identifierare(kund), Typ: typ}
		if err := k.Validate(); err != nil {
			return 0, "", f, usagef("-kund: %v", err)
		}
		part.Kund = k
	}
	if o.arende != "" {
		typ := minaarenden.ArendeTyp(o.arendetyp)
		if typ == "Producentärendereferens" {
			typ = minaarenden.ProducentarendeReferens
		}
		part.Arende = &minaarenden.Arende{Identifierare: o.arende, Typ: typ}
	}
	f.Parter = []minaarenden.Part{part}
	if o.typer != "" {
		for i, s := range strings.Split(o.typer, ",") {
			t := minaarenden.Kundhandelsetyp(strings.TrimSpace(s))
			if err := t.ValidatePrefix(); err != nil {
				// The rule, not the value, in case a number landed here.
				var te *minaarenden.TypError
				if errors.As(err, &te) {
					return 0, "", f, usagef("-typer entry %d is not a kundhandelseTyp or prefix: it %s", i+1, te.Reason)
				}
				return 0, "", f, usagef("-typer entry %d: %v", i+1, err)
			}
			f.KundhandelseTyper = append(f.KundhandelseTyper, t)
		}
	}
	if o.anvandare != "" {
		f.Anvandare = minaarenden.Identifierare(o.anvandare)
	}
	if err := f.Validate(); err != nil {
		return 0, "", f, usagef("%v", err)
	}
	if dialect == client.Forwarding && f.User() == "" {
		return 0, "", f, usagef("the forwarding service requires anvandare: give -anvandare when -kund is not a person")
	}
	return dialect, version, f, nil
}

// guessKundTyp reads the kind of a 12-digit number: 16 first is a legal
// person's organisationsnummer, a day of 61–91 a samordningsnummer, the rest
// a personnummer. -kundtyp overrides it.
func guessKundTyp(id string) minaarenden.KundTyp {
	switch {
	case strings.HasPrefix(id, "16"):
		return minaarenden.Organisationsnummer
	case len(id) == 12 && id[6] >= '6':
		return minaarenden.Samordningsnummer
	}
	return minaarenden.Personnummer
}

func versionList() string {
	var s []string
	for _, v := range minaarenden.Versions() {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

// writeJSON prints the events as a JSON array in the 6.1 wire form;
// Kundhandelse writes tidpunkt as RFC 3339 in UTC.
func writeJSON(w io.Writer, events []minaarenden.Kundhandelse) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(events)
}

// writeText prints a short report: where, which version, then one block
// per event in Swedish time.
func writeText(w io.Writer, label string, dialect client.Dialect, a *client.Answer, events []minaarenden.Kundhandelse) {
	fmt.Fprintf(w, "Endpoint:     %s, %s dialect\n", label, dialect)
	version := string(a.Version)
	if version == "" {
		version = "none stated (older than 3.0)"
	}
	fmt.Fprintf(w, "Wire version: %s\n", version)
	for _, o := range a.Outcomes {
		state := "ok"
		if o.Err != nil {
			state = fmt.Sprintf("failed (HTTP %d)", o.HTTPCode)
		}
		fmt.Fprintf(w, "Asked:        %s at %s: %s, %d event(s)\n", o.Part, o.Producent, state, o.Events)
	}
	fmt.Fprintf(w, "\n%d kundhändelse(r), oldest first, Swedish time:\n", len(events))
	for _, k := range events {
		var flags []string
		if k.KraverKundatgard {
			flags = append(flags, "kundåtgärd krävs")
		}
		if k.Klart {
			flags = append(flags, "ärendet klart")
		}
		fmt.Fprintf(w, "\n%s  %s  %s\n", k.Tidpunkt.In(minaarenden.Stockholm()).Format("2006-01-02 15:04"), k.Producent, k.Typ)
		fmt.Fprintf(w, "  %s\n  %s\n", k.Rubrik, k.Beskrivning)
		if len(flags) > 0 {
			fmt.Fprintf(w, "  [%s]\n", strings.Join(flags, ", "))
		}
		if ref := k.Referenser.Producentarende().First(); ref != "" {
			fmt.Fprintf(w, "  ärende %s\n", ref)
		}
		for _, l := range k.Referenser.Etjanst().Links() {
			fmt.Fprintf(w, "  %s: %s\n", cmp.Or(l.Lanktext, "e-tjänst"), l.URL)
		}
		if s := k.Servicelofte(); s != "" {
			fmt.Fprintf(w, "  servicelöfte %s\n", s)
		}
	}
}

// standInData is the file format of testdata/enkel: one producer's events,
// grouped by the part they belong to, and its tag definitions.
type standInData struct {
	Producent string                                   `json:"producent"`
	Taggar    map[string][]minaarenden.Kundhandelsetyp `json:"taggar"`
	Parter    []struct {
		Part          minaarenden.Part           `json:"part"`
		Kundhandelser []minaarenden.Kundhandelse `json:"kundhandelser"`
	} `json:"parter"`
}

// standIn serves the stand-in on a loopback port, speaking dialect and
// version.
func standIn(path string, dialect client.Dialect, version minaarenden.Version) (*clienttest.Server, error) {
	if path == "" {
		var err error
		if path, err = findData(); err != nil {
			return nil, err
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stand-in data: %w", err)
	}
	var d standInData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("stand-in data %s: %w", path, err)
	}
	producer := clienttest.Config{Producent: d.Producent, Version: version, Taggar: d.Taggar}
	for _, p := range d.Parter {
		for _, k := range p.Kundhandelser {
			k.Part = p.Part
			producer.Events = append(producer.Events, k)
		}
	}
	cfg := producer
	if dialect == client.Forwarding {
		cfg = clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{producer}}
	}
	return clienttest.NewServer(cfg)
}

const dataFile = "testdata/enkel/kundhandelser.json"

// findData looks for the stand-in data from the working directory up to the
// module root, then beside this source file, so both `go run
// ./examples/enkel` at the root and `go test` in this directory find it.
func findData() (string, error) {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Dir(file))
	}
	for _, dir := range dirs {
		for {
			p := filepath.Join(dir, dataFile)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break // the module root: look no further up
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("stand-in data " + dataFile + " not found: run from the module, give -data, or ask a real endpoint with -url")
}
