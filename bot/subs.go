package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

// smartQuotes turns the typographic quotes phone keyboards insert into the
// ASCII quote the query language uses for phrases.
var smartQuotes = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`, "\u2033", `"`)

// NormalizeQuery prepares a query typed in chat: trimmed, typographic double
// quotes made ASCII, runs of white space made one space.
func NormalizeQuery(q string) string {
	return strings.Join(strings.Fields(smartQuotes.Replace(q)), " ")
}

func (c *Core) cmdWatch(ctx context.Context, r *call) string {
	q := NormalizeQuery(r.Args)
	limit := orDefault(r.cfg.Limits.QueryLength, defaultQueryLength)
	if n := utf8.RuneCountInString(q); n > limit {
		return fmt.Sprintf("That query is %d characters long; the limit is %d. Shorten it, or ask an admin to add it as a watch in config.yaml.", n, limit)
	}
	if r.m == nil {
		return "Queries cannot be checked right now (the matcher is not loaded), so nothing was added. Try again in a moment."
	}
	allowRegex := r.cfg.Security.AllowChatRegex || r.isAdmin
	if err := r.m.Check(q, allowRegex); err != nil {
		var se *matcher.SyntaxError
		if !allowRegex && errors.As(err, &se) && r.m.Check(q, true) == nil {
			return "Regular expressions (/.../) are reserved for the bot's admins here (security.allow_chat_regex is off). Use words, \"phrases\", prefix* and actor:NAME instead."
		}
		return "Nothing was added. " + describeQueryError(q, err)
	}
	if msg := c.checkRoom(ctx, r); msg != "" {
		return msg
	}
	s, err := c.store.AddSubscription(ctx, model.Subscription{Chat: r.Chat, Query: q, CreatedBy: r.UserID, CreatedAt: c.now()})
	if errors.Is(err, model.ErrSubscriptionExists) {
		return fmt.Sprintf("This chat already watches that query (id %s).", s.ID)
	}
	if err != nil {
		return c.storeFailed("save the subscription", err)
	}
	return fmt.Sprintf("Subscribed: this chat will be alerted on %s (id %s). Remove it with /unsubscribe %s.", q, s.ID, s.ID)
}

// queryErrorMsg is a query error's message without its position.
func queryErrorMsg(err error) string {
	var se *matcher.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// describeQueryError explains a bad query, pointing at the problem.
func describeQueryError(q string, err error) string {
	var se *matcher.SyntaxError
	if !errors.As(err, &se) {
		return "That query is not valid: " + err.Error()
	}
	runes := []rune(q)
	pos := min(max(se.Pos, 0), len(runes))
	return fmt.Sprintf("That query has a problem at character %d: %s.\n%s▶%s",
		pos+1, se.Msg, string(runes[:pos]), string(runes[pos:]))
}

// checkRoom returns why the chat may not take another subscription, or "".
func (c *Core) checkRoom(ctx context.Context, r *call) string {
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("count this chat's subscriptions", err)
	}
	limit := orDefault(r.cfg.Limits.SubscriptionsPerChat, defaultSubsPerChat)
	if len(subs) >= limit {
		return fmt.Sprintf("This chat already has %d subscriptions, the most allowed (limits.subscriptions_per_chat). Remove one with /unsubscribe first; /list shows them.", len(subs))
	}
	return ""
}

// findWatch returns the config watch named name, exactly or else ignoring
// case when that is unambiguous.
func findWatch(cfg *config.Config, name string) (config.Watch, bool) {
	var fold []config.Watch
	for _, w := range cfg.Watches {
		if w.Name == name {
			return w, true
		}
		if strings.EqualFold(w.Name, name) {
			fold = append(fold, w)
		}
	}
	if len(fold) == 1 {
		return fold[0], true
	}
	return config.Watch{}, false
}

func (c *Core) cmdSubscribe(ctx context.Context, r *call) string {
	name := strings.TrimSpace(r.Args)
	w, ok := findWatch(r.cfg, name)
	if !ok {
		return fmt.Sprintf("There is no watch named %q. /watches lists them; to follow your own query use /watch QUERY.", name)
	}
	note := ""
	if slices.Contains(r.m.Routed(r.Chat), w.Name) {
		note = " (config.yaml already routes it here too; you still get one alert per story)"
	}
	if msg := c.checkRoom(ctx, r); msg != "" {
		return msg
	}
	s, err := c.store.AddSubscription(ctx, model.Subscription{Chat: r.Chat, Watch: w.Name, CreatedBy: r.UserID, CreatedAt: c.now()})
	if errors.Is(err, model.ErrSubscriptionExists) {
		return fmt.Sprintf("This chat is already subscribed to %s (id %s).", w.Name, s.ID)
	}
	if err != nil {
		return c.storeFailed("save the subscription", err)
	}
	return fmt.Sprintf("Subscribed to %s (id %s)%s. Remove it with /unsubscribe %s.", w.Name, s.ID, note, w.Name)
}

func (c *Core) cmdUnsubscribe(ctx context.Context, r *call) string {
	// an id, a watch name, or an ad-hoc query typed again (normalised as /watch stores it)
	key := NormalizeQuery(r.Args)
	n, err := c.store.RemoveSubscription(ctx, r.Chat, key)
	if err != nil {
		return c.storeFailed("remove the subscription", err)
	}
	if n == 0 {
		// a watch name typed in another case
		if w, ok := findWatch(r.cfg, key); ok && w.Name != key {
			n, err = c.store.RemoveSubscription(ctx, r.Chat, w.Name)
			if err != nil {
				return c.storeFailed("remove the subscription", err)
			}
			key = w.Name
		}
	}
	if n == 0 {
		if slices.Contains(r.m.Routed(r.Chat), key) {
			return fmt.Sprintf("%s reaches this chat through a route in config.yaml, not a chat subscription; an admin has to change the config to stop it.", key)
		}
		return fmt.Sprintf("Nothing removed: this chat has no subscription with id or watch name %q. /list shows them.", key)
	}
	return fmt.Sprintf("Unsubscribed: %s removed.", key)
}

