package main

import (
	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/servers"
)

// relayCommand is `latbench relay`, the fault relay latbench starts
// between a proxy and its backend for slow-backend faults. It is not for
// users, so it is hidden from the help.
func relayCommand() *cli.Command {
	return &cli.Command{
		Name:   "relay",
		Usage:  "relay TCP to --to, holding each answer back by the delay read from stdin (used by slow-backend faults)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Required: true, Usage: "`HOST:PORT` to listen on"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "backend `HOST:PORT`"},
		},
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			return servers.RunRelayMain(c.String("listen"), c.String("to"))
		},
	}
}
