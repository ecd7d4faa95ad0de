package config

// Lint: what is valid but probably not meant.

import "fmt"

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
