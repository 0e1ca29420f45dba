// Package servers manages the targets latbench measures: the manifest that
// describes them (targets.yaml and user files) and their lifecycle.
//
// A benchmark cell goes through these stages, each findable by its name:
//
//   - Lookup and Check: find the target in the Manifest and tell whether it
//     can run (built binary, toolchains, command on PATH).
//   - Start: start the process pinned to a cpuset (host.PinnedCommand), wait
//     until it accepts TCP connections (waitReady) and run the protocol
//     probe (verify). An external target (Target.Address) is only
//     connected to, never started.
//   - StartSampling and Sampler.Stop: CPU time and peak RSS of the target's
//     process group, read from /proc.
//   - Process.Stop: SIGTERM to the process group, SIGKILL after a grace
//     period.
//
// A run that measures TLS makes a throwaway CA (NewCA) and starts its
// targets with its server certificate (StartSpec.TLS); what a listener
// speaks, HTTP/1.1, h2c or TLS with ALPN, is in tls.go.
//
// CPU sets, pinning and network namespaces, for the client and the
// targets alike, are in package bench/host. Targets are started
// (Start); load agents are launched (package bench/launch).
//
// Everything here is Linux only: it reads /proc and uses sched_setaffinity.
package servers
