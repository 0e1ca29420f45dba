package launch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The executables latbench launches agents with, built beside it
// (make build puts all three in bin/).
const (
	// AgentBinary is the load agent: engine, scenarios and the result
	// encoding, without reports or plots; what an agent image carries.
	AgentBinary = "latbench-agent"
	// K8sBinary launches the agents of a cell on Kubernetes (it holds
	// client-go, which latbench itself does without).
	K8sBinary = "latbench-k8s"
)

// Companion returns the path of the executable name: beside the running
// executable first, then on PATH. The error says how to build it.
func Companion(name string) (string, error) {
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), name)
		if info, err := os.Stat(beside); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return beside, nil
		}
	}
	if path, err := exec.LookPath(name); err == nil {
		return filepath.Abs(path)
	}
	return "", fmt.Errorf("%s is neither beside latbench nor on PATH: build it with `make build` "+
		"(or go build -o bin/%s ./cmd/%s)", name, name, name)
}
