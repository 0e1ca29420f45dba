package servers

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// The servers whose configuration latbench writes (Target.Config).
const (
	// ConfigNginx is nginx as an http target: one worker per pinned core,
	// access log off, keep-alive on, /bytes/N served from files latbench
	// generates, /health answered "ok".
	ConfigNginx = "nginx"
	// ConfigHAProxy is HAProxy as a TCP-mode proxy target.
	ConfigHAProxy = "haproxy"
)

// ConfigKinds returns the valid values of Target.Config.
func ConfigKinds() []string {
	return []string{ConfigNginx, ConfigHAProxy}
}

// configModes returns the modes a config kind can serve.
func configModes(kind string) []string {
	switch kind {
	case ConfigNginx:
		return []string{ModeHTTP}
	case ConfigHAProxy:
		return []string{ModeProxy}
	}
	return nil
}

// standardBodySizes are the /bytes/N files every nginx launch gets, on
// top of the sizes the run asks for.
func standardBodySizes() []int {
	return []int{0, 1, 10, 64, 100, 1000, 1024, 4096, 10000, 16384, 65536, 100000, 1 << 20}
}

// configProblems checks a target whose config latbench writes.
func (t *Target) configProblems(who string) []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, who + fmt.Sprintf(format, args...)})
	}
	modes := configModes(t.Config)
	if modes == nil {
		add("config", ": unknown config %q; valid: %s", t.Config, strings.Join(ConfigKinds(), ", "))
		return ps
	}
	for _, m := range t.Modes {
		if !slices.Contains(modes, m) {
			add("modes", ": a target with config %s serves only %s, not %s", t.Config, strings.Join(modes, ", "), m)
		}
	}
	if !slices.ContainsFunc(t.Command, func(a string) bool { return strings.Contains(a, "{config}") }) {
		add("command", " has config %s but no {config} placeholder in its command; pass the file latbench writes, e.g. \"-c\", \"{config}\"", t.Config)
	}
	return ps
}

// configSpec is what goes into a written config.
type configSpec struct {
	Dir     string // folder of the config and the server's own files
	Listen  string // host:port to listen on
	Backend string // host:port to relay to (HAProxy)
	Workers int    // worker processes or threads; 0 lets the server choose
	Sizes   []int  // /bytes/N files to generate (nginx)
	// Listener is what the listener speaks: ListenerHTTP1, ListenerH2C
	// or ListenerTLS (see tls.go).
	Listener string
	TLS      *TLSFiles // the certificate and key of a tls listener
	ALPN     []string  // the protocols a tls listener offers
	// Cert and Key are the copies of TLS's files in Dir that the server
	// reads (nginx); PEM is the one file with both (HAProxy). writeConfig
	// writes them.
	Cert, Key, PEM string
}

// NginxListen returns the parameters of nginx's listen directive that
// make the listener speak cs.Listener: "ssl http2" (TLS, ALPN h2 and
// http/1.1), "ssl" (TLS, ALPN http/1.1 only), "http2" (h2c with prior
// knowledge, and nothing else) or "" (HTTP/1.1).
func (cs configSpec) NginxListen() string {
	switch {
	case cs.Listener == ListenerTLS && slices.Contains(cs.ALPN, ALPNH2):
		return "ssl http2"
	case cs.Listener == ListenerTLS:
		return "ssl"
	case cs.Listener == ListenerH2C:
		return "http2"
	}
	return ""
}

// ALPNList returns the ALPN protocols as HAProxy's alpn parameter takes
// them: "h2,http/1.1".
func (cs configSpec) ALPNList() string {
	return strings.Join(cs.ALPN, ",")
}

// writeConfig creates a new folder, writes the config of kind (and, for
// nginx, its document root) into it and returns the config's path and the
// folder, which the caller removes once the target has stopped.
func writeConfig(kind string, cs configSpec) (path, dir string, err error) {
	dir, err = os.MkdirTemp("", "latbench-"+kind+"-")
	if err != nil {
		return "", "", fmt.Errorf("write %s config: %w", kind, err)
	}
	// The server's workers may drop root privileges: they must be able to
	// read the folder and the files in it.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	cs.Dir = dir
	path = filepath.Join(dir, kind+".conf")
	if cs, err = writeTLS(kind, cs); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("write %s config: %w", kind, err)
	}
	switch kind {
	case ConfigNginx:
		err = writeNginx(path, cs)
	case ConfigHAProxy:
		err = writeTemplate(path, haproxyTemplate, cs)
	default:
		err = fmt.Errorf("unknown config %q", kind)
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("write %s config: %w", kind, err)
	}
	return path, dir, nil
}

// writeTLS copies the TLS files of cs into its folder, where the config
// names them: no path of the caller's has to survive nginx's or HAProxy's
// config syntax, and the copies go when the target has stopped. nginx
// gets the certificate and the key (Cert, Key), HAProxy one file with
// both (PEM). Without TLS files it does nothing.
func writeTLS(kind string, cs configSpec) (configSpec, error) {
	if cs.TLS == nil {
		return cs, nil
	}
	cert, key, err := cs.TLS.read()
	if err != nil {
		return cs, fmt.Errorf("read the TLS files: %w", err)
	}
	if kind == ConfigHAProxy {
		cs.PEM = filepath.Join(cs.Dir, "tls.pem")
		pem := append(append(slices.Clip(cert), '\n'), key...)
		return cs, os.WriteFile(cs.PEM, pem, 0o600)
	}
	cs.Cert, cs.Key = filepath.Join(cs.Dir, "tls-cert.pem"), filepath.Join(cs.Dir, "tls-key.pem")
	if err := os.WriteFile(cs.Cert, cert, 0o644); err != nil {
		return cs, err
	}
	return cs, os.WriteFile(cs.Key, key, 0o600)
}

