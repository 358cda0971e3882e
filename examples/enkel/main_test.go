package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
	"github.com/aterkoppling/minaarenden/client/clienttest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const (
	pnr   = "199001012385"
	orgnr = "165560360793"
)

func runEnkel(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// decodeSorted decodes -json output and checks it is in the 6.1 wire form
// with UTC tidpunkt, ordered by instant.
func decodeSorted(t *testing.T, out string) []minaarenden.Kundhandelse {
	t.Helper()
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	for _, ev := range raw {
		tid, _ := ev["tidpunkt"].(string)
		if !strings.HasSuffix(tid, "Z") {
			t.Errorf("tidpunkt %q is not UTC", tid)
		}
		if _, ok := ev["kundhandelseTyp"]; !ok {
			t.Errorf("event %v lacks kundhandelseTyp: not the 6.1 wire form", ev["kundhandelseId"])
		}
	}
	var events []minaarenden.Kundhandelse
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Tidpunkt.Before(events[i-1].Tidpunkt) {
			t.Errorf("event %d (%s) is earlier than event %d (%s)", i, events[i].Tidpunkt, i-1, events[i-1].Tidpunkt)
		}
	}
	return events
}

func TestJSONIsDecodableAndSorted(t *testing.T) {
	code, out, errs := runEnkel(t, "-json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	events := decodeSorted(t, out)
	var got []string
	for _, k := range events {
		got = append(got, k.KundhandelseID+"@"+string(k.Version))
	}
	want := []string{"skv-enkel-0004@6.1", "skv-enkel-0005@6.1", "skv-enkel-0006@6.1", "skv-enkel-0001@6.1", "skv-enkel-0002@6.1", "skv-enkel-0003@6.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestEveryVersionAndDialect asks the stand-in in each version the client
// speaks, both dialects, and checks the events and the detected version.
func TestEveryVersionAndDialect(t *testing.T) {
	for _, dialect := range []string{"producer", "forwarding"} {
		for _, v := range minaarenden.Versions()[1:] { // 1.0 is refused: it put the number in the URL
			t.Run(dialect+"/"+string(v), func(t *testing.T) {
				code, out, errs := runEnkel(t, "-dialect", dialect, "-version", string(v), "-json")
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, errs)
				}
				if n := len(decodeSorted(t, out)); n != 6 {
					t.Errorf("%d events, want the test person's 6", n)
				}
				code, out, errs = runEnkel(t, "-dialect", dialect, "-version", string(v))
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, errs)
				}
				want := "Wire version: " + string(v) + "\n"
				if !v.AtLeast(minaarenden.V3_0) {
					want = "Wire version: none stated (older than 3.0)\n"
				}
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
				if strings.Contains(out, pnr) {
					t.Error("output holds the personnummer")
				}
			})
		}
	}
}

func TestQuestions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"company, every part it belongs to", []string{"-kund", orgnr}, []string{"skv-enkel-0101", "skv-enkel-0102", "skv-enkel-0104", "skv-enkel-0105", "skv-enkel-0103"}},
		{"arende alone", []string{"-arende", "131-482917-26"}, []string{"skv-enkel-0101", "skv-enkel-0102", "skv-enkel-0103"}},
		{"kund and arende", []string{"-kund", orgnr, "-arende", "131-482917-26", "-arendetyp", "Diarienummer"}, []string{"skv-enkel-0101", "skv-enkel-0102", "skv-enkel-0103"}},
		{"prefixes", []string{"-typer", "SKV.MOMS.BETALNING, SKV.MOMS.BETALD"}, []string{"skv-enkel-0005", "skv-enkel-0006"}},
		{"prefix at 3.1, filtered by the client", []string{"-version", "3.1", "-typer", "SKV.MOMS.BETALNING,SKV.ARBETSGIVARE"}, []string{"skv-enkel-0005"}},
		{"forwarding, company with anvandare", []string{"-dialect", "forwarding", "-kund", orgnr, "-anvandare", pnr, "-typer", "SKV.ARBETSGIVARE"}, []string{"skv-enkel-0101", "skv-enkel-0102", "skv-enkel-0103"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runEnkel(t, append(tt.args, "-json")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var got []string
			for _, k := range decodeSorted(t, out) {
				got = append(got, k.KundhandelseID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown flag", []string{"-verbose"}, "flag provided but not defined"},
		{"argument", []string{"extra"}, "unexpected argument"},
		{"dialect", []string{"-dialect", "soap"}, "-dialect must be producer or forwarding"},
		{"version", []string{"-version", "7.0"}, "not a version of the standard"},
		{"1.0", []string{"-version", "1.0"}, "1.0"},
		{"Luhn", []string{"-kund", "199001012384"}, "check digit does not match (Luhn)"},
		{"date", []string{"-kund", "199013012385"}, "date part is not a real date"},
		{"length", []string{"-kund", "9001012385"}, "must be exactly 12 digits"},
		{"kundtyp", []string{"-kund", pnr, "-kundtyp", "Person"}, "kund.typ must be"},
		{"anvandare", []string{"-anvandare", "199001012384"}, "anvandare"},
		{"org", []string{"-org", "165560360794", "-version", "4.1"}, "-org"},
		{"arendetyp", []string{"-arende", "X", "-arendetyp", "Ärende"}, "arende.typ"},
		{"typer", []string{"-typer", "skv.moms"}, "-typer entry 1 is not a kundhandelseTyp or prefix"},
		{"typer holding a number", []string{"-typer", "SKV," + pnr}, "-typer entry 2"},
		{"url without a question", []string{"-url", "http://127.0.0.1:1/x"}, "give -kund or -arende"},
		{"forwarding needs anvandare for a company", []string{"-dialect", "forwarding", "-kund", orgnr}, "anvandare"},
		{"arende before 2.0", []string{"-version", "1.1", "-arende", "X"}, "2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runEnkel(t, tt.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitUsage, errs)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q lacks %q", errs, tt.want)
			}
			for _, n := range []string{pnr, "199001012384", "199013012385", "9001012385", "165560360794"} {
				if strings.Contains(errs+out, n) {
					t.Errorf("output names the number %s:\n%s%s", n, out, errs)
				}
			}
		})
	}
}

