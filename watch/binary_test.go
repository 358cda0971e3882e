package watch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/flow"
)

// Made-up identifiers that pass the checksum.
const (
	testOrg    = minaarenden.Identifierare("165591234561")
	testPerson = minaarenden.Identifierare("199001012385")
)

func testSubscription(id string) Subscription {
	return Subscription{
		ID: id,
		Parter: []minaarenden.Part{
			{Kund: &minaarenden.Kund{Identifierare: testOrg, Typ: minaarenden.Organisationsnummer}},
			{Kund: &minaarenden.Kund{Identifierare: testPerson, Tillagg: "2", Typ: minaarenden.Personnummer},
				Arende: &minaarenden.Arende{Identifierare: "2026/01877", Typ: minaarenden.Diarienummer}},
		},
		Anvandare: testPerson,
		Expected:  []flow.Expected{{Typ: "PRV.VARUMARKE"}, {Typ: "KOMMUN.BYGGLOV", Producent: "Värmdö kommun"}},
	}
}

func TestSubscriptionBinaryKeepsIdentifiers(t *testing.T) {
	want := testSubscription("sub-1")
	data, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// The storage form must hold the digits: a mask stored is a
	// subscription that can never be asked again.
	if !strings.Contains(string(data), string(testOrg)) || !strings.Contains(string(data), string(testPerson)) {
		t.Fatalf("storage form lost an identifier: %s", data)
	}
	var got Subscription
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestSnapshotBinaryRoundTrip(t *testing.T) {
	for _, want := range []Snapshot{
		{Cases: []Case{}},
		{Cases: []Case{
			{Key: CaseKey{Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: "2026/01877"}, Status: flow.VantarPaKund,
				Bollen: flow.BollenKund, Steg: "PRV.VARUMARKE.KOMPLETTERING", Kundhandelser: []string{"a", "b"}},
			{Key: CaseKey{Typ: "SKV.ARBETSGIVARE", Producent: "Skatteverket"}, Status: flow.Klart,
				Bollen: flow.BollenIngen, Kundhandelser: []string{"c"}},
		}, Heard: []string{"PRV"}},
	} {
		data, err := want.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Snapshot
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestUnmarshalBinaryRefuses(t *testing.T) {
	tests := []struct {
		name, data, want string
		snapshot         bool
	}{
		{"unknown field", `{"v":1,"id":"s","parter":[],"extra":1}`, `unknown field "extra"`, false},
		{"later version", `{"v":2,"id":"s","parter":[]}`, "version 2", false},
		{"bad expected", `{"v":1,"id":"s","parter":[],"expected":["nope"]}`, "expected type", false},
		{"trailing data", `{"v":1,"id":"s","parter":[]} {}`, "data after", false},
		{"wrong type keeps the digits out", `{"v":1,"id":"s","parter":[{"kund":{"identifierare":199001012385}}]}`, "not a string", false},
		{"snapshot unknown field", `{"v":1,"c":[{"t":"X.Y","z":1}]}`, `unknown field "z"`, true},
		{"snapshot version", `{"v":0,"c":[]}`, "version 0", true},
		{"not JSON", `19900101238`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.snapshot {
				err = new(Snapshot).UnmarshalBinary([]byte(tt.data))
			} else {
				err = new(Subscription).UnmarshalBinary([]byte(tt.data))
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "19900101238") {
				t.Errorf("error quotes the data: %q", err)
			}
		})
	}
}

func TestSubscriptionLogValueIsTheID(t *testing.T) {
	if got := testSubscription("sub-1").LogValue().String(); got != "sub-1" {
		t.Errorf("LogValue = %q, want the id alone", got)
	}
}

func TestNotificationJSON(t *testing.T) {
	from := "vantar_pa_kund"
	tests := []struct {
		name string
		n    Notification
		want string
	}{
		{"new case: from is null, tidpunkt in UTC", Notification{ID: "n1", Subscription: "sub-1", Change: NewCase,
			Typ: "PRV.VARUMARKE", Producent: "PRV", Referens: "2026/01877", Namn: "Registrera varumärke",
			Status: FromTo[string]{To: "pagaende"}, Bollen: FromTo[string]{To: "producent"}, Steg: FromTo[string]{To: "PRV.VARUMARKE.ANSOKAN"},
			Kundhandelser: []string{"a"}, Rubrik: "Mottagen", Tidpunkt: mustTime(t, "2026-03-10T08:31:12+01:00")},
			`{"id":"n1","subscription":"sub-1","change":"new_case","typ":"PRV.VARUMARKE","producent":"PRV","referens":"2026/01877","namn":"Registrera varumärke",` +
				`"status":{"from":null,"to":"pagaende"},"bollen":{"from":null,"to":"producent"},"steg":{"from":null,"to":"PRV.VARUMARKE.ANSOKAN"},` +
				`"kundhandelser":["a"],"rubrik":"Mottagen","tidpunkt":"2026-03-10T07:31:12Z"}`},
		{"no new event: [] and null", Notification{ID: "n2", Subscription: "s", Change: Updated, Status: FromTo[string]{From: &from, To: "pagaende"}},
			`{"id":"n2","subscription":"s","change":"updated","typ":"","producent":"","referens":"","namn":"",` +
				`"status":{"from":"vantar_pa_kund","to":"pagaende"},"bollen":{"from":null,"to":""},"steg":{"from":null,"to":""},` +
				`"kundhandelser":[],"rubrik":"","tidpunkt":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []any{tt.n, &tt.n} {
				got, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, string(got)); diff != "" {
					t.Errorf("JSON mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	sub, _ := testSubscription("sub-1").MarshalBinary()
	snap, _ := Snapshot{Cases: []Case{{Key: CaseKey{Typ: "A.B", Producent: "P"}, Kundhandelser: []string{"x"}}}}.MarshalBinary()
	f.Add(sub)
	f.Add(snap)
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Subscription
		if err := s.UnmarshalBinary(data); err == nil {
			again, err := s.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var s2 Subscription
			if err := s2.UnmarshalBinary(again); err != nil {
				t.Fatalf("re-reading our own form: %v", err)
			}
			if diff := cmp.Diff(s, s2); diff != "" {
				t.Errorf("unstable round trip (-first +second):\n%s", diff)
			}
		}
		var sn Snapshot
		if err := sn.UnmarshalBinary(data); err == nil {
			again, err := sn.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var sn2 Snapshot
			if err := sn2.UnmarshalBinary(again); err != nil {
				t.Fatalf("re-reading our own form: %v", err)
			}
		}
	})
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
