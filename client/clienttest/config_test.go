package clienttest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aterkoppling/minaarenden"
	"github.com/google/go-cmp/cmp"
)

func TestZoneAndBasePath(t *testing.T) {
	cfg := skvConfig(minaarenden.V6_0)
	cfg.Zone, cfg.BasePath = time.UTC, "/"
	h := mustHandler(t, cfg)
	header, body := producerReq(minaarenden.V6_0, personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMS.DEKL_INLAMAD"}})
	if status, _, _ := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body); status != http.StatusNotFound {
		t.Errorf("default base path answered %d, want 404 under BasePath /", status)
	}
	status, _, b := do(t, h, http.MethodPost, "/kundhandelser", header, body)
	var a struct {
		Metadata      struct{ OnskatSprak string }
		Kundhandelser []struct{ Tidpunkt string }
	}
	if err := json.Unmarshal(b, &a); err != nil || status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	got := []string{a.Metadata.OnskatSprak, a.Kundhandelser[0].Tidpunkt}
	// 14:03:55 in Stockholm is 12:03:55 UTC; no Accept-Language means sv.
	if diff := cmp.Diff([]string{"sv", "2025-08-12 12:03:55.00"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestSetProducerFaultOnAProducerIsSetFault(t *testing.T) {
	h := mustHandler(t, skvConfig(minaarenden.V6_1))
	h.SetProducerFault("Skatteverket", Fault{HTTPCode: http.StatusInternalServerError})
	header, body := producerReq(minaarenden.V6_1, personPart, nil)
	if status, _, _ := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body); status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", status)
	}
}

func TestForwardingSortsFlags(t *testing.T) {
	h := mustHandler(t, forwardingConfig())
	companyPart := map[string]any{"kund": map[string]any{"identifierare": orgnr, "typ": "Organisationsnummer"}}
	for _, tt := range []struct {
		stigande bool
		want     []string
	}{{true, []string{"a1", "a2"}}, {false, []string{"a2", "a1"}}} {
		_, a, b := askForwarding(t, h, map[string]any{
			"parter":     []any{companyPart},
			"behandling": map[string]any{"sortering": []any{map[string]any{"attribut": "PRODUCENTARENDETKLART", "stigande": tt.stigande}}},
		})
		var got []string
		for _, ev := range a.Kundhandelser[0].KundhandelserForPart {
			got = append(got, ev["kundhandelseId"].(string))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("stigande %v: mismatch (-want +got):\n%s\n%s", tt.stigande, diff, b)
		}
	}
}
