package watch

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/catalog"
	"github.com/aterkoppling/minaarenden/catalog/sample"
)

// loadSample loads the sample catalog once; no test changes it.
var loadSample = sync.OnceValues(sample.Catalog)

func sampleCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := loadSample()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ev is one event of the sample catalog's types: the instant is a day of
// March 2026 at noon UTC, the reference the case's producentarende.
func ev(tb testing.TB, id, typ, producent, ref string, day int) minaarenden.Kundhandelse {
	tb.Helper()
	raw := fmt.Sprintf(`{"kundhandelseId":%q,"kundhandelseTyp":%q,"producent":%q,"rubrik":"rubrik %s","tidpunkt":"2026-03-%02dT12:00:00Z","referenser":{"producentarende":%q}}`,
		id, typ, producent, id, day, ref)
	var e minaarenden.Kundhandelse
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		tb.Fatal(err)
	}
	return e
}
