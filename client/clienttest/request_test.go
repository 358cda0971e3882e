package clienttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

var producerVersions = []minaarenden.Version{
	minaarenden.V1_0, minaarenden.V1_1, minaarenden.V2_0, minaarenden.V3_0, minaarenden.V3_1,
	minaarenden.V4_0, minaarenden.V4_1, minaarenden.V5_0, minaarenden.V6_0, minaarenden.V6_1,
}

// errorMessage decodes the standard's error body; it fails the test for
// any other shape.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	msg, ok := m["message"].(string)
	if !ok || len(m) != 1 {
		t.Fatalf("error body is not {\"message\": ...}: %s", body)
	}
	return msg
}

func TestProducerAcceptsEachVersionsOwnRequest(t *testing.T) {
	for _, v := range producerVersions {
		t.Run(string(v), func(t *testing.T) {
			h := mustHandler(t, skvConfig(v))
			header, body := producerReq(v, personPart, nil)
			status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", status, b)
			}
		})
	}
}

func TestProducerRejectsWhatTheVersionForbids(t *testing.T) {
	const path = DefaultBasePath + "/kundhandelser"
	tests := []struct {
		name    string
		v       minaarenden.Version
		method  string
		path    string
		header  func(http.Header)
		extra   map[string]any
		status  int
		message string // a substring of the message
	}{
		{name: "wrong path", v: minaarenden.V6_1, path: "/kundhandelser", status: 404, message: "Not found"},
		{name: "GET", v: minaarenden.V6_1, method: http.MethodGet, status: 405, message: "Method not allowed"},
		{name: "text/plain", v: minaarenden.V6_1, header: func(h http.Header) { h.Set("Content-Type", "text/plain") }, status: 415, message: "Unsupported media type"},
		{name: "charset is fine", v: minaarenden.V6_1, header: func(h http.Header) { h.Set("Content-Type", "application/json; charset=utf-8") }, status: 200},
		{name: "sessionID in 6.0", v: minaarenden.V6_0, extra: map[string]any{"sessionID": "0b9e5b3e-3c4f-4b1e-9d6a-2f7e8c1d0a11"}, status: 400, message: "field sessionID is not allowed in version 6.0"},
		{name: "sessionID not a UUID in 5.0", v: minaarenden.V5_0, extra: map[string]any{"sessionID": "x"}, status: 400, message: "sessionID must be a UUID"},
		{name: "anvandare in the body of 4.1", v: minaarenden.V4_1, extra: map[string]any{"anvandare": pnr}, status: 400, message: "field anvandare is not allowed in version 4.1"},
		{name: "taggar in 3.1", v: minaarenden.V3_1, extra: map[string]any{"taggar": []string{"x"}}, status: 400, message: "field taggar is not allowed in version 3.1"},
		{name: "taggar in 4.0", v: minaarenden.V4_0, extra: map[string]any{"taggar": []string{"x"}}, status: 200},
		{name: "behandling to a producer", v: minaarenden.V6_1, extra: map[string]any{"behandling": map[string]any{}}, status: 400, message: "field behandling is not allowed"},
		{name: "tillagg in 3.0", v: minaarenden.V3_0, extra: map[string]any{"kund": map[string]any{"identifierare": orgnr, "typ": "Organisationsnummer", "tillagg": "1"}}, status: 400, message: "field kund.tillagg is not allowed in version 3.0"},
		{name: "tillagg in 3.1", v: minaarenden.V3_1, extra: map[string]any{"kund": map[string]any{"identifierare": orgnr, "typ": "Organisationsnummer", "tillagg": "1"}}, status: 200},
		{name: "unknown kund field", v: minaarenden.V6_1, extra: map[string]any{"kund": map[string]any{"identifierare": pnr, "typ": "Personnummer", "namn": "x"}}, status: 400, message: "field kund.namn is not allowed"},
		{name: "arende in 1.1", v: minaarenden.V1_1, extra: map[string]any{"arende": map[string]any{"identifierare": "A", "typ": "Diarienummer"}}, status: 400, message: "field arende is not allowed in version 1.1"},
		{name: "missing anvandare header in 4.1", v: minaarenden.V4_1, header: func(h http.Header) { h.Del("anvandare") }, status: 400, message: "header anvandare is required in version 4.1"},
		{name: "missing anropandeOrganisation in 3.1", v: minaarenden.V3_1, header: func(h http.Header) { h.Del("anropandeOrganisation") }, status: 400, message: "header anropandeOrganisation is required"},
		{name: "anvandare header in 6.0", v: minaarenden.V6_0, header: func(h http.Header) { h.Set("anvandare", pnr) }, status: 400, message: "header anvandare is not part of version 6.0"},
		{name: "neither kund nor arende", v: minaarenden.V6_1, extra: map[string]any{"kund": nil}, status: 400, message: "kund or arende is required"},
		{name: "identifierare not 12 digits", v: minaarenden.V6_1, extra: map[string]any{"kund": map[string]any{"identifierare": pnr[2:], "typ": "Personnummer"}}, status: 400, message: "kund.identifierare must be 12 digits"},
		{name: "identifierare as a number", v: minaarenden.V6_1, extra: map[string]any{"kund": map[string]any{"identifierare": 199001012385, "typ": "Personnummer"}}, status: 400, message: "kund.identifierare has the wrong type"},
		{name: "unknown kund.typ", v: minaarenden.V6_1, extra: map[string]any{"kund": map[string]any{"identifierare": pnr, "typ": "Person"}}, status: 400, message: "kund.typ must be"},
		{name: "forwarding spelling to a producer", v: minaarenden.V6_1, extra: map[string]any{"arende": map[string]any{"identifierare": "A", "typ": "Producentarendereferens"}}, status: 400, message: "arende.typ must be"},
		{name: "RAML spelling to a producer", v: minaarenden.V6_1, extra: map[string]any{"arende": map[string]any{"identifierare": "A", "typ": "Producentärendereferens"}}, status: 200},
		{name: "prefix in 3.1", v: minaarenden.V3_1, extra: map[string]any{"kundhandelseTyper": []string{"SKV.MOMS"}}, status: 400, message: "kundhandelseTyper"},
		{name: "prefix in 4.0", v: minaarenden.V4_0, extra: map[string]any{"kundhandelseTyper": []string{"SKV.MOMS"}}, status: 200},
		{name: "malformed type", v: minaarenden.V6_1, extra: map[string]any{"kundhandelseTyper": []string{"skv.moms"}}, status: 400, message: "kundhandelseTyper"},
		{name: "bad date", v: minaarenden.V6_1, extra: map[string]any{"startDatum": "2025-02-30"}, status: 400, message: "startDatum must be a YYYY-MM-DD day"},
		{name: "slut before start", v: minaarenden.V6_1, extra: map[string]any{"startDatum": "2025-02-03", "slutDatum": "2025-02-01"}, status: 400, message: "slutDatum is before startDatum"},
		{name: "body anvandare not 12 digits", v: minaarenden.V6_1, extra: map[string]any{"anvandare": "19900101"}, status: 400, message: "anvandare must be 12 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHandler(t, skvConfig(tt.v))
			header, body := producerReq(tt.v, personPart, tt.extra)
			if tt.header != nil {
				tt.header(header)
			}
			method, p := http.MethodPost, path
			if tt.method != "" {
				method = tt.method
			}
			if tt.path != "" {
				p = tt.path
			}
			status, _, b := do(t, h, method, p, header, body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, b)
			}
			if tt.status == http.StatusOK {
				return
			}
			msg := errorMessage(t, b)
			if !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
			if strings.Contains(msg, pnr) || strings.Contains(msg, pnr[2:]) {
				t.Errorf("message %q holds the personnummer", msg)
			}
		})
	}
}

