package main

import (
	"fmt"
	"os"

	"github.com/aterkoppling/minaarenden/client"
)

// readProducers reads and checks the -producers file, in the format
// client.ReadEndpoints reads.
func readProducers(path string) ([]client.Endpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-producers: %w", err)
	}
	defer f.Close()
	eps, err := client.ReadEndpoints(f)
	if err != nil {
		return nil, fmt.Errorf("-producers %s: %w", path, err)
	}
	return eps, nil
}
