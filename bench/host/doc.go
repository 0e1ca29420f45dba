// Package host is latbench's plumbing on the machine it runs on, for the
// client and the targets alike: CPU sets and pinning (cpuset.go), network
// namespaces, the impaired links of --netem (netem.go) and the local
// agents' network (agentnet.go), the host's noise (steal.go), and the
// record of what a latbench process started and made (ledger.go,
// names.go), so that what one killed with SIGKILL left behind is swept
// away by the next (sweep.go).
//
// Everything here is Linux only: it reads /proc and runs iproute2.
package host
