package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/aterkoppling/minaarenden/internal/pgtest"
	"github.com/aterkoppling/minaarenden/watch"
)

// exec runs the program and checks that no identifier reached its output.
func exec(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	for _, id := range []minaarenden.Identifierare{piaOrganisation, piaPersonnummer, standInOrganisation} {
		if strings.Contains(out.String()+errb.String(), string(id)) {
			t.Errorf("an identifier reached the output:\nstdout: %s\nstderr: %s", out.String(), errb.String())
		}
	}
	return code, out.String(), errb.String()
}

func notifications(t *testing.T, stdout string) []watch.Notification {
	t.Helper()
	var out []watch.Notification
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var n watch.Notification
		if err := json.Unmarshal([]byte(line), &n); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, n)
	}
	return out
}

func TestDemoPrintsANotificationAndLeavesNoFile(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	before, _ := os.ReadDir(".")

	code, stdout, stderr := exec(t)
	if code != exitComplete {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	got := notifications(t, stdout)
	if len(got) != 1 {
		t.Fatalf("want one notification, got:\n%s", stdout)
	}
	n := got[0]
	from := func(s string) *string { return &s }
	want := watch.Notification{ID: n.ID, Subscription: "pia-tacotruck", Change: watch.Updated, Typ: "PRV.VARUMARKE", Producent: "PRV",
		Referens: "2026/01877", Namn: "Registrera varumärke",
		Status:        watch.FromTo[string]{From: from("vantar_pa_kund"), To: "pagaende"},
		Bollen:        watch.FromTo[string]{From: from("kund"), To: "producent"},
		Steg:          watch.FromTo[string]{From: from("PRV.VARUMARKE.KOMPLETTERING"), To: "PRV.VARUMARKE.GRANSKNING"},
		Kundhandelser: []string{"prv-2b9e6a40-5c1d-4e8f-a7b3-93d0f4c2a003"}, Rubrik: "Din ansökan granskas",
		Tidpunkt: time.Date(2026, 3, 27, 9, 12, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("notification mismatch (-want +got):\n%s", diff)
	}
	// The README shows this very line.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Telling people.*?```json\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has lost the bevakning section's JSON")
	}
	var shown bytes.Buffer
	if err := json.Compact(&shown, m[1]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.TrimSpace(stdout), shown.String()); diff != "" {
		t.Errorf("README's notification differs from the demo's (-demo +README):\n%s", diff)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %v in the temporary directory", left)
	}
	if after, _ := os.ReadDir("."); len(after) != len(before) {
		t.Errorf("the demo left a file in the working directory: %d entries before, %d after", len(before), len(after))
	}
}

// world is stand-in producers with files naming them, and a SQLite store
// that persists between runs.
type world struct {
	standIns        *standIns
	producers, subs string
	db              string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	kund := minaarenden.Kund{Identifierare: piaOrganisation, Typ: minaarenden.Organisationsnummer}
	s, err := startStandIns(kund, filepath.Join("..", "..", piaEvents))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	dir := t.TempDir()
	w := &world{standIns: s, producers: filepath.Join(dir, "producers.json"), subs: filepath.Join(dir, "subscriptions.json"),
		db: filepath.Join(dir, "bevakning.db")}
	writeJSON(t, w.producers, s.endpoints)
	writeFile(t, w.subs, `[{"id": "pia", "kund": "165591234561", "kundtyp": "Organisationsnummer", "anvandare": "199001012385",
		"expect": ["BV.VERKLIG_HUVUDMAN", "SKV.ARBETSGIVARE", "PRV.VARUMARKE", "KOMMUN.FETTAVSKILJARE"]}]`)
	return w
}

func (w *world) args(more ...string) []string {
	return append([]string{"-producers", w.producers, "-subscriptions", w.subs, "-db", w.db, "-once",
		"-organisation", string(standInOrganisation)}, more...)
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(data))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOnceProducerDownKeepsStateAndExits3(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { producerDown(t, newWorld(t)) })
	t.Run("PostgreSQL", func(t *testing.T) {
		w := newWorld(t)
		w.db = pgtest.Schema(t)
		producerDown(t, w)
	})
}

