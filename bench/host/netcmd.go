package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The network namespaces latbench makes (an impaired link for --netem, a
// bridge for local agents) are made with iproute2's ip and tc; these are
// the helpers both use.

// MissingForNamespaces lists what this machine lacks to make network
// namespaces with tools (e.g. "ip", "tc"): root, and each tool not on
// PATH, each with how to get it.
func MissingForNamespaces(tools ...string) []string {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (network namespaces need it: run latbench as root, e.g. with sudo)")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (install iproute2: scripts/install-debian.sh iproute2)")
		}
	}
	return missing
}

// NetCommands runs ip or tc commands in order, stopping at the first that
// fails.
func NetCommands(ctx context.Context, steps [][]string) error {
	for _, argv := range steps {
		if err := NetCommand(ctx, argv); err != nil {
			return err
		}
	}
	return nil
}

// NetCommand runs one ip or tc command within 10 s; its error names the
// command and gives what it printed.
func NetCommand(ctx context.Context, argv []string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("`%s` failed: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
