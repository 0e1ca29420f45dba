package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// An impaired network for a cell: the target runs in a network namespace
// of its own, joined to latbench's by a veth pair. The host end of the
// pair carries a tc netem qdisc, so every request latbench sends crosses
// the impairment (delay, jitter, loss...) and answers come back over a
// clean link: the measured latency moves by exactly the configured delay.
// Every name and address is latbench's own and goes away with Close; the
// host's own interfaces are never touched.

// netemPortBase is the first port handed out inside a namespace: it is
// new and empty, so any port is free.
const netemPortBase = 18080

// Netem is one impaired network: a namespace, a veth pair, a netem qdisc.
type Netem struct {
	// Spec is the tc netem argument list, e.g. "delay 2ms 500us loss 0.1%".
	Spec string
	// Namespace is the network namespace the target runs in.
	Namespace string
	// HostAddr and TargetAddr are the two ends' IPv4 addresses.
	HostAddr, TargetAddr string

	hostIf   string
	nextPort int
}

// netemWords are the words a tc netem argument list may start its
// options with; anything else is a typo (tc's own message is cryptic).
var netemWords = []string{"delay", "loss", "duplicate", "corrupt", "reorder", "rate", "limit", "slot", "distribution", "gap", "ecn"}

// CheckNetem says what is missing to impair a network here: root, and ip
// and tc from iproute2.
func CheckNetem() error {
	if missing := MissingForNamespaces("ip", "tc"); len(missing) > 0 {
		return fmt.Errorf("--netem needs %s", strings.Join(missing, " and "))
	}
	return nil
}

// CheckNetemSpec checks that spec reads like a tc netem argument list.
func CheckNetemSpec(spec string) error {
	words := strings.Fields(spec)
	if len(words) == 0 {
		return errors.New("--netem: empty; give tc netem options, e.g. \"delay 2ms 500us loss 0.1%\"")
	}
	known := false
	for _, w := range netemWords {
		known = known || words[0] == w
	}
	if !known {
		return fmt.Errorf("--netem %q: tc netem options start with one of %s", spec, strings.Join(netemWords, ", "))
	}
	return nil
}

// NewNetem creates an impaired network with tc netem options spec. It
// fails, having removed what it made, when a step fails (tc's message
// says why, e.g. a spec it does not understand).
func NewNetem(ctx context.Context, spec string) (*Netem, error) {
	if err := CheckNetem(); err != nil {
		return nil, err
	}
	if err := CheckNetemSpec(spec); err != nil {
		return nil, err
	}
	n, err := newImpairedNet(ctx, spec, append([]string{"netem"}, strings.Fields(spec)...))
	if err != nil && strings.Contains(err.Error(), "qdisc kind is unknown") {
		return nil, fmt.Errorf("--netem: this kernel (%s) has no netem qdisc (it was built without CONFIG_NET_SCH_NETEM), "+
			"so no link can be impaired on this machine; run on a kernel with sch_netem", kernelRelease())
	}
	return n, err
}

// kernelRelease returns the running kernel's release.
func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// newImpairedNet makes the namespace and the veth pair and puts qdisc
// (tc's words after "root") on the host end. The pair's /30 is the first
// of 10.213.0.0/16 that no link of this machine uses, chosen under
// latbench's machine-wide lock, and names the namespace and links.
func newImpairedNet(ctx context.Context, spec string, qdisc []string) (*Netem, error) {
	subnet, k, release, err := claimSubnet(ctx, netemPool)
	if err != nil {
		return nil, fmt.Errorf("--netem: %w", err)
	}
	defer release()
	pid, id := os.Getpid(), strconv.FormatInt(int64(k), 36)
	n := &Netem{
		Spec:       spec,
		Namespace:  namespaceName(pid, "netem"+id),
		hostIf:     linkName(pid, linkNetem, id+"h"),
		HostAddr:   host(subnet, 1).String(),
		TargetAddr: host(subnet, 2).String(),
		nextPort:   netemPortBase,
	}
	peer := linkName(pid, linkNetem, id+"t")
	steps := [][]string{
		{"ip", "netns", "add", n.Namespace},
		{"ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", peer},
		{"ip", "link", "set", peer, "netns", n.Namespace},
		{"ip", "addr", "add", n.HostAddr + "/30", "dev", n.hostIf},
		{"ip", "link", "set", n.hostIf, "up"},
		{"ip", "netns", "exec", n.Namespace, "ip", "addr", "add", n.TargetAddr + "/30", "dev", peer},
		{"ip", "netns", "exec", n.Namespace, "ip", "link", "set", peer, "up"},
		{"ip", "netns", "exec", n.Namespace, "ip", "link", "set", "lo", "up"},
		append([]string{"tc", "qdisc", "add", "dev", n.hostIf, "root"}, qdisc...),
	}
	if err := NetCommands(ctx, steps); err != nil {
		n.Close()
		return nil, fmt.Errorf("--netem %q: %w", spec, err)
	}
	return n, nil
}

// Listen returns the next free address in the namespace.
func (n *Netem) Listen() string {
	addr := n.TargetAddr + ":" + strconv.Itoa(n.nextPort)
	n.nextPort++
	return addr
}

// Wrap returns argv run inside the namespace.
func (n *Netem) Wrap(argv []string) []string {
	return append([]string{"ip", "netns", "exec", n.Namespace}, argv...)
}

// Close removes the namespace and with it the veth pair and the qdisc.
func (n *Netem) Close() error {
	ctx := context.Background()
	err := NetCommand(ctx, []string{"ip", "netns", "del", n.Namespace})
	// Deleting the namespace deletes the pair too, in the background: the
	// host end may vanish between the check and the delete.
	if _, lerr := exec.Command("ip", "link", "show", n.hostIf).CombinedOutput(); lerr == nil {
		if derr := NetCommand(ctx, []string{"ip", "link", "del", n.hostIf}); derr != nil && !strings.Contains(derr.Error(), "Cannot find device") {
			err = errors.Join(err, derr)
		}
	}
	return err
}
