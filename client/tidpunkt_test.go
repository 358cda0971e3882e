package client

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeTidpunktNotText: an event whose tidpunkt is a number or another
// non-text kind is refused with what it was, not as "has no tidpunkt", and
// the answer's other events are kept.
func TestDecodeTidpunktNotText(t *testing.T) {
	tests := []struct {
		name, tidpunkt, wantErr string
	}{
		{"epoch milliseconds", `1712345678901`, `kundhändelse "a": minaarenden: tidpunkt "*************": a number (epoch milliseconds?), want date-time text`},
		{"an object", `{"ms":1712345678901}`, `kundhändelse "a": tidpunkt is an object, want date-time text`},
		{"an array", `["2025-01-01T10:00:00Z"]`, `kundhändelse "a": tidpunkt is an array, want date-time text`},
		{"absent", `null`, `kundhändelse "a" has no tidpunkt`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"metadata":{"version":"6.1"},"kundhandelser":[` +
				`{"kundhandelseId":"a","tidpunkt":` + tt.tidpunkt + `,"kundhandelseTyp":"A.B.C"},` +
				`{"kundhandelseId":"b","tidpunkt":"2025-01-01T10:00:00Z","kundhandelseTyp":"A.B.C"}]}`
			d, err := decodeAnswer([]byte(body), nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.count() != 1 || d.groups[0].events[0].KundhandelseID != "b" {
				t.Errorf("%d events, want event b alone", d.count())
			}
			if !errors.Is(d.bad, ErrMalformedAnswer) || !strings.Contains(d.bad.Error(), tt.wantErr) {
				t.Errorf("bad = %v\nwant it to say %s", d.bad, tt.wantErr)
			}
			if d.answerBad != nil {
				t.Errorf("answerBad = %v, want the event's own error only", d.answerBad)
			}
		})
	}
}
