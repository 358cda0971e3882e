package watch

import (
	"encoding/json"
	"time"
)

// Change is the kind of a notification.
type Change string

// The changes a comparison reports.
const (
	// NewCase: a case the last snapshot did not have, with events.
	NewCase Change = "new_case"
	// Updated: a known case whose status, bollen, current step or set of
	// events changed.
	Updated Change = "updated"
)

// FromTo is a value before and after a change; From is nil for a new case.
type FromTo[T any] struct {
	From *T `json:"from"`
	To   T  `json:"to"`
}

// Notification tells a subscriber that one of their cases moved. Its JSON
// form is the stdout line and the webhook body. It carries the
// subscription's id, never an identifier.
type Notification struct {
	// ID is derived from the change itself (subscription, case key, new
	// state, new event ids), so a repeated delivery carries the same id.
	ID           string `json:"id"`
	Subscription string `json:"subscription"`
	Change       Change `json:"change"`
	Typ          string `json:"typ"`
	Producent    string `json:"producent"`
	Referens     string `json:"referens"`
	Namn         string `json:"namn"`

	Status FromTo[string] `json:"status"`
	Bollen FromTo[string] `json:"bollen"`
	Steg   FromTo[string] `json:"steg"`

	// Kundhandelser are the ids new since the last snapshot of the case.
	Kundhandelser []string `json:"kundhandelser"`
	// Rubrik and Tidpunkt are the latest new event's.
	Rubrik   string    `json:"rubrik"`
	Tidpunkt time.Time `json:"tidpunkt"`
}

// MarshalJSON writes the notification's wire form: tidpunkt in UTC (null
// when the change brought no new event), kundhandelser [] rather than
// null, so receivers need no null checks but the documented ones.
// It has a value receiver so a Notification encodes alike by value and by
// pointer.
func (n Notification) MarshalJSON() ([]byte, error) {
	type plain Notification // no methods: no recursion
	w := struct {
		plain
		Tidpunkt *time.Time `json:"tidpunkt"`
	}{plain: plain(n)}
	if w.Kundhandelser == nil {
		w.Kundhandelser = []string{}
	}
	if !n.Tidpunkt.IsZero() {
		t := n.Tidpunkt.UTC()
		w.Tidpunkt = &t
	}
	return json.Marshal(w)
}
