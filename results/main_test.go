package results

import (
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"go.uber.org/goleak"
)

// TestMain checks every test for leaked goroutines. It also pins
// tablewriter's width rules to the non-East-Asian ones, which the library
// otherwise takes from the locale, so the golden tables ("µ" is an
// ambiguous-width rune) do not depend on the machine running the tests.
func TestMain(m *testing.M) {
	twwidth.SetEastAsian(false)
	goleak.VerifyTestMain(m)
}
