package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/model"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// Defaults, as documented on the Config fields.
const (
	DefaultSchedule             = "@every 1m"
	DefaultInterval             = 5 * time.Minute
	DefaultMinInterval          = time.Minute
	DefaultMaxInterval          = 6 * time.Hour
	DefaultTimeout              = 20 * time.Second
	DefaultConcurrency          = 16
	DefaultPerHost              = 2
	DefaultMaxBodySize          = 10 << 20
	DefaultStorePath            = "newshound.db"
	DefaultLogLevel             = "info"
	DefaultLogFormat            = "text"
	DefaultDiscordAPI           = "https://discord.com/api/v10/"
	DefaultTelegramAPI          = "https://api.telegram.org"
	DefaultQueryLength          = 512
	DefaultSubscriptionsPerChat = 50
	DefaultCommandsPerMinute    = 20
)

// Default returns a Config holding only the defaults: no feeds, no watches,
// no routes, every platform off.
func Default() *Config {
	return &Config{
		Poll: Poll{
			Schedule:    DefaultSchedule,
			Interval:    DefaultInterval,
			MinInterval: DefaultMinInterval,
			MaxInterval: DefaultMaxInterval,
			Timeout:     DefaultTimeout,
			Concurrency: DefaultConcurrency,
			PerHost:     DefaultPerHost,
			MaxBodySize: DefaultMaxBodySize,
		},
		Store:    Store{Path: DefaultStorePath},
		Log:      Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		Entities: map[string][]string{},
		Discord:  Discord{API: DefaultDiscordAPI},
		Telegram: Telegram{API: DefaultTelegramAPI},
		Limits: Limits{
			QueryLength:          DefaultQueryLength,
			SubscriptionsPerChat: DefaultSubscriptionsPerChat,
			CommandsPerMinute:    DefaultCommandsPerMinute,
		},
	}
}

// ResolvePath picks the config file as PRODUCT.md orders it: the --config
// flag when given, else $NEWSHOUND_CONFIG when set, else ./config.yaml. An
// explicit choice wins over a file that happens to lie in the working
// directory (in the image, a config.yaml in the data volume must not
// silently replace the one $NEWSHOUND_CONFIG names).
func ResolvePath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("NEWSHOUND_CONFIG"); env != "" {
		return env
	}
	return "config.yaml"
}

// Load reads and parses the config file at path, with ${VAR} expanded from
// the process environment, and sets Config.Path. Relative alias_files
// entries are taken relative to the config file's directory (they usually
// ship beside it); store.path is left as written (relative to the working
// directory, like any data path given on a command line).
//
// Problems in the file come back as an ErrorList (every problem, in file
// order); the *Config is then still returned, holding what was valid, so
// tools can report more, but it must not be run with. Any other error
// (such as an unreadable file) comes with a nil Config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return loadBytes(path, data)
}

// loadBytes is Load on data already read from path.
func loadBytes(path string, data []byte) (*Config, error) {
	cfg, err := ParseEnv(data, path, os.LookupEnv)
	cfg.Path = path
	cfg.data = data
	dir := filepath.Dir(path)
	var errs ErrorList
	if err != nil {
		errs = err.(ErrorList)
	}
	for i, f := range cfg.AliasFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
			cfg.AliasFiles[i] = f
		}
		if _, serr := os.Stat(f); serr != nil {
			msg := fmt.Sprintf("alias file %s: %v", f, errors.Unwrap(serr))
			if errors.Is(serr, os.ErrNotExist) {
				msg = fmt.Sprintf("alias file %s does not exist", f)
			}
			errs = append(errs, &Error{File: path, Pos: cfg.AliasFilePos[i], Msg: msg})
		}
	}
	errs.Sort()
	return cfg, errs.Err()
}

// Parse parses config bytes, with ${VAR} expanded from the process
// environment. filename is only used in error messages. See Load for how
// errors are returned.
func Parse(data []byte, filename string) (*Config, error) {
	return ParseEnv(data, filename, os.LookupEnv)
}

// ParseEnv is Parse with the environment given by lookup (for tests and
// for callers that keep their own environment).
func ParseEnv(data []byte, filename string, lookup LookupFunc) (*Config, error) {
	d := &decoder{file: filename, lookup: lookup, lines: bytes.Split(data, []byte("\n"))}
	cfg := Default()
	cfg.file = filename
	d.document(data, cfg)
	d.validate(cfg)
	d.errs.Sort()
	cfg.warns = d.warns
	return cfg, d.errs.Err()
}

