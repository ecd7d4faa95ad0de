package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// Discord's limits on a forum post (a thread started in a forum or media
// channel).
const (
	// MaxThreadName is the most characters a thread (post) name may have.
	MaxThreadName = 100
	// MaxAppliedTags is the most tags one forum post may carry.
	MaxAppliedTags = 5
)

// channelInfoTTL is how long a channel's type and tags are trusted before
// Send looks again: a forum's tags change when its moderators edit them,
// and Discord sends the bot no event about it without the guild intents.
const channelInfoTTL = time.Hour

// channelInfo is what sending needs to know of a channel: its type, its
// parent (for a thread: the forum or text channel it is in) and, for a
// forum, the tags posts may carry.
type channelInfo struct {
	typ    discordgo.ChannelType
	parent string
	tags   []discordgo.ForumTag
	flags  discordgo.ChannelFlags
	at     time.Time // when Discord said so
}

// requireTag reports whether the forum refuses a post without a tag (its
// moderators turned on "Require people to select tags when posting").
func (c channelInfo) requireTag() bool { return c.flags&discordgo.ChannelFlagRequireTag != 0 }

// forum reports whether a message to this channel must be a post: a forum
// or a media channel takes no plain messages, only threads.
func (c channelInfo) forum() bool {
	return c.typ == discordgo.ChannelTypeGuildForum || c.typ == discordgo.ChannelTypeGuildMedia
}

// thread reports whether the channel is a thread (a forum post among them).
func (c channelInfo) thread() bool {
	switch c.typ {
	case discordgo.ChannelTypeGuildNewsThread, discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread:
		return true
	}
	return false
}

// channelCache remembers channelInfo by channel id.
type channelCache struct {
	mu sync.Mutex
	m  map[string]channelInfo
}

func (c *channelCache) get(id string) (channelInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.m[id]
	return ci, ok
}

func (c *channelCache) put(id string, ci channelInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]channelInfo{}
	}
	c.m[id] = ci
}

