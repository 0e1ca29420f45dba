package main

import (
	"testing"

	"github.com/latbench/latbench/servers"
)

// allowedCPUs returns the CPUs the tests may use.
func allowedCPUs(t *testing.T) []int {
	t.Helper()
	cpus, err := servers.AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	return cpus
}
