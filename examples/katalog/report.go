package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/aterkoppling/minaarenden/catalog"
)

// printReport writes the sync report: the JSON of package catalog's
// SyncReport, or a table per producer followed by what changed.
func printReport(w io.Writer, r *catalog.SyncReport, asJSON bool) error {
	if asJSON {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCENT\tSTATUS\tCHANGES\tIGNORED")
	for _, p := range r.Producenter {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", p.Producent, p.Status, len(p.Changes), len(p.Ignored))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range r.Producenter {
		if p.Error == "" && len(p.Changes) == 0 && len(p.Ignored) == 0 {
			continue
		}
		fmt.Fprintf(tw, "\n%s\n", p.Producent)
		if p.Error != "" {
			fmt.Fprintf(tw, "  %s:\t%s\n", p.Status, p.Error)
		}
		for _, c := range p.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%+d/-%d steps, %+d/-%d edges\n", c.Change, c.Typ,
				len(c.StepsAdded), len(c.StepsRemoved), len(c.EdgesAdded), len(c.EdgesRemoved))
		}
		for _, i := range p.Ignored {
			fmt.Fprintf(tw, "  ignored\t%s\t%s\n", i.Typ, i.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
