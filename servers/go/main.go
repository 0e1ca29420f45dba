// Command latbench-server-go is the Go reference server for latbench.
//
// It runs one of three modes on a TCP listener:
//
//	echo   every byte received is written back in order
//	http   HTTP/1.1 keep-alive server with /bytes/N and /health
//	proxy  TCP relay of every connection to --backend
//
// Usage:
//
//	latbench-server-go --mode echo|http|proxy --listen HOST:PORT [--backend HOST:PORT] [--threads N]
//	                   [--io async|blocking] [--workers N]
//
// --io async (the default) is Go as it is usually written: a goroutine
// per connection on the runtime's network poller, and GET
// /delay/D/bytes/N waits on a runtime timer. --io blocking serves each
// connection on one of --workers goroutines locked to OS threads of their
// own (see blocking.go), and a delay holds its thread.
//
// It logs one line to stderr when it is ready and otherwise only fatal
// errors. SIGTERM or SIGINT closes the listener and all connections and
// exits 0. Usage errors exit 2, runtime errors (such as a listen failure)
// exit 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

// progName prefixes every line the server writes to stderr.
const progName = "latbench-server-go"

// Exit codes returned by realMain.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// config holds the parsed command line.
type config struct {
	mode       string
	listen     string
	backend    string
	threads    int
	threadsSet bool
	io         string
	workers    int
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stderr))
}

// realMain runs the server with the given arguments and returns the
// process exit code. All output goes to stderr.
func realMain(args []string, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if cfg.threadsSet && cfg.io == "async" {
		runtime.GOMAXPROCS(cfg.threads)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, stderr); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		return exitRuntime
	}
	return exitOK
}

// parseFlags parses and validates args. It reports every problem,
// followed by the usage text, on stderr itself, so callers only need
// to map a non-nil error to an exit code. A request for help returns
// flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s --mode echo|http|proxy --listen HOST:PORT [--backend HOST:PORT] [--threads N] [--io async|blocking] [--workers N]\n", progName)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.mode, "mode", "", "server mode: echo, http or proxy")
	fs.StringVar(&cfg.listen, "listen", "", "address to listen on, HOST:PORT")
	fs.StringVar(&cfg.backend, "backend", "", "backend address for proxy mode, HOST:PORT")
	fs.IntVar(&cfg.threads, "threads", runtime.GOMAXPROCS(0), "number of OS threads running Go code (GOMAXPROCS); the blocking form ignores it")
	fs.StringVar(&cfg.io, "io", "async", "I/O form: async (goroutines on the network poller) or blocking (--workers goroutines locked to OS threads)")
	fs.IntVar(&cfg.workers, "workers", 8, "--io blocking: the threads that serve connections, one at a time each")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	fs.Visit(func(f *flag.Flag) { cfg.threadsSet = cfg.threadsSet || f.Name == "threads" })
	if err := cfg.validate(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		fs.Usage()
		return config{}, err
	}
	return cfg, nil
}

// validate checks the flag combination; rest holds the positional
// arguments, of which there must be none.
func (c config) validate(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q", rest[0])
	case c.mode != "echo" && c.mode != "http" && c.mode != "proxy":
		return fmt.Errorf("--mode must be echo, http or proxy, got %q", c.mode)
	case c.listen == "":
		return errors.New("--listen HOST:PORT is required")
	case c.mode == "proxy" && c.backend == "":
		return errors.New("--backend HOST:PORT is required in proxy mode")
	case c.threads < 1:
		return fmt.Errorf("--threads must be at least 1, got %d", c.threads)
	case c.io != "async" && c.io != "blocking":
		return fmt.Errorf("--io must be async or blocking, got %q", c.io)
	case c.workers < 1:
		return fmt.Errorf("--workers must be at least 1, got %d", c.workers)
	}
	return nil
}

// run listens on cfg.listen, logs the start line and serves until ctx
// is done.
func run(ctx context.Context, cfg config, stderr io.Writer) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.listen)
	if err != nil {
		return err
	}
	if cfg.io == "blocking" {
		fmt.Fprintf(stderr, "%s: mode=%s io=blocking workers=%d listen=%s\n", progName, cfg.mode, cfg.workers, ln.Addr())
		return serveBlocking(ctx, cfg, ln)
	}
	fmt.Fprintf(stderr, "%s: mode=%s io=async listen=%s threads=%d\n",
		progName, cfg.mode, ln.Addr(), runtime.GOMAXPROCS(0))
	return serve(ctx, cfg, ln)
}

// serve dispatches to the server for cfg.mode.
func serve(ctx context.Context, cfg config, ln net.Listener) error {
	switch cfg.mode {
	case "echo":
		return serveEcho(ctx, ln)
	case "http":
		return serveHTTP(ctx, ln)
	case "proxy":
		return serveProxy(ctx, ln, cfg.backend)
	}
	ln.Close()
	return fmt.Errorf("unknown mode %q", cfg.mode)
}