func forwardingBody(extra map[string]any, fraga map[string]any) []byte {
	f := map[string]any{"parter": []any{personPart}}
	for k, v := range fraga {
		if v == nil {
			delete(f, k)
			continue
		}
		f[k] = v
	}
	body := map[string]any{"fraga": f, "anvandare": pnr}
	for k, v := range extra {
		if v == nil {
			delete(body, k)
			continue
		}
		body[k] = v
	}
	b, _ := json.Marshal(body)
	return b
}

func forwardingHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Skv_client_correlation_id": {"9d0f6a52-5d1e-4c07-b5a3-1f7c2b8e4d60"}}
}

func TestForwardingRejectsBadRequests(t *testing.T) {
	sort := []any{map[string]any{"attribut": "TIDPUNKT", "stigande": true}}
	tests := []struct {
		name    string
		header  func(http.Header)
		extra   map[string]any
		fraga   map[string]any
		message string
	}{
		{name: "no correlation id", header: func(h http.Header) { h.Del("skv_client_correlation_id") }, message: "skv_client_correlation_id is required"},
		{name: "correlation id with a space", header: func(h http.Header) { h.Set("skv_client_correlation_id", "a b") }, message: "printable ASCII"},
		{name: "no anvandare", extra: map[string]any{"anvandare": nil}, message: "anvandare is required"},
		{name: "no fraga", extra: map[string]any{"fraga": nil}, message: "fraga is required"},
		{name: "no parter", fraga: map[string]any{"parter": []any{}}, message: "at least one part"},
		{name: "empty part", fraga: map[string]any{"parter": []any{map[string]any{}}}, message: "fraga.parter[0] needs kund or arende"},
		{name: "unknown field", extra: map[string]any{"sessionID": "x"}, message: `unknown field "sessionID"`},
		{name: "unknown part field", fraga: map[string]any{"parter": []any{map[string]any{"kund": map[string]any{"identifierare": pnr, "typ": "Personnummer", "x": 1}}}}, message: `unknown field "x"`},
		{name: "RAML spelling", fraga: map[string]any{"parter": []any{map[string]any{"arende": map[string]any{"identifierare": "A", "typ": "Producentärendereferens"}}}}, message: "fraga.parter[0].arende.typ must be"},
		{name: "bad identifierare", fraga: map[string]any{"parter": []any{map[string]any{"kund": map[string]any{"identifierare": pnr + "0", "typ": "Personnummer"}}}}, message: "fraga.parter[0].kund.identifierare must be 12 digits"},
		{name: "paging without sorting", fraga: map[string]any{"behandling": map[string]any{"paginering": map[string]any{"offset": 0, "limit": 2}}}, message: "Bad request: Paginering kräver att sortering anges"},
		{name: "paging with empty sorting", fraga: map[string]any{"behandling": map[string]any{"sortering": []any{}, "paginering": map[string]any{"offset": 0}}}, message: "Paginering kräver att sortering anges"},
		{name: "unknown attribut", fraga: map[string]any{"behandling": map[string]any{"sortering": []any{map[string]any{"attribut": "ID"}}}}, message: "attribut must be one of"},
		{name: "negative offset", fraga: map[string]any{"behandling": map[string]any{"sortering": sort, "paginering": map[string]any{"offset": -1}}}, message: "offset is required and must be 0 or more"},
		{name: "no offset", fraga: map[string]any{"behandling": map[string]any{"sortering": sort, "paginering": map[string]any{"limit": 2}}}, message: "offset is required"},
		{name: "limit 0", fraga: map[string]any{"behandling": map[string]any{"sortering": sort, "paginering": map[string]any{"offset": 0, "limit": 0}}}, message: "limit must be between 1 and 1000"},
		{name: "limit 1001", fraga: map[string]any{"behandling": map[string]any{"sortering": sort, "paginering": map[string]any{"offset": 0, "limit": 1001}}}, message: "limit must be between 1 and 1000"},
		{name: "not JSON", extra: map[string]any{"fraga": "x"}, message: "fraga has the wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHandler(t, Config{Dialect: client.Forwarding, Producers: []Config{skvConfig("")}})
			header := forwardingHeader()
			if tt.header != nil {
				tt.header(header)
			}
			status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelseFragaSynkron", header, forwardingBody(tt.extra, tt.fraga))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, b)
			}
			msg := errorMessage(t, b)
			if !strings.HasPrefix(msg, "Bad request: ") || !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want Bad request: ...%s...", msg, tt.message)
			}
			if strings.Contains(msg, pnr) {
				t.Errorf("message %q holds the personnummer", msg)
			}
		})
	}
}

