package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/watch"
)

// config is what the flags say, checked.
type config struct {
	producersFile     string
	catalogPath       string
	organisation      minaarenden.Identifierare
	timeout           time.Duration
	subscriptionsFile string
	db                string
	webhook           string
	webhookSecretEnv  string
	once              bool
	prune             bool
	interval          time.Duration
	lease             time.Duration
	notifyInitial     bool
}

// exitError is an error with the exit status it ends the program with.
// printed says the flag package has already printed it, with the usage.
type exitError struct {
	code    int
	msg     string
	printed bool
}

func (e *exitError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

func failuref(format string, args ...any) error {
	return &exitError{code: exitFailure, msg: fmt.Sprintf(format, args...)}
}

// run is the whole program; main only wires it to the process. It returns
// the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitComplete
	}
	if err == nil {
		var code int
		code, err = cfg.run(ctx, stdout, stderr)
		if err == nil {
			return code
		}
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{code: exitFailure, msg: err.Error()}
	}
	if !ee.printed {
		errorf(stderr, "%s", ee.msg)
	}
	return ee.code
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bevakning", flag.ContinueOnError)
	// The flag package echoes bad values; an identifier typed into the
	// wrong flag is masked too.
	fs.SetOutput(redactWriter{stderr})
	cfg := &config{}
	fs.StringVar(&cfg.producersFile, "producers", "", "JSON `file` of endpoints to ask, as examples/foretagstjanst reads (default: the demo on local stand-ins)")
	fs.StringVar(&cfg.catalogPath, "catalog", "", "kundhändelsetypskatalog, a JSON file or a directory of them (default: the SDK's embedded sample catalog)")
	organisation := fs.String("organisation", "", "the consumer's own organisationsnummer (anropandeOrganisation), needed by producers speaking 4.1 or older")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "how long to wait for each producer")
	fs.StringVar(&cfg.subscriptionsFile, "subscriptions", "", "JSON `file` of subscriptions to add or update on start")
	fs.StringVar(&cfg.db, "db", "bevakning.db", "the store: a SQLite `file`, or a postgres:// or postgresql:// URL")
	fs.StringVar(&cfg.webhook, "webhook", "", "POST each notification to this `URL`, signed per Standard Webhooks (default: JSON lines on stdout)")
	fs.StringVar(&cfg.webhookSecretEnv, "webhook-secret-env", "", "the environment `variable` holding the webhook's whsec_… secret")
	fs.BoolVar(&cfg.prune, "prune", false, "remove the stored subscriptions whose ids are not in -subscriptions, with their snapshots")
	fs.BoolVar(&cfg.once, "once", false, "ask every subscription once, deliver, and exit: 0 all answered and delivered, 3 some producer did not answer or some notification was not delivered")
	fs.DurationVar(&cfg.interval, "interval", watch.DefaultInterval, "how often each subscription is asked, ± 10 %")
	fs.DurationVar(&cfg.lease, "lease", watch.DefaultLease, "how long a claim on a subscription or a notification holds")
	fs.BoolVar(&cfg.notifyInitial, "notify-initial", false, "notify every case on a subscription's first pass (default: a silent baseline)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bevakning [flags]\n\nWith no flags, runs a demo on local stand-ins for Pia's Tacotruck and prints the notification of her trademark case moving on.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &exitError{code: exitUsage, msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q; every input is a flag (see -h)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.producersFile == "" {
		for _, name := range []string{"subscriptions", "prune", "db", "once", "interval", "lease", "organisation"} {
			if set[name] {
				return nil, usagef("-%s needs -producers: without it, bevakning runs its demo on stand-ins", name)
			}
		}
	}
	if cfg.timeout <= 0 || cfg.interval <= 0 || cfg.lease <= 0 {
		return nil, usagef("-timeout, -interval and -lease must be positive")
	}
	if cfg.lease <= 2*cfg.timeout {
		return nil, usagef("-lease (%v) must exceed twice -timeout (%v): a question is cut off at half the lease", cfg.lease, cfg.timeout)
	}
	if *organisation != "" {
		id := minaarenden.Identifierare(*organisation)
		if err := id.Validate(minaarenden.Organisationsnummer); err != nil {
			return nil, usagef("-organisation: %v", err)
		}
		cfg.organisation = id
	}
	if cfg.prune && cfg.subscriptionsFile == "" {
		return nil, usagef("-prune needs -subscriptions: it removes the subscriptions that file does not name")
	}
	if (cfg.webhook == "") != (cfg.webhookSecretEnv == "") {
		return nil, usagef("-webhook and -webhook-secret-env go together: every notification is signed")
	}
	return cfg, nil
}

