// Command latbench-server-go is the Go reference server for latbench.
//
// It runs one of four modes on a TCP listener:
//
//	echo   every byte received is written back in order
//	http   HTTP/1.1 keep-alive server with /bytes/N and /health, and
//	       HTTP/2 on the same routes (h2c with prior knowledge on plain
//	       TCP, h2 through ALPN over TLS)
//	proxy  TCP relay of every connection to --backend
//	grpc   the gRPC service latbench.echo.v1.Echo (servers/proto/echo.proto)
//
// Usage:
//
//	latbench-server-go --mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT] [--threads N]
//	                   [--tls-cert FILE --tls-key FILE] [--io async|blocking] [--workers N]
//
// --tls-cert and --tls-key (PEM, both or neither) make echo, http and
// grpc speak TLS 1.2 and 1.3 with that certificate (see tls.go); proxy
// and the blocking form take no TLS. The contract is
// servers/PROTOCOLS.md.
//
// --io async (the default) is Go as it is usually written: a goroutine
// per connection on the runtime's network poller, and GET
// /delay/D/bytes/N waits on a runtime timer. --io blocking serves each
// connection on one of --workers goroutines locked to OS threads of their
// own (see blocking.go), and a delay holds its thread.
//
// It logs one line to stderr when it is ready and otherwise only fatal
// errors. SIGTERM or SIGINT closes the listener and all connections and
// exits 0. Usage errors, a certificate or key that does not load among
// them, exit 2; runtime errors (such as a listen failure) exit 1.
package main

import (
	"context"
	"crypto/tls"
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
	tlsCert    string
	tlsKey     string
}

// tls reports whether the command line asks for TLS.
func (c config) tls() bool { return c.tlsCert != "" || c.tlsKey != "" }

// serveGRPC serves --mode grpc on ln, over TLS with conf when conf is not
// nil. grpc.go sets it: it is the only file that imports gRPC, so a build
// without it has no gRPC and refuses the mode.
var serveGRPC func(ctx context.Context, ln net.Listener, conf *tls.Config) error

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
	var tlsConf *tls.Config
	if cfg.tls() {
		if tlsConf, err = loadTLS(cfg.tlsCert, cfg.tlsKey); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", progName, err)
			return exitUsage
		}
	}
	if cfg.threadsSet && cfg.io == "async" {
		runtime.GOMAXPROCS(cfg.threads)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, tlsConf, stderr); err != nil {
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
		fmt.Fprintf(stderr, "Usage: %s --mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT] [--threads N]\n"+
			"       [--tls-cert FILE --tls-key FILE] [--io async|blocking] [--workers N]\n", progName)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.mode, "mode", "", "server mode: echo, http (HTTP/1.1 and HTTP/2), proxy or grpc (latbench.echo.v1.Echo)")
	fs.StringVar(&cfg.listen, "listen", "", "address to listen on, HOST:PORT")
	fs.StringVar(&cfg.backend, "backend", "", "backend address for proxy mode, HOST:PORT")
	fs.IntVar(&cfg.threads, "threads", runtime.GOMAXPROCS(0), "number of OS threads running Go code (GOMAXPROCS); the blocking form ignores it")
	fs.StringVar(&cfg.io, "io", "async", "I/O form: async (goroutines on the network poller) or blocking (--workers goroutines locked to OS threads)")
	fs.IntVar(&cfg.workers, "workers", 8, "--io blocking: the threads that serve connections, one at a time each")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "PEM certificate (chain) to serve TLS with, in echo, http and grpc modes; needs --tls-key")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
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
	case c.mode != "echo" && c.mode != "http" && c.mode != "proxy" && c.mode != "grpc":
		return fmt.Errorf("--mode must be echo, http, proxy or grpc, got %q", c.mode)
	case c.mode == "grpc" && serveGRPC == nil:
		return errors.New("--mode grpc is not in this build of the server (built with -tags nogrpc, as make bench does): " +
			"rebuild it with `go build -o bin/latbench-server-go ./servers/go`, or `make servers`")
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
	case c.tlsCert != "" && c.tlsKey == "":
		return errors.New("--tls-key FILE is missing: --tls-cert and --tls-key go together")
	case c.tlsKey != "" && c.tlsCert == "":
		return errors.New("--tls-cert FILE is missing: --tls-cert and --tls-key go together")
	case c.mode == "proxy" && c.tls():
		return errors.New("--mode proxy takes no TLS: it relays bytes as they are; drop --tls-cert and --tls-key")
	case c.io == "blocking" && (c.tls() || c.mode == "grpc"):
		return errors.New("--io blocking serves neither TLS nor --mode grpc: only the async form does; drop --io blocking")
	}
	return nil
}

// run listens on cfg.listen, logs the start line and serves until ctx
// is done; tlsConf, when not nil, is the TLS configuration of the
// listener (loadTLS).
func run(ctx context.Context, cfg config, tlsConf *tls.Config, stderr io.Writer) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.listen)
	if err != nil {
		return err
	}
	if cfg.io == "blocking" {
		fmt.Fprintf(stderr, "%s: mode=%s io=blocking workers=%d listen=%s tls=off\n", progName, cfg.mode, cfg.workers, ln.Addr())
		return serveBlocking(ctx, cfg, ln)
	}
	fmt.Fprintf(stderr, "%s: mode=%s io=async listen=%s threads=%d tls=%s\n",
		progName, cfg.mode, ln.Addr(), runtime.GOMAXPROCS(0), onOff(tlsConf != nil))
	return serve(ctx, cfg, ln, tlsConf)
}

// onOff renders a switch for the start line.
func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// serve dispatches to the server for cfg.mode, over TLS with tlsConf when
// it is not nil.
func serve(ctx context.Context, cfg config, ln net.Listener, tlsConf *tls.Config) error {
	switch {
	case cfg.mode == "echo" && tlsConf != nil:
		return serveEchoTLS(tlsConf)(ctx, ln)
	case cfg.mode == "echo":
		return serveEcho(ctx, ln)
	case cfg.mode == "http" && tlsConf != nil:
		return serveHTTPS(tlsConf)(ctx, ln)
	case cfg.mode == "http":
		return serveHTTP(ctx, ln)
	case cfg.mode == "proxy":
		return serveProxy(ctx, ln, cfg.backend)
	case cfg.mode == "grpc" && serveGRPC != nil:
		return serveGRPC(ctx, ln, tlsConf)
	}
	ln.Close()
	return fmt.Errorf("unknown mode %q", cfg.mode)
}
