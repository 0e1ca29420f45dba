package servers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/latbench/latbench/scenarios"
	"gopkg.in/yaml.v3"
)

// maxManifestBytes bounds the size of a manifest file LoadManifest reads.
const maxManifestBytes = 1 << 20

// Manifest is the list of targets latbench knows: the defaults from
// servers/targets.yaml, possibly extended by user files (see Merge).
type Manifest struct {
	Targets []*Target `yaml:"targets"`
}

// DefaultManifestPath returns the path of the main default manifest
// inside the repository rooted at root: the reference servers and the C
// baselines. Its presence marks the repository root.
func DefaultManifestPath(root string) string {
	return filepath.Join(root, "servers", "targets.yaml")
}

// StudyManifestPath returns the path of the manifest of the reference
// study's proxies inside the repository rooted at root.
func StudyManifestPath(root string) string {
	return filepath.Join(root, "servers", "study.yaml")
}

// DefaultManifestPaths returns the manifests latbench loads by default, in
// order: targets.yaml, then study.yaml.
func DefaultManifestPaths(root string) []string {
	return []string{DefaultManifestPath(root), StudyManifestPath(root)}
}

// defaultMakeGoals maps the base name of each default manifest to the make
// goal that builds its targets.
var defaultMakeGoals = map[string]string{"targets.yaml": "servers", "study.yaml": "study-targets"}

// LoadDefault reads the default manifests of the repository at root
// (DefaultManifestPaths) into one manifest. targets.yaml must exist; a
// missing study.yaml is skipped. A name defined in two default files is an
// error: they list different targets, and one must not hide another.
func LoadDefault(root string) (*Manifest, error) {
	m := &Manifest{}
	defined := map[string]*Target{}
	var errs []error
	for i, path := range DefaultManifestPaths(root) {
		part, err := LoadManifest(path)
		if i > 0 && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, t := range part.Targets {
			t.makeGoal = defaultMakeGoals[filepath.Base(path)]
			if first, dup := defined[t.Name]; dup {
				errs = append(errs, fmt.Errorf("%s:%d: target %q is already defined in %s:%d; the default manifests must not overlap, remove one of them",
					t.Source, t.Line, t.Name, first.Source, first.Line))
				continue
			}
			defined[t.Name] = t
			m.Targets = append(m.Targets, t)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// LoadManifest reads and parses the manifest file at path.
func LoadManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("%s: manifest larger than %d bytes; split it or remove unused targets", path, maxManifestBytes)
	}
	return ParseManifest(path, data)
}

// ParseManifest parses a manifest. source names the data in error messages,
// which have the form "source:line: what is wrong and how to fix it". The
// parser is strict: unknown keys, wrong types and inconsistent targets are
// errors, and all problems found are reported together.
func ParseManifest(source string, data []byte) (*Manifest, error) {
	m, positions, err := decode(source, data)
	if err != nil {
		return nil, err
	}
	if err := m.validate(source, positions); err != nil {
		return nil, err
	}
	return m, nil
}

// decode runs the YAML parser: it decodes data strictly and finds the
// position of every target entry.
func decode(source string, data []byte) (m *Manifest, positions []entryPos, err error) {
	// yaml.v3 is not guaranteed to be panic-free on arbitrary input; a user
	// file must never crash latbench. Only the parser runs under recover, so
	// that a bug in latbench's own checks is not disguised as bad YAML.
	defer func() {
		if r := recover(); r != nil {
			m, positions, err = nil, nil, fmt.Errorf("%s: invalid YAML (the parser failed: %v)", source, r)
		}
	}()
	if m, err = decodeStrict(source, data); err != nil {
		return nil, nil, err
	}
	return m, entryPositions(data), nil
}

// decodeStrict decodes data into a Manifest, rejecting unknown keys and
// more than one YAML document.
func decodeStrict(source string, data []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1: empty manifest; expected a top-level `targets:` list", source)
		}
		return nil, yamlError(source, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return &m, nil
	case err != nil:
		return nil, yamlError(source, err)
	default:
		return nil, fmt.Errorf("%s:%d: a second YAML document (---) is not supported; put all targets in one `targets:` list", source, extra.Line)
	}
}

// lineMessage matches one yaml.v3 error message that carries a line number.
var lineMessage = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlError rewrites a yaml.v3 error into "source:line: message" lines with
// a hint on what to fix.
func yamlError(source string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, errors.New(locate(source, msg, explainTypeError)))
		}
		return errors.Join(errs...)
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return errors.New(locate(source, msg, func(s string) string { return "invalid YAML: " + s }))
}

// locate turns "line N: text" into "source:N: explain(text)".
func locate(source, msg string, explain func(string) string) string {
	if m := lineMessage.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s", source, m[1], explain(m[2]))
	}
	return fmt.Sprintf("%s: %s", source, explain(msg))
}

// unknownField matches yaml.v3's message for a key that has no struct field.
var unknownField = regexp.MustCompile(`^field (.*) not found in type servers\.(\w+)$`)

// duplicateKey matches yaml.v3's message for a key given twice in one
// mapping.
var duplicateKey = regexp.MustCompile(`^mapping key .* already defined at line \d+$`)