type decoder struct {
	file    string
	lookup  LookupFunc
	lines   [][]byte
	errs    ErrorList
	warns   ErrorList
	dropped []string // names of watches refused for their query
}

func (d *decoder) warnf(p Pos, format string, args ...any) {
	d.warns = append(d.warns, &Error{File: d.file, Pos: p, Msg: "warning: " + fmt.Sprintf(format, args...)})
}

// warnSubSecond returns a duration setter that also warns about a value
// under a second: allowed, but it hammers the feeds (or the scheduler).
func (d *decoder) warnSubSecond(dst *time.Duration, what string, allowZero bool) func(*yaml.Node) {
	set := d.setDuration(dst, what, allowZero)
	return func(n *yaml.Node) {
		set(n)
		if *dst > 0 && *dst < time.Second {
			d.warnf(posOf(n), "%s %s is under a second; did you mean %ss?", what, *dst, strings.TrimSuffix(dst.String(), "ms"))
		}
	}
}

func (d *decoder) errorf(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *decoder) document(data []byte, cfg *Config) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return // empty file: defaults
		}
		p, msg := Pos{Line: 1, Col: 1}, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		d.errorf(p, "YAML syntax: %s", msg)
		return
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(posOf(&extra), "only one YAML document is allowed")
	}
	if len(doc.Content) == 0 {
		return
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return
	}
	d.mapping(root, "the config", map[string]func(*yaml.Node){
		"poll": func(n *yaml.Node) { d.poll(n, &cfg.Poll) },
		"store": func(n *yaml.Node) {
			d.mapping(n, "store", map[string]func(*yaml.Node){"path": d.setString(&cfg.Store.Path, "store.path")})
		},
		"http": func(n *yaml.Node) {
			d.mapping(n, "http", map[string]func(*yaml.Node){"listen": d.setListen(&cfg.HTTP.Listen)})
		},
		"log":         func(n *yaml.Node) { d.log(n, &cfg.Log) },
		"feeds":       func(n *yaml.Node) { d.feeds(n, cfg) },
		"entities":    func(n *yaml.Node) { d.entities(n, cfg) },
		"alias_files": func(n *yaml.Node) { d.aliasFiles(n, cfg) },
		"watches":     func(n *yaml.Node) { d.watches(n, cfg) },
		"routes":      func(n *yaml.Node) { d.routes(n, cfg) },
		"discord":     func(n *yaml.Node) { d.discord(n, &cfg.Discord) },
		"telegram":    func(n *yaml.Node) { d.telegram(n, &cfg.Telegram) },
		"webhook":     func(n *yaml.Node) { d.webhook(n, &cfg.Webhook) },
		"admins":      func(n *yaml.Node) { d.admins(n, &cfg.Admins) },
		"security":    func(n *yaml.Node) { d.security(n, &cfg.Security) },
		"limits":      func(n *yaml.Node) { d.limits(n, &cfg.Limits) },
	})
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return deref(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// mapping walks a mapping node, reporting unknown and duplicate keys and
// calling the handler of each known key with its (dereferenced) value.
// A null value means "not set": the handler is not called.
func (d *decoder) mapping(n *yaml.Node, section string, handlers map[string]func(*yaml.Node)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(posOf(n), "%s must be a mapping of keys to values, got %s", section, kindName(n))
		return
	}
	for _, p := range d.pairs(n, section, 0) {
		k, v := p[0], p[1]
		h, ok := handlers[k.Value]
		if !ok {
			known := make([]string, 0, len(handlers))
			for name := range handlers {
				known = append(known, name)
			}
			sort.Strings(known)
			d.errorf(posOf(k), "unknown key %q in %s (known keys: %s)", k.Value, section, strings.Join(known, ", "))
			continue
		}
		if isNull(v) {
			continue
		}
		h(v)
	}
}

