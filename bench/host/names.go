package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Every network namespace and link latbench makes carries its tag and the
// pid of the latbench process that made it, so that what a latbench
// killed with SIGKILL left behind can be told from anything else, and
// swept once its owner is gone (Sweep):
//
//	namespaces  latbench-<pid>-<what>          (no length limit)
//	links       lb<pid in base 36, 5 wide><kind><...>  (15 bytes at most)
//
// with kind n (an impaired link's veth pair), b (the agents' bridge) or a
// (an agent's veth pair).

// Kinds of link, the letter after the owner in a link's name.
const (
	linkNetem  = 'n'
	linkBridge = 'b'
	linkAgent  = 'a'
)

// pidWidth is how many base-36 digits a link name gives its owner's pid:
// 5 hold every pid up to 60,466,175 (Linux's limit is 4,194,304).
const pidWidth = 5

// namespaceName returns the name of a namespace of owner pid.
func namespaceName(pid int, what string) string {
	return fmt.Sprintf("latbench-%d-%s", pid, what)
}

// linkName returns the name of a link of owner pid, of kind, followed by
// rest (at most 7 bytes).
func linkName(pid int, kind byte, rest string) string {
	p := strconv.FormatInt(int64(pid), 36)
	return "lb" + strings.Repeat("0", max(0, pidWidth-len(p))) + p + string(kind) + rest
}

// nsPattern and linkPattern match latbench's names and capture the owner.
var (
	nsPattern   = regexp.MustCompile(`^latbench-(\d+)-`)
	linkPattern = regexp.MustCompile(`^lb([0-9a-z]{5})[nba]`)
)

// ownerOfNamespace returns the pid that owns namespace name, 0 if the
// name is not latbench's.
func ownerOfNamespace(name string) int {
	m := nsPattern.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// ownerOfLink returns the pid that owns link name, 0 if the name is not
// latbench's.
func ownerOfLink(name string) int {
	m := linkPattern.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	pid, _ := strconv.ParseInt(m[1], 36, 64)
	return int(pid)
}

// EnvStateDir, when set, names the folder StateDir returns.
const EnvStateDir = "LATBENCH_STATE_DIR"

// StateDir returns the folder where latbench processes keep their
// records (Ledger) and the lock of address allocation: $LATBENCH_STATE_DIR,
// else /run/latbench for root, else a folder of the user's in the
// temporary folder. Every latbench of a machine must use the same one.
func StateDir() string {
	if dir := os.Getenv(EnvStateDir); dir != "" {
		return dir
	}
	if os.Geteuid() == 0 {
		return "/run/latbench"
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("latbench-%d", os.Getuid()))
}

// subnetPool is a range of equal subnets latbench hands out, such as the
// /30s of 10.213.0.0/16.
type subnetPool struct {
	base netip.Prefix // the whole range
	bits int          // prefix length of each subnet
}

// The pools: one /30 per impaired link, one /24 per agents' bridge.
var (
	netemPool  = subnetPool{base: netip.MustParsePrefix("10.213.0.0/16"), bits: 30}
	bridgePool = subnetPool{base: netip.MustParsePrefix("10.214.0.0/16"), bits: 24}
)

// subnet returns subnet k of the pool.
func (p subnetPool) subnet(k int) netip.Prefix {
	a := p.base.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(k) << (32 - p.bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), p.bits)
}

// size returns how many subnets the pool holds.
func (p subnetPool) size() int { return 1 << (p.bits - p.base.Bits()) }

// host returns address i of subnet s (1: the first host).
func host(s netip.Prefix, i int) netip.Addr {
	a := s.Addr()
	for range i {
		a = a.Next()
	}
	return a
}

// freeSubnet returns the first subnet of pool that holds none of the
// addresses in use, and its index.
func freeSubnet(pool subnetPool, inUse []netip.Prefix) (netip.Prefix, int, error) {
	for k := range pool.size() {
		s := pool.subnet(k)
		free := true
		for _, u := range inUse {
			if s.Overlaps(u) {
				free = false
				break
			}
		}
		if free {
			return s, k, nil
		}
	}
	return netip.Prefix{}, 0, fmt.Errorf("every subnet of %s is in use: remove what holds them (`ip -4 addr`)", pool.base)
}

// addressesInUse returns every IPv4 address configured on this machine's
// links, with its prefix (`ip -o -4 addr show`).
func addressesInUse(ctx context.Context) ([]netip.Prefix, error) {
	out, err := exec.CommandContext(ctx, "ip", "-o", "-4", "addr", "show").Output()
	if err != nil {
		return nil, fmt.Errorf("`ip -o -4 addr show`: %w", err)
	}
	return parseAddrs(string(out)), nil
}

// parseAddrs reads the "inet A/N" fields of `ip -o -4 addr show`.
func parseAddrs(out string) []netip.Prefix {
	var used []netip.Prefix
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "inet" {
				if p, err := netip.ParsePrefix(f[i+1]); err == nil {
					used = append(used, p)
				}
			}
		}
	}
	return used
}

// allocLock serialises the choice of subnets among latbench processes: a
// subnet is free once it is configured, so the lock is held from the
// choice until the caller has configured it.
type allocLock struct{ f *os.File }

// lockAllocation takes the machine-wide allocation lock.
func lockAllocation() (*allocLock, error) {
	dir := StateDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("latbench's state folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "net.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("latbench's address lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("latbench's address lock: %w", err)
	}
	return &allocLock{f: f}, nil
}

// unlock releases the lock.
func (l *allocLock) unlock() {
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
}

// claimSubnet takes the allocation lock and returns a free subnet of pool
// and its index; the caller configures it, then calls release.
func claimSubnet(ctx context.Context, pool subnetPool) (s netip.Prefix, k int, release func(), err error) {
	lock, err := lockAllocation()
	if err != nil {
		return netip.Prefix{}, 0, nil, err
	}
	used, err := addressesInUse(ctx)
	if err == nil {
		s, k, err = freeSubnet(pool, used)
	}
	if err != nil {
		lock.unlock()
		return netip.Prefix{}, 0, nil, errors.Join(err)
	}
	return s, k, lock.unlock, nil
}
