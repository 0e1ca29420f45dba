package servers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The modes of the server contract (DESIGN.md section 4).
const (
	ModeEcho  = "echo"
	ModeHTTP  = "http"
	ModeProxy = "proxy"
	// ModeGRPC serves the gRPC service of servers/proto/echo.proto
	// (servers/PROTOCOLS.md).
	ModeGRPC = "grpc"
)

// ProbeTCP is the readiness probe every launched target gets: it is ready
// once its listen address accepts a TCP connection. It is the default and,
// for now, the only value of Target.Probe.
const ProbeTCP = "tcp"

// Modes returns the valid modes in a fixed order.
func Modes() []string {
	return []string{ModeEcho, ModeHTTP, ModeProxy, ModeGRPC}
}

// Target is one entry of the manifest: a server latbench launches from
// Command, or an external server at Address that it only connects to.
type Target struct {
	Name     string   `yaml:"name"`
	Language string   `yaml:"language"`
	Modes    []string `yaml:"modes"`
	// Requires lists the toolchains needed to build the target; they are
	// checked on PATH when the target is not built.
	Requires []string `yaml:"requires"`
	// Build is a shell command, run from the repository root, that builds
	// Binary.
	Build string `yaml:"build"`
	// Binary is a path relative to the repository root (or absolute); its
	// existence means the target is built.
	Binary string `yaml:"binary"`
	// Command is the argv that starts the server, with the placeholders
	// {root} {mode} {listen} {backend} {threads}; see Expand.
	Command []string `yaml:"command"`
	// TLS are the arguments appended to Command when the launch serves
	// TLS (StartSpec.TLS), with the placeholders of Command and
	// {tls_cert} {tls_key}, the PEM certificate and key files; e.g.
	// ["--tls-cert", "{tls_cert}", "--tls-key", "{tls_key}"]. A target
	// without them does not speak TLS (nginx and HAProxy take TLS in the
	// config latbench writes instead).
	TLS []string `yaml:"tls"`
	// Probe is the readiness probe; "" means ProbeTCP.
	Probe string `yaml:"probe"`
	// Address is the host:port of a server latbench does not launch.
	Address string `yaml:"address"`
	// Config names a server whose configuration latbench writes before
	// each launch (ConfigNginx, ConfigHAProxy): the listen and backend
	// addresses and the worker count go into that file, whose path is
	// {config}, instead of onto the command line.
	Config string `yaml:"config"`
	// Warmup is the least warm-up every cell of this target gets, for
	// runtimes whose JIT needs load before they reach steady state; "" for
	// none. It is a Go duration such as "10s".
	Warmup string `yaml:"warmup"`
	// Dir is the working directory of the command, with the placeholders
	// of Command; a relative path is relative to the repository root. ""
	// means the repository root. It must exist when the target launches.
	Dir string `yaml:"dir"`
	// Instances is how many copies of the command latbench launches, each
	// on a port of its own with the same backend; 0 means 1, at most
	// MaxInstances. The Process of the launch represents them all.
	Instances int `yaml:"instances"`
	// Workers is what {workers} stands for: the size of the thread pool of
	// a server in the blocking I/O form (--workers); 0 means
	// DefaultWorkers. A launch may override it (StartSpec.Workers, the
	// CLI's --target-workers).
	Workers int `yaml:"workers"`
	// VersionCommand is an argv whose first line of output (stdout, then
	// stderr) is the target's version, e.g. ["/usr/sbin/nginx", "-v"];
	// {root} is replaced. See Version.
	VersionCommand []string `yaml:"version"`
	// VersionFile is a file whose first line is the target's version
	// (instead of VersionCommand); {root} is replaced, and a relative path
	// is relative to the repository root.
	VersionFile string `yaml:"version_file"`

	Source string `yaml:"-"` // file the target was read from
	Line   int    `yaml:"-"` // line of the target's entry in Source
	// makeGoal is the make goal that builds the targets of a default
	// manifest ("servers" for targets.yaml); "" for a user's target, which
	// no make goal of latbench builds.
	makeGoal string
}

// MinWarmup returns the target's least warm-up (0 when it has none).
func (t *Target) MinWarmup() (time.Duration, error) {
	if t.Warmup == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(t.Warmup)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("warmup %q is not a duration such as 10s", t.Warmup)
	}
	return d, nil
}

// External reports whether the target is a running server latbench only
// connects to.
func (t *Target) External() bool {
	return t.Address != ""
}

// Supports reports whether the target serves mode.
func (t *Target) Supports(mode string) bool {
	return slices.Contains(t.Modes, mode)
}

