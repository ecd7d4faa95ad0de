package config

// The schema: every section and key of config.yaml, its type, default
// and checks, on top of the generic decoder.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

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
		"stories": func(n *yaml.Node) {
			d.mapping(n, "stories", map[string]func(*yaml.Node){
				"window":        d.setDuration(&cfg.Stories.Window, "stories.window", false),
				"also_reported": d.alsoReported(&cfg.Stories.AlsoReported, "stories.also_reported"),
			})
		},
		"store": func(n *yaml.Node) { d.store(n, &cfg.Store) },
		"http":  func(n *yaml.Node) { d.http(n, &cfg.HTTP) },
		"history": func(n *yaml.Node) {
			d.mapping(n, "history", map[string]func(*yaml.Node){"keep": d.setLongDuration(&cfg.History.Keep, "history.keep")})
		},
		"log":          func(n *yaml.Node) { d.log(n, &cfg.Log) },
		"feeds":        func(n *yaml.Node) { d.feeds(n, cfg) },
		"entities":     func(n *yaml.Node) { d.entities(n, cfg) },
		"alias_files":  func(n *yaml.Node) { d.aliasFiles(n, cfg) },
		"watches":      func(n *yaml.Node) { d.watches(n, cfg) },
		"routes":       func(n *yaml.Node) { d.routes(n, cfg) },
		"discord":      func(n *yaml.Node) { d.discord(n, &cfg.Discord) },
		"telegram":     func(n *yaml.Node) { d.telegram(n, &cfg.Telegram) },
		"webhook":      func(n *yaml.Node) { d.webhook(n, &cfg.Webhook) },
		"admins":       func(n *yaml.Node) { d.admins(n, &cfg.Admins) },
		"security":     func(n *yaml.Node) { d.security(n, &cfg.Security) },
		"limits":       func(n *yaml.Node) { d.limits(n, &cfg.Limits) },
		"destinations": func(n *yaml.Node) { d.destinations(n, cfg) },
	})
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
		"interval":         d.warnSubSecond(&p.Interval, "poll.interval", false),
		"timeout":          d.setDuration(&p.Timeout, "poll.timeout", false),
		"concurrency":      d.setInt(&p.Concurrency, "poll.concurrency", 1),
		"per_host":         d.setInt(&p.PerHost, "poll.per_host", 1),
		"backfill":         d.setInt(&p.Backfill, "poll.backfill", 0),
		"fulltext":         d.fulltext(&p.Fulltext, "poll.fulltext"),
		"fulltext_timeout": d.setDuration(&p.FulltextTimeout, "poll.fulltext_timeout", false),
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

// http decodes the http section. Off loopback the web console and its
// changes would be open to anyone who can reach the port, so a listen
// address that is not loopback requires http.auth.
func (d *decoder) http(n *yaml.Node, h *HTTP) {
	var listenNode *yaml.Node
	d.mapping(n, "http", map[string]func(*yaml.Node){
		"listen": func(n *yaml.Node) {
			listenNode = n
			d.setListen(&h.Listen)(n)
		},
		"public_url": d.setPublicURL(&h.PublicURL),
		"auth": func(n *yaml.Node) {
			v, ok := d.str(n, "http.auth")
			if !ok {
				return
			}
			if err := CheckAuth(v); err != nil {
				d.errorf(posOf(n), "http.auth: %v", err)
				return
			}
			h.Auth = v
		},
	})
	if listenNode != nil && h.Listen != "" && h.Auth == "" && !IsLoopback(h.Listen) {
		d.errorf(posOf(listenNode), "http.listen %q is not a loopback address: set http.auth (a token, or USER:BCRYPT_HASH) so the web console is not open to everyone", h.Listen)
	}
}

// setLongDuration decodes a duration that may count days ("30d"); zero is allowed (off).
func (d *decoder) setLongDuration(dst *time.Duration, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.scalar(n, what)
		if !ok {
			return
		}
		t, err := model.ParseLongDuration(v)
		if err != nil {
			d.errorf(posOf(n), "%s: %v", what, err)
			return
		}
		*dst = t
	}
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

// setPublicURL reads http.public_url: where hubs reach this daemon's
// WebSub callbacks, so it must be an absolute http(s) URL without a query
// (callback paths are appended to it).
func (d *decoder) setPublicURL(dst *string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.str(n, "http.public_url")
		if !ok || v == "" {
			return
		}
		if err := feedURL(v); err != nil {
			d.errorf(posOf(n), "http.public_url: %v", err)
			return
		}
		if u, _ := url.Parse(v); u.RawQuery != "" || u.Fragment != "" {
			d.errorf(posOf(n), "http.public_url: %q must not have a query or fragment", v)
			return
		}
		*dst = strings.TrimSuffix(v, "/")
	}
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
			"fulltext": d.fulltext(&f.Fulltext, "feed fulltext"),
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
			"tags":        func(n *yaml.Node) { w.Tags = d.tags(n, "watch tags") },
			"min_outlets": d.setInt(&w.MinOutlets, "watch min_outlets", 1),
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
			"also_reported": d.alsoReported(&r.AlsoReported, "route also_reported"),
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

// alsoReported reads one of edit, quiet and alert.
func (d *decoder) alsoReported(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.str(n, what)
		if !ok {
			return
		}
		switch v {
		case AlsoReportedEdit, AlsoReportedQuiet, AlsoReportedAlert:
			*dst = v
		default:
			d.errorf(posOf(n), "%s must be edit, quiet or alert, got %q", what, v)
		}
	}
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

// store reads the store section. A postgres driver needs a DSN; the DSN's
// value is never echoed in an error (it may hold a password).
func (d *decoder) store(n *yaml.Node, s *Store) {
	var driverNode, dsnNode *yaml.Node
	d.mapping(n, "store", map[string]func(*yaml.Node){
		"path": d.setString(&s.Path, "store.path"),
		"lease": func(n *yaml.Node) {
			if t, ok := d.duration(n, "store.lease", false); ok {
				if t < time.Second {
					d.errorf(posOf(n), "store.lease must be at least 1s, got %s", t)
					return
				}
				s.Lease = t
			}
		},
		"driver": func(n *yaml.Node) {
			driverNode = n
			if v, ok := d.str(n, "store.driver"); ok {
				if v != "sqlite" && v != "postgres" {
					d.errorf(posOf(n), "store.driver must be one of sqlite, postgres, got %q", v)
					return
				}
				s.Driver = v
			}
		},
		"dsn": func(n *yaml.Node) {
			dsnNode = n
			if n.Kind != yaml.ScalarNode {
				d.errorf(posOf(n), "store.dsn must be a single value, got %s", kindName(n))
				return
			}
			v, err := expand(n.Value, d.lookup)
			if err != nil {
				d.errorf(posOf(n), "store.dsn: %v", err)
				return
			}
			s.DSN = strings.TrimSpace(v)
		},
	})
	if s.Driver == "postgres" && s.DSN == "" {
		at := driverNode
		if dsnNode != nil {
			at = dsnNode
		}
		d.errorf(posOf(at), "store.driver postgres needs store.dsn (e.g. ${DATABASE_URL}), and it is empty")
	}
}

// fulltext sets dst to one of auto, always, never.
func (d *decoder) fulltext(dst *string, what string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		v, ok := d.str(n, what)
		if !ok {
			return
		}
		switch v {
		case FulltextAuto, FulltextAlways, FulltextNever:
			*dst = v
		default:
			d.errorf(posOf(n), "%s: %q is not auto, always or never", what, v)
		}
	}
}
