package cmdline

import (
	"slices"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestInterspersed(t *testing.T) {
	app := &cli.App{Name: "lb", Commands: []*cli.Command{
		{Name: "suite", Flags: []cli.Flag{&cli.StringFlag{Name: "out"}, &cli.BoolFlag{Name: "no-pin"}}},
		{Name: "report", Flags: []cli.Flag{&cli.StringFlag{Name: "format"}}},
		{Name: "run"},
	}}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "flags first stay", args: []string{"lb", "suite", "--out", "x", "s.yaml"},
			want: []string{"lb", "suite", "--out", "x", "--", "s.yaml"}},
		{name: "file first moves last", args: []string{"lb", "suite", "s.yaml", "--out", "x", "--no-pin"},
			want: []string{"lb", "suite", "--out", "x", "--no-pin", "--", "s.yaml"}},
		{name: "bool flag takes no value", args: []string{"lb", "suite", "--no-pin", "s.yaml"},
			want: []string{"lb", "suite", "--no-pin", "--", "s.yaml"}},
		{name: "flag=value", args: []string{"lb", "report", "d", "--format=json"},
			want: []string{"lb", "report", "--format=json", "--", "d"}},
		{name: "after -- stays positional", args: []string{"lb", "report", "--", "--odd-dir"},
			want: []string{"lb", "report", "--", "--odd-dir"}},
		{name: "unknown command untouched", args: []string{"lb", "nope", "a", "--b"}, want: []string{"lb", "nope", "a", "--b"}},
		{name: "too short", args: []string{"lb", "run"}, want: []string{"lb", "run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interspersed(app, tt.args); !slices.Equal(got, tt.want) {
				t.Errorf("Interspersed(%q)\n got %q\nwant %q", tt.args, got, tt.want)
			}
		})
	}
}
