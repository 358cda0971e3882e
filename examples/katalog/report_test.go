package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// A report with every outcome, printed as the table and as JSON.
func TestPrintReport(t *testing.T) {
	kh := func(ids ...minaarenden.Kundhandelsetyp) []minaarenden.Kundhandelsetyp {
		return append([]minaarenden.Kundhandelsetyp{}, ids...)
	}
	r := &catalog.SyncReport{Producenter: []catalog.ProducerReport{
		{Producent: "Bolagsverket", Status: catalog.SyncUnreachable, Err: errors.New("x"),
			Error:   "catalog: GET https://katalog.bolagsverket.example/v1/producenter/Bolagsverket/producentarendetyper: 503 Service Unavailable: underhåll",
			Changes: []catalog.TypeChange{}, Ignored: []catalog.IgnoredType{}},
		{Producent: "PRV", Status: catalog.SyncMerged, Changes: []catalog.TypeChange{}, Ignored: []catalog.IgnoredType{}},
		{Producent: "Skatteverket", Status: catalog.SyncMerged, Changes: []catalog.TypeChange{
			{Typ: "SKV.ARBETSGIVARE", Change: catalog.ChangeChanged, StepsAdded: kh(), StepsRemoved: kh(),
				EdgesAdded: []catalog.Overgang{}, EdgesRemoved: []catalog.Overgang{}},
			{Typ: "SKV.MOMS", Change: catalog.ChangeChanged, StepsAdded: kh(), StepsRemoved: kh("SKV.MOMS.KOMPLETTERING"),
				EdgesAdded: []catalog.Overgang{}, EdgesRemoved: []catalog.Overgang{{"SKV.MOMS.KONTROLL", "SKV.MOMS.KOMPLETTERING"}, {"SKV.MOMS.KOMPLETTERING", "SKV.MOMS.KONTROLL"}}},
			{Typ: "SKV.NY", Change: catalog.ChangeAdded, StepsAdded: kh("SKV.NY.ANSOKAN", "SKV.NY.BESLUT"), StepsRemoved: kh(),
				EdgesAdded: []catalog.Overgang{{"SKV.NY.ANSOKAN", "SKV.NY.BESLUT"}}, EdgesRemoved: []catalog.Overgang{}},
		}, Ignored: []catalog.IgnoredType{}},
		{Producent: "Stockholms stad", Status: catalog.SyncRefused, Err: errors.New("x"),
			Error:   `catalog: type "KOMMUN.FETTAVSKILJARE", node "KOMMUN.FETTAVSKILJARE.X": no end (slut) is reachable from it`,
			Changes: []catalog.TypeChange{}, Ignored: []catalog.IgnoredType{}},
		{Producent: "Värmdö kommun", Status: catalog.SyncMerged, Changes: []catalog.TypeChange{}, Ignored: []catalog.IgnoredType{
			{Typ: "SKV.MOMS", Reason: "owned by Skatteverket"}}},
	}}
	for _, tt := range []struct {
		file   string
		asJSON bool
	}{{"report.txt", false}, {"report.json", true}} {
		t.Run(tt.file, func(t *testing.T) {
			var got bytes.Buffer
			if err := printReport(&got, r, tt.asJSON); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}
