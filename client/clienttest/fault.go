package clienttest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// malformedBody is what a misconfigured gateway sends instead of JSON.
const malformedBody = "<html><body><h1>502 Bad Gateway</h1></body></html>\n"

// slowPieces is how many pieces SlowBody splits a body into.
const slowPieces = 10

// writeAnswer sends a good answer, altered by the body faults of f.
func writeAnswer(w http.ResponseWriter, r *http.Request, status int, body []byte, f *Fault) {
	if f == nil {
		f = &Fault{}
	}
	contentType := "application/json"
	if f.ContentType != "" {
		contentType = f.ContentType
	}
	switch {
	case f.Malformed:
		body = []byte(malformedBody)
	case f.Truncate:
		body = body[:len(body)/2]
	}
	var pad int64
	if f.Oversize > int64(len(body)) {
		pad = f.Oversize - int64(len(body))
	}
	total := pad + int64(len(body))
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.FormatInt(total, 10))
	w.WriteHeader(status)

	// Leading whitespace keeps a padded body valid JSON, and a client that
	// stops after the first value still has to read past the padding.
	src := io.MultiReader(io.LimitReader(spaces{}, pad), bytes.NewReader(body))
	send := total
	if f.ResetMidBody {
		send = total / 2
	}
	piece := send
	if f.SlowBody > 0 {
		piece = max((send+slowPieces-1)/slowPieces, 1) // at most ten pieces
	}
	rc := http.NewResponseController(w)
	for sent := int64(0); sent < send; {
		n, err := io.CopyN(w, src, min(piece, send-sent))
		sent += n
		if err != nil {
			return // the client went away
		}
		if f.SlowBody > 0 && sent < send {
			_ = rc.Flush()
			if !sleep(r, f.SlowBody/slowPieces) {
				return
			}
		}
	}
	if f.ResetMidBody {
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
			return
		}
		// Not hijackable (HTTP/2): aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
}

// spaces reads as an endless run of blanks.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// isJSON reports whether a Content-Type is application/json, parameters
// (charset) allowed.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// wait sleeps d, or until the request is cancelled; it reports whether the
// request is still alive.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return r.Context().Err() == nil
	}
	return sleep(r, d)
}
