package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
)

// ErrRefused is matched (with errors.Is) by every edit error caused by
// what was asked or by the file's content, as opposed to I/O failures: a
// duplicate name, an unknown entry, an edit that would make the config
// invalid. The CLI maps it to exit code 1.
var ErrRefused = errors.New("edit refused")

type refusedError struct{ err error }

func (e refusedError) Error() string   { return e.err.Error() }
func (e refusedError) Unwrap() []error { return []error{ErrRefused, e.err} }

func refusef(format string, args ...any) error {
	return refusedError{fmt.Errorf(format, args...)}
}

// AddWatch returns data with w appended to the watches: list (created at
// the end of the file when missing). Only Name, Query, Tags and Color are
// written. Everything else in the file, comments and blank lines
// included, is kept byte for byte.
func AddWatch(data []byte, w Watch) ([]byte, error) {
	if !watchNameRE.MatchString(w.Name) {
		return nil, refusef("watch name %q may only contain letters, digits, '-', '_' and '.'", w.Name)
	}
	if strings.TrimSpace(w.Query) == "" {
		return nil, refusef("watch %q needs a query", w.Name)
	}
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	if _, seq := d.top("watches"); seq != nil {
		for _, it := range seq.Content {
			if v := field(it, "name"); v != nil && strings.EqualFold(v.Value, w.Name) {
				return nil, refusef("watch %q already exists (line %d)", v.Value, v.Line)
			}
		}
	}
	fields := []kv{{"name", plainOrQuoted(w.Name)}, {"query", singleQuoted(w.Query)}}
	if len(w.Tags) > 0 {
		fields = append(fields, kv{"tags", flowList(w.Tags)})
	}
	if w.Color != 0 {
		fields = append(fields, kv{"color", fmt.Sprintf("\"#%06x\"", w.Color)})
	}
	for _, f := range fields {
		if f.value == "" {
			return nil, refusef("watch %s cannot be written on one line", f.key)
		}
	}
	return d.appendItem("watches", fields)
}

// AddRoute returns data with a route of watches to dests appended to the
// routes: list; the rest of the file is kept byte for byte. The
// destinations' kinds are the caller's to check (notify.Kinds).
func AddRoute(data []byte, watches []string, dests []model.Destination) ([]byte, error) {
	if len(watches) == 0 || len(dests) == 0 {
		return nil, refusef("a route needs watches and destinations")
	}
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	to := make([]string, len(dests))
	for i, dest := range dests {
		to[i] = string(dest)
	}
	fields := []kv{{"watches", flowList(watches)}, {"to", flowList(to)}}
	for _, f := range fields {
		if f.value == "" {
			return nil, refusef("route %s cannot be written on one line", f.key)
		}
	}
	return d.appendItem("routes", fields)
}

// RemoveWatch returns data without the watch named name, with the
// comment lines directly above it. A watch still named by a route is not
// removed: the route must be changed first.
func RemoveWatch(data []byte, name string) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	_, seq := d.top("watches")
	idx := -1
	if seq != nil {
		for i, it := range seq.Content {
			if v := field(it, "name"); v != nil && v.Value == name {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		return nil, refusef("no watch named %q", name)
	}
	if _, routes := d.top("routes"); routes != nil {
		var at []string
		for _, r := range routes.Content {
			if ws := field(r, "watches"); ws != nil {
				for _, e := range ws.Content {
					if e.Value == name {
						at = append(at, fmt.Sprintf("line %d", e.Line))
					}
				}
			}
		}
		if len(at) > 0 {
			return nil, refusef("watch %q is still used by routes (%s); remove it from routes: first", name, strings.Join(at, ", "))
		}
	}
	return d.removeItem("watches", seq, idx)
}

// AddFeed returns data with f appended to the feeds: list. Only URL, Name,
// Tags and Interval are written; the rest of the file is kept byte for
// byte.
func AddFeed(data []byte, f Feed) ([]byte, error) {
	return AddFeeds(data, []Feed{f})
}

// AddFeeds is AddFeed for several feeds at once, in order: one edit, so
// that an import either adds every feed or none. A feed already in the
// file, or listed twice in fs, refuses the whole edit.
func AddFeeds(data []byte, fs []Feed) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	existing := map[string]int{}
	if _, seq := d.top("feeds"); seq != nil {
		for _, it := range seq.Content {
			if v := field(it, "url"); v != nil {
				existing[model.FeedKey(v.Value)] = v.Line
			}
		}
	}
	items := make([][]kv, 0, len(fs))
	added := map[string]bool{}
	for _, f := range fs {
		fields, err := feedFields(f)
		if err != nil {
			return nil, err
		}
		key := model.FeedKey(f.URL)
		if line, dup := existing[key]; dup {
			return nil, refusef("feed %s is already in the config (line %d)", f.URL, line)
		}
		if added[key] {
			return nil, refusef("feed %s is listed twice", f.URL)
		}
		added[key] = true
		items = append(items, fields)
	}
	if len(items) == 0 {
		return data, nil
	}
	return d.appendItem("feeds", items...)
}

// feedFields renders the config keys of one new feed entry.
func feedFields(f Feed) ([]kv, error) {
	if err := feedURL(f.URL); err != nil {
		return nil, refusef("feed %v", err)
	}
	if f.Interval < 0 {
		return nil, refusef("feed interval must not be negative")
	}
	fields := []kv{{"url", plainOrQuoted(f.URL)}}
	if f.Name != "" {
		fields = append(fields, kv{"name", plainOrQuoted(f.Name)})
	}
	if len(f.Tags) > 0 {
		fields = append(fields, kv{"tags", flowList(f.Tags)})
	}
	if f.Interval > 0 {
		fields = append(fields, kv{"interval", shortDuration(f.Interval)})
	}
	for _, kv := range fields {
		if kv.value == "" {
			return nil, refusef("feed %s %s cannot be written on one line", f.URL, kv.key)
		}
	}
	return fields, nil
}

// CheckFeedURL reports why v cannot be a feed address (it must be http or
// https with a host), or nil; importers use it to reject an entry before
// any edit starts.
func CheckFeedURL(v string) error { return feedURL(v) }

// RemoveFeed returns data without the feed whose url is rawURL (scheme and
// host compared case-insensitively), with the comment lines directly above it.
func RemoveFeed(data []byte, rawURL string) ([]byte, error) {
	d, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	_, seq := d.top("feeds")
	key := model.FeedKey(strings.TrimSpace(rawURL))
	if seq != nil {
		for i, it := range seq.Content {
			if v := field(it, "url"); v != nil && model.FeedKey(v.Value) == key {
				return d.removeItem("feeds", seq, i)
			}
		}
	}
	return nil, refusef("no feed with url %s in the config", rawURL)
}

// shortDuration renders 2m rather than 2m0s.
func shortDuration(t time.Duration) string {
	s := t.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
