// Package launch starts load agents (`latbench agent`) on engines that
// already exist: processes on this machine, each in a network namespace of
// its own (Local), a Kubernetes Indexed Job, or a Slurm step. Every
// launcher hands its agents one cell, their index and count, and a common
// start time T0 through the engine, collects their outputs and leaves
// nothing running. latbench has no cluster protocol of its own.
package launch
