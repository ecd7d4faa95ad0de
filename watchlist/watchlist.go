// Package watchlist compiles a config into what matching needs — the actor
// registry, the config's watches, the routes from each watch to its
// destinations, the chats' subscriptions — and is the one place the rules
// joining config and matcher live: how the registry is built, which queries
// may use /regex/, how a query error is placed in the file, how an ad-hoc
// query is named. The engine, the bot and the command line all go through it,
// so they match alike.
package watchlist

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// Set is a config compiled for matching. It is immutable and safe for
// concurrent use; a config reload builds a new one.
type Set struct {
	cfg      *config.Config
	reg      *matcher.Registry
	tagged   *matcher.Compiled // config watches with their feed tags
	untagged *matcher.Compiled // the same, tags dropped (input from no feed)
	routes   map[string][]model.Destination
}

// Compile builds the Set of cfg: the registry (built-in table, entities,
// alias files), every config watch compiled (regexes allowed: the config is
// trusted) and every route destination checked against kinds (nil: shape
// only). Problems come back as a config.ErrorList with file:line:col, a
// query error placed inside the query.
func Compile(cfg *config.Config, kinds *notify.Kinds) (*Set, error) {
	reg, errs := Registry(cfg)
	errs = append(errs, CheckDestinations(cfg, kinds)...)
	s := &Set{cfg: cfg, reg: reg, routes: make(map[string][]model.Destination)}
	tagged := make([]matcher.Watch, len(cfg.Watches))
	untagged := make([]matcher.Watch, len(cfg.Watches))
	hasTags := false
	for i, w := range cfg.Watches {
		tagged[i] = matcher.Watch{Name: w.Name, Query: w.Query, Tags: w.Tags}
		untagged[i] = matcher.Watch{Name: w.Name, Query: w.Query}
		hasTags = hasTags || len(w.Tags) > 0
	}
	opts := matcher.CompileOptions{AllowRegex: true}
	var err error
	if s.tagged, err = matcher.Compile(tagged, reg, opts); err != nil {
		errs = append(errs, queryErrors(cfg, err)...)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	s.untagged = s.tagged
	if hasTags {
		if s.untagged, err = matcher.Compile(untagged, reg, opts); err != nil {
			return nil, fmt.Errorf("watchlist: %w", err)
		}
	}
	// A watch that fires on an empty story fires on every story that
	// lacks its excluded words: refuse it.
	if hits := s.untagged.Match(matcher.Doc{}); len(hits) > 0 {
		for _, h := range hits {
			for _, w := range cfg.Watches {
				if w.Name == h.Watch {
					errs = append(errs, QueryError(cfg, w, everyStoryError(w.Query)))
				}
			}
		}
		errs.Sort()
		return nil, errs
	}
	for _, r := range cfg.Routes {
		for _, w := range r.Watches {
			s.routes[w] = appendUnique(s.routes[w], r.To...)
		}
	}
	return s, nil
}

// everyStoryError is the refusal of a query that would fire on every story:
// one that only excludes (-word, NOT word) or ORs an exclusion. The rule is
// the matcher's own verdict on an empty story, so it holds for any shape of
// query without reaching into the parser.
func everyStoryError(query string) *matcher.SyntaxError {
	pos := 0
	for _, r := range query {
		if r != ' ' && r != '\t' {
			break
		}
		pos++
	}
	return &matcher.SyntaxError{Pos: pos, Msg: "this query fires on every story without its excluded words (-word only excludes); add a word that must appear, e.g. \"Baku -sports\""}
}

// CheckQuery validates one query as Compile does: it parses and compiles
// (a *matcher.SyntaxError for a bad query) and must not fire on every story.
func CheckQuery(query string, reg *matcher.Registry, opts matcher.CompileOptions) error {
	if err := matcher.Check(query, reg, opts); err != nil {
		return err
	}
	c, err := matcher.Compile([]matcher.Watch{{Name: "q", Query: query}}, reg, opts)
	if err != nil {
		return err
	}
	if len(c.Match(matcher.Doc{})) > 0 {
		return everyStoryError(query)
	}
	return nil
}

// Registry builds the actor registry of cfg's queries: the built-in table,
// entities: (in name order), then alias_files:, one file at a time so that a
// file that cannot be imported is reported at its entry (a missing file is
// already reported by config.Load). The registry is usable even with errors.
func Registry(cfg *config.Config) (*matcher.Registry, config.ErrorList) {
	reg := matcher.NewRegistry()
	reg.AddGroups(cfg.Entities)
	var errs config.ErrorList
	for i, f := range cfg.AliasFiles {
		if _, err := os.Stat(f); err != nil {
			continue
		}
		if err := reg.ImportFile(f); err != nil {
			errs = append(errs, cfg.ErrorAt(cfg.AliasFileAt(i), err.Error()))
		}
	}
	return reg, errs
}

// CheckDestinations checks every route destination of cfg against kinds,
// each problem at its place in the file. nil kinds checks nothing more than
// config.Load did.
func CheckDestinations(cfg *config.Config, kinds *notify.Kinds) config.ErrorList {
	if kinds == nil {
		return nil
	}
	var errs config.ErrorList
	for _, r := range cfg.Routes {
		for i, d := range r.To {
			if err := kinds.Check(d); err != nil {
				errs = append(errs, cfg.ErrorAt(r.ToAt(i), err.Error()))
			}
		}
	}
	return errs
}

// queryErrors turns the matcher's errors about config watches into
// problems placed inside their queries.
func queryErrors(cfg *config.Config, err error) config.ErrorList {
	var ce *matcher.CompileErrors
	if !errors.As(err, &ce) {
		return config.ErrorList{cfg.ErrorAt(config.Pos{Line: 1, Col: 1}, "watchlist: "+err.Error())}
	}
	var list config.ErrorList
	for _, we := range ce.Errors {
		if we.Index < len(cfg.Watches) {
			list = append(list, QueryError(cfg, cfg.Watches[we.Index], we.Err))
		}
	}
	return list
}

// QueryError places err, found by the matcher in watch w's query, in the
// config file: at the offending rune for a syntax error, else at the query.
func QueryError(cfg *config.Config, w config.Watch, err error) *config.Error {
	var se *matcher.SyntaxError
	if errors.As(err, &se) {
		return cfg.QueryError(w, se.Pos, se.Msg)
	}
	return cfg.QueryError(w, 0, err.Error())
}

// Config returns the config the set was compiled from.
func (s *Set) Config() *config.Config { return s.cfg }

// Registry returns the actor registry the set's queries resolve against.
func (s *Set) Registry() *matcher.Registry { return s.reg }

// Check validates a chat query; allowRegex permits /regex/ terms. It
// returns nil or an error (a *matcher.SyntaxError for a bad query).
func (s *Set) Check(query string, allowRegex bool) error {
	return CheckQuery(query, s.reg, matcher.CompileOptions{AllowRegex: allowRegex})
}

// Match returns the config watches that fire on d, then those of extra
// (compiled for this call, regexes allowed: callers pass only queries that
// passed Check under AllowsRegex; one that does not compile is skipped).
// keepTags false ignores the watches' feed tags, for input from no
// configured feed (text, an unknown URL).
func (s *Set) Match(d matcher.Doc, extra []matcher.Watch, keepTags bool) []matcher.Hit {
	c := s.untagged
	if keepTags {
		c = s.tagged
	}
	hits := c.Match(d)
	if len(extra) == 0 {
		return hits
	}
	if ec := compileGood(extra, s.reg, matcher.CompileOptions{AllowRegex: true}); ec != nil {
		hits = append(hits, ec.Match(d)...)
	}
	return hits
}

// compileGood compiles the watches that compile, skipping the others.
func compileGood(ws []matcher.Watch, reg *matcher.Registry, opts matcher.CompileOptions) *matcher.Compiled {
	c, err := matcher.Compile(ws, reg, opts)
	var ce *matcher.CompileErrors
	if errors.As(err, &ce) {
		bad := map[int]bool{}
		for _, we := range ce.Errors {
			bad[we.Index] = true
		}
		var good []matcher.Watch
		for i, w := range ws {
			if !bad[i] {
				good = append(good, w)
			}
		}
		c, err = matcher.Compile(good, reg, opts)
	}
	if err != nil {
		return nil
	}
	return c
}

// Routed returns the config watches routed to dest, in config order.
func (s *Set) Routed(dest model.Destination) []string {
	var out []string
	for _, r := range s.cfg.Routes {
		if slices.Contains(r.To, dest) {
			out = appendUnique(out, r.Watches...)
		}
	}
	return out
}

// Destinations returns where the config routes watch's alerts.
func (s *Set) Destinations(watch string) []model.Destination { return s.routes[watch] }

// AllowsRegex reports whether sub's ad-hoc query may use /regex/ terms under
// cfg: when security.allow_chat_regex is on, or when a config admin of the
// chat's platform created it. /watch applies it when the query is added and
// the engine when it compiles the stored query, so both agree.
func AllowsRegex(cfg *config.Config, sub model.Subscription) bool {
	if cfg == nil {
		return false
	}
	return cfg.Security.AllowChatRegex || cfg.IsAdmin(sub.Chat.Kind(), sub.CreatedBy)
}

// AdhocName is the matcher watch name of a chat's ad-hoc query with
// subscription id: "#" + id, as chats see it.
func AdhocName(id string) string { return "#" + id }

// AdhocID returns the subscription id of an ad-hoc watch name, if it is one.
func AdhocID(watch string) (string, bool) {
	if len(watch) > 1 && watch[0] == '#' {
		return watch[1:], true
	}
	return "", false
}

func appendUnique[T comparable](list []T, add ...T) []T {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// ItemDoc is the document a feed item is matched as, wherever it is matched
// (the engine, /test, `newshound match`).
func ItemDoc(it feeds.Item, feedName string, feedTags []string) matcher.Doc {
	return matcher.Doc{
		Title:      it.Title,
		Summary:    it.Summary,
		Content:    it.Content,
		Categories: it.Categories,
		Feed:       feedName,
		FeedTags:   feedTags,
	}
}

// TextDoc is the document a free text is matched as (/test, match --text).
func TextDoc(text string) matcher.Doc { return matcher.Doc{Title: text} }