func TestRequestsAreRecorded(t *testing.T) {
	h := mustHandler(t, Config{Events: skvEvents(), RecordLimit: 2})
	for i := range 3 {
		header, body := producerReq(minaarenden.V6_1, personPart, map[string]any{"konsument": string(rune('a' + i))})
		do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
	}
	got := h.Requests()
	if len(got) != 2 || h.RequestCount() != 3 {
		t.Fatalf("kept %d of %d requests, want the last 2 of 3", len(got), h.RequestCount())
	}
	for i, r := range got {
		var b struct{ Konsument string }
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		want := string(rune('b' + i))
		if r.Method != http.MethodPost || r.Path != DefaultBasePath+"/kundhandelser" || b.Konsument != want || r.Header.Get("x-correlation-id") != "corr-1" {
			t.Errorf("request %d = %s %s konsument %q, want POST …/kundhandelser konsument %q with its headers", i, r.Method, r.Path, b.Konsument, want)
		}
	}
}

func TestNewHandlerRejectsBadConfig(t *testing.T) {
	noPart := skvEvents()[:1]
	noPart[0].Part = minaarenden.Part{}
	tests := map[string]Config{
		"unknown version":            {Version: "7.0"},
		"producers on a producer":    {Producers: []Config{{}}},
		"event without part":         {Events: noPart},
		"producer listed twice":      {Dialect: client.Forwarding, Producers: []Config{{Producent: "A"}, {Producent: "A"}}},
		"relative base path":         {BasePath: "api"},
		"nested forwarding":          {Dialect: client.Forwarding, Producers: []Config{{Producers: []Config{{}}}}},
		"event without kundhandelse": {Events: []minaarenden.Kundhandelse{{Tidpunkt: at("2025-01-01 10:00")}}},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewHandler(cfg); err == nil {
				t.Error("NewHandler accepted it")
			}
		})
	}
}

