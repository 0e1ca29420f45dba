package host

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestNamesCarryTheirOwner(t *testing.T) {
	tests := []struct {
		name      string
		link      bool
		wantOwner int
	}{
		{name: namespaceName(4194304, "netem1f"), wantOwner: 4194304},
		{name: namespaceName(17, "agent0-3"), wantOwner: 17},
		{name: linkName(4194304, linkNetem, "cmnh"), link: true, wantOwner: 4194304},
		{name: linkName(99, linkBridge, "7"), link: true, wantOwner: 99},
		{name: linkName(123456, linkAgent, "5x6tp"), link: true, wantOwner: 123456},
		{name: "latbench-agent-3f2a-0"}, // an older latbench's: its owner cannot be told
		{name: "eth0", link: true},
		{name: "lbxyz", link: true},
		{name: "docker0", link: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.link && len(tt.name) > 15 {
				t.Errorf("link name %q is longer than Linux's 15 bytes", tt.name)
			}
			got := ownerOfNamespace(tt.name)
			if tt.link {
				got = ownerOfLink(tt.name)
			}
			if got != tt.wantOwner {
				t.Errorf("owner of %q = %d, want %d", tt.name, got, tt.wantOwner)
			}
		})
	}
}

func TestFreeSubnetAvoidsAddressesInUse(t *testing.T) {
	used := parseAddrs(`1: lo    inet 127.0.0.1/8 scope host lo
2: eth0    inet 10.213.0.5/24 brd 10.213.0.255 scope global eth0
7: lb00abcn0h    inet 10.213.1.1/30 scope global lb00abcn0h
9: br    inet 10.214.0.1/24 scope global br`)
	tests := []struct {
		name  string
		pool  subnetPool
		used  []netip.Prefix
		want  string
		wantK int
	}{
		{name: "an empty machine gets the first", pool: netemPool, want: "10.213.0.0/30"},
		{name: "a /24 in use rules out its /30s", pool: netemPool, used: used, want: "10.213.1.4/30", wantK: 65},
		{name: "bridges skip a used /24", pool: bridgePool, used: used, want: "10.214.1.0/24", wantK: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, k, err := freeSubnet(tt.pool, tt.used)
			if err != nil || got.String() != tt.want || k != tt.wantK {
				t.Errorf("freeSubnet = %v, %d, %v; want %s, %d", got, k, err, tt.want, tt.wantK)
			}
		})
	}
	full := []netip.Prefix{netip.MustParsePrefix("10.214.0.0/16")}
	if _, _, err := freeSubnet(bridgePool, full); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a full pool: %v, want an error saying so", err)
	}
}

func TestParseStart(t *testing.T) {
	stat := "1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 3 1 0 0 20 0 1 0 987654 1000 200"
	if got, err := parseStart(stat); err != nil || got != 987654 {
		t.Errorf("parseStart = %d, %v; want 987654", got, err)
	}
	if _, err := parseStart("garbage"); err == nil {
		t.Error("want an error for a line that is not /proc stat")
	}
}

// A ledger whose owner is gone gets its process groups killed by the
// next sweep, and is removed; the ledger of a process that runs is left
// alone.
func TestSweepKillsTheGroupsOfADeadOwner(t *testing.T) {
	t.Setenv(EnvStateDir, t.TempDir()) // a state folder of this test's own
	// A stand-in for a dead latbench: a process that has exited.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// Its orphan: a group that outlived it.
	orphan := exec.Command("sleep", "60")
	orphan.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = orphan.Process.Kill(); _ = orphan.Wait() }()
	l := &Ledger{path: StateDir() + "/" + "99.json", rec: ledgerRecord{Owner: dead.Process.Pid, OwnerStart: 1}}
	if err := l.Add(orphan.Process.Pid, []string{"sleep", "60"}); err != nil {
		t.Fatal(err)
	}
	mine, err := OpenLedger()
	if err != nil {
		t.Fatal(err)
	}
	mine.path = StateDir() + "/mine.json"
	if err := mine.Add(orphan.Process.Pid, []string{"sleep", "60", "(mine too)"}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mine.Remove(orphan.Process.Pid) }()

	var lines []string
	if err := Sweep(context.Background(), func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- orphan.Wait() }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the orphaned group still runs after the sweep")
	}
	// As root the sweep also looks at the machine's namespaces and links,
	// and may name other leftovers: only the killed group is this test's.
	killed := 0
	for _, l := range lines {
		if strings.Contains(l, "killed process group") {
			killed++
		}
	}
	if killed != 1 {
		t.Errorf("sweep said %q, want one line naming the killed group", lines)
	}
	if _, err := os.Stat(l.path); !os.IsNotExist(err) {
		t.Errorf("the dead owner's ledger is still there: %v", err)
	}
	if _, err := os.Stat(mine.path); err != nil {
		t.Errorf("the ledger of a process that runs was touched: %v", err)
	}
}
