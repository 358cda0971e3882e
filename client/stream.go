package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"unicode/utf8"
)

// An answer is decoded as it arrives: the readers here stand between the
// connection and the decoder, so that no answer is ever held whole.

// errNotUTF8 stops a decode whose body turned out not to be UTF-8.
var errNotUTF8 = errors.New("the body is not UTF-8")

// errTooLarge stops a decode whose body passed the client's limit.
var errTooLarge = errors.New("the body passed the size limit")

// sourceError is a failure to read the body itself (a connection broken
// off, a body shorter than its Content-Length), as opposed to what the
// body holds: the one kind of failed decode worth another attempt.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// source reads the body for the decoder. It counts bytes against max (after
// any gunzipping: a small gzip body can inflate a thousandfold), checks
// that they are UTF-8, wraps a failure to read in sourceError, and, given
// a limiter, holds one unit of it only while the decoder works: released
// before each read of the connection and taken again after, so that a
// producer that sends slowly never keeps others' answers from being
// decoded.
type source struct {
	r       io.Reader
	max     int64 // bytes allowed; < 0 for no limit
	read    int64
	begun   bool  // past the first bytes, where a byte-order mark may be
	err     error // the first failure, returned from then on
	utf8    utf8Check
	ctx     context.Context
	limiter Limiter
	holding bool
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.holding {
		s.limiter.Release(1)
		s.holding = false
	}
	n, err := s.r.Read(p)
	if !s.begun && (n > 0 || err != nil) {
		n, err = s.skipBOM(p, n, err)
		s.begun = true
	}
	s.read += int64(n)
	switch {
	case s.max >= 0 && s.read > s.max:
		s.err = errTooLarge
	case !s.utf8.check(p[:n], err == io.EOF):
		s.err = errNotUTF8
	case err != nil && err != io.EOF:
		s.err = &sourceError{err}
	}
	if s.err != nil {
		return 0, s.err
	}
	if s.limiter != nil && n > 0 {
		if lerr := s.limiter.Acquire(s.ctx, 1); lerr != nil {
			s.err = lerr // gave up waiting to decode
			return 0, lerr
		}
		s.holding = true
	}
	return n, err
}

// skipBOM drops the UTF-8 byte-order mark .NET producers write before
// their JSON, which JSON forbids, from the first n bytes read into p,
// reading on while what came is the start of one.
func (s *source) skipBOM(p []byte, n int, err error) (int, error) {
	for n < len(bom) && n < len(p) && err == nil && bytes.HasPrefix(bom, p[:n]) {
		var m int
		m, err = s.r.Read(p[n:])
		n += m
	}
	if bytes.HasPrefix(p[:n], bom) {
		n = copy(p, p[len(bom):n])
	}
	return n, err
}

// done releases the limiter's unit, if held.
func (s *source) done() {
	if s.holding {
		s.limiter.Release(1)
		s.holding = false
	}
}

// utf8Check follows a byte stream read in pieces, a character possibly
// split between two of them.
type utf8Check struct {
	tail [utf8.UTFMax]byte // the start of a character the last piece cut
	n    int
}

// check reports whether b, following what came before, is still UTF-8;
// final says the stream ends with b.
func (u *utf8Check) check(b []byte, final bool) bool {
	for u.n > 0 && len(b) > 0 && !utf8.FullRune(u.tail[:u.n]) {
		u.tail[u.n] = b[0]
		u.n, b = u.n+1, b[1:]
	}
	if u.n > 0 {
		if !utf8.FullRune(u.tail[:u.n]) {
			return !final // still cut
		}
		if !utf8.Valid(u.tail[:u.n]) {
			return false
		}
		u.n = 0
	}
	// Leave a character the piece cuts short for the next one.
	cut := len(b)
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		return false
	}
	u.n = copy(u.tail[:], b[cut:])
	return !(final && u.n > 0)
}

// fromSource reports whether a decode failed because of its source rather
// than its JSON.
func fromSource(err error) bool {
	_, read := errors.AsType[*sourceError](err)
	return read || errors.Is(err, errNotUTF8) || errors.Is(err, errTooLarge) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