// pairs returns the key/value pairs of a mapping, reporting non-scalar and
// duplicate keys, with YAML merge keys ("<<: *defaults") resolved: keys
// written in the mapping win over merged ones, earlier merges over later.
func (d *decoder) pairs(n *yaml.Node, section string, depth int) [][2]*yaml.Node {
	var own, merged [][2]*yaml.Node
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(posOf(k), "keys in %s must be plain words, got %s", section, kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, m := range srcs {
				m = deref(m)
				if m.Kind != yaml.MappingNode || depth > 10 {
					d.errorf(posOf(m), "<< in %s must merge a mapping (like <<: *defaults)", section)
					continue
				}
				merged = append(merged, d.pairs(m, section, depth+1)...)
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(posOf(k), "duplicate key %q in %s (first at line %d)", k.Value, section, first.Line)
			continue
		}
		seen[k.Value] = posOf(k)
		own = append(own, [2]*yaml.Node{k, v})
	}
	for _, p := range merged {
		if _, taken := seen[p[0].Value]; !taken {
			seen[p[0].Value] = posOf(p[0])
			own = append(own, p)
		}
	}
	return own
}

// scalar returns the ${VAR}-expanded text of a scalar node.
func (d *decoder) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(posOf(n), "%s must be a single value, got %s", what, kindName(n))
		return "", false
	}
	v, err := expand(n.Value, d.lookup)
	if err != nil {
		d.errorf(posOf(n), "%s: %v", what, err)
		return "", false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	return d.scalar(n, what)
}

func (d *decoder) setString(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if v, ok := d.str(n, what); ok {
			*dst = v
		}
	}
}

func (d *decoder) integer(n *yaml.Node, what string, min int64) (int64, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64)
	if err != nil {
		d.errorf(posOf(n), "%s must be a whole number, got %q", what, v)
		return 0, false
	}
	if i < min {
		if min == 0 {
			d.errorf(posOf(n), "%s must not be negative, got %d", what, i)
		} else {
			d.errorf(posOf(n), "%s must be at least %d, got %d", what, min, i)
		}
		return 0, false
	}
	return i, true
}

func (d *decoder) setInt(dst *int, what string, min int64) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if i, ok := d.integer(n, what, min); ok {
			*dst = int(i)
		}
	}
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return false, false
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.errorf(posOf(n), "%s must be true or false, got %q", what, v)
	return false, false
}

func (d *decoder) setBool(dst *bool, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if b, ok := d.boolean(n, what); ok {
			*dst = b
		}
	}
}

// duration parses a Go duration ("90s", "5m", "1h30m"); zero is allowed
// only when allowZero.
func (d *decoder) duration(n *yaml.Node, what string, allowZero bool) (time.Duration, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	t, err := time.ParseDuration(v)
	if err != nil {
		d.errorf(posOf(n), "%s: bad duration %q (use a number with a unit: 90s, 5m, 1h30m)", what, v)
		return 0, false
	}
	if t < 0 {
		d.errorf(posOf(n), "%s must not be negative, got %s", what, v)
		return 0, false
	}
	if t == 0 && !allowZero {
		d.errorf(posOf(n), "%s must be longer than zero", what)
		return 0, false
	}
	return t, true
}

func (d *decoder) setDuration(dst *time.Duration, what string, allowZero bool) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if t, ok := d.duration(n, what, allowZero); ok {
			*dst = t
		}
	}
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// size parses a byte count: a whole number, or one with a unit (512KiB, 10MiB, 1MB).
func (d *decoder) size(n *yaml.Node, what string) (int64, bool) {
	v, ok := d.scalar(n, what)
	if !ok {
		return 0, false
	}
	num, mult := strings.TrimSpace(v), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(num, "_", ""), 10, 64)
	if err != nil {
		d.errorf(posOf(n), "%s must be a size in bytes like 10MiB or 1048576, got %q", what, v)
		return 0, false
	}
	if i <= 0 {
		d.errorf(posOf(n), "%s must be positive, got %q", what, v)
		return 0, false
	}
	if i > (1<<62)/mult {
		d.errorf(posOf(n), "%s is too large: %q", what, v)
		return 0, false
	}
	return i * mult, true
}

// list calls each for every element of a sequence node.
func (d *decoder) list(n *yaml.Node, what string, each func(*yaml.Node)) {
	n = deref(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(posOf(n), "%s must be a list, got %s", what, kindName(n))
		return
	}
	for _, e := range n.Content {
		each(deref(e))
	}
}

// strings decodes a list of non-empty strings.
func (d *decoder) strs(n *yaml.Node, what string, valid func(*yaml.Node, string) bool) ([]string, []Pos) {
	var out []string
	var ps []Pos
	d.list(n, what, func(e *yaml.Node) {
		v, ok := d.str(e, "each of "+what)
		if !ok {
			return
		}
		if strings.TrimSpace(v) == "" {
			d.errorf(posOf(e), "empty entry in %s", what)
			return
		}
		if valid != nil && !valid(e, v) {
			return
		}
		out = append(out, v)
		ps = append(ps, posOf(e))
	})
	return out, ps
}