// DefaultWorkers is the thread pool of a blocking-form server when neither
// its manifest entry nor the launch says otherwise.
const DefaultWorkers = 8

// MaxWorkers bounds a blocking-form server's thread pool.
const MaxWorkers = 10000

// WorkersFor returns the {workers} of a launch of t: override when above
// 0, else the manifest's, else DefaultWorkers.
func (t *Target) WorkersFor(override int) int {
	switch {
	case override > 0:
		return override
	case t.Workers > 0:
		return t.Workers
	}
	return DefaultWorkers
}

// Vars are the values substituted for the placeholders of a command.
type Vars struct {
	Root    string // {root}: the repository root
	Mode    string // {mode}: echo, http or proxy
	Listen  string // {listen}: host:port the server listens on
	Backend string // {backend}: host:port a proxy relays to; may be empty
	Threads int    // {threads}: 0 means unset (empty)
	Workers int    // {workers}: the blocking form's thread pool
	Config  string // {config}: path of the config file latbench wrote
	Workdir string // {workdir}: folder of that file, for the server's own files
	// TLSCert and TLSKey are {tls_cert} and {tls_key}; when TLSCert is
	// set, Expand appends the target's TLS arguments.
	TLSCert string
	TLSKey  string
}

// placeholderNames lists the placeholders in a fixed order.
var placeholderNames = []string{
	"{root}", "{mode}", "{listen}", "{listen_host}", "{listen_port}",
	"{backend}", "{backend_host}", "{backend_port}", "{threads}", "{workers}", "{config}", "{workdir}",
}

// tlsPlaceholderNames returns the placeholders valid only in Target.TLS.
func tlsPlaceholderNames() []string {
	return []string{"{tls_cert}", "{tls_key}"}
}

// allPlaceholderNames returns every placeholder, those of Target.TLS
// included.
func allPlaceholderNames() []string {
	return append(slices.Clone(placeholderNames), tlsPlaceholderNames()...)
}

// replacer substitutes every placeholder in one pass. It is built in a
// fixed order: ranging over the placeholders map would build it
// differently on every call.
func (v Vars) replacer() *strings.Replacer {
	values := v.placeholders()
	pairs := make([]string, 0, 2*len(values))
	for _, ph := range allPlaceholderNames() {
		pairs = append(pairs, ph, values[ph])
	}
	return strings.NewReplacer(pairs...)
}

// placeholders returns the value of every placeholder.
func (v Vars) placeholders() map[string]string {
	threads := ""
	if v.Threads > 0 {
		threads = strconv.Itoa(v.Threads)
	}
	listenHost, listenPort := splitAddr(v.Listen)
	backendHost, backendPort := splitAddr(v.Backend)
	return map[string]string{
		"{root}":         v.Root,
		"{mode}":         v.Mode,
		"{listen}":       v.Listen,
		"{listen_host}":  listenHost,
		"{listen_port}":  listenPort,
		"{backend}":      v.Backend,
		"{backend_host}": backendHost,
		"{backend_port}": backendPort,
		"{threads}":      threads,
		"{workers}":      strconv.Itoa(max(v.Workers, 1)),
		"{config}":       v.Config,
		"{workdir}":      v.Workdir,
		"{tls_cert}":     v.TLSCert,
		"{tls_key}":      v.TLSKey,
	}
}

// splitAddr splits host:port; an empty or malformed address gives empty
// parts.
func splitAddr(addr string) (host, port string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", ""
	}
	return host, port
}

// Expand returns the target's command with the placeholders replaced by v.
//
// Optional arguments disappear when their value is empty:
//   - an element that is exactly one placeholder with an empty value is
//     dropped, together with the element just before it when that one
//     starts with "-" (its flag): "--backend", "{backend}" vanishes as a
//     pair when v.Backend is "";
//   - an element of the form "-flag=" followed by exactly one placeholder
//     ("--threads={threads}") is dropped when that value is empty.
//
// The first element (the executable) is never dropped as a flag. Every
// other placeholder is replaced in place, with "" if its value is empty.
// When v.TLSCert is set, the target's TLS arguments follow, expanded the
// same way.
func (t *Target) Expand(v Vars) []string {
	out := expandArgs(make([]string, 0, len(t.Command)+len(t.TLS)), t.Command, v)
	if v.TLSCert != "" {
		out = expandArgs(out, t.TLS, v)
	}
	return out
}

