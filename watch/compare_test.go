package watch

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// prv are the PRV trademark case's events in the order they happen: filed,
// komplettering asked, granskning, registered.
func prv(tb testing.TB, n int) []minaarenden.Kundhandelse {
	all := []minaarenden.Kundhandelse{
		ev(tb, "prv-1", "PRV.VARUMARKE.ANSOKAN", "PRV", "2026/01877", 10),
		ev(tb, "prv-2", "PRV.VARUMARKE.KOMPLETTERING", "PRV", "2026/01877", 24),
		ev(tb, "prv-3", "PRV.VARUMARKE.GRANSKNING", "PRV", "2026/01877", 26),
		ev(tb, "prv-4", "PRV.VARUMARKE.REGISTRERAD", "PRV", "2026/01877", 30),
	}
	return all[:n]
}

func skv(tb testing.TB) []minaarenden.Kundhandelse {
	return []minaarenden.Kundhandelse{
		ev(tb, "skv-1", "SKV.ARBETSGIVARE.ANSOKAN", "Skatteverket", "AG-1", 2),
		ev(tb, "skv-2", "SKV.ARBETSGIVARE.HANDLAGGNING", "Skatteverket", "AG-1", 4),
	}
}

var piaExpect = []flow.Expected{{Typ: "PRV.VARUMARKE"}, {Typ: "SKV.ARBETSGIVARE"}, {Typ: "BV.VERKLIG_HUVUDMAN"}}

// producers are every producer the tests' events come from.
var producers = []string{"Bolagsverket", "PRV", "Skatteverket", "Stockholms stad"}

// answeredBut is every producer but the unanswered.
func answeredBut(unanswered ...string) []string {
	return slices.DeleteFunc(slices.Clone(producers), func(p string) bool { return slices.Contains(unanswered, p) })
}

// pass is one pass of the comparison: place events (the unanswered
// producers' cases become okand) and compare with prev; a nil prev is a
// snapshot that has heard everyone and holds nothing, so every case is new.
func pass(tb testing.TB, prev *Snapshot, events []minaarenden.Kundhandelse, unanswered ...string) (*Snapshot, []Notification) {
	tb.Helper()
	cat := sampleCatalog(tb)
	answered := answeredBut(unanswered...)
	cases := flow.Place(cat, events, &flow.Options{Expected: piaExpect, Answered: answered})
	if prev == nil {
		prev = &Snapshot{Heard: producers}
	}
	next, notes := Compare("sub-1", prev, cases, &CompareOptions{Answered: answered, Catalog: cat})
	return &next, notes
}

func join(parts ...[]minaarenden.Kundhandelse) []minaarenden.Kundhandelse {
	return slices.Concat(parts...)
}

func TestCompareNewCase(t *testing.T) {
	snap, notes := pass(t, nil, prv(t, 2))
	wantSnap := &Snapshot{Cases: []Case{{Key: CaseKey{"PRV.VARUMARKE", "PRV", "2026/01877"}, Status: flow.VantarPaKund,
		Bollen: flow.BollenKund, Steg: "PRV.VARUMARKE.KOMPLETTERING", Kundhandelser: []string{"prv-1", "prv-2"}}}, Heard: producers}
	if diff := cmp.Diff(wantSnap, snap); diff != "" {
		t.Errorf("snapshot mismatch (-want +got):\n%s", diff)
	}
	want := []Notification{{Subscription: "sub-1", Change: NewCase, Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: "2026/01877",
		Namn: "Registrera varumärke", Status: FromTo[string]{To: "vantar_pa_kund"}, Bollen: FromTo[string]{To: "kund"},
		Steg: FromTo[string]{To: "PRV.VARUMARKE.KOMPLETTERING"}, Kundhandelser: []string{"prv-1", "prv-2"},
		Rubrik: "rubrik prv-2", Tidpunkt: mustTime(t, "2026-03-24T12:00:00Z")}}
	if diff := cmp.Diff(want, notes, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())); diff != "" {
		t.Errorf("notifications mismatch (-want +got):\n%s", diff)
	}
	if len(notes) == 1 && notes[0].ID == "" {
		t.Error("notification has no id")
	}
}