func (d *decoder) poll(n *yaml.Node, p *Poll) {
	var minNode, maxNode *yaml.Node
	defer func() {
		// Checked once both are known, at the key the user wrote last.
		if p.MinInterval > p.MaxInterval {
			at := maxNode
			if at == nil || (minNode != nil && minNode.Line > maxNode.Line) {
				at = minNode
			}
			if at != nil {
				d.errorf(posOf(at), "poll.min_interval (%s) must not be longer than poll.max_interval (%s)", p.MinInterval, p.MaxInterval)
			}
		}
	}()
	d.mapping(n, "poll", map[string]func(*yaml.Node){
		"min_interval": func(n *yaml.Node) {
			minNode = n
			d.setDuration(&p.MinInterval, "poll.min_interval", false)(n)
		},
		"max_interval": func(n *yaml.Node) {
			maxNode = n
			d.setDuration(&p.MaxInterval, "poll.max_interval", false)(n)
		},
		"schedule": func(n *yaml.Node) {
			v, ok := d.str(n, "poll.schedule")
			if !ok {
				return
			}
			if err := checkCron(v); err != nil {
				d.errorf(posOf(n), "poll.schedule: bad cron spec %q: %v", v, err)
				return
			}
			p.Schedule = v
			if every, ok := strings.CutPrefix(v, "@every "); ok {
				if t, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && t < time.Second {
					d.warnf(posOf(n), "poll.schedule %q ticks more often than once a second", v)
				}
			}
		},
		"interval":    d.warnSubSecond(&p.Interval, "poll.interval", false),
		"timeout":     d.setDuration(&p.Timeout, "poll.timeout", false),
		"concurrency": d.setInt(&p.Concurrency, "poll.concurrency", 1),
		"per_host":    d.setInt(&p.PerHost, "poll.per_host", 1),
		"backfill":    d.setInt(&p.Backfill, "poll.backfill", 0),
		"max_body_size": func(n *yaml.Node) {
			if s, ok := d.size(n, "poll.max_body_size"); ok {
				p.MaxBodySize = s
			}
		},
		"user_agent": func(n *yaml.Node) {
			if v, ok := d.str(n, "poll.user_agent"); ok {
				if strings.ContainsAny(v, "\r\n") {
					d.errorf(posOf(n), "poll.user_agent must be a single line")
					return
				}
				p.UserAgent = v
			}
		},
	})
}

// cronParser accepts five fields, an optional leading seconds field, and
// descriptors such as "@every 1m" and "@hourly".
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// CronParser returns the parser poll.schedule is validated with, so the
// scheduler reads the spec exactly as the config check did.
func CronParser() cron.Parser { return cronParser }

func checkCron(spec string) error {
	_, err := cronParser.Parse(spec)
	return err
}

func (d *decoder) setListen(dst *string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.str(n, "http.listen")
		if !ok {
			return
		}
		if v != "" {
			if _, port, err := net.SplitHostPort(v); err != nil {
				d.errorf(posOf(n), "http.listen: %q is not host:port (like 127.0.0.1:9090 or :9090)", v)
				return
			} else if pn, err := strconv.Atoi(port); err != nil || pn < 0 || pn > 65535 {
				d.errorf(posOf(n), "http.listen: bad port in %q", v)
				return
			}
		}
		*dst = v
	}
}

func (d *decoder) log(n *yaml.Node, l *Log) {
	oneOf := func(dst *string, what string, allowed ...string) func(*yaml.Node) {
		return func(n *yaml.Node) {
			v, ok := d.str(n, what)
			if !ok {
				return
			}
			for _, a := range allowed {
				if strings.EqualFold(v, a) {
					*dst = a
					return
				}
			}
			d.errorf(posOf(n), "%s must be one of %s, got %q", what, strings.Join(allowed, ", "), v)
		}
	}
	d.mapping(n, "log", map[string]func(*yaml.Node){
		"level":  oneOf(&l.Level, "log.level", "debug", "info", "warn", "error"),
		"format": oneOf(&l.Format, "log.format", "text", "json"),
	})
}

// feedURL checks a feed address: http or https with a host.
func feedURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %v", v, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL %q must start with http:// or https://", v)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("URL %q has no host", v)
	}
	return nil
}