// forget drops what is known of a channel, so that the next send looks it
// up again (after a 403 or 404: it may have been deleted, recreated as
// another type, or the bot's permissions changed).
func (c *channelCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// channel returns what Discord says of channel id (GET /channels/{id}),
// from the cache while it is younger than channelInfoTTL. When a refresh
// fails for a passing reason (5xx, timeout, 429), the stale entry is used
// rather than failing the send, and the look-up tried again a minute
// later; a 403 or 404 is a *notify.PermanentError, as for a send.
func (d *Discord) channel(ctx context.Context, id string) (channelInfo, error) {
	cached, ok := d.channels.get(id)
	now := d.limits.now()
	if ok && now.Sub(cached.at) < channelInfoTTL {
		return cached, nil
	}
	ci, err := d.lookupChannel(ctx, id)
	if err != nil {
		var perm *notify.PermanentError
		if ok && !errors.As(err, &perm) {
			d.log.Debug("discord: channel lookup failed, using what was known", "channel", id, "err", err)
			cached.at = now.Add(time.Minute - channelInfoTTL)
			d.channels.put(id, cached)
			return cached, nil
		}
		d.channels.forget(id)
		return channelInfo{}, err
	}
	d.channels.put(id, ci)
	return ci, nil
}

func (d *Discord) lookupChannel(ctx context.Context, id string) (channelInfo, error) {
	key := "channel-get:" + id
	if err := d.limits.check(key); err != nil {
		return channelInfo{}, err
	}
	endpoint := discordgo.EndpointChannel(id)
	ctx, info := withInfo(ctx)
	body, err := d.bot.RequestWithBucketID(http.MethodGet, endpoint, nil, endpoint, discordgo.WithContext(ctx))
	if err = d.classify(ctx, key, "look up channel "+id, info, err); err != nil {
		return channelInfo{}, err
	}
	var c discordgo.Channel
	if err := json.Unmarshal(body, &c); err != nil {
		return channelInfo{}, fmt.Errorf("discord: look up channel %s: unreadable answer: %w", id, err)
	}
	return channelInfo{typ: c.Type, parent: c.ParentID, tags: c.AvailableTags, flags: c.Flags, at: d.limits.now()}, nil
}

// threadPayload starts a forum post: POST /channels/{forum}/threads.
// Its message takes no nonce (Discord has no enforce_nonce for thread
// creation), so messagePayload's nonce fields stay empty.
type threadPayload struct {
	Name        string         `json:"name"`
	AppliedTags []string       `json:"applied_tags,omitempty"`
	Message     messagePayload `json:"message"`
}

// threadName is a post's name: the text on one line, cut to MaxThreadName
// characters, never empty. Discord shows names as plain text (no markdown,
// no mentions), so nothing is escaped.
func threadName(s, fallback string) string {
	name := strings.Join(strings.Fields(s), " ")
	if name == "" {
		name = strings.Join(strings.Fields(fallback), " ")
	}
	if name == "" {
		name = "(untitled)"
	}
	if r := []rune(name); len(r) > MaxThreadName {
		name = strings.TrimSpace(string(r[:MaxThreadName-1])) + "…"
	}
	return name
}

// alertWatches names the watches an alert (or digest) is about, in order.
func alertWatches(a model.Alert) []string {
	var out []string
	for _, w := range a.Watches {
		out = append(out, w.Name)
	}
	for _, g := range a.Digest {
		out = append(out, g.Watch)
	}
	return out
}

// forumTags is the ids of the forum's tags named like one of the watches
// (case-insensitively), in the watches' order, each once, at most
// MaxAppliedTags; nil when none matches.
func forumTags(available []discordgo.ForumTag, watches []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range watches {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		for _, t := range available {
			if t.ID == "" || seen[t.ID] || !strings.EqualFold(strings.TrimSpace(t.Name), w) {
				continue
			}
			seen[t.ID] = true
			out = append(out, t.ID)
			if len(out) == MaxAppliedTags {
				return out
			}
		}
	}
	return out
}

// tagRequired is Discord's JSON error code for a post without a tag in a
// forum that requires one ("A tag is required to create a forum post in
// this channel").
const tagRequired = 40067

// postTags is the tags of a post to forum forumID (ci): the forum's tags
// named like the watches; when none is and the forum requires a tag (or
// Discord just said it does: required), a fallback, the first tag anyone
// may apply (a moderated tag needs Manage Threads, which the bot may lack)
// or else the first tag. A forum that requires a tag and has none can
// take no post at all: a *notify.PermanentError that says what to change,
// so the alert is parked and the admins told, not retried to no end.
func postTags(forumID string, ci channelInfo, watches []string, required bool) ([]string, error) {
	tags := forumTags(ci.tags, watches)
	if len(tags) > 0 || !required && !ci.requireTag() {
		return tags, nil
	}
	for _, t := range ci.tags {
		if t.ID != "" && !t.Moderated {
			return []string{t.ID}, nil
		}
	}
	for _, t := range ci.tags {
		if t.ID != "" {
			return []string{t.ID}, nil
		}
	}
	return nil, &notify.PermanentError{Err: fmt.Errorf("discord: forum %s requires a tag on every post but has no tags: "+
		"add a tag (one named like a watch is applied to its stories) or turn off \"Require tags\" in the forum's settings", forumID)}
}

// sendPost starts a post in forum channel forumID with message p.
//
// Thread creation takes no nonce, so unlike a channel message a post is
// not deduplicated by Discord: when the daemon dies (or the request times
// out) after Discord created the post and before the outbox recorded it as
// sent, the retry creates a second post. That is at most one repeat per
// crash or lost answer, as for Telegram.
// It returns Discord's answer: the post's thread, whose id is also its
// first message's.
func (d *Discord) sendPost(ctx context.Context, forumID string, tp threadPayload) ([]byte, error) {
	key := "channel:" + forumID
	if err := d.limits.check(key); err != nil {
		return nil, err
	}
	tp.Message.Nonce, tp.Message.EnforceNonce = "", false
	endpoint := discordgo.EndpointChannelThreads(forumID)
	ctx, info := withInfo(ctx)
	body, err := d.bot.RequestWithBucketID(http.MethodPost, endpoint, tp, endpoint, discordgo.WithContext(ctx))
	err = d.classify(ctx, key, "start a post in forum "+forumID, info, err)
	d.forgetRefused(forumID, info)
	return body, err
}

// forgetRefused drops the cached channel info after a 403 or 404, so that
// a destination enabled again is looked up afresh.
func (d *Discord) forgetRefused(channelID string, info *respInfo) {
	if info.status == http.StatusForbidden || info.status == http.StatusNotFound {
		d.channels.forget(channelID)
	}
}

// toChannel delivers p to bot channel channelID: a post named name in a
// forum or media channel (tagged with the forum's tags that match
// watches), a plain message anywhere else, from which, with thread, a
// thread named name is opened (storyThread). It returns the ref of what it
// created ("CHANNEL/MESSAGE"; a post's message lives in the post's
// thread; a story thread's starter is the message), or "" when Discord's
// answer names none.
func (d *Discord) toChannel(ctx context.Context, channelID string, p messagePayload, name string, watches []string, thread bool) (model.MessageRef, error) {
	if err := d.checkChannel(channelID); err != nil {
		return "", err
	}
	ci, err := d.channel(ctx, channelID)
	if err != nil {
		return "", err
	}
	if !ci.forum() {
		key := "channel:" + channelID
		if err := d.limits.check(key); err != nil {
			return "", err
		}
		body, err := d.postChannel(ctx, channelID, key, p)
		if err != nil {
			return "", err
		}
		var m struct {
			ID        string `json:"id"`
			ChannelID string `json:"channel_id"`
		}
		if json.Unmarshal(body, &m) != nil || !model.IsSnowflake(m.ID) {
			return "", nil // sent; only not editable
		}
		if model.IsSnowflake(m.ChannelID) {
			channelID = m.ChannelID
		}
		if thread && !ci.thread() {
			d.storyThread(ctx, channelID, m.ID, name)
		}
		return model.MessageRef(channelID + "/" + m.ID), nil
	}
	tags, err := postTags(channelID, ci, watches, false)
	if err != nil {
		return "", err
	}
	body, err := d.sendPost(ctx, channelID, threadPayload{Name: name, AppliedTags: tags, Message: p})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == tagRequired && len(tags) == 0 {
		// The forum began requiring tags since it was looked up (the
		// cache is an hour old at most): look again, and post once more
		// with a fallback tag, rather than failing until the attempt limit.
		d.channels.forget(channelID)
		if ci, err = d.channel(ctx, channelID); err != nil {
			return "", err
		}
		if tags, err = postTags(channelID, ci, watches, true); err != nil {
			return "", err
		}
		body, err = d.sendPost(ctx, channelID, threadPayload{Name: name, AppliedTags: tags, Message: p})
	}
	if err != nil {
		return "", err
	}
	var th struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &th) != nil || !model.IsSnowflake(th.ID) {
		return "", nil
	}
	return model.MessageRef(th.ID + "/" + th.ID), nil
}

