package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Sink delivers one outbox entry: its Body is the notification's JSON, its
// ID the notification's id. Deliver returns nil only once the receiver has
// the entry; any error leaves the entry in the outbox for a later attempt,
// with the same id. A Sink is used by many goroutines at once.
type Sink interface {
	Deliver(ctx context.Context, e OutboxEntry) error
}

// JSONLines is a Sink that writes each notification as one line of JSON,
// for stdout, a log file or a pipe. Writes are serialised, so lines never
// interleave.
type JSONLines struct {
	mu sync.Mutex
	w  io.Writer
}

// NewJSONLines returns a Sink writing to w.
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{w: w} }

// Deliver writes e's body on one line.
func (j *JSONLines) Deliver(ctx context.Context, e OutboxEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var line bytes.Buffer
	if err := json.Compact(&line, e.Body); err != nil {
		return fmt.Errorf("watch: notification %s is not JSON: %w", e.ID, err)
	}
	line.WriteByte('\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	_, err := j.w.Write(line.Bytes())
	return err
}
