package aggregate_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// memNet is an in-memory network: servers listen on a name, clients dial it
// through net.Pipe. Loopback sockets do not work inside a synctest bubble
// (their wake-ups come from outside it); pipes do, so real HTTP clients and
// servers run on the fake clock.
type memNet struct {
	mu    sync.Mutex
	ls    map[string]*memListener
	dials atomic.Int64
}

func newMemNet() *memNet { return &memNet{ls: make(map[string]*memListener)} }

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }

type memListener struct {
	addr  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	net   *memNet
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.net.mu.Lock()
		delete(l.net.ls, l.addr)
		l.net.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr(l.addr) }

// listen opens host:port for a server.
func (n *memNet) listen(addr string) *memListener {
	l := &memListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{}), net: n}
	n.mu.Lock()
	n.ls[addr] = l
	n.mu.Unlock()
	return l
}

// DialContext connects to a listener, or is refused as a closed port is.
func (n *memNet) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.dials.Add(1)
	n.mu.Lock()
	l := n.ls[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Addr: memAddr(addr), Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.done:
		return nil, refused
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// transport is an http.Transport dialling n, pooled like
// aggregate.Transport.
func (n *memNet) transport() *http.Transport {
	return &http.Transport{
		DialContext:         n.DialContext,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
}

// serve runs h on addr until the test ends.
func (n *memNet) serve(t testing.TB, addr string, h http.Handler) {
	l := n.listen(addr)
	srv := &http.Server{Handler: h}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve %s: %v", addr, err)
		}
	}()
	t.Cleanup(func() { srv.Close() })
}