func TestHeadersAndLimits(t *testing.T) {
	h := mustHandler(t, skvConfig(minaarenden.V6_1))
	path := DefaultBasePath + "/kundhandelser"
	header, body := producerReq(minaarenden.V6_1, personPart, nil)

	if _, got, _ := do(t, h, http.MethodPost, path, header, body); got.Get("x-correlation-id") != "corr-1" {
		t.Errorf("x-correlation-id %q, want it echoed", got.Get("x-correlation-id"))
	}
	if status, got, _ := do(t, h, http.MethodPut, path, header, body); status != 405 || got.Get("Allow") != http.MethodPost {
		t.Errorf("PUT: %d Allow %q, want 405 Allow POST", status, got.Get("Allow"))
	}
	big := append(bytes.Repeat([]byte(" "), maxRequestBody), body...)
	if status, _, b := do(t, h, http.MethodPost, path, header, big); status != 400 || !strings.Contains(errorMessage(t, b), "larger than") {
		t.Errorf("oversized request: %d %s, want 400", status, b)
	}

	fwd := mustHandler(t, forwardingConfig())
	_, got, _ := do(t, fwd, http.MethodPost, DefaultBasePath+"/kundhandelseFragaSynkron", forwardingHeader(), forwardingBody(nil, nil))
	if got.Get("skv_client_correlation_id") != forwardingHeader().Get("skv_client_correlation_id") {
		t.Errorf("skv_client_correlation_id %q, want it echoed", got.Get("skv_client_correlation_id"))
	}
}

func TestHeadersOptionalBefore31(t *testing.T) {
	for _, v := range []minaarenden.Version{minaarenden.V1_1, minaarenden.V2_0, minaarenden.V3_0} {
		h := mustHandler(t, skvConfig(v))
		_, body := producerReq(v, personPart, nil)
		header := http.Header{"Content-Type": {"application/json"}}
		if status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body); status != 200 {
			t.Errorf("%s without headers: %d %s, want 200", v, status, b)
		}
	}
}

func TestRecordLimitNegativeRecordsNothing(t *testing.T) {
	h := mustHandler(t, Config{Events: skvEvents(), RecordLimit: -1})
	header, body := producerReq(minaarenden.V6_1, personPart, nil)
	do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
	if len(h.Requests()) != 0 || h.RequestCount() != 1 {
		t.Errorf("recorded %d, counted %d; want 0 and 1", len(h.Requests()), h.RequestCount())
	}
}
