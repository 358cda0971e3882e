package client

import (
	"errors"
	"testing"
)

// TestWindows1252Labels: every label the WHATWG Encoding standard gives
// windows-1252 reads a single-byte body as windows-1252, whatever its case
// and surrounding whitespace; other charsets are refused by name.
func TestWindows1252Labels(t *testing.T) {
	labels := []string{
		"ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
		"iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1",
		"us-ascii", "windows-1252", "x-cp1252",
		// Case and whitespace do not matter.
		"ISO-8859-1", "US-ASCII", "Windows-1252", `" latin1 "`, "\"\tCP1252\"",
	}
	body := []byte("{\"rubrik\":\"Avgift 100 \x80 f\xf6r \x93bygglov\x94\"}")
	const want = `{"rubrik":"Avgift 100 € för “bygglov”"}`
	for _, label := range labels {
		t.Run(label, func(t *testing.T) {
			got, err := utf8Body(body, "application/json; charset="+label)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	for _, label := range []string{"iso-8859-2", "iso-8859-15", "utf-16", "koi8-r", "latin2", "windows-1250", ""} {
		t.Run("refused "+label, func(t *testing.T) {
			if _, err := utf8Body(body, "application/json; charset="+label); !errors.Is(err, ErrMalformedAnswer) {
				t.Errorf("err = %v, want ErrMalformedAnswer", err)
			}
		})
	}
}
