package host

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// netnsReady skips unless this machine can make network namespaces.
func netnsReady(t *testing.T) {
	t.Helper()
	if err := CheckNetem(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true expects root and iproute2)", err)
		}
		t.Skip(err)
	}
}

// The impaired network's plumbing: a namespace and a veth pair, a
// target launched inside it reachable from here on the namespace's
// address, and everything gone after Close. A token-bucket qdisc stands
// in for netem, which not every kernel has.
func TestImpairedNetwork(t *testing.T) {
	netnsReady(t)
	ctx := context.Background()
	n, err := newImpairedNet(ctx, "tbf", []string{"tbf", "rate", "1gbit", "burst", "64kb", "latency", "400ms"})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			n.Close()
		}
	}()
	addr := n.Listen()
	host, port, _ := net.SplitHostPort(addr)
	argv := n.Wrap([]string{"python3", "-c", nsEcho, host, port})
	srv := exec.Command(argv[0], argv[1:]...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()
	if host != n.TargetAddr {
		t.Errorf("the namespace hands out %s, want an address on %s", addr, n.TargetAddr)
	}
	var c net.Conn
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil || string(buf) != "ping" {
		t.Errorf("echo through the namespace: %q, %v", buf, err)
	}
	c.Close()
	_ = srv.Process.Kill()
	_ = srv.Wait()
	if err := n.Close(); err != nil {
		t.Error(err)
	}
	closed = true
	out, _ := exec.Command("ip", "netns", "list").CombinedOutput()
	if strings.Contains(string(out), n.Namespace) {
		t.Errorf("namespace %s left behind", n.Namespace)
	}
	if err := exec.Command("ip", "link", "show", n.hostIf).Run(); err == nil {
		t.Errorf("link %s left behind", n.hostIf)
	}
}

// nsEcho is a one-connection-at-a-time echo server in Python: any program
// will do, this one needs nothing built.
const nsEcho = `import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
while True:
    c, _ = s.accept()
    while True:
        b = c.recv(4096)
        if not b: break
        c.sendall(b)
    c.close()
`

func TestNetemSpecChecks(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"delay 2ms 500us loss 0.1%", ""},
		{"loss 1%", ""},
		{"", "empty"},
		{"dealy 2ms", "start with one of"},
	}
	for _, tt := range tests {
		err := CheckNetemSpec(tt.spec)
		if (err != nil) != (tt.want != "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckNetemSpec(%q) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}