func TestCompareRules(t *testing.T) {
	from := func(s string) *string { return &s }
	tests := []struct {
		name   string
		before []minaarenden.Kundhandelse
		after  []minaarenden.Kundhandelse
		// unanswered in the second pass
		unanswered []string
		want       []Notification
	}{
		{name: "nothing changed", before: join(prv(t, 2), skv(t)), after: join(skv(t), prv(t, 2))},
		{name: "updated: status, bollen, step and a new event", before: prv(t, 2), after: prv(t, 3),
			want: []Notification{{Change: Updated, Status: FromTo[string]{from("vantar_pa_kund"), "pagaende"},
				Bollen: FromTo[string]{from("kund"), "producent"}, Steg: FromTo[string]{from("PRV.VARUMARKE.KOMPLETTERING"), "PRV.VARUMARKE.GRANSKNING"},
				Kundhandelser: []string{"prv-3"}, Rubrik: "rubrik prv-3", Tidpunkt: mustTime(t, "2026-03-26T12:00:00Z")}}},
		{name: "updated: finished, no current step", before: prv(t, 3), after: prv(t, 4),
			want: []Notification{{Change: Updated, Status: FromTo[string]{from("pagaende"), "klart"},
				Bollen: FromTo[string]{from("producent"), "ingen"}, Steg: FromTo[string]{from("PRV.VARUMARKE.GRANSKNING"), ""},
				Kundhandelser: []string{"prv-4"}, Rubrik: "rubrik prv-4", Tidpunkt: mustTime(t, "2026-03-30T12:00:00Z")}}},
		{name: "updated: only the set of events", before: prv(t, 2),
			after: join(prv(t, 2), []minaarenden.Kundhandelse{ev(t, "prv-2b", "PRV.VARUMARKE.KOMPLETTERING", "PRV", "2026/01877", 25)}),
			want: []Notification{{Change: Updated, Status: FromTo[string]{from("vantar_pa_kund"), "vantar_pa_kund"},
				Bollen: FromTo[string]{from("kund"), "kund"}, Steg: FromTo[string]{from("PRV.VARUMARKE.KOMPLETTERING"), "PRV.VARUMARKE.KOMPLETTERING"},
				Kundhandelser: []string{"prv-2b"}, Rubrik: "rubrik prv-2b", Tidpunkt: mustTime(t, "2026-03-25T12:00:00Z")}}},
		{name: "producer down: stored state kept, nothing said", before: join(prv(t, 2), skv(t)), after: skv(t), unanswered: []string{"PRV"}},
		{name: "producer half heard: its new events wait", before: prv(t, 2), after: prv(t, 3), unanswered: []string{"PRV"}},
		{name: "producer down: a new case of it waits", before: skv(t), after: join(skv(t), prv(t, 1)), unanswered: []string{"PRV"}},
		{name: "placeholder going: the case started", before: nil, after: prv(t, 1),
			want: []Notification{{Change: NewCase, Status: FromTo[string]{nil, "pagaende"},
				Bollen: FromTo[string]{nil, "producent"}, Steg: FromTo[string]{nil, "PRV.VARUMARKE.ANSOKAN"},
				Kundhandelser: []string{"prv-1"}, Rubrik: "rubrik prv-1", Tidpunkt: mustTime(t, "2026-03-10T12:00:00Z")}}},
		{name: "placeholder okand: nothing", before: nil, after: nil, unanswered: []string{"PRV", "Bolagsverket", "Skatteverket"}},
		{name: "case vanished: nothing", before: join(prv(t, 2), skv(t)), after: skv(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev, baseline := pass(t, nil, tt.before)
			if len(baseline) != len(prev.Cases) {
				t.Fatalf("baseline: %d notifications for %d cases", len(baseline), len(prev.Cases))
			}
			_, got := pass(t, prev, tt.after, tt.unanswered...)
			for i := range tt.want {
				w := &tt.want[i]
				w.Subscription, w.Typ, w.Producent, w.Referens, w.Namn = "sub-1", "PRV.VARUMARKE", "PRV", "2026/01877", "Registrera varumärke"
			}
			if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())); diff != "" {
				t.Errorf("notifications mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompareCarriesUnheardCases(t *testing.T) {
	prev, _ := pass(t, nil, join(prv(t, 2), skv(t)))
	// PRV is down and Skatteverket moved on: PRV's case is carried as
	// it was, Skatteverket's stored anew.
	moved := join(skv(t), []minaarenden.Kundhandelse{ev(t, "skv-3", "SKV.ARBETSGIVARE.BESLUT", "Skatteverket", "AG-1", 9)})
	next, notes := pass(t, prev, moved, "PRV")
	if len(notes) != 1 || notes[0].Producent != "Skatteverket" {
		t.Fatalf("want one notification, for Skatteverket; got %+v", notes)
	}
	if diff := cmp.Diff(prev.Cases[0], next.Cases[0]); diff != "" {
		t.Errorf("PRV's case was not carried unchanged (-want +got):\n%s", diff)
	}
	if got := next.Cases[1].Kundhandelser; !slices.Equal(got, []string{"skv-1", "skv-2", "skv-3"}) {
		t.Errorf("Skatteverket's case holds %v", got)
	}
}

func TestCompareFlappingProducerIsSilent(t *testing.T) {
	snap, _ := pass(t, nil, join(prv(t, 2), skv(t)))
	for i, down := range []bool{false, true, false, true, true, false} {
		var notes []Notification
		if down {
			snap, notes = pass(t, snap, skv(t), "PRV")
		} else {
			snap, notes = pass(t, snap, join(prv(t, 2), skv(t)))
		}
		if len(notes) > 0 {
			t.Fatalf("pass %d (PRV down: %v): %d notifications, want none: %+v", i, down, len(notes), notes)
		}
	}
}

func TestCompareIsOrderIndependent(t *testing.T) {
	cat := sampleCatalog(t)
	prev, _ := pass(t, nil, join(prv(t, 1), skv(t)[:1]))
	events := join(prv(t, 3), skv(t), []minaarenden.Kundhandelse{ev(t, "bv-1", "BV.VERKLIG_HUVUDMAN.ANMALAN", "Bolagsverket", "BV-9", 3)})
	opts := &CompareOptions{Catalog: cat, Answered: producers}
	wantSnap, wantNotes := Compare("sub-1", prev, flow.Place(cat, events, &flow.Options{Expected: piaExpect, Answered: producers}), opts)
	if len(wantNotes) != 3 {
		t.Fatalf("got %d notifications, want 3: %+v", len(wantNotes), wantNotes)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(events)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		cases := flow.Place(cat, shuffled, &flow.Options{Expected: piaExpect, Answered: producers})
		r.Shuffle(len(cases), func(i, j int) { cases[i], cases[j] = cases[j], cases[i] })
		snap, notes := Compare("sub-1", prev, cases, opts)
		if diff := cmp.Diff(wantSnap, snap); diff != "" {
			t.Fatalf("snapshot depends on order (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantNotes, notes); diff != "" {
			t.Fatalf("notifications depend on order (-want +got):\n%s", diff)
		}
	}
}

func TestNotificationIDs(t *testing.T) {
	prev, _ := pass(t, nil, prv(t, 2))
	_, a := pass(t, prev, prv(t, 3))
	_, again := pass(t, prev, prv(t, 3))
	_, further := pass(t, prev, prv(t, 4))
	cat := sampleCatalog(t)
	_, other := Compare("sub-2", prev, flow.Place(cat, prv(t, 3), nil), &CompareOptions{Catalog: cat, Answered: producers})
	if a[0].ID != again[0].ID {
		t.Errorf("the same change has ids %q and %q", a[0].ID, again[0].ID)
	}
	ids := map[string]bool{a[0].ID: true, further[0].ID: true, other[0].ID: true}
	if len(ids) != 3 {
		t.Errorf("different changes share an id: %q %q %q", a[0].ID, further[0].ID, other[0].ID)
	}
	if len(a[0].ID) != 52 || idEncoding.EncodeToString(make([]byte, 32)) == a[0].ID {
		t.Errorf("id %q is not a base32 sha256", a[0].ID)
	}
}

func TestCompareReopenedCaseWithoutReference(t *testing.T) {
	noRef := func(id, typ string, day int) minaarenden.Kundhandelse {
		e := ev(t, id, typ, "PRV", "", day)
		e.Referenser = nil
		return e
	}
	first := []minaarenden.Kundhandelse{noRef("a", "PRV.VARUMARKE.ANSOKAN", 1), noRef("b", "PRV.VARUMARKE.GRANSKNING", 2), noRef("c", "PRV.VARUMARKE.AVSLAG", 3)}
	prev, _ := pass(t, nil, first)
	if len(prev.Cases) != 1 || prev.Cases[0].Status != flow.Klart {
		t.Fatalf("baseline: %+v", prev.Cases)
	}
	// A new application after the refusal opens a second case with the
	// same key; the latest stands for it.
	next, notes := pass(t, prev, append(first, noRef("d", "PRV.VARUMARKE.ANSOKAN", 5)))
	if len(next.Cases) != 1 || !slices.Equal(next.Cases[0].Kundhandelser, []string{"d"}) {
		t.Errorf("snapshot: %+v", next.Cases)
	}
	if len(notes) != 1 || notes[0].Change != Updated || notes[0].Status.To != "pagaende" || !slices.Equal(notes[0].Kundhandelser, []string{"d"}) {
		t.Errorf("notifications: %+v", notes)
	}
}

func TestCompareBaseline(t *testing.T) {
	cat := sampleCatalog(t)
	place := func(events []minaarenden.Kundhandelse, answered []string) []*flow.Instance {
		return flow.Place(cat, events, &flow.Options{Expected: piaExpect, Answered: answered})
	}
	all := join(prv(t, 2), skv(t))
	snap, notes := Compare("sub-1", nil, place(all, producers), &CompareOptions{Catalog: cat, Answered: producers})
	if len(notes) != 0 || len(snap.Cases) != 2 || !slices.Equal(snap.Heard, producers) {
		t.Errorf("silent baseline: %d notifications, %d cases, heard %v", len(notes), len(snap.Cases), snap.Heard)
	}
	_, notes = Compare("sub-1", nil, place(all, producers), &CompareOptions{Catalog: cat, Answered: producers, NotifyInitial: true})
	if len(notes) != 2 || notes[0].Change != NewCase || notes[1].Change != NewCase {
		t.Errorf("NotifyInitial baseline: %+v", notes)
	}

	// PRV is down at the first pass. When first heard, its case is its
	// baseline; after that it is watched like the others.
	noPRV := answeredBut("PRV")
	first, notes := Compare("sub-1", nil, place(skv(t), noPRV), &CompareOptions{Catalog: cat, Answered: noPRV})
	if len(notes) != 0 || slices.Contains(first.Heard, "PRV") {
		t.Fatalf("first pass with PRV down: notes %+v, heard %v", notes, first.Heard)
	}
	second, notes := Compare("sub-1", &first, place(all, noPRV), &CompareOptions{Catalog: cat, Answered: noPRV})
	if len(notes) != 0 || slices.Contains(second.Heard, "PRV") {
		t.Fatalf("PRV still down: notes %+v, heard %v", notes, second.Heard)
	}
	third, notes := Compare("sub-1", &second, place(all, producers), &CompareOptions{Catalog: cat, Answered: producers})
	if len(notes) != 0 || !slices.Equal(third.Heard, producers) || len(third.Cases) != 2 {
		t.Fatalf("PRV first heard: notes %+v, heard %v, cases %d", notes, third.Heard, len(third.Cases))
	}
	_, notes = Compare("sub-1", &third, place(join(prv(t, 3), skv(t)), producers), &CompareOptions{Catalog: cat, Answered: producers})
	if len(notes) != 1 || notes[0].Change != Updated {
		t.Errorf("PRV moved on after its baseline: %+v", notes)
	}
}
