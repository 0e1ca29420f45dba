package metrics

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks every test for leaked goroutines: the /metrics server,
// the push client's connections and the helpers of started processes
// must all be gone when a test ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
