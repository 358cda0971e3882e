package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"
)

// benchCatalog is a central catalog of n producers, each owning two types
// of five steps with a komplettering loop.
func benchCatalog(tb testing.TB, n int) *Catalog {
	tb.Helper()
	var types []string
	for i := range n {
		prefix := fmt.Sprintf("P%c%c", 'A'+i/26, 'A'+i%26)
		for _, typ := range []string{"ANSOKAN", "ANMALAN"} {
			id := prefix + "." + typ
			var steps []string
			for _, s := range []string{"MOTTAGEN", "HANDLAGGNING", "KOMPLETTERING", "BESLUT", "AVSLUTAD"} {
				steps = append(steps, fmt.Sprintf(`{"id":"%s.%s","namn":"%s %s","rubrik":"Rubrik","beskrivning":"Beskrivning av steget.","kundatgard":%t,"klart":%t,"behorighet":"Sökande","api":"https://api.example/%s"}`,
					id, s, typ, s, s == "KOMPLETTERING", s == "AVSLUTAD", prefix))
			}
			types = append(types, fmt.Sprintf(`{"id":"%[1]s","namn":"Typ %[1]s","producenter":["Producent %[2]d"],"kundhandelsetyper":[%[3]s],
				"flode":{"start":["%[1]s.MOTTAGEN"],"overgangar":[["%[1]s.MOTTAGEN","%[1]s.HANDLAGGNING"],["%[1]s.HANDLAGGNING","%[1]s.KOMPLETTERING"],
				["%[1]s.KOMPLETTERING","%[1]s.HANDLAGGNING"],["%[1]s.HANDLAGGNING","%[1]s.BESLUT"],["%[1]s.BESLUT","%[1]s.AVSLUTAD"]],"slut":["%[1]s.AVSLUTAD"]}}`,
				id, i, strings.Join(steps, ",")))
		}
	}
	c, err := Parse([]byte(`{"producentarendetyper":[` + strings.Join(types, ",") + `]}`))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkSync syncs 50 producers, each serving its own catalog on
// loopback with one step renamed. The baseline is what a user writes by
// hand: the same requests with net/http, decoded by encoding/json into
// plain structs, as concurrent, with no validation and no merge.
func BenchmarkSync(b *testing.B) {
	const n = 50
	central := benchCatalog(b, n)
	var srcs []SyncSource
	for _, p := range producers(central) {
		own := ownCatalog(b, central, p, func(c *Catalog) {
			c.Producentarendetyper[0].Kundhandelsetyper[1].Namn = "Nytt namn"
		})
		srcs = append(srcs, SyncSource{Producent: p, URL: serve(b, own)})
	}
	b.Run("impl=sdk", func(b *testing.B) {
		for b.Loop() {
			_, r, err := Sync(context.Background(), central, srcs, nil)
			if err != nil || r.Err() != nil {
				b.Fatal(err, r.Err())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/producer")
	})
	b.Run("impl=baseline", func(b *testing.B) {
		for b.Loop() {
			if err := handFetch(srcs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/producer")
	})
}

// handFetch is the baseline: fetch every producer's types and flows.
func handFetch(srcs []SyncSource) error {
	type step struct {
		ID, Namn, Rubrik, Beskrivning, Behorighet, API string
		Kundatgard, Klart                              bool
	}
	type flow struct {
		ID                string
		Kundhandelsetyper []step
		Flode             struct {
			Start, Slut []string
			Overgangar  [][2]string
		}
	}
	get := func(url string, into any) error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(into)
	}
	var g errgroup.Group
	g.SetLimit(DefaultSyncConcurrency)
	for _, s := range srcs {
		g.Go(func() error {
			var list struct{ Producentarendetyper []struct{ ID string } }
			if err := get(s.URL+"/producenter/"+strings.ReplaceAll(s.Producent, " ", "%20")+"/producentarendetyper", &list); err != nil {
				return err
			}
			for _, t := range list.Producentarendetyper {
				var f flow
				if err := get(s.URL+"/producentarendetyper/"+t.ID+"/flode", &f); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