// explainTypeError rewrites one yaml.v3 decoding message into advice.
func explainTypeError(msg string) string {
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		if m[2] == "Manifest" {
			return fmt.Sprintf("unknown top-level key %q; a manifest has a single key, `targets`", m[1])
		}
		hint := ""
		if best := closest(m[1], targetKeys()); best != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", best)
		}
		return fmt.Sprintf("unknown key %q in target%s; valid keys: %s", m[1], hint, strings.Join(targetKeys(), ", "))
	}
	switch {
	case duplicateKey.MatchString(msg):
		return msg + "; remove one of them"
	case strings.HasSuffix(msg, "into servers.Manifest"):
		return msg + "; a manifest is a mapping with a `targets:` list"
	case strings.HasSuffix(msg, "into []*servers.Target"):
		return msg + "; `targets` must be a list of targets, each starting with `- name: ...`"
	case strings.HasSuffix(msg, "into servers.Target"):
		return msg + "; each target must be a mapping of keys like `name: ...` and `modes: [...]`"
	case strings.HasSuffix(msg, "into []string"):
		return msg + "; modes, requires, command and tls take a list like [a, b]"
	}
	return msg + "; modes, requires, command and tls take a list like [a, b], the other keys a single value"
}

// targetKeys returns the keys a target entry may use, in manifest order.
func targetKeys() []string {
	return []string{"name", "language", "modes", "requires", "build", "binary", "command", "tls", "dir", "instances",
		"workers", "probe", "address", "config", "warmup", "version", "version_file"}
}

// entryPos records where a target entry and its keys are in the file.
type entryPos struct {
	line int            // line of the entry ("- name: ...")
	keys map[string]int // line of each key of the entry
}

// at returns the line of key in the entry, or the entry's line when the key
// is absent.
func (p entryPos) at(key string) int {
	if l, ok := p.keys[key]; ok {
		return l
	}
	return p.line
}

// entryPositions returns the position of every entry of the targets list,
// in order. It returns nil when data has no such list; callers then fall
// back to line 1.
func entryPositions(data []byte) []entryPos {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	list := mappingValue(resolve(&doc), "targets")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	positions := make([]entryPos, len(list.Content))
	for i, item := range list.Content {
		positions[i] = entryPos{line: item.Line, keys: map[string]int{}}
		entry := resolve(item)
		// The keys of an alias (- *base) are those of its anchor, elsewhere
		// in the file; its problems are reported at the alias's line.
		if item.Kind == yaml.AliasNode || entry == nil || entry.Kind != yaml.MappingNode {
			continue
		}
		for k := 0; k+1 < len(entry.Content); k += 2 {
			positions[i].keys[entry.Content[k].Value] = entry.Content[k].Line
		}
	}
	return positions
}

// resolve follows document wrappers and aliases to the node holding data.
func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && depth < 8; depth++ {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return n
}

// mappingValue returns the resolved value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if n.Content[k].Value == key {
			return resolve(n.Content[k+1])
		}
	}
	return nil
}

// validate checks every target, records its Source and Line, and returns
// all problems found, each prefixed with its file position.
func (m *Manifest) validate(source string, positions []entryPos) error {
	var errs []error
	firstLine := map[string]int{}
	for i, t := range m.Targets {
		pos := entryPos{line: 1}
		if i < len(positions) {
			pos = positions[i]
		}
		if t == nil {
			errs = append(errs, fmt.Errorf("%s:%d: empty target entry; give it a name, modes and a command or an address", source, pos.line))
			continue
		}
		t.Source, t.Line = source, pos.line
		for _, p := range t.problems() {
			errs = append(errs, fmt.Errorf("%s:%d: %s", source, pos.at(p.key), p.msg))
		}
		// Instances 0 means one copy only when the key is absent.
		if _, given := pos.keys["instances"]; given && t.Instances == 0 {
			errs = append(errs, fmt.Errorf("%s:%d: target %q: instances 0 is outside 1..%d; remove the key for one copy", source, pos.at("instances"), t.Name, MaxInstances))
		}
		if first, dup := firstLine[t.Name]; dup && t.Name != "" {
			errs = append(errs, fmt.Errorf("%s:%d: duplicate target name %q (first defined at line %d); rename one of them", source, pos.at("name"), t.Name, first))
		} else if t.Name != "" {
			firstLine[t.Name] = t.Line
		}
	}
	return errors.Join(errs...)
}

// Merge adds the targets of user to m. A user target with the name of an
// existing one replaces it in place; other user targets are appended.
func (m *Manifest) Merge(user *Manifest) {
	if user == nil {
		return
	}
	for _, t := range user.Targets {
		if t == nil {
			continue
		}
		if i := m.index(t.Name); i >= 0 {
			m.Targets[i] = t
		} else {
			m.Targets = append(m.Targets, t)
		}
	}
}

// index returns the position of the target called name, or -1.
func (m *Manifest) index(name string) int {
	for i, t := range m.Targets {
		if t != nil && t.Name == name {
			return i
		}
	}
	return -1
}

// Names returns the target names in manifest order.
func (m *Manifest) Names() []string {
	names := make([]string, 0, len(m.Targets))
	for _, t := range m.Targets {
		if t != nil {
			names = append(names, t.Name)
		}
	}
	return names
}

// Lookup returns the target called name. For an unknown name the error
// lists the known names and suggests the closest one.
func (m *Manifest) Lookup(name string) (*Target, error) {
	if i := m.index(name); i >= 0 {
		return m.Targets[i], nil
	}
	names := m.Names()
	if len(names) == 0 {
		return nil, fmt.Errorf("unknown target %q; the manifest has no targets", name)
	}
	msg := fmt.Sprintf("unknown target %q;", name)
	if best := closest(name, names); best != "" {
		msg += fmt.Sprintf(" did you mean %q?", best)
	}
	return nil, fmt.Errorf("%s known: %s", msg, strings.Join(names, ", "))
}

// closest returns the name in names nearest to s, ignoring case, or ""
// when none is close enough to be a plausible typo. The distance rule is
// scenarios.Closest's, shared with the other name suggestions of latbench.
func closest(s string, names []string) string {
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	best := scenarios.Closest(strings.ToLower(s), lower)
	if i := slices.Index(lower, best); best != "" && i >= 0 {
		return names[i]
	}
	return ""
}