func (d *decoder) tags(n *yaml.Node, what string) []string {
	tags, _ := d.strs(n, what, nil)
	return tags
}

func (d *decoder) feeds(n *yaml.Node, cfg *Config) {
	seen := map[string]Pos{}
	d.list(n, "feeds", func(e *yaml.Node) {
		f := Feed{Pos: posOf(e)}
		var urlNode *yaml.Node
		d.mapping(e, "a feed", map[string]func(*yaml.Node){
			"url": func(n *yaml.Node) {
				urlNode = n
				if v, ok := d.str(n, "feed url"); ok {
					f.URL = strings.TrimSpace(v)
				}
			},
			"name":     d.setString(&f.Name, "feed name"),
			"tags":     func(n *yaml.Node) { f.Tags = d.tags(n, "feed tags") },
			"interval": d.warnSubSecond(&f.Interval, "feed interval", true),
		})
		if e.Kind != yaml.MappingNode {
			return
		}
		switch {
		case urlNode == nil:
			d.errorf(f.Pos, "feed has no url")
			return
		case f.URL == "":
			if urlNode.Value != "" && strings.Contains(urlNode.Value, "${") {
				d.errorf(posOf(urlNode), "feed url is empty after ${VAR} expansion (%s)", urlNode.Value)
			} else if isNull(urlNode) || urlNode.Value == "" {
				d.errorf(posOf(urlNode), "feed url is empty")
			}
			return
		}
		if err := feedURL(f.URL); err != nil {
			d.errorf(posOf(urlNode), "feed %v", err)
			return
		}
		key := model.FeedKey(f.URL)
		if first, dup := seen[key]; dup {
			d.errorf(posOf(urlNode), "duplicate feed url %s (first at line %d)", f.URL, first.Line)
			return
		}
		seen[key] = posOf(urlNode)
		cfg.Feeds = append(cfg.Feeds, f)
	})
}

func (d *decoder) entities(n *yaml.Node, cfg *Config) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(posOf(n), "entities must be a mapping of names to alias lists, got %s", kindName(n))
		return
	}
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		name, ok := d.str(k, "entity name")
		if !ok {
			continue
		}
		if strings.TrimSpace(name) == "" {
			d.errorf(posOf(k), "empty entity name")
			continue
		}
		if first, dup := seen[name]; dup {
			d.errorf(posOf(k), "duplicate entity %q (first at line %d)", name, first.Line)
			continue
		}
		seen[name] = posOf(k)
		aliases, _ := d.strs(v, "the aliases of entity "+name, nil)
		cfg.Entities[name] = aliases
	}
}

func (d *decoder) aliasFiles(n *yaml.Node, cfg *Config) {
	cfg.AliasFiles, cfg.AliasFilePos = d.strs(n, "alias_files", nil)
}

// watchNameRE is what a watch name may contain: it is typed in chats
// (/subscribe NAME) and on the command line.
var watchNameRE = regexp.MustCompile(`^[\p{L}\p{N}_.\-]+$`)

type namePos struct {
	name string
	pos  Pos
}

func (d *decoder) watches(n *yaml.Node, cfg *Config) {
	seen := map[string]namePos{}
	d.list(n, "watches", func(e *yaml.Node) {
		w := Watch{Pos: posOf(e)}
		var nameNode, queryNode *yaml.Node
		d.mapping(e, "a watch", map[string]func(*yaml.Node){
			"name": func(n *yaml.Node) {
				nameNode = n
				if v, ok := d.str(n, "watch name"); ok {
					w.Name = v
				}
			},
			"query": func(n *yaml.Node) {
				queryNode = n
				if v, ok := d.str(n, "watch query"); ok {
					w.Query = v
					w.QueryPos = posOf(n)
					if v == n.Value {
						w.queryCols = scalarColumns(n, d.lines)
					}
				}
			},
			"tags": func(n *yaml.Node) { w.Tags = d.tags(n, "watch tags") },
			"color": func(n *yaml.Node) {
				if c, ok := d.color(n); ok {
					w.Color = c
				}
			},
		})
		if e.Kind != yaml.MappingNode {
			return
		}
		ok := true
		switch {
		case nameNode == nil:
			d.errorf(w.Pos, "watch has no name")
			ok = false
		case w.Name == "":
			d.errorf(posOf(nameNode), "watch name is empty")
			ok = false
		case !watchNameRE.MatchString(w.Name):
			d.errorf(posOf(nameNode), "watch name %q may only contain letters, digits, '-', '_' and '.'", w.Name)
			ok = false
		default:
			if first, dup := seen[strings.ToLower(w.Name)]; dup {
				note := ""
				if first.name != w.Name {
					note = fmt.Sprintf(", as %q; names are compared ignoring case", first.name)
				}
				d.errorf(posOf(nameNode), "duplicate watch name %q (first at line %d%s)", w.Name, first.pos.Line, note)
				return
			}
			seen[strings.ToLower(w.Name)] = namePos{w.Name, posOf(nameNode)}
		}
		switch {
		case queryNode == nil:
			d.errorf(w.Pos, "watch %q has no query", w.Name)
			ok = false
		case strings.TrimSpace(w.Query) == "":
			d.errorf(posOf(queryNode), "watch %q has an empty query", w.Name)
			ok = false
		}
		if ok {
			cfg.Watches = append(cfg.Watches, w)
		} else if w.Name != "" {
			d.dropped = append(d.dropped, w.Name) // already reported: routes to it are not "unknown"
		}
	})
}

