package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/aggregate/report"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/flow"
	"github.com/aterkoppling/minaarenden/flow/widget"
)

// writeTable prints one line per case, then how each source fared.
func writeTable(w io.Writer, cat *catalog.Catalog, rep *report.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ÄRENDE\tPRODUCENT\tSTATUS\tBOLLEN\tSTEG\tE-TJÄNST")
	for _, in := range rep.Arenden {
		namn := in.Typ
		if t, ok := cat.Type(in.Typ); ok && t.Namn != "" {
			namn = t.Namn
		}
		steg := "-"
		if passed, total := widget.Progress(in); total > 0 {
			steg = fmt.Sprintf("%d/%d", passed, total)
		}
		fmt.Fprintln(tw, row(clean(namn), clean(in.Producent), string(in.Status), string(in.Bollen), steg, etjanst(in)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var avvikelser []string
	for _, in := range rep.Arenden {
		for _, a := range in.Avvikelser {
			avvikelser = append(avvikelser, fmt.Sprintf("  %s (%s): %s %s: %s",
				in.Typ, clean(in.Producent), a.Kind, clean(a.KundhandelseID), clean(redact(a.Detail))))
		}
	}
	if len(avvikelser) > 0 {
		fmt.Fprintf(w, "\nAvvikelser:\n%s\n", strings.Join(avvikelser, "\n"))
	}

	answered := len(rep.Sources) - rep.Failed()
	fmt.Fprintf(w, "\nKällor: %d av %d svarade", answered, len(rep.Sources))
	if rep.Complete {
		fmt.Fprintln(w, " (komplett).")
	} else {
		fmt.Fprintln(w, " (ofullständigt: ärenden från de andra kan saknas eller vara okand).")
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range rep.Sources {
		code := "-"
		if s.HTTPCode != 0 {
			code = fmt.Sprintf("HTTP %d", s.HTTPCode)
		}
		fmt.Fprintln(tw, row("  "+clean(s.Producent), string(s.Status), code, fmt.Sprintf("%d händelser", s.Events), clean(s.Error)))
	}
	return tw.Flush()
}

// row joins cells for a tabwriter, leaving out empty trailing cells so that
// no line ends in padding.
func row(cells ...string) string {
	for len(cells) > 0 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	return strings.Join(cells, "\t")
}

// etjanst returns the e-tjänst links of the case's latest event that has
// any, "lanktext <url>", http and https only: where the customer acts now.
func etjanst(in *flow.Instance) string {
	for i := len(in.Events) - 1; i >= 0; i-- {
		var parts []string
		for _, l := range in.Events[i].Referenser.Etjanst().Links() {
			if !widget.SafeURL(l.URL) {
				continue
			}
			if l.Lanktext != "" {
				parts = append(parts, clean(l.Lanktext)+" <"+clean(l.URL)+">")
			} else {
				parts = append(parts, clean(l.URL))
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
	}
	return ""
}

// clean makes producer text safe for a terminal and a table: control
// characters (an ANSI escape sequence could rewrite the screen) and tabs
// become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
}

// redact masks everything that could be an identifier. Package client
// already cleans producers' messages; this is the last line before text
// leaves the program, for errors from anywhere else.
func redact(s string) string { return minaarenden.Redact(s) }

// redactWriter masks identifiers in everything written through it.
type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