func (c *Core) cmdList(ctx context.Context, r *call) string {
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's subscriptions", err)
	}
	var b strings.Builder
	routed := r.m.Routed(r.Chat)
	if len(subs) == 0 && len(routed) == 0 {
		b.WriteString("This chat has no subscriptions. Add one with /subscribe WATCH (/watches lists them) or /watch QUERY.")
	}
	if len(subs) > 0 {
		fmt.Fprintf(&b, "Subscriptions of this chat (%d):\n", len(subs))
		for _, s := range subs {
			if s.Watch != "" {
				fmt.Fprintf(&b, "%s  watch %s", s.ID, s.Watch)
				if _, ok := findWatch(r.cfg, s.Watch); !ok {
					b.WriteString(" (INACTIVE: no longer in config.yaml)")
				}
				b.WriteByte('\n')
			} else {
				fmt.Fprintf(&b, "%s  query %s", s.ID, s.Query)
				if r.m != nil {
					if err := r.m.Check(s.Query, watchlist.AllowsRegex(r.cfg, s)); err != nil {
						// an actor removed from the config, or regexes turned off
						fmt.Fprintf(&b, " (INACTIVE: %s)", clip(queryErrorMsg(err), 120))
					}
				}
				b.WriteByte('\n')
			}
		}
		b.WriteString("Remove one with /unsubscribe ID.")
	}
	if len(routed) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "Routed here by config.yaml: %s (admins change these in the config).", strings.Join(routed, ", "))
	}
	if until, err := c.store.MuteUntil(ctx, r.Chat); err == nil && !until.IsZero() {
		fmt.Fprintf(&b, "\n\nMuted until %s; alerts are held until then (/unmute to resume now).", fmtTime(until))
	}
	return b.String()
}

func (c *Core) cmdWatches(ctx context.Context, r *call) string {
	if len(r.cfg.Watches) == 0 {
		return "No watches are configured. Follow your own query with /watch QUERY."
	}
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's subscriptions", err)
	}
	subscribed := map[string]bool{}
	for _, s := range subs {
		if s.Watch != "" {
			subscribed[s.Watch] = true
		}
	}
	routed := r.m.Routed(r.Chat)
	var b strings.Builder
	fmt.Fprintf(&b, "Configured watches (%d):\n", len(r.cfg.Watches))
	for _, w := range r.cfg.Watches {
		fmt.Fprintf(&b, "%s: %s", w.Name, clip(w.Query, 160))
		if len(w.Tags) > 0 {
			fmt.Fprintf(&b, " [feeds tagged %s]", strings.Join(w.Tags, ", "))
		}
		switch {
		case subscribed[w.Name]:
			b.WriteString(" (subscribed)")
		case slices.Contains(routed, w.Name):
			b.WriteString(" (routed here)")
		}
		b.WriteByte('\n')
	}
	b.WriteString("Subscribe with /subscribe NAME.")
	return b.String()
}

func (c *Core) cmdMute(ctx context.Context, r *call) string {
	d, err := ParseMuteDuration(r.Args)
	if err != nil {
		return "Not muted: " + err.Error() + "."
	}
	until := c.now().Add(d)
	if err := c.store.SetMute(ctx, r.Chat, until); err != nil {
		return c.storeFailed("mute this chat", err)
	}
	return fmt.Sprintf("Muted for %s, until %s. Alerts are held, not dropped: they arrive when the mute ends, or now with /unmute.", fmtDuration(d), fmtTime(until))
}

func (c *Core) cmdUnmute(ctx context.Context, r *call) string {
	until, err := c.store.MuteUntil(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's mute", err)
	}
	if until.IsZero() {
		return "This chat is not muted."
	}
	if err := c.store.SetMute(ctx, r.Chat, time.Time{}); err != nil {
		return c.storeFailed("unmute this chat", err)
	}
	c.wake()
	return "Unmuted: held alerts are on their way, as one digest."
}

var durationPart = regexp.MustCompile(`^([0-9]+)(weeks?|w|days?|d|hours?|h|minutes?|mins?|m|seconds?|secs?|s)`)

// ParseMuteDuration reads a mute length such as "30m", "2h", "1d", "1w" or
// "1d12h", between one minute and 30 days. Errors are meant for the user.
func ParseMuteDuration(s string) (time.Duration, error) {
	in := strings.ToLower(strings.Join(strings.Fields(s), ""))
	if in == "" {
		return 0, errors.New("say how long to mute for, for example /mute 2h, /mute 30m or /mute 1d")
	}
	rest := in
	var total time.Duration
	for rest != "" {
		m := durationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("%q is not a duration I understand; write it like 30m, 2h, 1d or 1d12h", s)
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q is too long: a mute can last at most 30 days", s)
		}
		var unit time.Duration
		switch m[2][0] {
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		}
		total += time.Duration(n) * unit
		rest = rest[len(m[0]):]
	}
	switch {
	case total > maxMute:
		return 0, fmt.Errorf("%s is too long: a mute can last at most 30 days (/unmute ends one early)", fmtDuration(total))
	case total < minMute:
		return 0, errors.New("a mute must last at least one minute")
	}
	return total, nil
}

// storeFailed logs a store error and says, without the raw error, that
// nothing was done.
func (c *Core) storeFailed(what string, err error) string {
	c.log.Error("bot: store error", "op", what, "err", err)
	return fmt.Sprintf("Sorry, I could not %s: the database reported an error (details are in the logs). Try again later.", what)
}