// color reads a colour as 0xRRGGBB, "#RRGGBB" or a decimal number.
func (d *decoder) color(n *yaml.Node) (int, bool) {
	v, ok := d.scalar(n, "watch color")
	if !ok {
		return 0, false
	}
	s := v
	base := 0
	if strings.HasPrefix(s, "#") {
		s, base = s[1:], 16
	}
	c, err := strconv.ParseInt(s, base, 64)
	if err != nil || c < 0 || c > 0xFFFFFF {
		d.errorf(posOf(n), "watch color must be a colour like \"#1e90ff\" or 0x1e90ff, got %q", v)
		return 0, false
	}
	return int(c), true
}

func (d *decoder) routes(n *yaml.Node, cfg *Config) {
	d.list(n, "routes", func(e *yaml.Node) {
		r := Route{Pos: posOf(e)}
		var hasWatches, hasTo bool
		d.mapping(e, "a route", map[string]func(*yaml.Node){
			"watches": func(n *yaml.Node) {
				hasWatches = true
				r.Watches, r.watchPos = d.strs(n, "route watches", nil)
			},
			"to": func(n *yaml.Node) {
				hasTo = true
				var raw []string
				raw, r.toPos = d.strs(n, "route destinations", func(e *yaml.Node, v string) bool {
					if _, err := model.ParseDestination(v); err != nil {
						d.errorf(posOf(e), "%v", err)
						return false
					}
					return true
				})
				for _, v := range raw {
					r.To = append(r.To, model.Destination(strings.TrimSpace(v)))
				}
			},
		})
		if e.Kind != yaml.MappingNode {
			return
		}
		if !hasWatches {
			d.errorf(r.Pos, "route has no watches")
		}
		if !hasTo {
			d.errorf(r.Pos, "route has no destinations (to:)")
		}
		cfg.Routes = append(cfg.Routes, r)
	})
}

func (d *decoder) apiURL(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.str(n, what)
		if !ok {
			return
		}
		if v == "" {
			return // keep the default
		}
		if err := feedURL(v); err != nil {
			d.errorf(posOf(n), "%s: %v", what, err)
			return
		}
		*dst = v
	}
}

func (d *decoder) discord(n *yaml.Node, c *Discord) {
	d.mapping(n, "discord", map[string]func(*yaml.Node){
		"token": d.setSecret(&c.Token, "discord.token"),
		"api":   d.apiURL(&c.API, "discord.api"),
		"guilds": func(n *yaml.Node) {
			c.Guilds, _ = d.strs(n, "discord.guilds", d.snowflake("discord.guilds"))
		},
	})
}

func (d *decoder) telegram(n *yaml.Node, c *Telegram) {
	d.mapping(n, "telegram", map[string]func(*yaml.Node){
		"token": d.setSecret(&c.Token, "telegram.token"),
		"api":   d.apiURL(&c.API, "telegram.api"),
	})
}

func (d *decoder) webhook(n *yaml.Node, c *Webhook) {
	d.mapping(n, "webhook", map[string]func(*yaml.Node){
		"secret":        d.setKey(&c.Secret, "webhook.secret"),
		"allow_private": d.setBool(&c.AllowPrivate, "webhook.allow_private"),
	})
}

