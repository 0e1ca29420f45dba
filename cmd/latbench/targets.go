package main

import (
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/servers"
)

// targetsCommand is `latbench targets`: what can run and what is missing.
func targetsCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "targets",
		Usage: "list the targets, whether each is built and runnable, and what is missing",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagTargets, Usage: "extra target manifest `FILE`"},
			rootFlag(),
		},
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			root, err := findRoot(c.String(flagRoot))
			if err != nil {
				return err
			}
			m, err := loadManifest(root, c.String(flagTargets))
			if err != nil {
				return err
			}
			return renderTargets(stdout, m, root)
		},
	}
}

// renderTargets prints one row per target: whether it is built and
// runnable, its version when it is built, the command that builds or
// installs it, and what is missing with how to fix it.
func renderTargets(w io.Writer, m *servers.Manifest, root string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	t.Header([]string{"target", "language", "modes", "built", "runnable", "version", "build / install", "missing / fix"})
	for _, target := range m.Targets {
		st := target.Check(root)
		fix := "-"
		if !st.Runnable {
			fix = strings.Join(st.Missing, ", ") + ": " + st.Fix
		}
		built := yesNo(st.Built)
		if st.External {
			built, fix = "external", "at "+target.Address
		}
		version := "-"
		if st.Built {
			version = orDash(target.Version(root))
		}
		if err := t.Append([]string{target.Name, target.Language, strings.Join(target.Modes, ","),
			built, yesNo(st.Runnable), version, orDash(target.Build), fix}); err != nil {
			return err
		}
	}
	return t.Render()
}

// orDash returns s, or "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// yesNo formats a bool for a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