// chatChannel is the channel a command or a button press typed in
// channelID counts for: a thread's parent, else channelID itself. A
// forum post is a thread of its forum, so /subscribe typed in one
// subscribes the forum (a new post per story), which is what the user
// sees alerts arrive in, and not the one post, whose story is over; a
// thread of a text channel (one opened per story, or a discussion) is
// likewise a conversation under the channel alerts are routed to, and
// threads archive themselves after a day or a week of silence. An admin
// who does want alerts inside one thread routes them to discord:THREAD_ID
// in the config. Lookups (cached, see channel) that fail leave channelID
// as it is.
func (d *Discord) chatChannel(ctx context.Context, channelID string) string {
	if d.bot == nil || !model.IsSnowflake(channelID) {
		return channelID
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ci, err := d.channel(ctx, channelID)
	if err != nil || !ci.thread() || !model.IsSnowflake(ci.parent) {
		return channelID
	}
	return ci.parent
}

// threadExists is Discord's JSON error code for a thread started from a
// message that already has one: a retry after the thread was made.
const threadExists = 160004

// storyArchive is how long, in minutes, a story thread stays open after
// its last message (Discord allows 60, 1440, 4320 or 10080): a day, as a
// story's news cycle.
const storyArchive = 1440

// storyThread opens a thread named name from message msgID in text or
// announcement channel channelID (POST /channels/{id}/messages/{mid}/threads):
// the thread of a destination with threads: story. Its id is the
// message's, so the starter message, which also_reported edits change, is
// the thread's first line. The alert is delivered by then: a failure here
// is logged and not retried, for a retry would repeat the alert to open a
// thread (and a repeat, after a crash, meets the nonce, the same message,
// and Discord's "thread already created", which is success).
func (d *Discord) storyThread(ctx context.Context, channelID, msgID, name string) {
	key := "thread:" + channelID
	if err := d.limits.check(key); err != nil {
		d.log.Warn("discord: story thread not opened", "channel", channelID, "err", err)
		return
	}
	endpoint := discordgo.EndpointChannelMessageThread(channelID, msgID)
	body := map[string]any{"name": threadName(name, "Story"), "auto_archive_duration": storyArchive}
	ctx, info := withInfo(ctx)
	_, err := d.bot.RequestWithBucketID(http.MethodPost, endpoint, body, discordgo.EndpointChannelMessageThread(channelID, ""), discordgo.WithContext(ctx))
	err = d.classify(ctx, key, "open a story thread in channel "+channelID, info, err)
	var apiErr *APIError
	if err != nil && !(errors.As(err, &apiErr) && apiErr.Code == threadExists) {
		d.log.Warn("discord: story thread not opened", "channel", channelID, "err", err)
	}
}

// isPostRef reports whether ref is a forum post's (its starter message
// has the post's id, and is in the post: "POST/POST"), not a message's in
// a text channel.
func isPostRef(ref model.MessageRef) bool {
	ch, msg, ok := strings.Cut(string(ref), "/")
	return ok && ch == msg && model.IsSnowflake(ch)
}

// toStoryThread posts p, a later report of a story (also_reported: alert),
// into the story's thread in channel channelID: the thread opened from the
// story's first message first (a thread started from a message has the
// message's id), or the forum post first is the starter of. ok is false
// when there is no such thread to post in (the first alert was sent before
// threads: story, or the thread or post was deleted or locked): the caller
// then sends p as any alert, to the channel (a new post in a forum). Only
// errors that would fail a channel message as well (429, 5xx, timeouts)
// are returned.
func (d *Discord) toStoryThread(ctx context.Context, channelID string, first model.MessageRef, p messagePayload) (ref model.MessageRef, ok bool, err error) {
	ch, msg, cut := strings.Cut(string(first), "/")
	if !cut || !model.IsSnowflake(msg) || ch != channelID && !isPostRef(first) {
		return "", false, nil
	}
	if err := d.checkChannel(msg); err != nil {
		return "", false, err
	}
	key := "channel:" + msg
	if err := d.limits.check(key); err != nil {
		return "", false, err
	}
	body, err := d.postChannel(ctx, msg, key, p)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status >= 400 && apiErr.Status < 500 {
		d.log.Debug("discord: no story thread to post in; sending to the channel", "channel", channelID, "err", err)
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	var m struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &m) != nil || !model.IsSnowflake(m.ID) {
		return "", true, nil
	}
	return model.MessageRef(msg + "/" + m.ID), true, nil
}
