// Package engine is latbench's load engine, in the spirit of wrk's ae.c
// beside wrk.c: it knows nothing of suites, targets or reports.
//
// Run drives one load: one event loop per client CPU (loop.go), each on a
// locked OS thread pinned to its CPU, owning the non-blocking sockets it
// creates and polls with epoll (poller.go, socket.go). The Pacer says
// when request i is due, as a pure function of i (pacer.go); each loop
// walks its Split of that schedule (schedule.go, split.go), sends every
// request that has fallen due on a free connection and waits as its Wait
// strategy says (wait.go). Scenarios are protocol state machines with no
// I/O of their own (package scenarios): a loop hands them the bytes that
// arrive, and they say when a request is done. Each loop records into a
// recorder of its own (recorder.go): histograms of latency from the due
// time, service time and lag, and its Counts (stats.go), merged when the
// loops end; Intervals go to the caller as they close (collector.go).
//
// No goroutine, channel, lock, timer or allocation is spent per request.
package engine
