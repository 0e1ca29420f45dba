package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// privateHostEnv tells a test binary that runPrivately started it, in
// namespaces of its own.
const privateHostEnv = "LATBENCH_PRIVATE_HOST"

// testBinsEnv names a folder of binaries TestMain built already, which a
// test binary started by runPrivately uses instead of building its own.
const testBinsEnv = "LATBENCH_TEST_BINS"

// inPrivateHost reports whether this test binary runs in runPrivately's
// namespaces.
func inPrivateHost() bool {
	return os.Getenv(privateHostEnv) == "1"
}

// runPrivately runs the test named name of this test binary again, in a
// network namespace and a mount namespace of its own with a fresh /run,
// and passes when it passed there. Its latbench processes then see no
// other latbench's namespaces, links or ledgers, and no other latbench
// sees theirs: a second make test beside this one does not sweep what a
// test kills on purpose. Everything inside is gone when it ends.
func runPrivately(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		msg := "this test runs in namespaces of its own, made with unshare (util-linux), which is not on PATH"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true expects it")
		}
		t.Skip(msg)
	}
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--propagation", "private", "--",
		"sh", "-c", `mount -t tmpfs tmpfs /run && ip link set lo up && exec "$@"`, "sh",
		self, "-test.run", "^"+name+"$", "-test.v", "-test.count=1", "-test.timeout", "3m")
	cmd.Env = append(os.Environ(), privateHostEnv+"=1", testBinsEnv+"="+bins.dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("in namespaces of its own (%s):\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("unshare: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name+" ") {
		t.Fatalf("%s did not pass in namespaces of its own", name)
	}
}
