package engine

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if kind := os.Getenv(envBenchServer); kind != "" {
		serveBench(kind)
	}
	goleak.VerifyTestMain(m)
}
