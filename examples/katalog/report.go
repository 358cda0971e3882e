package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
			fmt.Fprintf(tw, "  %s: %s\n", p.Status, p.Error)
		}
		for _, c := range p.Changes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Change, c.Typ, describe(c))
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

// describe says what changed in a type: for a type added or removed its
// size, for one changed the steps by name and the number of edges.
func describe(c catalog.TypeChange) string {
	if c.Change != catalog.ChangeChanged {
		return fmt.Sprintf("%d steps, %d edges", len(c.StepsAdded)+len(c.StepsRemoved), len(c.EdgesAdded)+len(c.EdgesRemoved))
	}
	var steps []string
	for _, s := range c.StepsAdded {
		steps = append(steps, "+"+s.Steg())
	}
	for _, s := range c.StepsRemoved {
		steps = append(steps, "-"+s.Steg())
	}
	d := fmt.Sprintf("edges +%d -%d", len(c.EdgesAdded), len(c.EdgesRemoved))
	if len(steps) > 0 {
		d = "steps " + strings.Join(steps, " ") + "; " + d
	}
	if len(steps) == 0 && len(c.EdgesAdded)+len(c.EdgesRemoved) == 0 {
		d = "text, flags or variant"
	}
	return d
}
