package main

import (
	"io"
	"testing"

	"github.com/urfave/cli/v2"
)

// Every flag of run and suite sits in a category of the help, and the
// Basics hold what a first run needs.
func TestEveryFlagHasACategory(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	for _, name := range []string{"run", "suite"} {
		cmd := app.Command(name)
		for _, f := range cmd.Flags {
			cf, ok := f.(cli.CategorizableFlag)
			if !ok || cf.GetCategory() == "" {
				t.Errorf("latbench %s --%s has no category in the help", name, f.Names()[0])
			}
		}
	}
	basics := map[string]bool{}
	for _, n := range flagCategories()["Basics"] {
		basics[n] = true
	}
	for _, n := range []string{"target", "scenario", "rate", "connections", "duration"} {
		if !basics[n] {
			t.Errorf("--%s is not among the Basics", n)
		}
	}
}