func TestFailures(t *testing.T) {
	down := clienttest.Start(t, clienttest.Config{})
	down.Handler.SetFault(clienttest.Fault{HTTPCode: 404, Message: "okänd tjänst"})
	code, _, errs := runEnkel(t, "-url", down.URL, "-kund", pnr)
	if code != exitFail || !strings.Contains(errs, "404") {
		t.Errorf("exit %d, stderr %q; want 1 and the status", code, errs)
	}
	code, _, errs = runEnkel(t, "-data", filepath.Join(t.TempDir(), "missing.json"))
	if code != exitFail {
		t.Errorf("exit %d with missing stand-in data, want 1: %s", code, errs)
	}
}

// TestRealURL points -url at a server, as a user would the real service.
func TestRealURL(t *testing.T) {
	s := clienttest.Start(t, clienttest.Config{Version: minaarenden.V4_0, Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "x", Rubrik: "r", Beskrivning: "b", Sprak: "sv", Producent: "Skatteverket",
		Tidpunkt: mustParse(t, "2026-01-05 08:00"), Typ: "SKV.MOMS.DEKL_INLAMAD",
		Part: minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}},
	}}})
	code, out, errs := runEnkel(t, "-url", s.URL, "-version", "4.0", "-org", "165599999991", "-kund", pnr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Wire version: 4.0") || !strings.Contains(out, "2026-01-05 08:00  Skatteverket  SKV.MOMS.DEKL_INLAMAD") {
		t.Errorf("unexpected output:\n%s", out)
	}
	r := s.Handler.Requests()
	if len(r) != 1 || r[0].Header.Get("anropandeOrganisation") != "165599999991" {
		t.Errorf("requests %v, want one with the -org header", r)
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	tid, err := minaarenden.ParseTidpunkt(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tid
}

func TestTextGolden(t *testing.T) {
	code, out, errs := runEnkel(t, "-kund", orgnr, "-anvandare", pnr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join("testdata", "company.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestJSONWithoutEventsIsAnEmptyArray(t *testing.T) {
	code, out, errs := runEnkel(t, "-typer", "SKV.INKOMSTDEKLARATION", "-json")
	if code != exitOK || out != "[]\n" {
		t.Errorf("exit %d, output %q (%s); want 0 and []", code, out, errs)
	}
}

func TestGuessKundTyp(t *testing.T) {
	for id, want := range map[string]minaarenden.KundTyp{
		"165560360793": minaarenden.Organisationsnummer,
		"199001012385": minaarenden.Personnummer,
		"199001612382": minaarenden.Samordningsnummer, // day 01 + 60
	} {
		if got := guessKundTyp(id); got != want {
			t.Errorf("guessKundTyp(…%s) = %s, want %s", id[8:], got, want)
		}
	}
}

// A forwarding service that answers 206 (one producer failed) gives a
// partial answer: what arrived is printed and the exit status is 3.
func TestPartialAnswer(t *testing.T) {
	kund := minaarenden.Part{Kund: &minaarenden.Kund{Identifierare: pnr, Typ: minaarenden.Personnummer}}
	ok := clienttest.Config{Producent: "Skatteverket", Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "x", Rubrik: "r", Beskrivning: "b", Sprak: "sv",
		Tidpunkt: mustParse(t, "2026-01-05 08:00"), Typ: "SKV.MOMS.DEKL_INLAMAD", Part: kund,
	}}}
	down := clienttest.Config{Producent: "PRV", Events: []minaarenden.Kundhandelse{{
		KundhandelseID: "y", Rubrik: "r", Beskrivning: "b", Sprak: "sv",
		Tidpunkt: mustParse(t, "2026-01-06 08:00"), Typ: "PRV.VARUMARKE.ANSOKAN", Part: kund,
	}}}
	s := clienttest.Start(t, clienttest.Config{Dialect: client.Forwarding, Producers: []clienttest.Config{ok, down}})
	s.Handler.SetProducerFault("PRV", clienttest.Fault{HTTPCode: 503})
	code, out, errs := runEnkel(t, "-url", s.URL, "-dialect", "forwarding", "-kund", pnr, "-json")
	if code != exitPartial {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitPartial, errs)
	}
	if events := decodeSorted(t, out); len(events) != 1 || events[0].KundhandelseID != "x" {
		t.Errorf("events %+v, want Skatteverket's one", events)
	}
	if !strings.Contains(errs, "503") || strings.Contains(errs, "9001012385") {
		t.Errorf("stderr %q: want the failed producer's status and no personnummer", errs)
	}
}
