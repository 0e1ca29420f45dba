package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/scenarios/suite"
)

// suiteCommand is `latbench suite FILE.yaml`: targets × scenarios × loads.
func suiteCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "suite",
		Usage:     "run every target × scenario × load of a suite file",
		ArgsUsage: "FILE.yaml",
		Description: "Runs the cells of a suite file one after the other, targets varying fastest so that\n" +
			"neighbouring cells compare targets under the same conditions. A cell whose target fails\n" +
			"is marked failed and the suite goes on. Example: latbench suite scenarios/suites/quick.yaml",
		Flags: categorized(append(executionFlags(), &cli.BoolFlag{
			Name:  flagQuick,
			Usage: "a short pass: every cell measures " + bench.QuickDuration.String() + " after " + bench.QuickWarmup.String() + " of warm-up, and rate steps keep only their first and last step",
		}, &cli.BoolFlag{
			Name: flagSequential,
			Usage: "measure the suite's paired scenarios (paired:) the sequential way instead: each target in a cell of its own, " +
				"a scenario's baseline in a cell of its own before the proxies; the comparison then carries the host's noise between cells",
		})),
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			return jsonOnError(c, stdout, func(stdout io.Writer) error {
				path, err := oneArg(c, "suite file")
				if err != nil {
					return err
				}
				plan, err := suitePlan(c, path)
				if err != nil {
					return err
				}
				if c.Bool(flagQuick) {
					plan.Quick()
				}
				return executePlan(c, plan, stdout, stderr)
			})
		},
	}
}

// suitePlan reads a suite file and expands it into a plan; a backend
// given as candidates is the first one that can run here.
func suitePlan(c *cli.Context, path string) (*bench.Plan, error) {
	s, err := suite.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cmdline.Usagef("suite file %s does not exist; the bundled suites are in scenarios/suites/", path)
		}
		return nil, &cmdline.UsageError{Err: err}
	}
	if err := bench.CheckSuite(s); err != nil {
		return nil, &cmdline.UsageError{Err: err}
	}
	options, err := fitMachine(c, s)
	if err != nil {
		return nil, err
	}
	runnable := func(string) bool { return false }
	if root, m, err := rootAndManifest(c); err == nil && m != nil {
		runnable = func(name string) bool {
			t, err := m.Lookup(name)
			return err == nil && t.Check(root).Runnable
		}
	}
	if c.Bool(flagSequential) {
		bench.Sequential(s)
	}
	plan := bench.PlanSuite(s, runnable)
	plan.Options = options
	return plan, nil
}

// fitMachine applies the suite's machine entry for the CPUs latbench may
// use: its cpusets, unless given on the command line, and its rate
// factor. It returns what the run should record: which machine entry
// applied, and the suite's published figures.
func fitMachine(c *cli.Context, s *suite.Suite) (map[string]string, error) {
	options := map[string]string{}
	if s.Published != "" {
		options["published"] = s.Published
	}
	allowed, err := host.AllowedCPUs()
	if err != nil || len(s.Machines) == 0 {
		return options, nil
	}
	m := s.MachineFor(len(allowed))
	if m == nil {
		return nil, cmdline.Usagef("suite %s has no machine entry for %d CPUs; its smallest needs %d", s.Name, len(allowed), s.Machines[len(s.Machines)-1].CPUs)
	}
	if !c.Bool(flagNoPin) {
		for flag, v := range map[string]string{flagClientCPUs: m.Client, flagTargetCPUs: m.Target, flagBackendCPUs: m.Backend} {
			if v != "" && !c.IsSet(flag) {
				if err := c.Set(flag, v); err != nil {
					return nil, err
				}
			}
		}
	}
	if m.RateScale > 0 && m.RateScale != 1 {
		s.ScaleRates(m.RateScale)
	}
	options["machine"] = machineText(len(allowed), m)
	return options, nil
}

// machineText says which machine entry applied, in words.
func machineText(cpus int, m *suite.Machine) string {
	text := fmt.Sprintf("%d CPUs: client on %s, target on %s", cpus, m.Client, m.Target)
	if m.Backend != "" {
		text += ", backend on " + m.Backend
	}
	if m.RateScale > 0 && m.RateScale != 1 {
		text += fmt.Sprintf("; rates scaled by %g", m.RateScale)
	}
	if m.Note != "" {
		text += " (" + m.Note + ")"
	}
	return text
}
