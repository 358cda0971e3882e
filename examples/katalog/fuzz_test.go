package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden/catalog"
)

// FuzzParseSources: any -sync file is refused with an error or gives
// sources catalog.Sync accepts; it never panics.
func FuzzParseSources(f *testing.F) {
	f.Add([]byte(`[{"producent": "Skatteverket", "url": "https://katalog.skatteverket.example/v1"}]`))
	f.Add([]byte(`[{"producent": "Värmdö kommun", "url": "http://127.0.0.1:1/k", "prefixes": ["KOMMUN"]}]`))
	f.Add([]byte(`[{"producent": "PRV", "url": "http://[::1]:1"}, {"producent": "PRV", "url": "http://x"}]`))
	f.Add([]byte(`[{"producent": "PRV", "url": "https://x?y#z", "extra": 1}]`))
	f.Add([]byte(`[null, 1, "x"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		srcs, err := parseSources(data)
		if err != nil {
			if err.Error() == "" {
				t.Error("an empty error")
			}
			return
		}
		// No producer is reachable at these URLs in the fuzzer's time;
		// a cancelled context keeps Sync from asking, so only the sources'
		// own checks run. Sync reports a cancelled context, nothing else.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c, err := catalog.Parse([]byte(`{"producentarendetyper": []}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := catalog.Sync(ctx, c, srcs, nil); err == nil || !strings.Contains(err.Error(), "context canceled") {
			t.Errorf("sources %+v: Sync refused them: %v", srcs, err)
		}
	})
}
