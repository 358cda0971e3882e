package aggregate

import (
	"context"
	"log/slog"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// Observer watches every request Run sends, hedges included, so metrics or
// tracing can be attached without this package importing either. Its
// methods are called concurrently from Run's goroutines and must not block.
type Observer interface {
	// SourceStart is called as a request to a source begins. The context
	// it returns is passed to the source's Query, so a tracer can start a
	// span there and the client's HTTP spans nest under it; return ctx to
	// change nothing.
	SourceStart(ctx context.Context, a Attempt) context.Context
	// SourceDone is called when that request has returned, with the
	// context SourceStart returned and the same Attempt, its result filled
	// in.
	SourceDone(ctx context.Context, a Attempt)
}

// Attempt describes one request to one source.
type Attempt struct {
	Source string
	// Part is the part asked; zero for a forwarding source, which is asked
	// about every part at once.
	Part minaarenden.Part
	// Hedge is true for the second request sent because the first was
	// slow.
	Hedge bool
	Start time.Time

	// Set for SourceDone only.
	Duration time.Duration
	// Status is StatusOK, StatusError or StatusTimeout; a request that
	// lost a hedging race is cancelled and reports its cancellation error.
	Status   Status
	HTTPCode int
	Err      error
	// Won is true for the request whose answer Run used.
	Won bool
}

// LogValue keeps the part's identifiers out of structured logs, for
// observers that log attempts as they are.
func (a Attempt) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("source", a.Source), slog.String("part", a.Part.String()), slog.Bool("hedge", a.Hedge),
		slog.Duration("duration", a.Duration), slog.String("status", string(a.Status)),
		slog.Int("http_code", a.HTTPCode), slog.Bool("won", a.Won),
	}
	if a.Err != nil {
		attrs = append(attrs, slog.String("error", a.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// ObserverFuncs adapts two functions to Observer; either may be nil.
type ObserverFuncs struct {
	Start func(ctx context.Context, a Attempt) context.Context
	Done  func(ctx context.Context, a Attempt)
}

// SourceStart calls f.Start if set.
func (f ObserverFuncs) SourceStart(ctx context.Context, a Attempt) context.Context {
	if f.Start == nil {
		return ctx
	}
	return f.Start(ctx, a)
}

// SourceDone calls f.Done if set.
func (f ObserverFuncs) SourceDone(ctx context.Context, a Attempt) {
	if f.Done != nil {
		f.Done(ctx, a)
	}
}
