package watch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aterkoppling/minaarenden"
)

// The Standard Webhooks headers (https://www.standardwebhooks.com).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// Defaults for the zero WebhookOptions.
const (
	DefaultWebhookTimeout  = 10 * time.Second
	DefaultWebhookAttempts = 3
	DefaultWebhookBackoff  = time.Second
	// DefaultWebhookResponseLimit bounds what is read of a receiver's
	// answer: enough for an error message, never a receiver's whole page.
	DefaultWebhookResponseLimit = 64 << 10
)

// WebhookOptions configures a Webhook; the zero value (or nil) is a safe
// default.
type WebhookOptions struct {
	// Client sends the requests; nil means one with Go's TLS verification
	// and no redirect to another host or scheme (the signature must not go
	// where the operator did not send it). A Client given here is used as
	// it is.
	Client *http.Client
	// Timeout bounds each attempt; zero means DefaultWebhookTimeout.
	Timeout time.Duration
	// Attempts is how often one Deliver tries, on a transport error, 408,
	// 429 or 5xx; zero means DefaultWebhookAttempts. Another 4xx fails at
	// once. What still fails stays in the outbox for a later pass.
	Attempts int
	// Backoff is the wait before the second attempt, doubled for each
	// further one, with jitter; zero means DefaultWebhookBackoff.
	Backoff time.Duration
	// ResponseLimit bounds the bytes read of an answer; zero means
	// DefaultWebhookResponseLimit.
	ResponseLimit int64
	// Logger receives one line per failed attempt; nil is silent.
	Logger *slog.Logger
	// AllowInsecureHTTP lets NewWebhook accept a plain http:// URL to a
	// host other than loopback (localhost, 127.0.0.0/8, ::1), for a
	// receiver behind a TLS-terminating proxy on a trusted network.
	// Without it such a URL is refused: notifications name a person's
	// cases and would cross the network unencrypted.
	AllowInsecureHTTP bool
}

// Webhook is a Sink that POSTs each notification to a URL, signed per the
// Standard Webhooks specification: webhook-id is the notification id (the
// receiver deduplicates on it), webhook-timestamp the Unix time of the
// attempt, webhook-signature "v1," and the base64 HMAC-SHA256 of
// "id.timestamp.body" under the secret. A 2xx answer is a delivery.
// Safe for concurrent use.
type Webhook struct {
	url  string
	key  []byte
	opts WebhookOptions
	log  *slog.Logger
}

// NewWebhook returns a Sink posting to target, an https URL (or http to
// loopback, or anywhere with WebhookOptions.AllowInsecureHTTP), with secret
// a "whsec_<base64>" value of MinWebhookKey to 64 bytes. Errors never
// quote the secret or the URL.
func NewWebhook(target, secret string, opts *WebhookOptions) (*Webhook, error) {
	w := &Webhook{url: target}
	if opts != nil {
		w.opts = *opts
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("watch: webhook URL must be an absolute http or https URL")
	}
	if u.Scheme == "http" && !w.opts.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		return nil, errors.New("watch: webhook URL is plain http to a host other than loopback, which would send notifications unencrypted; use https, or set WebhookOptions.AllowInsecureHTTP for a receiver behind a TLS-terminating proxy")
	}
	if w.key, err = webhookKey(secret); err != nil {
		return nil, err
	}
	if w.opts.Client == nil {
		w.opts.Client = &http.Client{CheckRedirect: sameOrigin}
	}
	if w.opts.Timeout <= 0 {
		w.opts.Timeout = DefaultWebhookTimeout
	}
	if w.opts.Attempts <= 0 {
		w.opts.Attempts = DefaultWebhookAttempts
	}
	if w.opts.Backoff <= 0 {
		w.opts.Backoff = DefaultWebhookBackoff
	}
	if w.opts.ResponseLimit <= 0 {
		w.opts.ResponseLimit = DefaultWebhookResponseLimit
	}
	w.log = w.opts.Logger
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w, nil
}

