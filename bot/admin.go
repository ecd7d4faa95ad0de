package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/newshound/newshound/model"
)

// Bounds on /addfeed input.
const (
	maxFeedURL = 2048
	maxTags    = 10
)

var tagRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,31}$`)

// checkFeedURL validates a URL typed in chat; the error is for the user.
func checkFeedURL(raw string) error {
	if len(raw) > maxFeedURL {
		return fmt.Errorf("that URL is %d characters long; the limit is %d", len(raw), maxFeedURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("that is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("a feed URL must start with http:// or https://")
	}
	if u.Hostname() == "" {
		return errors.New("that URL has no host name")
	}
	if u.User != nil {
		return errors.New("URLs with a user name or password are not accepted from chat (they would be shown in /feeds)")
	}
	return nil
}

// parseTags reads "/addfeed URL tag1 tag2" or "tag1,tag2"; the error is for the user.
func parseTags(fields []string) ([]string, error) {
	var tags []string
	for _, f := range fields {
		for _, t := range strings.Split(f, ",") {
			t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "#"))
			if t == "" {
				continue
			}
			if !tagRE.MatchString(t) {
				return nil, fmt.Errorf("%q is not a valid tag: use letters, digits, - and _, at most 32 characters", clip(t, 40))
			}
			if !containsString(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	if len(tags) > maxTags {
		return nil, fmt.Errorf("at most %d tags per feed", maxTags)
	}
	return tags, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Core) cmdAddFeed(ctx context.Context, r *call) string {
	fields := strings.Fields(r.Args)
	raw := fields[0]
	if err := checkFeedURL(raw); err != nil {
		return "Not added: " + err.Error() + "."
	}
	tags, err := parseTags(fields[1:])
	if err != nil {
		return "Not added: " + err.Error() + "."
	}
	canon := model.FeedKey(raw)
	if f, ok := configFeed(r.cfg, canon); ok {
		return fmt.Sprintf("Not added: %s is already in config.yaml%s.", displayFeedURL(f.URL), nameSuffix(f.Name))
	}
	existing, err := c.store.ChatFeeds(ctx)
	if err != nil {
		return c.storeFailed("list the chat-added feeds", err)
	}
	for _, f := range existing {
		if model.FeedKey(f.URL) == canon {
			return fmt.Sprintf("Not added: that feed was already added from chat on %s.", fmtTime(f.AddedAt))
		}
	}
	if c.fetcher == nil {
		return "Not added: feeds cannot be fetched from here to check them (no fetcher is configured)."
	}
	feed, err := c.fetch(ctx, r, canon, false)
	if err != nil {
		return "Not added: I fetched it once to check it and that failed: " + scrubSecrets(err.Error())
	}
	err = c.store.AddChatFeed(ctx, model.ChatFeed{URL: canon, Tags: tags, AddedBy: r.UserID, AddedAt: c.now()})
	if errors.Is(err, model.ErrChatFeedExists) {
		return "Not added: that feed was already added from chat."
	}
	if err != nil {
		return c.storeFailed("save the feed", err)
	}
	msg := fmt.Sprintf("Added %q (%d items now). It is polled from the next tick on; new stories in it are matched from then on.",
		clip(nonEmpty(feed.Title, canon), 80), len(feed.Items))
	if len(tags) > 0 {
		msg += " Tags: " + strings.Join(tags, ", ") + "."
	}
	return msg
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " as " + strconv.Quote(name)
}

func (c *Core) cmdRmFeed(ctx context.Context, r *call) string {
	raw := strings.TrimSpace(r.Args)
	canon := model.FeedKey(raw)
	existing, err := c.store.ChatFeeds(ctx)
	if err != nil {
		return c.storeFailed("list the chat-added feeds", err)
	}
	target := ""
	for _, f := range existing {
		if f.URL == raw || model.FeedKey(f.URL) == canon {
			target = f.URL
			break
		}
	}
	if target == "" {
		if _, ok := configFeed(r.cfg, raw); ok {
			return "Not removed: that feed comes from config.yaml, not from chat. Remove it on the server with: newshound feed rm URL"
		}
		return "Not removed: no chat-added feed has that URL. /feeds lists the feeds."
	}
	ok, err := c.store.RemoveChatFeed(ctx, target)
	if err != nil {
		return c.storeFailed("remove the feed", err)
	}
	if !ok {
		return "Not removed: that feed was removed a moment ago by someone else."
	}
	return "Removed " + target + "; it is no longer polled."
}

// maxFailedShown bounds /failed.
const maxFailedShown = 20

func (c *Core) cmdFailed(ctx context.Context, r *call) string {
	stats, err := c.store.QueueStats(ctx)
	if err != nil {
		return c.storeFailed("read the alert queue", err)
	}
	if stats.Parked == 0 {
		return "No parked alerts: everything was delivered or is still being tried."
	}
	rows, err := c.store.ListOutbox(ctx, model.StateParked, "", maxFailedShown)
	if err != nil {
		return c.storeFailed("list the parked alerts", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Parked alerts: %d", stats.Parked)
	if stats.Parked > len(rows) {
		fmt.Fprintf(&b, " (the oldest %d shown)", len(rows))
	}
	b.WriteString("\n")
	now := c.now()
	for _, row := range rows {
		fmt.Fprintf(&b, "%d  to %s, %d attempts, queued %s\n  %s\n  why: %s\n",
			row.ID, clip(displayDest(row.Destination), 80), row.Attempts, relTime(row.CreatedAt, now),
			clip(nonEmpty(row.Alert.Title, "(untitled)"), 120), clip(scrubSecrets(nonEmpty(row.LastError, "unknown")), 200))
	}
	b.WriteString("Resend one with /retry ID, or all with /retry all.")
	return b.String()
}

func (c *Core) cmdRetry(ctx context.Context, r *call) string {
	arg := strings.ToLower(strings.TrimSpace(r.Args))
	var id int64
	if arg != "" && arg != "all" {
		n, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
		if err != nil || n <= 0 {
			return fmt.Sprintf("Nothing resent: %q is not an alert id. Use /retry ID with an id from /failed, or /retry all.", clip(r.Args, 40))
		}
		id = n
	}
	n, err := c.store.RetryParked(ctx, id)
	if err != nil {
		return c.storeFailed("re-queue the parked alerts", err)
	}
	if n > 0 {
		c.wake()
	}
	switch {
	case n == 0 && id != 0:
		return fmt.Sprintf("Nothing resent: there is no parked alert with id %d. /failed lists them.", id)
	case n == 0:
		return "Nothing to resend: no alerts are parked."
	case n == 1:
		return "1 alert re-queued; its destination is enabled again."
	}
	return fmt.Sprintf("%d alerts re-queued; their destinations are enabled again.", n)
}
