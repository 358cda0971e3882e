package storetest_test

import (
	"testing"

	"github.com/aterkoppling/minaarenden/watch"
	"github.com/aterkoppling/minaarenden/watch/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) watch.Store { return watch.NewMemoryStore() })
}
