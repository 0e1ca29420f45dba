package servers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The fault relay is a TCP relay latbench puts between a proxy and its
// backend when a cell makes the backend slow: it forwards both ways, and
// holds each answer of the backend back by the delay it was last told on
// its stdin ("delay 200ms", "delay 0s"). It runs as a process of its own
// (`latbench relay`), pinned to the backend's CPUs like the backend, so
// its work is not the client's.

// RelayTarget returns the target that launches the fault relay: the
// latbench binary at bin, run as `bin relay --listen ... --to ...`.
func RelayTarget(bin string) *Target {
	return &Target{Name: "fault-relay", Language: "Go", Modes: []string{ModeProxy},
		Command: []string{bin, "relay", "--listen", "{listen}", "--to", "{backend}"}}
}

// SetRelayDelay tells a launched fault relay to hold each answer back by d
// from now on (0: forward at once).
func (p *Process) SetRelayDelay(d time.Duration) error {
	return p.WriteControl(fmt.Sprintf("delay %s\n", d))
}

// RunRelay listens on listen and relays every connection to backend until
// ctx ends. It reads its delay from control, one "delay DURATION" line at
// a time, and says on out when it listens.
func RunRelay(ctx context.Context, listen, backend string, control io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	defer ln.Close()
	var delayNs atomic.Int64
	go readDelays(control, &delayNs, out)
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	fmt.Fprintf(out, "relay listening on %s, to %s\n", ln.Addr(), backend)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("relay: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relayConn(ctx, c, backend, &delayNs)
		}()
	}
}

// RunRelayMain is `latbench relay`: RunRelay until SIGTERM or SIGINT, with
// stdin as control and stderr as output.
func RunRelayMain(listen, backend string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunRelay(ctx, listen, backend, os.Stdin, os.Stderr)
}

// readDelays sets delayNs from every "delay DURATION" line of control.
func readDelays(control io.Reader, delayNs *atomic.Int64, out io.Writer) {
	sc := bufio.NewScanner(control)
	for sc.Scan() {
		word, value, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		d, err := time.ParseDuration(value)
		if word != "delay" || err != nil || d < 0 {
			fmt.Fprintf(out, "relay: ignored control line %q: want `delay DURATION`\n", sc.Text())
			continue
		}
		delayNs.Store(int64(d))
	}
}

// relayConn relays one client connection to the backend until either
// side closes, then closes both.
func relayConn(ctx context.Context, client net.Conn, backend string, delayNs *atomic.Int64) {
	defer client.Close()
	d := net.Dialer{Timeout: 5 * time.Second}
	server, err := d.DialContext(ctx, "tcp", backend)
	if err != nil {
		return
	}
	defer server.Close()
	var asked atomic.Bool // the client sent bytes the backend has not answered yet
	done := make(chan struct{}, 2)
	go func() {
		// client → backend: an answer is now due.
		copyRelay(server, client, func() { asked.Store(true) })
		done <- struct{}{}
	}()
	go func() {
		// backend → client: hold the first bytes of each answer back.
		copyRelay(client, server, func() {
			if d := time.Duration(delayNs.Load()); d > 0 && asked.Swap(false) {
				time.Sleep(d)
			}
		})
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// copyRelay copies src to dst, calling before ahead of each write, until
// a read or a write fails; when src ends it half-closes dst.
func copyRelay(dst, src net.Conn, before func()) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			before()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			closeWrite(dst)
			return
		}
	}
}

// closeWrite half-closes c when it can, so the other side sees the end.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}
