package catalog

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzSyncAnswers lets Skatteverket answer anything: its list of types is
// listing, and every flow it is asked for is flow with $ID replaced by the
// type asked for. Whatever it answers, Sync does not fail or panic, it
// merges or refuses Skatteverket as a whole, the merged catalog writes out
// and parses back the same, and no type Skatteverket is not listed for
// changes by a byte. Seeds: testdata/fuzz/FuzzSyncAnswers.
func FuzzSyncAnswers(f *testing.F) {
	central := loadTestdata(f)
	before := map[string]string{}
	for _, typ := range central.Producentarendetyper {
		if !slices.Contains(typ.Producenter, "Skatteverket") {
			b, _ := json.Marshal(typ)
			before[typ.ID] = string(b)
		}
	}
	// The other producers' servers are built once; each run copies the map
	// and replaces Skatteverket's.
	srcs, base := inMemorySources(f, central, 0)
	f.Fuzz(func(t *testing.T, listing, flow []byte) {
		m := &inMemory{handlers: maps.Clone(base.handlers), delay: base.delay}
		for _, s := range srcs {
			if s.Producent == "Skatteverket" {
				m.handlers[strings.TrimPrefix(s.URL, "http://")] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.URL.Path, "/producenter/") {
						w.Write(listing)
						return
					}
					id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/producentarendetyper/"), "/flode")
					w.Write([]byte(strings.ReplaceAll(string(flow), "$ID", id)))
				})
			}
		}
		merged, r, err := Sync(context.Background(), central, srcs, &SyncOptions{HTTPClient: &http.Client{Transport: m}})
		if err != nil {
			t.Fatalf("Sync failed as a whole: %v", err)
		}
		for _, p := range r.Producenter {
			switch {
			case p.Producent == "Skatteverket" && p.Status != SyncMerged && p.Status != SyncRefused:
				t.Errorf("Skatteverket %s: %s", p.Status, p.Error)
			case p.Producent == "Skatteverket" && p.Status == SyncRefused && (len(p.Changes) > 0 || p.Error == ""):
				t.Errorf("Skatteverket refused with changes %v or no error %q", p.Changes, p.Error)
			case p.Producent != "Skatteverket" && (p.Status != SyncMerged || len(p.Changes) > 0):
				t.Errorf("%s: %s with %d changes, want merged unchanged", p.Producent, p.Status, len(p.Changes))
			}
		}
		out, err := json.Marshal(merged)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("the merged catalog does not parse: %v", err)
		}
		if again, _ := json.Marshal(back); string(again) != string(out) {
			t.Error("the merged catalog does not round-trip")
		}
		for id, want := range before {
			typ, ok := merged.Type(id)
			if !ok {
				t.Errorf("%s, not Skatteverket's, is gone", id)
				continue
			}
			if got, _ := json.Marshal(typ); string(got) != want {
				t.Errorf("%s, not Skatteverket's, changed:\n%s", id, got)
			}
		}
	})
}