// sameOrigin follows a redirect only on the same scheme and host: the
// signed body and headers go where the operator pointed them, nowhere else.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// isLoopback reports whether host (without port) is the local machine:
// localhost or a loopback address, which plain http may reach.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// MinWebhookKey is the shortest key a webhook secret may hold, in bytes
// after base64 decoding: Standard Webhooks secrets are 24 to 64 bytes, and
// a shorter key is guessable.
const MinWebhookKey = 24

// webhookKey reads a Standard Webhooks secret: "whsec_" and the base64 key
// (the prefix optional, as the reference libraries have it).
func webhookKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, errors.New("watch: webhook secret must be whsec_ followed by a base64 key")
	}
	if len(key) < MinWebhookKey {
		return nil, fmt.Errorf("watch: webhook secret's key is %d bytes, fewer than the %d Standard Webhooks requires; generate a new one of 24 to 64 random bytes", len(key), MinWebhookKey)
	}
	return key, nil
}

// Sign returns the webhook-signature value for one message: "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body" under the secret.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	return sign(key, id, timestamp.Unix(), body), nil
}

func sign(key []byte, id string, unix int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, unix)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ErrSignature is the cause of every Verify failure.
var ErrSignature = errors.New("webhook signature does not verify")

// Verify checks a received webhook as a receiver must: the id, timestamp
// and signature headers are present, the timestamp is within tolerance of
// now (either way; replays of old messages fail), and one of the
// space-separated v1 signatures is the body's under secret. Receivers in
// Go can call it; others use any Standard Webhooks library.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := webhookKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get(HeaderWebhookID), h.Get(HeaderWebhookTimestamp), h.Get(HeaderWebhookSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("watch: %w: a webhook-id, webhook-timestamp or webhook-signature header is missing", ErrSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("watch: %w: webhook-timestamp is not Unix seconds", ErrSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("watch: %w: timestamp is %v away from now, beyond %v", ErrSignature, d.Round(time.Second), tolerance)
	}
	want := sign(key, id, unix, body)
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("watch: %w", ErrSignature)
}

// Deliver POSTs e, retrying within the call on a transport error, 408, 429
// or 5xx, each attempt freshly timestamped and signed under the same id.
func (w *Webhook) Deliver(ctx context.Context, e OutboxEntry) error {
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = w.post(ctx, e)
		if err == nil {
			return nil
		}
		w.log.LogAttrs(ctx, slog.LevelWarn, "webhook delivery failed", slog.String("notification", e.ID),
			slog.Int("attempt", attempt), slog.String("error", err.Error()))
		if !retry || attempt >= w.opts.Attempts {
			break
		}
		// Full jitter over [d/2, d): receivers coming back from an outage
		// are not hit by every replica at the same instant.
		d := w.opts.Backoff << (attempt - 1)
		d = d/2 + rand.N(d/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("watch: webhook: %w (after %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
	return fmt.Errorf("watch: webhook: notification %s: %w", e.ID, err)
}

// post makes one attempt; retry says whether another may succeed. Errors
// name the status and a bounded, redacted part of the answer, never the
// URL (its query may hold a token).
func (w *Webhook) post(ctx context.Context, e OutboxEntry) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(e.Body))
	if err != nil {
		return false, errors.New("building the request failed")
	}
	now := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderWebhookID, e.ID)
	req.Header.Set(HeaderWebhookTimestamp, strconv.FormatInt(now, 10))
	req.Header.Set(HeaderWebhookSignature, sign(w.key, e.ID, now, e.Body))
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return ctx.Err() == nil || errors.Is(err, context.DeadlineExceeded), err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, w.opts.ResponseLimit))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	msg := strings.TrimSpace(string(snippet))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	retry = resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	if msg == "" {
		return retry, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return retry, fmt.Errorf("HTTP %d: %s", resp.StatusCode, minaarenden.Redact(strings.ToValidUTF8(msg, "�")))
}