// setKey reads a shared secret (any characters but surrounding space)
// without ever echoing its value in an error.
func (d *decoder) setKey(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			d.errorf(posOf(n), "%s must be a single value, got %s", what, kindName(n))
			return
		}
		v, err := expand(n.Value, d.lookup)
		if err != nil {
			d.errorf(posOf(n), "%s: %v", what, err)
			return
		}
		*dst = strings.TrimSpace(v)
	}
}

// setSecret reads a token without ever echoing its value in an error.
func (d *decoder) setSecret(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if n.Kind != yaml.ScalarNode {
			d.errorf(posOf(n), "%s must be a single value, got %s", what, kindName(n))
			return
		}
		v, err := expand(n.Value, d.lookup)
		if err != nil {
			d.errorf(posOf(n), "%s: %v", what, err)
			return
		}
		v = strings.TrimSpace(v)
		if strings.ContainsAny(v, " \t\r\n/") {
			d.errorf(posOf(n), "%s contains spaces or slashes; it does not look like a bot token", what)
			return
		}
		*dst = v
	}
}

func (d *decoder) snowflake(what string) func(*yaml.Node, string) bool {
	return func(n *yaml.Node, v string) bool {
		if !model.IsSnowflake(v) {
			d.errorf(posOf(n), "%s: %q is not a Discord id (a number like 112233445566778899)", what, v)
			return false
		}
		return true
	}
}

func (d *decoder) admins(n *yaml.Node, a *Admins) {
	d.mapping(n, "admins", map[string]func(*yaml.Node){
		"telegram": func(n *yaml.Node) {
			a.Telegram, _ = d.strs(n, "admins.telegram", func(n *yaml.Node, v string) bool {
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					d.errorf(posOf(n), "admins.telegram: %q is not a Telegram user id (a number)", v)
					return false
				}
				return true
			})
		},
		"discord": func(n *yaml.Node) {
			a.Discord, _ = d.strs(n, "admins.discord", d.snowflake("admins.discord"))
		},
	})
}

func (d *decoder) security(n *yaml.Node, s *Security) {
	d.mapping(n, "security", map[string]func(*yaml.Node){
		"allow_private_feeds": d.setBool(&s.AllowPrivateFeeds, "security.allow_private_feeds"),
		"allow_chat_regex":    d.setBool(&s.AllowChatRegex, "security.allow_chat_regex"),
	})
}

func (d *decoder) limits(n *yaml.Node, l *Limits) {
	d.mapping(n, "limits", map[string]func(*yaml.Node){
		"query_length":           d.setInt(&l.QueryLength, "limits.query_length", 1),
		"subscriptions_per_chat": d.setInt(&l.SubscriptionsPerChat, "limits.subscriptions_per_chat", 1),
		"commands_per_minute":    d.setInt(&l.CommandsPerMinute, "limits.commands_per_minute", 1),
	})
}

// validate checks what spans sections: routes name known watches.
func (d *decoder) validate(cfg *Config) {
	names := map[string]bool{}
	for _, w := range cfg.Watches {
		names[w.Name] = true
	}
	for _, name := range d.dropped {
		names[name] = true
	}
	for _, r := range cfg.Routes {
		for i, name := range r.Watches {
			if !names[name] {
				d.errorf(r.watchPos[i], "route refers to unknown watch %q", name)
			}
		}
	}
}

// scalarColumns maps each rune of a single-line scalar's value to its
// 1-based source column, plus one entry for the column just past the end.
// It returns nil when the value cannot be mapped (block scalars, values
// folded over several lines).
func scalarColumns(n *yaml.Node, lines [][]byte) []int {
	if n.Line < 1 || n.Line > len(lines) || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return nil
	}
	line := []rune(string(lines[n.Line-1]))
	i := n.Column - 1
	if i < 0 || i > len(line) {
		return nil
	}
	val := []rune(n.Value)
	cols := make([]int, 0, len(val)+1)
	switch {
	case n.Style&yaml.SingleQuotedStyle != 0:
		if i >= len(line) || line[i] != '\'' {
			return nil
		}
		i++
		for _, r := range val {
			if i >= len(line) {
				return nil
			}
			cols = append(cols, i+1)
			if r == '\'' {
				if i+1 >= len(line) || line[i] != '\'' || line[i+1] != '\'' {
					return nil
				}
				i += 2
				continue
			}
			if line[i] != r {
				return nil
			}
			i++
		}
		if i >= len(line) || line[i] != '\'' {
			return nil
		}
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if i >= len(line) || line[i] != '"' {
			return nil
		}
		i++
		for range val {
			if i >= len(line) || line[i] == '"' {
				return nil
			}
			cols = append(cols, i+1)
			if line[i] != '\\' {
				i++
				continue
			}
			if i+1 >= len(line) {
				return nil
			}
			switch line[i+1] {
			case 'x':
				i += 4
			case 'u':
				i += 6
			case 'U':
				i += 10
			default:
				i += 2
			}
		}
		if i >= len(line) || line[i] != '"' {
			return nil
		}
	default:
		for _, r := range val {
			if i >= len(line) || line[i] != r {
				return nil
			}
			cols = append(cols, i+1)
			i++
		}
	}
	return append(cols, i+1)
}

