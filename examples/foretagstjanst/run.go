package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
)

// config is what the flags say, checked.
type config struct {
	producersFile string
	catalogPath   string
	kund          minaarenden.Kund
	anvandare     minaarenden.Identifierare
	organisation  minaarenden.Identifierare
	expect        []flow.Expected
	timeout       time.Duration
	json          bool
	serve         string
	token         string // the -serve bearer token, read from the variable -token-env names
}

// usageError is a problem with the command line: exit status 2. printed
// says the flag package has already printed it, with the usage.
type usageError struct {
	msg     string
	printed bool
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run is the whole program; main only wires it to the process. It returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitComplete
	}
	if err != nil {
		if ue := (*usageError)(nil); !errors.As(err, &ue) || !ue.printed {
			errorf(stderr, "%v", err)
		}
		return exitUsage
	}

	// Usage problems first: a bad -producers file is exit 2 whatever else
	// is wrong.
	var endpoints []client.Endpoint
	if cfg.producersFile != "" {
		endpoints, err = client.LoadEndpoints(cfg.producersFile)
		if err != nil {
			errorf(stderr, "-producers: %v", err)
			return exitUsage
		}
	}

	cat, err := loadCatalog(cfg.catalogPath)
	if err != nil {
		errorf(stderr, "-catalog: %v", err)
		return exitFailure
	}

	if cfg.producersFile == "" {
		standIns, err := startStandIns(cfg.kund, piaEvents)
		if err != nil {
			errorf(stderr, "%v", err)
			return exitFailure
		}
		defer standIns.Close()
		endpoints = standIns.endpoints
	}

	svc, err := newService(cat, endpoints, cfg)
	if err != nil {
		errorf(stderr, "%v", err)
		if errors.As(err, new(*usageError)) {
			return exitUsage
		}
		return exitFailure
	}

	if cfg.serve != "" {
		if err := serve(ctx, svc, cfg.serve, apiConfig{timeout: cfg.timeout, token: cfg.token}, stderr); err != nil {
			errorf(stderr, "-serve: %v", err)
			return exitFailure
		}
		return exitComplete
	}

	rep, err := svc.ask(ctx, cfg.kund, cfg.anvandare, cfg.expect)
	if err != nil {
		errorf(stderr, "%v", err)
		return exitFailure
	}
	if cfg.json {
		err = rep.WriteJSON(ctx, stdout)
	} else {
		err = writeTable(stdout, svc.cat, rep)
	}
	if err != nil {
		errorf(stderr, "%v", err)
		return exitFailure
	}
	if !rep.Complete {
		errorf(stderr, "partial answer: %d of %d sources did not answer fully; their cases may be missing or okand",
			rep.Failed(), len(rep.Sources))
		return exitPartial
	}
	return exitComplete
}

// Defaults for the stand-in run: Pia's Tacotruck AB, Pia herself as the
// user, and the consumer service's own organisationsnummer. All three are
// made up and pass the checksum, as the stand-ins check it too.
const (
	piaOrganisation     = minaarenden.Identifierare("165591234561")
	piaPersonnummer     = minaarenden.Identifierare("199001012385")
	standInOrganisation = minaarenden.Identifierare("165566778899")
)

func piaKund() minaarenden.Kund {
	return minaarenden.Kund{Identifierare: piaOrganisation, Typ: minaarenden.Organisationsnummer}
}