// writeNginx writes the nginx config and its document root.
func writeNginx(path string, cs configSpec) error {
	for _, sub := range []string{"tmp", "www/bytes"} {
		if err := os.MkdirAll(filepath.Join(cs.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	sizes := append(standardBodySizes(), cs.Sizes...)
	body := make([]byte, slices.Max(sizes))
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	for _, n := range sizes {
		if err := writeBody(filepath.Join(cs.Dir, "www", "bytes", strconv.Itoa(n)), body, n); err != nil {
			return err
		}
	}
	return writeTemplate(path, nginxTemplate, cs)
}

// maxBodyBytes is the largest /bytes/N of the server contract.
const maxBodyBytes = 16 << 20

// writeBody writes the contract's body of n bytes, the first n bytes of
// body, whose byte i is 'a' + i%26.
func writeBody(path string, body []byte, n int) error {
	if n < 0 || n > maxBodyBytes {
		return fmt.Errorf("body size %d is outside 0..%d", n, maxBodyBytes)
	}
	return os.WriteFile(path, body[:n], 0o644)
}

// writeTemplate renders text with cs into path.
func writeTemplate(path, text string, cs configSpec) error {
	tmpl, err := template.New(filepath.Base(path)).Parse(text)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := tmpl.Execute(f, cs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// nginxTemplate is nginx as the contract's http server. keepalive_requests
// is raised from nginx's 1000, which would otherwise reconnect every
// keep-alive connection during a run (a run that wants the study's
// reconnects asks the client for them, --reconnect-every 50).
//
// Its listener (configSpec.NginxListen) speaks one of:
//   - HTTP/1.1 on plain TCP (ListenerHTTP1);
//   - h2c on plain TCP (ListenerH2C): HTTP/2 with prior knowledge only; an
//     HTTP/1.1 request on it is not answered as one;
//   - TLS 1.2 and 1.3 (ListenerTLS) with ALPN h2 and http/1.1, or http/1.1
//     only: a client that offers h2 gets HTTP/2, any other HTTP/1.1.
//
// Since nginx 1.19.7, HTTP/2 connections obey keepalive_requests (requests
// per connection) and keepalive_timeout (idle time) like HTTP/1.1 ones:
// the values below keep a busy benchmark connection open for the whole
// run. http2_max_concurrent_streams (nginx's default 128) is raised so
// that the server's stream limit is not what a multiplexed run measures.
// Without ssl_session_cache, TLS 1.3 clients can still resume with
// session tickets (nginx's default).
const nginxTemplate = `# Written by latbench for one launch; removed when the target stops.
daemon off;
master_process on;
worker_processes {{if .Workers}}{{.Workers}}{{else}}auto{{end}};
error_log stderr warn;
pid {{.Dir}}/nginx.pid;

events {
    worker_connections 10000;
}

http {
    access_log off;
    server_tokens off;
    types {}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 100000000;
    open_file_cache max=1000 inactive=300s;
    client_body_temp_path {{.Dir}}/tmp/body;
    proxy_temp_path {{.Dir}}/tmp/proxy;
    fastcgi_temp_path {{.Dir}}/tmp/fastcgi;
    uwsgi_temp_path {{.Dir}}/tmp/uwsgi;
    scgi_temp_path {{.Dir}}/tmp/scgi;
    http2_max_concurrent_streams 1024;

    server {
        listen {{.Listen}}{{with .NginxListen}} {{.}}{{end}} backlog=4096;
{{- if .Cert}}
        ssl_certificate {{.Cert}};
        ssl_certificate_key {{.Key}};
        ssl_protocols TLSv1.2 TLSv1.3;
{{- end}}
        root {{.Dir}}/www;
        location = /health {
            default_type text/plain;
            return 200 "ok";
        }
        location /bytes/ {
            try_files $uri =404;
        }
        location / {
            return 404;
        }
    }
}
`

// haproxyTemplate is HAProxy as a TCP relay in front of one backend. In
// TCP mode it never parses HTTP: on a plain listener (ListenerHTTP1 or
// ListenerH2C, one and the same) a client speaks to the backend as if
// directly. With TLS (ListenerTLS) it terminates TLS and relays the
// plaintext: the ALPN it offers must name only protocols the backend
// speaks in plain TCP, since HAProxy does not translate between them
// (tls.go). tls.pem holds the certificate and its key.
const haproxyTemplate = `# Written by latbench for one launch; removed when the target stops.
global
    {{if .Workers}}nbthread {{.Workers}}{{end}}
    # Two descriptors per relayed connection must fit a 20,000 open-file limit.
    maxconn 9000
    ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
    mode tcp
    timeout connect 5s
    timeout client 10m
    timeout server 10m

frontend relay
    bind {{.Listen}}{{if .PEM}} ssl crt {{.PEM}} alpn {{.ALPNList}}{{end}}
    default_backend upstream

backend upstream
    server backend1 {{.Backend}}
`