// expandArgs appends args with v substituted to out, as Expand says.
func expandArgs(out, args []string, v Vars) []string {
	values := v.placeholders()
	replace := v.replacer()
	first := len(out) == 0 // args[0] is the executable
	prevIsFlag := false    // out's last element is a flag from the previous input element
	for i, arg := range args {
		if val, exact := values[arg]; exact && val == "" {
			if prevIsFlag {
				out = out[:len(out)-1]
			}
			prevIsFlag = false
			continue
		}
		if emptyFlagValue(arg, values) {
			prevIsFlag = false
			continue
		}
		arg = replace.Replace(arg)
		out = append(out, arg)
		prevIsFlag = (i > 0 || !first) && strings.HasPrefix(arg, "-")
	}
	return out
}

// emptyFlagValue reports whether arg is "-flag=" followed by exactly one
// placeholder whose value is empty.
func emptyFlagValue(arg string, values map[string]string) bool {
	flag, ph, ok := strings.Cut(arg, "=")
	if !ok || !strings.HasPrefix(flag, "-") {
		return false
	}
	val, known := values[ph]
	return known && val == ""
}

// placeholderPattern matches anything that looks like a placeholder.
var placeholderPattern = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\}`)

// namePattern is what a target name may look like: it appears on command
// lines and in file names.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// problem is one thing wrong with a target; key names the manifest key it
// concerns, for the error's line number.
type problem struct {
	key string
	msg string
}

// problems returns everything wrong with the target, in key order.
func (t *Target) problems() []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, fmt.Sprintf(format, args...)})
	}
	who := fmt.Sprintf("target %q", t.Name)
	switch {
	case t.Name == "":
		who = "target"
		add("name", "target has no name; add `name: <id>`")
	case !namePattern.MatchString(t.Name):
		add("name", "target name %q may only contain letters, digits, '.', '_' and '-'", t.Name)
	}
	ps = append(ps, t.modeProblems(who)...)
	ps = append(ps, t.commandProblems(who)...)
	ps = append(ps, t.tlsProblems(who)...)
	if _, err := t.MinWarmup(); err != nil {
		add("warmup", "%s: %v", who, err)
	}
	if t.Probe != "" && t.Probe != ProbeTCP {
		add("probe", "%s: unknown probe %q; valid probes: %s (the default)", who, t.Probe, ProbeTCP)
	}
	ps = append(ps, t.launchProblems(who)...)
	return append(ps, t.versionProblems(who)...)
}

// modeProblems checks the modes list.
func (t *Target) modeProblems(who string) []problem {
	if len(t.Modes) == 0 {
		return []problem{{"modes", who + " has no modes; add `modes: [...]` with the ones it serves (" + strings.Join(Modes(), ", ") + ")"}}
	}
	var ps []problem
	for i, m := range t.Modes {
		switch {
		case !slices.Contains(Modes(), m):
			ps = append(ps, problem{"modes", fmt.Sprintf("%s: unknown mode %q; valid modes: %s", who, m, strings.Join(Modes(), ", "))})
		case slices.Contains(t.Modes[:i], m):
			ps = append(ps, problem{"modes", fmt.Sprintf("%s: mode %q is listed twice", who, m)})
		}
	}
	return ps
}

// commandProblems checks command and address, which exclude each other.
func (t *Target) commandProblems(who string) []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, who + fmt.Sprintf(format, args...)})
	}
	switch {
	case len(t.Command) == 0 && t.Address == "":
		add("", " has neither `command` nor `address`; add the command that starts it, or the address of a server that is already running")
		return ps
	case len(t.Command) > 0 && t.Address != "":
		add("address", " has both `command` and `address`; keep command to let latbench launch it, or address for a server it does not launch")
		return ps
	case t.Address != "":
		if _, port, err := net.SplitHostPort(t.Address); err != nil || port == "" {
			add("address", ": address %q is not host:port (e.g. 127.0.0.1:8080)", t.Address)
		}
		return ps
	}
	if strings.TrimSpace(t.Command[0]) == "" {
		add("command", ": the first element of command (the executable) is empty")
	}
	for _, arg := range t.Command {
		for _, ph := range unknownPlaceholders(arg, placeholderNames) {
			if slices.Contains(tlsPlaceholderNames(), ph) {
				add("command", ": placeholder %s belongs in `tls`, the arguments latbench appends when the target serves TLS", ph)
				continue
			}
			add("command", ": unknown placeholder %s in command; valid: %s", ph, strings.Join(placeholderNames, " "))
		}
	}
	if t.Config != "" {
		return append(ps, t.configProblems(who)...)
	}
	if !t.commandHas("{listen}", "{listen_port}") {
		add("command", " has no {listen} (or {listen_port}) placeholder in its command; latbench picks the port, so pass it, e.g. \"--listen\", \"{listen}\"")
	}
	if t.Supports(ModeProxy) && !t.commandHas("{backend}", "{backend_port}") {
		add("command", " serves mode proxy but its command has no {backend} (or {backend_port}) placeholder; add e.g. \"--backend\", \"{backend}\"")
	}
	return ps
}

// commandHas reports whether some command element contains one of the
// placeholders.
func (t *Target) commandHas(placeholders ...string) bool {
	return slices.ContainsFunc(t.Command, func(arg string) bool {
		return slices.ContainsFunc(placeholders, func(ph string) bool { return strings.Contains(arg, ph) })
	})
}

// Status says whether a target can be launched and, if not, what to do.
type Status struct {
	Runnable bool     // everything needed to launch it is there
	Built    bool     // Binary exists (true when the target has no Binary)
	External bool     // an address latbench does not launch; always runnable
	Missing  []string // what is missing, e.g. "binary bin/latbench-server-go"
	Fix      string   // how to fix it, "" when runnable
}

// Check reports whether the target can be launched from the repository at
// root: its binary is built, its command's executable exists (an absolute
// path, a path relative to root, or a bare name on PATH), and, when it is
// not built, the toolchains of Requires are on PATH.
func (t *Target) Check(root string) Status {
	if t.External() {
		return Status{Runnable: true, Built: true, External: true}
	}
	st := Status{Built: true}
	var fixes []string
	binary := ""
	if t.Binary != "" {
		binary = resolvePath(t.Binary, root)
		if _, err := os.Stat(binary); err != nil {
			st.Built = false
		}
	}
	if !st.Built || t.Binary == "" {
		for _, tool := range t.Requires {
			if _, err := exec.LookPath(tool); err != nil {
				st.Missing = append(st.Missing, "toolchain "+tool)
				fixes = append(fixes, "install "+tool+" and put it on PATH")
			}
		}
	}
	if !st.Built {
		st.Missing = append(st.Missing, "binary "+t.Binary)
		fixes = append(fixes, t.buildFix())
	}
	if len(t.Command) > 0 {
		exe := strings.ReplaceAll(t.Command[0], "{root}", root)
		if _, err := findExecutable(exe, root); err != nil && (st.Built || resolvePath(exe, root) != binary) {
			st.Missing = append(st.Missing, "command "+exe)
			fixes = append(fixes, commandFix(exe))
		}
	}
	// A dir inside the installation appears with it: only a built target's
	// dir is checked, and only one that needs nothing but {root}.
	if dir := strings.ReplaceAll(t.Dir, "{root}", root); st.Built && dir != "" && !placeholderPattern.MatchString(dir) {
		if err := checkDir(resolvePath(dir, root)); err != nil {
			st.Missing = append(st.Missing, "dir "+resolvePath(dir, root))
			fixes = append(fixes, t.dirFix())
		}
	}
	st.Runnable = len(st.Missing) == 0
	st.Fix = strings.Join(fixes, "; then ")
	return st
}

// buildFix says how to build the target: its own build command, and the
// make goal that builds it when it comes from a default manifest. A user's
// target is never sent to a make goal, which knows nothing of it.
func (t *Target) buildFix() string {
	switch {
	case t.Build != "" && t.makeGoal != "":
		return fmt.Sprintf("build it with `%s` from the repository root (or run `make %s`)", t.Build, t.makeGoal)
	case t.Build != "":
		return fmt.Sprintf("build it with `%s` from the repository root", t.Build)
	case t.makeGoal != "":
		return fmt.Sprintf("build it with `make %s`", t.makeGoal)
	}
	return fmt.Sprintf("build it yourself (the target%s has no `build` command that makes %s)", t.where(), t.Binary)
}

// commandFix says how to make a missing executable available.
func commandFix(exe string) string {
	if !strings.Contains(exe, "/") {
		return "install " + exe + " or put it on PATH"
	}
	return "check the path " + exe + " in the target's command (it must be an executable file)"
}

// resolvePath makes a path relative to root absolute.
func resolvePath(path, root string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

// findExecutable resolves exe like the launcher will: a bare name on PATH,
// a relative path against root.
func findExecutable(exe, root string) (string, error) {
	if !strings.Contains(exe, "/") {
		return exec.LookPath(exe)
	}
	path := resolvePath(exe, root)
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", path)
	}
	return path, nil
}