// piaExpected are the four producentärendetyper of the worked example.
var piaExpected = []string{"BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE"}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("foretagstjanst", flag.ContinueOnError)
	// The flag package echoes bad values ("invalid value … for flag
	// -timeout"); an identifier typed into the wrong flag is masked too.
	fs.SetOutput(redactWriter{stderr})
	var (
		producers    = fs.String("producers", "", "JSON `file` of endpoints to ask (default: local stand-ins for Pia's Tacotruck)")
		catalogPath  = fs.String("catalog", "", "kundhändelsetypskatalog, a JSON file or a directory of them (default: the SDK's embedded sample catalog)")
		kund         = fs.String("kund", "", "the kund's 12-digit `identifier` (default with the stand-ins: Pia's Tacotruck AB)")
		kundtyp      = fs.String("kundtyp", "", "Personnummer, Samordningsnummer or Organisationsnummer (default: guessed from -kund)")
		anvandare    = fs.String("anvandare", "", "personnummer of the person using the service (default: -kund when that is a personnummer)")
		organisation = fs.String("organisation", "", "the consumer's own organisationsnummer (anropandeOrganisation), needed by producers speaking 4.1 or older")
		expect       = fs.String("expect", "", "comma-separated producentärendetyper the kund is expected to go through, `TYPE[@Producent],...`")
		timeout      = fs.Duration("timeout", 10*time.Second, "how long to wait for each producer")
		asJSON       = fs.Bool("json", false, "print the result as JSON")
		serveAddr    = fs.String("serve", "", "serve a JSON HTTP API on `addr` (e.g. 127.0.0.1:8081) instead of asking once")
		tokenEnv     = fs.String("token-env", "", "with -serve: the environment variable holding the bearer `token` every request must carry (without one, -serve listens on loopback only)")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: foretagstjanst [flags]\n\nWith no flags, asks local stand-in producers about Pia's Tacotruck AB and prints her four cases.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q; every input is a flag (see -h)", fs.Arg(0))
	}
	cfg := &config{producersFile: *producers, catalogPath: *catalogPath, timeout: *timeout, json: *asJSON, serve: *serveAddr}
	if cfg.timeout <= 0 {
		return nil, usagef("-timeout must be positive")
	}
	if cfg.json && cfg.serve != "" {
		return nil, usagef("-json and -serve exclude each other: -serve always answers JSON")
	}
	if err := cfg.serveAccess(*tokenEnv); err != nil {
		return nil, err
	}
	standIn := cfg.producersFile == ""

	switch {
	case *kund != "":
		k, err := parseKund(*kund, *kundtyp)
		if err != nil {
			return nil, err
		}
		cfg.kund = k
	case *kundtyp != "":
		return nil, usagef("-kundtyp needs -kund")
	case standIn:
		cfg.kund = piaKund()
	case cfg.serve == "": // with -serve, each request says whom it asks about
		return nil, usagef("-kund is required with -producers")
	}

	switch {
	case *anvandare != "":
		id := minaarenden.Identifierare(*anvandare)
		if err := id.ValidatePerson(); err != nil {
			return nil, usagef("-anvandare: %v", err)
		}
		cfg.anvandare = id
	case standIn:
		cfg.anvandare = defaultAnvandare(cfg.kund, piaPersonnummer)
	default:
		cfg.anvandare = defaultAnvandare(cfg.kund, "")
	}

	switch {
	case *organisation != "":
		id := minaarenden.Identifierare(*organisation)
		if err := id.Validate(minaarenden.Organisationsnummer); err != nil {
			return nil, usagef("-organisation: %v", err)
		}
		cfg.organisation = id
	case standIn:
		cfg.organisation = standInOrganisation
	}

	list := *expect
	if list == "" && standIn {
		list = strings.Join(piaExpected, ",")
	}
	ex, err := parseExpect(list)
	if err != nil {
		return nil, err
	}
	cfg.expect = ex
	return cfg, nil
}

// serveAccess reads the -serve token from the variable tokenEnv names, and
// refuses an address beyond loopback without one. The token itself is
// never a flag, which ps and shell histories would show.
func (cfg *config) serveAccess(tokenEnv string) error {
	if tokenEnv != "" {
		if cfg.serve == "" {
			return usagef("-token-env needs -serve")
		}
		cfg.token = os.Getenv(tokenEnv)
		if cfg.token == "" {
			return usagef("-token-env: the environment variable %s is not set or empty", tokenEnv)
		}
	}
	if cfg.serve == "" || cfg.token != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(cfg.serve)
	if err != nil {
		return usagef("-serve: %v", err)
	}
	if !loopbackHost(host) {
		return usagef("-serve %s %s", cfg.serve, beyondLoopback)
	}
	return nil
}

// defaultAnvandare is the person using the service when none is named:
// the kund when that is a person, else fallback.
func defaultAnvandare(kund minaarenden.Kund, fallback minaarenden.Identifierare) minaarenden.Identifierare {
	if kund.Typ == minaarenden.Personnummer || kund.Typ == minaarenden.Samordningsnummer {
		return kund.Identifierare
	}
	return fallback
}

// parseKund checks an identifier against its kundtyp, or, with no kundtyp,
// against each kind in turn. Errors name the rule broken, never the digits.
func parseKund(id, typ string) (minaarenden.Kund, error) {
	k := minaarenden.Kund{Identifierare: minaarenden.Identifierare(strings.TrimSpace(id))}
	if typ != "" {
		t, ok := kundTyp(typ)
		if !ok {
			return k, usagef("-kundtyp %q: must be Personnummer, Samordningsnummer or Organisationsnummer", typ)
		}
		k.Typ = t
		if err := k.Validate(); err != nil {
			return k, usagef("-kund: %v", err)
		}
		return k, nil
	}
	// A legal person's organisationsnummer starts with 16; anything else is
	// a person (or an enskild firma, whose number is its owner's).
	order := []minaarenden.KundTyp{minaarenden.Personnummer, minaarenden.Samordningsnummer, minaarenden.Organisationsnummer}
	if strings.HasPrefix(string(k.Identifierare), "16") {
		order = []minaarenden.KundTyp{minaarenden.Organisationsnummer}
	}
	var first error
	for _, t := range order {
		k.Typ = t
		err := k.Validate()
		if err == nil {
			return k, nil
		}
		if first == nil {
			first = err
		}
	}
	return k, usagef("-kund: %v (give -kundtyp to check it as another kind)", first)
}

func kundTyp(s string) (minaarenden.KundTyp, bool) {
	for _, t := range []minaarenden.KundTyp{minaarenden.Personnummer, minaarenden.Samordningsnummer, minaarenden.Organisationsnummer} {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	return "", false
}

func parseExpect(list string) ([]flow.Expected, error) {
	var out []flow.Expected
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		ex, err := flow.ParseExpected(s)
		if err != nil {
			return nil, usagef("-expect: %v", err)
		}
		out = append(out, ex)
	}
	return out, nil
}

// loadCatalog reads the catalog at path, or the SDK's embedded sample
// catalog when path is empty, so the demo runs from any directory.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return sample.Catalog()
	}
	return catalog.Load(path)
}
