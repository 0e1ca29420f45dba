package host

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// AgentNet is the network of local load agents: a bridge with the
// target's address, and one namespace per agent joined to it by a veth
// pair, each with an address of its own, so that the target sees N
// client hosts. Its /24 is the first of 10.214.0.0/16 that no link of
// this machine uses; every name carries latbench's tag and owner (see
// names.go) and goes away with Close; the host's own links are never
// touched.
type AgentNet struct {
	subnet netip.Prefix
	id     string // the subnet's index in base 36, in every name
	bridge string
	agents []string // namespaces, one per agent made so far
}

// MaxAgents is how many agents one AgentNet holds: the /24's addresses
// from .10 on.
const MaxAgents = 240

// NewAgentNet checks for root and ip and makes the bridge.
func NewAgentNet(ctx context.Context) (*AgentNet, error) {
	if missing := MissingForNamespaces("ip"); len(missing) > 0 {
		return nil, fmt.Errorf("--launcher local puts each agent in a network namespace of its own and needs %s; "+
			"--local-namespaces=false runs the agents as plain processes on 127.0.0.1", strings.Join(missing, " and "))
	}
	subnet, k, release, err := claimSubnet(ctx, bridgePool)
	if err != nil {
		return nil, fmt.Errorf("the local agents' network: %w", err)
	}
	defer release()
	n := &AgentNet{subnet: subnet, id: strconv.FormatInt(int64(k), 36)}
	n.bridge = linkName(os.Getpid(), linkBridge, n.id)
	steps := [][]string{
		{"ip", "link", "add", n.bridge, "type", "bridge"},
		{"ip", "addr", "add", n.TargetHost() + "/24", "dev", n.bridge},
		{"ip", "link", "set", n.bridge, "up"},
	}
	if err := NetCommands(ctx, steps); err != nil {
		n.Close()
		return nil, fmt.Errorf("the local agents' bridge: %w", err)
	}
	return n, nil
}

// TargetHost is the bridge's address, where the target listens.
func (n *AgentNet) TargetHost() string { return host(n.subnet, 1).String() }

// AgentAddr is agent i's address.
func (n *AgentNet) AgentAddr(i int) string { return host(n.subnet, 10+i).String() }

// Ensure makes namespaces until there are count.
func (n *AgentNet) Ensure(ctx context.Context, count int) error {
	if count > MaxAgents {
		return fmt.Errorf("--launcher local gives each agent an address on a /24: at most %d agents, not %d", MaxAgents, count)
	}
	pid := os.Getpid()
	for i := len(n.agents); i < count; i++ {
		ns := namespaceName(pid, fmt.Sprintf("agent%s-%d", n.id, i))
		rest := n.id + "x" + strconv.FormatInt(int64(i), 36)
		hostIf, peer := linkName(pid, linkAgent, rest), linkName(pid, linkAgent, rest+"p")
		inNS := func(argv ...string) []string { return append([]string{"ip", "netns", "exec", ns}, argv...) }
		steps := [][]string{
			{"ip", "netns", "add", ns},
			{"ip", "link", "add", hostIf, "type", "veth", "peer", "name", peer},
			{"ip", "link", "set", peer, "netns", ns},
			{"ip", "link", "set", hostIf, "master", n.bridge},
			{"ip", "link", "set", hostIf, "up"},
			inNS("ip", "addr", "add", n.AgentAddr(i)+"/24", "dev", peer),
			inNS("ip", "link", "set", peer, "up"),
			inNS("ip", "link", "set", "lo", "up"),
			inNS("ip", "route", "add", "default", "via", n.TargetHost()),
		}
		n.agents = append(n.agents, ns)
		if err := NetCommands(ctx, steps); err != nil {
			return fmt.Errorf("agent %d's namespace: %w", i, err)
		}
	}
	return nil
}

// Wrap returns argv run in agent i's namespace.
func (n *AgentNet) Wrap(i int, argv []string) []string {
	return append([]string{"ip", "netns", "exec", n.agents[i]}, argv...)
}

// Close removes the namespaces (and with them the veth pairs) and the
// bridge.
func (n *AgentNet) Close() error {
	ctx := context.Background()
	var errs []error
	for _, ns := range n.agents {
		errs = append(errs, NetCommand(ctx, []string{"ip", "netns", "del", ns}))
	}
	n.agents = nil
	if exec.Command("ip", "link", "show", n.bridge).Run() == nil {
		errs = append(errs, NetCommand(ctx, []string{"ip", "link", "del", n.bridge}))
	}
	return errors.Join(errs...)
}
