package clienttest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aterkoppling/minaarenden"
	"github.com/aterkoppling/minaarenden/client"
)

// checkAnswer serves one request and checks what any request must get: a
// known status, and an error message that never repeats a personnummer
// the request carried.
func checkAnswer(t *testing.T, h *Handler, path string, header http.Header, body []byte) {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header = header
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	switch w.Code {
	case http.StatusOK, http.StatusPartialContent:
		return
	case http.StatusBadRequest:
	default:
		t.Fatalf("status %d for %q", w.Code, body)
	}
	msg := errorMessage(t, w.Body.Bytes())
	// Any 12-digit run in the body may be an identifier; none may come back.
	for i := 0; i+12 <= len(body); i++ {
		if twelveDigits(string(body[i:i+12])) && strings.Contains(msg, string(body[i:i+12])) {
			t.Fatalf("message %q repeats the identifier in %q", msg, body)
		}
	}
}

func FuzzProducerRequest(f *testing.F) {
	for _, v := range []minaarenden.Version{minaarenden.V3_1, minaarenden.V5_0, minaarenden.V6_1} {
		_, body := producerReq(v, personPart, map[string]any{"kundhandelseTyper": []string{"SKV.MOMS"}})
		f.Add(string(v), body)
	}
	f.Add("6.0", []byte(`{"kund":{"identifierare":"199001012385","typ":"Personnummer"},"sessionID":"x"}`))
	f.Add("4.1", []byte(`{"arende":{"identifierare":"199001012385","typ":"Producentärendereferens"},"startDatum":"2025-13-01"}`))
	handlers := map[minaarenden.Version]*Handler{}
	for _, v := range producerVersions {
		h, err := NewHandler(skvConfig(v))
		if err != nil {
			f.Fatal(err)
		}
		handlers[v] = h
	}
	f.Fuzz(func(t *testing.T, version string, body []byte) {
		h, ok := handlers[minaarenden.Version(version)]
		if !ok {
			h = handlers[minaarenden.V6_1]
		}
		header, _ := producerReq(h.version, personPart, nil)
		checkAnswer(t, h, DefaultBasePath+"/kundhandelser", header, body)
	})
}

func FuzzForwardingRequest(f *testing.F) {
	f.Add(forwardingBody(nil, nil))
	f.Add(forwardingBody(nil, map[string]any{"behandling": map[string]any{
		"sortering": []any{map[string]any{"attribut": "TIDPUNKT"}}, "paginering": map[string]any{"offset": 1, "limit": 1}}}))
	f.Add([]byte(`{"fraga":{"parter":[{"kund":{"identifierare":"199001012385","typ":"Personnummer","tillagg":null}}],"behandling":{"paginering":{"offset":0}}},"anvandare":"199001012385"}`))
	f.Add([]byte(`{"fraga":{"parter":[{"kund":{"identifierare":"19900101238","typ":"Personnummer"}}]},"anvandare":"199001012385"}`))
	h, err := NewHandler(Config{Dialect: client.Forwarding, Producers: []Config{skvConfig("")}, RecordLimit: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAnswer(t, h, DefaultBasePath+"/kundhandelseFragaSynkron", forwardingHeader(), body)
	})
}

func TestTypeErrorsDoNotEchoTheValue(t *testing.T) {
	h := mustHandler(t, skvConfig(minaarenden.V6_1))
	header, body := producerReq(minaarenden.V6_1, personPart, map[string]any{"kundhandelseTyper": []string{"SKV", pnr}})
	status, _, b := do(t, h, http.MethodPost, DefaultBasePath+"/kundhandelser", header, body)
	msg := errorMessage(t, b)
	if status != http.StatusBadRequest || strings.Contains(msg, pnr) || !strings.Contains(msg, "kundhandelseTyper[1]") {
		t.Errorf("status %d, message %q; want 400 naming kundhandelseTyper[1] without its value", status, msg)
	}
}
