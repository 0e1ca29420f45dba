package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// h2loadJob is h2load (one thread) with conns connections of streams
// concurrent streams each, for d (timing-based, no warm-up, like wrk), at
// url. Its output must say it spoke protocol (h2c or h2): h2load falls
// back to HTTP/1.1 on a server that does not offer h2.
func h2loadJob(workload, url, protocol string, conns, streams int, d time.Duration) job {
	parse := func(out string) (peerResult, error) {
		res, err := parseH2load(out)
		if err == nil && res.Protocol != protocol {
			err = fmt.Errorf("h2load spoke %q, want %q", res.Protocol, protocol)
		}
		return res, err
	}
	return job{Tool: "h2load", Workload: workload, Wall: d, parse: parse,
		argv: []string{"h2load", "-t", "1", "-c", strconv.Itoa(conns), "-m", strconv.Itoa(streams), "-D", secs(d), url}}
}

// The gRPC method every gRPC run calls (servers/proto/echo.proto).
const (
	grpcProto  = "servers/proto/echo.proto"
	grpcUnary  = "latbench.echo.v1.Echo.Unary"
	grpcPeerID = "ghz"
)

// ghzJob is ghz calling Echo.Unary with a payload of size bytes (the
// contract's 'a' + i%26) on conns connections with calls concurrent calls
// in all, plain h2c (--insecure), for d. --duration-stop wait lets the
// calls in flight at the end finish (the default closes the connections
// under them, and they count as errors); --cpus 1 is the one CPU taskset
// gives it.
func ghzJob(bin, root, workload, addr string, conns, calls, size int, d time.Duration) job {
	data := fmt.Sprintf(`{"payload":%q}`, base64.StdEncoding.EncodeToString(contractBytes(size)))
	return job{Tool: grpcPeerID, Workload: workload, Wall: d, parse: parseGhz,
		argv: []string{bin, "--insecure", "--proto", filepath.Join(root, grpcProto), "--call", grpcUnary, "-d", data,
			"-c", strconv.Itoa(calls), "--connections", strconv.Itoa(conns), "--cpus", "1",
			"-z", d.String(), "--duration-stop", "wait", addr}}
}

// contractBytes returns n bytes of the server contract: byte i is
// 'a' + i%26.
func contractBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// findTool returns the first of paths that exists, else name on the PATH,
// else an error with hint.
func findTool(name, hint string, paths ...string) (string, error) {
	for _, p := range paths {
		if _, err := existing(p, ""); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: %s", name, hint)
}

// latbenchScenarios returns the scenarios `latbench run --help` lists
// for --scenario.
func latbenchScenarios(ctx context.Context, bin string) ([]string, error) {
	out, err := exec.CommandContext(ctx, bin, "run", "--help").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s run --help: %v\n%s", bin, err, tail(string(out)))
	}
	return scenariosIn(string(out)), nil
}

// scenariosIn reads the list of the --scenario line of `latbench run
// --help`: "--scenario WORKLOAD  WORKLOAD: echo, http, connect (default:
// "echo")" gives echo, http and connect.
func scenariosIn(help string) []string {
	for _, line := range strings.Split(help, "\n") {
		if !strings.Contains(line, "--scenario ") {
			continue
		}
		_, list, ok := strings.Cut(line, "WORKLOAD:")
		if !ok {
			continue
		}
		list, _, _ = strings.Cut(list, "(default")
		var names []string
		for _, n := range strings.Split(list, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		return names
	}
	return nil
}

// shellQuote quotes argv for a shell, for the report's commands.
func shellQuote(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+%", r))
		}) < 0 {
			quoted[i] = a
			continue
		}
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