// QueryOffsetPos returns the file position of the rune at offset (0-based)
// inside the watch's query, for errors the query parser reports. When the
// query cannot be mapped rune by rune (block scalars, multi-line values,
// ${VAR} expansion) it returns QueryPos.
func (w Watch) QueryOffsetPos(offset int) Pos {
	if len(w.queryCols) == 0 || offset < 0 || utf8.RuneCountInString(w.Query)+1 != len(w.queryCols) {
		return w.QueryPos
	}
	if offset >= len(w.queryCols) {
		offset = len(w.queryCols) - 1
	}
	return Pos{Line: w.QueryPos.Line, Col: w.queryCols[offset]}
}

// Warnings returns what is valid but probably not meant, in file order:
// an empty config, sub-second schedules and intervals, routes to a
// platform whose token is empty (the daemon parks those alerts), routes
// with no watches, watches no route sends anywhere, and watch tags no
// feed of the config carries (chat-added feeds might).
func (c *Config) Warnings() ErrorList {
	ws := append(ErrorList(nil), c.warns...)
	warn := func(p Pos, format string, args ...any) {
		ws = append(ws, &Error{File: c.file, Pos: p, Msg: "warning: " + fmt.Sprintf(format, args...)})
	}
	if len(c.Feeds) == 0 && len(c.Watches) == 0 {
		warn(Pos{Line: 1, Col: 1}, "no feeds and no watches: the daemon would poll nothing and alert on nothing (newshound feed add URL, newshound watch add NAME QUERY --to DEST)")
	}
	routed := map[string]bool{}
	for _, r := range c.Routes {
		for _, w := range r.Watches {
			routed[w] = true
		}
	}
	for _, w := range c.Watches {
		if !routed[w.Name] {
			warn(w.Pos, "watch %q reaches no destination: no route names it, so only chats that subscribe to it get its alerts (add it to routes:, or newshound watch add ... --to DEST)", w.Name)
		}
	}
	for _, r := range c.Routes {
		if len(r.Watches) == 0 {
			warn(r.Pos, "route has no watches, so it sends nothing")
		}
		for i, dest := range r.To {
			p := r.Pos
			if i < len(r.toPos) {
				p = r.toPos[i]
			}
			switch {
			case dest.Kind() == "telegram" && c.Telegram.Token == "":
				warn(p, "%s: telegram.token is empty, so the daemon parks these alerts; set the token, then run newshound outbox retry", dest)
			case dest.Kind() == "discord" && c.Discord.Token == "":
				warn(p, "%s: discord.token is empty, so the daemon parks these alerts; set the token, then run newshound outbox retry", dest)
			}
		}
	}
	feedTags := map[string]bool{}
	for _, f := range c.Feeds {
		for _, t := range f.Tags {
			feedTags[t] = true
		}
	}
	for _, w := range c.Watches {
		if len(w.Tags) == 0 {
			continue
		}
		carried := false
		for _, t := range w.Tags {
			carried = carried || feedTags[t]
		}
		if !carried {
			warn(w.Pos, "watch %q: no feed in the config has any of its tags %v", w.Name, w.Tags)
		}
	}
	ws.Sort()
	return ws
}

// QueryError returns a problem found by the query parser in watch w of c,
// at rune offset (0-based) inside the query, as a positioned Error — so
// that a reload or `newshound check` reports it as file:line:col like any
// other config problem. msg should not repeat the offset.
func (c *Config) QueryError(w Watch, offset int, msg string) *Error {
	return &Error{File: c.file, Pos: w.QueryOffsetPos(offset), Msg: fmt.Sprintf("watch %q: query: %s", w.Name, msg)}
}