func producerDown(t *testing.T, w *world) {
	if code, stdout, stderr := exec(t, w.args()...); code != exitComplete || stdout != "" {
		t.Fatalf("baseline: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	// PRV moves the case on but is down: nothing said, exit 3.
	if err := w.standIns.moveOn(); err != nil {
		t.Fatal(err)
	}
	prv := w.standIns.byName["PRV"].handler.Load()
	prv.SetFault(clienttest.Fault{HTTPCode: http.StatusServiceUnavailable})
	code, stdout, stderr := exec(t, w.args()...)
	if code != exitPartial || stdout != "" {
		t.Fatalf("PRV down: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "partial") {
		t.Errorf("stderr does not say the answer was partial:\n%s", stderr)
	}
	// PRV is back: its case was kept as stored, so the move is told now.
	prv.SetFault(clienttest.Fault{})
	code, stdout, stderr = exec(t, w.args()...)
	if code != exitComplete {
		t.Fatalf("PRV back: exit %d, stderr:\n%s", code, stderr)
	}
	got := notifications(t, stdout)
	if len(got) != 1 || got[0].Steg.To != "PRV.VARUMARKE.GRANSKNING" || got[0].Subscription != "pia" {
		t.Errorf("PRV back: %+v", got)
	}
	// And only once.
	if code, stdout, _ := exec(t, w.args()...); code != exitComplete || stdout != "" {
		t.Errorf("a further run: exit %d, stdout %q", code, stdout)
	}
}

func TestWebhookDeliveryIsSigned(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	t.Setenv("BEVAKNING_TEST_SECRET", secret)
	var mu sync.Mutex
	var got []watch.Notification
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := watch.Verify(secret, r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n watch.Notification
		if err := json.Unmarshal(body, &n); err != nil || n.ID != r.Header.Get(watch.HeaderWebhookID) {
			t.Errorf("receiver: body %s, id header %q: %v", body, r.Header.Get(watch.HeaderWebhookID), err)
		}
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)

	w := newWorld(t)
	code, stdout, stderr := exec(t, w.args("-webhook", receiver.URL+"/hooks", "-webhook-secret-env", "BEVAKNING_TEST_SECRET", "-notify-initial")...)
	if code != exitComplete || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	// Pia's three cases with events; Bolagsverket's has none yet.
	if len(got) != 3 {
		t.Errorf("received %d notifications, want 3: %+v", len(got), got)
	}
	for _, n := range got {
		if n.Change != watch.NewCase {
			t.Errorf("received %+v, want new cases", n)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Setenv("BEVAKNING_TEST_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	t.Setenv("BEVAKNING_TEST_SHORT_SECRET", "whsec_c2VjcmV0")
	w := newWorld(t)
	sub := func(body string) string {
		path := filepath.Join(t.TempDir(), "subs.json")
		writeFile(t, path, body)
		return path
	}
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"invalid identifier", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "sub-1", "kund": "165591234562", "kundtyp": "Organisationsnummer"}]`)}, []string{`subscription "sub-1"`, "Luhn"}},
		{"invalid anvandare", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "sub-1", "kund": "165591234561", "anvandare": "199013012385"}]`)}, []string{`subscription "sub-1"`, "anvandare", "date"}},
		{"duplicate id", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "a", "kund": "165591234561"}, {"id": "a", "kund": "199001012385"}]`)}, []string{`subscription "a"`, "duplicate id"}},
		{"unknown field", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "sub-2", "kund": "165591234561", "kundnummer": "165591234561"}]`)}, []string{`subscription "sub-2"`, `unknown field "kundnummer"`}},
		{"an identifier as id", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "199001012385", "kund": "165591234561"}]`)}, []string{"subscription 0", "id looks like a personal identity number"}},
		{"no id", []string{"-producers", w.producers, "-subscriptions", sub(`[{"kund": "165591234561"}]`)}, []string{"subscription 0", "id is required"}},
		{"bad expect", []string{"-producers", w.producers, "-subscriptions",
			sub(`[{"id": "s", "kund": "165591234561", "expect": ["PRV"]}]`)}, []string{`subscription "s"`, "producentärendetyp"}},
		{"not an array", []string{"-producers", w.producers, "-subscriptions", sub(`{"id": "s"}`)}, []string{"not a JSON array"}},
		{"webhook without secret", []string{"-producers", w.producers, "-webhook", "https://x.example/h"}, []string{"-webhook-secret-env"}},
		{"secret not set", []string{"-producers", w.producers, "-webhook", "https://x.example/h", "-webhook-secret-env", "BEVAKNING_UNSET"},
			[]string{"BEVAKNING_UNSET is not set"}},
		// Refused before any question or delivery: nothing leaves unencrypted.
		{"webhook over plain http", []string{"-producers", w.producers, "-webhook", "http://10.1.1.1/hook", "-webhook-secret-env", "BEVAKNING_TEST_SECRET"},
			[]string{"-webhook", "plain http to a host other than loopback"}},
		{"short webhook secret", []string{"-producers", w.producers, "-webhook", "https://x.example/h", "-webhook-secret-env", "BEVAKNING_TEST_SHORT_SECRET"},
			[]string{"-webhook", "fewer than the 24"}},
		{"subscriptions without producers", []string{"-subscriptions", "x.json"}, []string{"-subscriptions needs -producers"}},
		{"prune without subscriptions", []string{"-producers", w.producers, "-prune"}, []string{"-prune needs -subscriptions"}},
		{"lease not above twice the timeout", []string{"-producers", w.producers, "-lease", "20s", "-timeout", "10s"}, []string{"-lease", "twice -timeout"}},
		{"bad organisation", []string{"-producers", w.producers, "-organisation", "165566778898"}, []string{"-organisation", "Luhn"}},
		{"bad flag", []string{"-interval", "soon"}, []string{"-interval"}},
		{"argument", []string{"now"}, []string{"unexpected argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := exec(t, tt.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
			for _, digits := range []string{"165591234562", "199013012385", "165566778898"} {
				if strings.Contains(stderr, digits) {
					t.Errorf("stderr quotes the number:\n%s", stderr)
				}
			}
		})
	}
}

func TestDatabaseFailuresExit1(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name, db string
		want     string
	}{
		{"PostgreSQL unreachable", "postgres://bevakning:hemligt@127.0.0.1:1/bevakning?connect_timeout=5", "PostgreSQL database cannot be reached"},
		{"SQLite in a missing directory", filepath.Join(t.TempDir(), "no", "such", "dir", "b.db"), "SQLite database cannot be reached"},
		{"not a database", notADatabase(t), "SQLite"},
		{"a migration fails", clashingDatabase(t), "preparing the SQLite database (migrations)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := exec(t, "-producers", w.producers, "-subscriptions", w.subs, "-db", tt.db, "-once",
				"-organisation", string(standInOrganisation))
			if code != exitFailure || stdout != "" {
				t.Fatalf("exit %d, stdout %q, want 1; stderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
			if strings.Contains(stderr, "hemligt") {
				t.Errorf("stderr shows the database password:\n%s", stderr)
			}
			if strings.HasPrefix(tt.name, "a migration") {
				// Nothing half-written: the migration's transaction rolled back.
				db, err := sql.Open("sqlite", tt.db)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int
				if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'watch_subscriptions'").Scan(&n); err != nil || n != 0 {
					t.Errorf("the failed migration left %d tables behind (%v)", n, err)
				}
			}
		})
	}
}

// clashingDatabase is a SQLite database that already has a table the first
// migration creates, so the migration fails.
func clashingDatabase(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "clash.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE watch_outbox (something_else TEXT)"); err != nil {
		t.Fatal(err)
	}
	return path
}

// notADatabase is a file SQLite cannot read as a database.
func notADatabase(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "text.db")
	writeFile(t, path, strings.Repeat("not a database\n", 100))
	return path
}

func TestHelpExits0(t *testing.T) {
	code, _, stderr := exec(t, "-h")
	if code != exitComplete || !strings.Contains(stderr, "-webhook-secret-env") {
		t.Errorf("exit %d, usage:\n%s", code, stderr)
	}
}

func TestLoopRunsUntilCancelledAndExits0(t *testing.T) {
	w := newWorld(t)
	args := []string{"-producers", w.producers, "-subscriptions", w.subs, "-db", w.db, "-organisation", string(standInOrganisation), "-interval", "1h"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, args, &out, &errb); code != exitComplete || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out.String(), errb.String())
	}
	// The loop stored the baseline: a move is told by the next run.
	if err := w.standIns.moveOn(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := exec(t, w.args()...)
	if got := notifications(t, stdout); code != exitComplete || len(got) != 1 {
		t.Errorf("after the loop: exit %d, %+v, stderr:\n%s", code, got, stderr)
	}
}

func TestOnceUndeliveredExits3(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	t.Setenv("BEVAKNING_TEST_SECRET", secret)
	var refuse atomic.Bool
	refuse.Store(true)
	var received atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() {
			// A 4xx fails at once, without the webhook's own retries.
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)

	w := newWorld(t)
	args := w.args("-webhook", receiver.URL+"/hooks", "-webhook-secret-env", "BEVAKNING_TEST_SECRET", "-notify-initial")
	code, _, stderr := exec(t, args...)
	if code != exitPartial || !strings.Contains(stderr, "3 notifications could not be delivered") {
		t.Errorf("receiver refusing: exit %d, want 3; stderr:\n%s", code, stderr)
	}
	refuse.Store(false)
	// The undelivered are due again after the watcher's retry backoff
	// (a minute); a run before then has nothing to send and is complete.
	if code, _, stderr := exec(t, args...); code != exitComplete || received.Load() != 0 {
		t.Errorf("the next run: exit %d, want 0, %d received, want none yet; stderr:\n%s", code, received.Load(), stderr)
	}
}

func TestPruneRemovesSubscriptionsNotInTheFile(t *testing.T) {
	w := newWorld(t)
	stored := func() []string {
		t.Helper()
		store, closeDB, err := openStore(t.Context(), w.db)
		if err != nil {
			t.Fatal(err)
		}
		defer closeDB()
		ids, err := store.SubscriptionIDs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if code, _, stderr := exec(t, w.args()...); code != exitComplete {
		t.Fatalf("first run: exit %d, stderr:\n%s", code, stderr)
	}
	// pia leaves the file, pia-2 joins it.
	writeFile(t, w.subs, `[{"id": "pia-2", "kund": "165591234561", "kundtyp": "Organisationsnummer", "anvandare": "199001012385"}]`)
	if code, _, stderr := exec(t, w.args()...); code != exitComplete {
		t.Fatalf("run without -prune: exit %d, stderr:\n%s", code, stderr)
	}
	if diff := cmp.Diff([]string{"pia", "pia-2"}, stored()); diff != "" {
		t.Errorf("without -prune, stored mismatch (-want +got):\n%s", diff)
	}
	code, _, stderr := exec(t, w.args("-prune")...)
	if code != exitComplete || !strings.Contains(stderr, `removed subscription "pia", not in -subscriptions`) {
		t.Fatalf("run with -prune: exit %d, stderr:\n%s", code, stderr)
	}
	if diff := cmp.Diff([]string{"pia-2"}, stored()); diff != "" {
		t.Errorf("with -prune, stored mismatch (-want +got):\n%s", diff)
	}
}
