package catalog

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParse checks that Parse never panics, that its errors are clean lines
// ("catalog: …", valid UTF-8), and that a catalog that parses writes out
// and parses again to the same catalog, byte for byte the second time.
// Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a catalog and an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "catalog: ") && !strings.HasPrefix(line, "minaarenden: ") {
					t.Errorf("error line %q does not start with the package name", line)
				}
				if !utf8.ValidString(line) {
					t.Errorf("error line %q is not valid UTF-8", line)
				}
			}
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a parsed catalog: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", out, err)
		}
		if diff := cmp.Diff(c, again, catalogEqual...); diff != "" {
			t.Errorf("round trip mismatch (-first +second):\n%s", diff)
		}
		out2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Errorf("second marshal differs:\n%s\n%s", out, out2)
		}
		// Every flow of a valid catalog resolves and draws.
		for _, typ := range c.Producentarendetyper {
			for _, p := range append([]string{""}, typ.Producenter...) {
				g := typ.Graph(p)
				_ = Mermaid(g, nil)
				_ = DOT(g, nil)
				if err := SVG(io.Discard, g, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// catalogEqual compares catalogs as the JSON they stand for: unknown keys by
// value, not by spelling, and empty lists like missing ones.
var catalogEqual = []cmp.Option{
	cmpopts.IgnoreUnexported(Catalog{}, Producentarendetyp{}),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b json.RawMessage) bool {
		var va, vb any
		da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
		da.UseNumber()
		db.UseNumber()
		if da.Decode(&va) != nil || db.Decode(&vb) != nil {
			return bytes.Equal(a, b)
		}
		return reflect.DeepEqual(va, vb)
	}),
}
