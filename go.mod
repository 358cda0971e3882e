module github.com/aterkoppling/minaarenden

go 1.26.0

require (
	github.com/go-json-experiment/json v1.27.2
	github.com/google/go-cmp v0.7.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	golang.org/x/sync v0.25.0
)

require github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
