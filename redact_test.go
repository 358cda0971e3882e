package minaarenden

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Kund 199001012385 saknas", "Kund ************ saknas"},
		{"pnr 19900101-2385 och 900101+2385", "pnr ********-**** och ******+****"},
		{"orgnr 556036-0793", "orgnr ******-****"},
		{"född 900101", "född ******"},
		{"HTTP 503 efter 2 försök, 2025-08-12 14:03", "HTTP 503 efter 2 försök, 2025-08-12 14:03"},
		{"AG-2026-0418853", "AG-2026-*******"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
