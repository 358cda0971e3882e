package flow_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/internal/tooltest"
)

// TestPiaPictures draws each of Pia's cases on its producer's flow with
// catalog's renderers: golden Mermaid and DOT, the DOT checked by Graphviz
// (skipped, after the goldens, where it is not installed).
func TestPiaPictures(t *testing.T) {
	c := piaCatalog(t)
	for _, in := range placePia(t) {
		t.Run(in.Typ, func(t *testing.T) {
			typ, ok := c.Type(in.Typ)
			if !ok {
				t.Fatalf("catalog lacks %s", in.Typ)
			}
			g := typ.Graph(in.Producent)
			mermaid := catalog.Mermaid(g, in.States())
			dot := catalog.DOT(g, in.States())
			// The instance must show: every state it has gets a Mermaid
			// class, and neither picture is the plain flow.
			for _, s := range in.Steg {
				if !strings.Contains(mermaid, "classDef "+string(s.State)+" ") {
					t.Errorf("state %s of %s not in the Mermaid picture", s.State, s.Typ)
				}
			}
			if mermaid == catalog.Mermaid(g, nil) || dot == catalog.DOT(g, nil) {
				t.Errorf("the picture of %s is the plain flow", in.Typ)
			}
			name := "pia." + strings.ToLower(in.Typ)
			golden(t, name+".mmd", []byte(mermaid))
			golden(t, name+".dot", []byte(dot))
			cmd := exec.Command(tooltest.Find(t, "apt-get install graphviz", "dot"), "-Tsvg")
			cmd.Stdin = strings.NewReader(dot)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("dot rejects the picture: %v\n%s", err, stderr.String())
			}
		})
	}
}
