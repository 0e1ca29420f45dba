package main

import (
	"testing"

	"github.com/latbench/latbench/bench/host"
)

// allowedCPUs returns the CPUs the tests may use.
func allowedCPUs(t *testing.T) []int {
	t.Helper()
	cpus, err := host.AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	return cpus
}
