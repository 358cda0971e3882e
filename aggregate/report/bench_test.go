package report_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/aterkoppling/minaarenden/aggregate/report"
)

// BenchmarkWriteJSON writes a report of 10 000 cases to io.Discard:
// streamed case by case, and, as the baseline a user writes by hand,
// json.Encoder over the whole document, which builds all of it in memory
// before the first byte goes out. Compare B/op.
func BenchmarkWriteJSON(b *testing.B) {
	small := piaReport(b)
	big := &report.Report{Sources: small.Sources}
	for len(big.Arenden) < 10_000 {
		big.Arenden = append(big.Arenden, small.Arenden...)
	}
	b.Run("impl=stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := big.WriteJSON(context.Background(), io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=encoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			enc := json.NewEncoder(io.Discard)
			enc.SetIndent("", "  ")
			if err := enc.Encode(big); err != nil {
				b.Fatal(err)
			}
		}
	})
}