// run checks the input files, opens the store and watches.
func (cfg *config) run(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	// Usage problems first: a bad file is exit 2 whatever else is wrong.
	var eps []client.Endpoint
	var subs []watch.Subscription
	var err error
	if cfg.producersFile != "" {
		if eps, err = client.LoadEndpoints(cfg.producersFile); err != nil {
			return 0, usagef("-producers: %v", err)
		}
	}
	if cfg.subscriptionsFile != "" {
		if subs, err = readSubscriptions(cfg.subscriptionsFile); err != nil {
			return 0, usagef("%v", err)
		}
	}
	var sink watch.Sink = watch.NewJSONLines(stdout)
	if cfg.webhook != "" {
		secret := os.Getenv(cfg.webhookSecretEnv)
		if secret == "" {
			return 0, usagef("-webhook-secret-env: environment variable %s is not set", cfg.webhookSecretEnv)
		}
		if sink, err = watch.NewWebhook(cfg.webhook, secret, nil); err != nil {
			return 0, usagef("-webhook: %v", err)
		}
	}
	cat, err := loadCatalog(cfg.catalogPath)
	if err != nil {
		return 0, failuref("-catalog: %v", err)
	}
	log := slog.New(slog.NewTextHandler(redactWriter{stderr}, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if cfg.producersFile == "" {
		return cfg.demo(ctx, cat, sink, log, stderr)
	}
	agg, err := newAggregator(cat, eps, cfg.organisation, cfg.timeout)
	if err != nil {
		return 0, usagef("%v", err)
	}
	store, closeDB, err := openStore(ctx, cfg.db)
	if err != nil {
		return 0, err
	}
	defer closeDB()
	if len(subs) > 0 {
		if err := store.Put(ctx, subs...); err != nil {
			return 0, failuref("storing the subscriptions: %v", err)
		}
	}
	if cfg.prune {
		if err := prune(ctx, store, subs, stderr); err != nil {
			return 0, err
		}
	}
	w, err := watch.New(store, agg, cat, sink, cfg.watchOptions(log))
	if err != nil {
		return 0, err
	}
	if cfg.once {
		return once(ctx, w, stderr)
	}
	if err := w.Run(ctx); err != nil && ctx.Err() == nil {
		return 0, err
	}
	return exitComplete, nil
}

// prune removes the stored subscriptions subs does not name, and says
// which.
func prune(ctx context.Context, store watch.Store, subs []watch.Subscription, stderr io.Writer) error {
	keep := map[string]bool{}
	for _, s := range subs {
		keep[s.ID] = true
	}
	stored, err := store.SubscriptionIDs(ctx)
	if err != nil {
		return failuref("-prune: %v", err)
	}
	for _, id := range stored {
		if keep[id] {
			continue
		}
		if err := store.Remove(ctx, id); err != nil {
			return failuref("-prune: %v", err)
		}
		fmt.Fprintf(stderr, "bevakning: removed subscription %q, not in -subscriptions\n", minaarenden.Redact(id))
	}
	return nil
}

func (cfg *config) watchOptions(log *slog.Logger) *watch.Options {
	return &watch.Options{Interval: cfg.interval, Lease: cfg.lease, NotifyInitial: cfg.notifyInitial, Logger: log}
}

// once runs one pass and turns its summary into the exit status.
func once(ctx context.Context, w *watch.Watcher, stderr io.Writer) (int, error) {
	sum, err := w.RunOnce(ctx)
	if err != nil {
		return 0, err
	}
	code := exitComplete
	if sum.Undelivered > 0 {
		errorf(stderr, "partial: %d notifications could not be delivered; they stay stored and go out on a later run", sum.Undelivered)
		code = exitPartial
	}
	if !sum.Complete() {
		errorf(stderr, "partial: %d of %d subscriptions had a producer that did not answer (%d none at all); their cases keep their stored state",
			sum.Partial+sum.Failed, sum.Polled+sum.Failed, sum.Failed)
		code = exitPartial
	}
	return code, nil
}

// demo watches Pia's Tacotruck on the stand-ins with a temporary database:
// a baseline pass, PRV moves her trademark case on, a second pass prints
// the notification. It removes the database.
func (cfg *config) demo(ctx context.Context, cat *catalog.Catalog, sink watch.Sink, log *slog.Logger, stderr io.Writer) (int, error) {
	kund := minaarenden.Kund{Identifierare: piaOrganisation, Typ: minaarenden.Organisationsnummer}
	standIns, err := startStandIns(kund, piaEvents)
	if err != nil {
		return 0, failuref("%v", err)
	}
	defer standIns.Close()
	agg, err := newAggregator(cat, standIns.endpoints, standInOrganisation, cfg.timeout)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "bevakning-demo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	store, closeDB, err := openStore(ctx, filepath.Join(dir, "bevakning.db"))
	if err != nil {
		return 0, err
	}
	defer closeDB()
	sub := watch.Subscription{ID: "pia-tacotruck", Parter: []minaarenden.Part{{Kund: &kund}}, Anvandare: piaPersonnummer}
	for _, t := range piaExpected {
		ex, err := flow.ParseExpected(t)
		if err != nil {
			return 0, err
		}
		sub.Expected = append(sub.Expected, ex)
	}
	if err := store.Put(ctx, sub); err != nil {
		return 0, failuref("storing the subscription: %v", err)
	}
	w, err := watch.New(store, agg, cat, sink, cfg.watchOptions(log))
	if err != nil {
		return 0, err
	}
	sum, err := w.RunOnce(ctx)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(stderr, "bevakning: baseline: subscription %q stored, %d notifications\n", sub.ID, sum.Notified)
	if err := standIns.moveOn(); err != nil {
		return 0, err
	}
	fmt.Fprintln(stderr, "bevakning: PRV has Pia's komplettering and examines her trademark application; asking again:")
	return once(ctx, w, stderr)
}

// loadCatalog reads the catalog at path, or the SDK's embedded sample
// catalog when path is empty.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		return sample.Catalog()
	}
	return catalog.Load(path)
}
