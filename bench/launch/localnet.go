package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/latbench/latbench/servers"
)

// agentNet is the network of the local agents: a bridge with the target's
// address, and one namespace per agent joined to it by a veth pair, each
// with an address of its own, so that the target sees N client hosts.
// Every name and address is latbench's own (10.214.S.0/24, S from the pid)
// and goes away with close; the host's own interfaces are never touched.
type agentNet struct {
	tag    string // short and unique per latbench process
	subnet string // "10.214.S"
	bridge string
	agents []string // namespaces, one per agent made so far
}

// newAgentNet checks for root and ip and makes the bridge.
func newAgentNet(ctx context.Context) (*agentNet, error) {
	if err := checkNamespaces(); err != nil {
		return nil, err
	}
	pid := os.Getpid()
	n := &agentNet{tag: fmt.Sprintf("%x", pid%0xfffff), subnet: fmt.Sprintf("10.214.%d", pid%250)}
	n.bridge = "lbab" + n.tag
	steps := [][]string{
		{"ip", "link", "add", n.bridge, "type", "bridge"},
		{"ip", "addr", "add", n.subnet + ".1/24", "dev", n.bridge},
		{"ip", "link", "set", n.bridge, "up"},
	}
	if err := servers.NetCommands(ctx, steps); err != nil {
		n.close()
		return nil, fmt.Errorf("the local agents' bridge: %w", err)
	}
	return n, nil
}

// checkNamespaces says what is missing to give agents namespaces here.
func checkNamespaces() error {
	if missing := servers.MissingForNamespaces("ip"); len(missing) > 0 {
		return fmt.Errorf("--launcher local puts each agent in a network namespace of its own and needs %s; "+
			"--local-namespaces=false runs the agents as plain processes on 127.0.0.1", strings.Join(missing, " and "))
	}
	return nil
}

// hostAddr is the bridge's address, where the target listens.
func (n *agentNet) hostAddr() string { return n.subnet + ".1" }

// agentAddr is agent i's address.
func (n *agentNet) agentAddr(i int) string { return fmt.Sprintf("%s.%d", n.subnet, 10+i) }

// ensure makes namespaces until there are count.
func (n *agentNet) ensure(ctx context.Context, count int) error {
	if count > 240 {
		return fmt.Errorf("--launcher local gives each agent an address on a /24: at most 240 agents, not %d", count)
	}
	for i := len(n.agents); i < count; i++ {
		ns := fmt.Sprintf("latbench-agent-%s-%d", n.tag, i)
		host, peer := fmt.Sprintf("lbah%sx%d", n.tag, i), fmt.Sprintf("lbap%sx%d", n.tag, i)
		inNS := func(argv ...string) []string { return append([]string{"ip", "netns", "exec", ns}, argv...) }
		steps := [][]string{
			{"ip", "netns", "add", ns},
			{"ip", "link", "add", host, "type", "veth", "peer", "name", peer},
			{"ip", "link", "set", peer, "netns", ns},
			{"ip", "link", "set", host, "master", n.bridge},
			{"ip", "link", "set", host, "up"},
			inNS("ip", "addr", "add", n.agentAddr(i)+"/24", "dev", peer),
			inNS("ip", "link", "set", peer, "up"),
			inNS("ip", "link", "set", "lo", "up"),
			inNS("ip", "route", "add", "default", "via", n.hostAddr()),
		}
		n.agents = append(n.agents, ns)
		if err := servers.NetCommands(ctx, steps); err != nil {
			return fmt.Errorf("agent %d's namespace: %w", i, err)
		}
	}
	return nil
}

// wrap returns argv run in agent i's namespace.
func (n *agentNet) wrap(i int, argv []string) []string {
	return append([]string{"ip", "netns", "exec", n.agents[i]}, argv...)
}

// close removes the namespaces (and with them the veth pairs) and the
// bridge.
func (n *agentNet) close() error {
	ctx := context.Background()
	var errs []error
	for _, ns := range n.agents {
		errs = append(errs, servers.NetCommand(ctx, []string{"ip", "netns", "del", ns}))
	}
	n.agents = nil
	if exec.Command("ip", "link", "show", n.bridge).Run() == nil {
		errs = append(errs, servers.NetCommand(ctx, []string{"ip", "link", "del", n.bridge}))
	}
	return errors.Join(errs...)
}
