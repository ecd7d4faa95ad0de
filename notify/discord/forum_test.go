package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// postMessage is a forum post's starter message as the fake received it.
type postMessage struct {
	Embeds          []*discordgo.MessageEmbed `json:"embeds"`
	Components      []fakeActionRow           `json:"components"`
	AllowedMentions *struct {
		Parse *[]string `json:"parse"`
	} `json:"allowed_mentions"`
}

// TestForumThroughDispatcher delivers alerts from the outbox to a forum, a
// text channel and a forum that is gone: the forum gets one post per story
// (a 429 on the first waited out), named by the headline and tagged with
// the watches' tags; the text channel a plain message; the missing forum
// parks its alert and is disabled.
func TestForumThroughDispatcher(t *testing.T) {
	const (
		forum = "620000000000000001"
		text  = "620000000000000002"
		gone  = "620000000000000003"
	)
	ctx := context.Background()
	d, _ := newTest(t, Options{Token: testToken})
	fake.setChannel(forum, fakeChannel{Type: 15, Tags: []fakeTag{{ID: "1", Name: "APT29"}, {ID: "2", Name: "kyiv"}, {ID: "3", Name: "unrelated"}}})
	fake.setChannel(gone, fakeChannel{Gone: true})
	fake.script("POST", "/api/v10/channels/"+forum+"/threads",
		reply{Status: 429, Body: `{"message":"You are being rate limited.","retry_after":0.3,"global":false}`})

	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "nh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	queue := func(ch, title string, watches ...string) {
		t.Helper()
		n++
		key := fmt.Sprintf("f%d", n)
		a := model.Alert{Destination: model.Destination("discord:" + ch), Title: title, Link: "https://wire.example/" + key,
			Published: time.Now().Add(time.Duration(n) * time.Second)}
		for _, w := range watches {
			a.Watches = append(a.Watches, model.WatchMatch{Name: w, Terms: []string{w}})
		}
		if _, err := db.Ingest(ctx, model.FeedState{URL: "https://wire.example/rss"}, []string{key},
			[]model.NewItem{{Key: key, Published: a.Published, Alerts: []model.Alert{a}}}); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("Ünïcødé headline ", 10) // 170 characters
	queue(forum, "APT29 hits Kyiv ministries", "apt29", "Kyiv")
	queue(forum, long, "odesa")
	queue(text, "Text channel story", "apt29")
	queue(gone, "Story for a deleted forum", "apt29")

	disp := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"discord": d}, Poll: 20 * time.Millisecond})
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := disp.Drain(dctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	posts := fake.forumPosts(forum)
	if len(posts) != 2 {
		t.Fatalf("%d posts in the forum, want 2: %+v", len(posts), posts)
	}
	if posts[0].Name != "APT29 hits Kyiv ministries" || !slices.Equal(posts[0].Tags, []string{"1", "2"}) {
		t.Errorf("first post %q tags %v, want the headline and tags 1, 2", posts[0].Name, posts[0].Tags)
	}
	if r := []rune(posts[1].Name); len(r) != MaxThreadName || !strings.HasSuffix(posts[1].Name, "…") || posts[1].Tags != nil {
		t.Errorf("second post %q (%d characters) tags %v, want the headline cut to 100 and no tags", posts[1].Name, len(r), posts[1].Tags)
	}
	var m postMessage
	if err := json.Unmarshal(posts[0].Message, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Title != Escape("APT29 hits Kyiv ministries", MaxTitle) || m.Embeds[0].URL != "https://wire.example/f1" {
		t.Errorf("post message embeds %+v, want the alert's embed", m.Embeds)
	}
	if len(m.Components) != 1 || len(m.Components[0].Components) != 2 {
		t.Errorf("post components %+v, want the alert's two buttons", m.Components)
	}
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(*m.AllowedMentions.Parse) != 0 {
		t.Errorf("post pings: allowed_mentions %s", posts[0].Message)
	}
	tries := fake.requests("POST", "/api/v10/channels/"+forum+"/threads")
	if len(tries) != 3 {
		t.Fatalf("%d thread requests, want 3 (a 429, its retry, the second story)", len(tries))
	}
	if wait := tries[1].At.Sub(tries[0].At); wait < 300*time.Millisecond {
		t.Errorf("retried after %v, before retry_after (300ms)", wait)
	}
	if g := fake.requests("GET", "/api/v10/channels/"+forum); len(g) != 1 {
		t.Errorf("forum looked up %d times, want once (cached)", len(g))
	}
	if ms := fake.requests("POST", "/api/v10/channels/"+forum+"/messages"); len(ms) != 0 {
		t.Errorf("%d plain messages to the forum", len(ms))
	}

	msgs := fake.requests("POST", "/api/v10/channels/"+text+"/messages")
	if len(msgs) != 1 {
		t.Fatalf("%d messages to the text channel, want 1", len(msgs))
	}
	if b := decodeSent(t, msgs[0]); len(b.Embeds) != 1 || b.EnforceNonce == nil || !*b.EnforceNonce {
		t.Errorf("text channel message %s, want an embed with enforce_nonce", msgs[0].Body)
	}
	if th := fake.requests("POST", "/api/v10/channels/"+text+"/threads"); len(th) != 0 {
		t.Errorf("text channel got %d thread requests", len(th))
	}

	parked, _ := db.ListOutbox(ctx, model.StateParked, model.Destination("discord:"+gone), 10)
	if len(parked) != 1 {
		t.Errorf("alert for the missing forum: %d parked, want 1", len(parked))
	}
	disabled, _ := db.DisabledDestinations(ctx)
	if _, ok := disabled[model.Destination("discord:"+gone)]; !ok || len(disabled) != 1 {
		t.Errorf("disabled destinations %v, want only discord:%s", disabled, gone)
	}
	if p := fake.forumPosts(gone); len(p) != 0 {
		t.Errorf("posts in a missing forum: %+v", p)
	}
}

// TestChannelInfoCache: the type is looked up once, again after an hour
// (a failed refresh keeps the old answer) and after a 404.
func TestChannelInfoCache(t *testing.T) {
	const forum = "620000000000000011"
	d, _ := newTest(t, Options{Token: testToken})
	fake.setChannel(forum, fakeChannel{Type: 16, Tags: []fakeTag{{ID: "7", Name: "apt29"}}})
	now := time.Now()
	d.limits.now = func() time.Time { return now }
	ctx := context.Background()
	a := sampleAlert("discord:" + forum)
	gets := func() int { return len(fake.requests("GET", "/api/v10/channels/"+forum)) }

	for range 2 {
		if err := d.Send(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if gets() != 1 || len(fake.forumPosts(forum)) != 2 {
		t.Fatalf("%d look-ups, %d posts; want 1 and 2", gets(), len(fake.forumPosts(forum)))
	}
	if p := fake.forumPosts(forum); !slices.Equal(p[0].Tags, []string{"7"}) {
		t.Errorf("tags %v, want [7] (apt29, case-insensitive)", p[0].Tags)
	}
	now = now.Add(2 * time.Hour)
	if err := d.Send(ctx, a); err != nil || gets() != 2 {
		t.Fatalf("after an hour: %v, %d look-ups, want a second", err, gets())
	}
	now = now.Add(2 * time.Hour)
	fake.script("GET", "/api/v10/channels/"+forum, reply{Status: 502, Body: "bad gateway"})
	if err := d.Send(ctx, a); err != nil || gets() != 3 || len(fake.forumPosts(forum)) != 4 {
		t.Fatalf("failed refresh: %v, %d look-ups, %d posts; want the post sent from what was known", err, gets(), len(fake.forumPosts(forum)))
	}
	fake.setChannel(forum, fakeChannel{Gone: true})
	if err := d.Send(ctx, a); !notify.IsPermanent(err) || gets() != 3 {
		t.Fatalf("deleted forum: %v, %d look-ups; want a permanent error from the post, the look-up retried only after a minute", err, gets())
	}
	if err := d.Send(ctx, a); !notify.IsPermanent(err) || gets() != 4 {
		t.Fatalf("after the 404: %v, %d look-ups; want it looked up again and refused", err, gets())
	}
}

// TestSendTextToForum: a notice to a forum is a post named by its first line.
func TestSendTextToForum(t *testing.T) {
	const forum = "620000000000000021"
	d, _ := newTest(t, Options{Token: testToken})
	fake.setChannel(forum, fakeChannel{Type: 15})
	if err := d.SendText(context.Background(), model.Destination("discord:"+forum), "Feed gone\nhttps://x.example stopped answering"); err != nil {
		t.Fatal(err)
	}
	if p := fake.forumPosts(forum); len(p) != 1 || p[0].Name != "Feed gone" || p[0].Tags != nil {
		t.Errorf("posts %+v, want one named by the first line", p)
	}
}

func TestThreadName(t *testing.T) {
	for _, tc := range []struct{ in, fallback, want string }{
		{"  APT29\n hits  Kyiv ", "", "APT29 hits Kyiv"},
		{"", "Example News", "Example News"},
		{" \n", "", "(untitled)"},
		{strings.Repeat("a", 100), "", strings.Repeat("a", 100)},
		{strings.Repeat("я", 101), "", strings.Repeat("я", 99) + "…"},
	} {
		if got := threadName(tc.in, tc.fallback); got != tc.want || len([]rune(got)) > MaxThreadName {
			t.Errorf("threadName(%q, %q) = %q, want %q", tc.in, tc.fallback, got, tc.want)
		}
	}
}

func TestForumTags(t *testing.T) {
	tags := []discordgo.ForumTag{{ID: "1", Name: "APT29"}, {ID: "2", Name: "b"}, {ID: "3", Name: "c"},
		{ID: "4", Name: "d"}, {ID: "5", Name: "e"}, {ID: "6", Name: "f"}, {ID: "7", Name: " apt29 "}}
	if got := forumTags(tags, []string{"nothing"}); got != nil {
		t.Errorf("no match: %v, want none", got)
	}
	if got := forumTags(tags, []string{"apt29", "APT29"}); !slices.Equal(got, []string{"1", "7"}) {
		t.Errorf("case-insensitive: %v, want [1 7]", got)
	}
	if got := forumTags(tags, []string{"f", "e", "d", "c", "b", "apt29"}); !slices.Equal(got, []string{"6", "5", "4", "3", "2"}) {
		t.Errorf("at most 5, in the watches' order: %v", got)
	}
	if got := alertWatches(model.Alert{Digest: []model.DigestGroup{{Watch: "b"}, {Watch: "c"}}}); !slices.Equal(forumTags(tags, got), []string{"2", "3"}) {
		t.Errorf("a digest is tagged by its groups' watches: %v", got)
	}
}

// TestButtonInForumPost: a press in a forum post (the interaction's
// channel is the post's thread) counts for the forum's destination; a
// press in a text channel for that channel.
func TestButtonInForumPost(t *testing.T) {
	const (
		guild = "600000000000000091"
		forum = "620000000000000031"
		text  = "620000000000000032"
	)
	d, _ := newTest(t, Options{Token: testToken, Guilds: []string{guild}}, "ftok1", "ftok2")
	fake.setChannel(forum, fakeChannel{Type: 15})
	h := newRecordingHandler(func(bot.Request) string { return "ok" })
	startRun(t, d, h)
	fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/guilds/"+guild+"/commands", 1)

	a := sampleAlert("discord:" + forum)
	a.ID = 4242
	if err := d.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	posts := fake.forumPosts(forum)
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	var m postMessage
	if err := json.Unmarshal(posts[0].Message, &m); err != nil || len(m.Components) != 1 {
		t.Fatalf("post message %s: %v", posts[0].Message, err)
	}
	token := m.Components[0].Components[0].CustomID
	fake.dispatch(t, "INTERACTION_CREATE", componentPayload("700000000000000091", "ftok1", guild, posts[0].Thread, "800000000000000091", "16", token, m.Components))
	if r, _ := h.next(t); r.Chat != model.Destination("discord:"+forum) || r.Button != token {
		t.Errorf("press in the post: chat %s button %q, want discord:%s", r.Chat, r.Button, forum)
	}
	fake.dispatch(t, "INTERACTION_CREATE", componentPayload("700000000000000092", "ftok2", guild, text, "800000000000000091", "16", token, m.Components))
	if r, _ := h.next(t); r.Chat != model.Destination("discord:"+text) {
		t.Errorf("press in a text channel: chat %s, want discord:%s", r.Chat, text)
	}
}

// TestForumRequiresTag: a forum with REQUIRE_TAG (the fake refuses a post
// without tags, 400 code 40067, as Discord does) gets the watch's tag when
// one matches, else a fallback tag anyone may apply; a forum that starts
// requiring tags after it was looked up is looked up again and posted to
// once more; one that requires a tag and has none is refused for good
// with a message saying what to change.
func TestForumRequiresTag(t *testing.T) {
	const (
		forum   = "620000000000000041"
		noTags  = "620000000000000042"
		changed = "620000000000000043"
	)
	d, _ := newTest(t, Options{Token: testToken})
	ctx := context.Background()
	fake.setChannel(forum, fakeChannel{Type: 15, Flags: fakeRequireTag,
		Tags: []fakeTag{{ID: "11", Name: "staff", Moderated: true}, {ID: "12", Name: "news"}, {ID: "13", Name: "apt29"}}})
	a := sampleAlert("discord:" + forum)
	if err := d.Send(ctx, a); err != nil {
		t.Fatalf("post with a matching tag: %v", err)
	}
	a.Watches = []model.WatchMatch{{Name: "kyiv"}}
	if err := d.Send(ctx, a); err != nil {
		t.Fatalf("post with no matching tag: %v", err)
	}
	posts := fake.forumPosts(forum)
	if len(posts) != 2 || !slices.Equal(posts[0].Tags, []string{"13"}) || !slices.Equal(posts[1].Tags, []string{"12"}) {
		t.Errorf("posts %+v, want tag 13 (apt29), then the fallback 12 (the first not moderated)", posts)
	}

	fake.setChannel(noTags, fakeChannel{Type: 15, Flags: fakeRequireTag})
	err := d.Send(ctx, sampleAlert("discord:"+noTags))
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "requires a tag on every post but has no tags") {
		t.Errorf("forum requiring a tag without tags: %v, want a permanent error saying so", err)
	}
	if th := fake.requests("POST", "/api/v10/channels/"+noTags+"/threads"); len(th) != 0 {
		t.Errorf("%d posts tried in a forum that cannot take one", len(th))
	}

	fake.setChannel(changed, fakeChannel{Type: 15, Tags: []fakeTag{{ID: "21", Name: "misc"}}})
	b := sampleAlert("discord:" + changed)
	b.Watches = nil
	if err := d.Send(ctx, b); err != nil {
		t.Fatal(err)
	}
	fake.setChannel(changed, fakeChannel{Type: 15, Flags: fakeRequireTag, Tags: []fakeTag{{ID: "21", Name: "misc"}}})
	if err := d.Send(ctx, b); err != nil {
		t.Fatalf("forum that began requiring tags: %v, want the post sent with a fallback tag", err)
	}
	if p := fake.forumPosts(changed); len(p) != 2 || p[0].Tags != nil || !slices.Equal(p[1].Tags, []string{"21"}) {
		t.Errorf("posts %+v, want an untagged one, then one tagged 21", p)
	}
	if th := fake.requests("POST", "/api/v10/channels/"+changed+"/threads"); len(th) != 3 {
		t.Errorf("%d post requests, want 3 (the refused one retried once)", len(th))
	}
}

// TestCommandInThread: a slash command typed in a forum post applies to
// the forum (subscriptions there make one post per story), one typed in a
// thread of a text channel to that channel, and one in the channel itself
// to the channel; a DM is left as it is.
func TestCommandInThread(t *testing.T) {
	const (
		guild  = "600000000000000095"
		forum  = "620000000000000051"
		post   = "620000000000000052"
		text   = "620000000000000053"
		thread = "620000000000000054"
		dm     = "620000000000000055"
	)
	d, _ := newTest(t, Options{Token: testToken, Guilds: []string{guild}}, "ctok1", "ctok2", "ctok3", "ctok4")
	fake.setChannel(forum, fakeChannel{Type: 15})
	fake.setChannel(post, fakeChannel{Type: 11, Parent: forum})
	fake.setChannel(thread, fakeChannel{Type: 11, Parent: text})
	h := newRecordingHandler(func(bot.Request) string { return "Subscribed" })
	startRun(t, d, h)
	fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/guilds/"+guild+"/commands", 1)
	opts := []map[string]any{{"name": "watch", "type": 3, "value": "apt29"}}
	for n, c := range []struct {
		in, want string
		member   bool
	}{{post, forum, true}, {thread, text, true}, {text, text, true}, {dm, dm, false}} {
		fake.dispatch(t, "INTERACTION_CREATE", interactionPayload(fmt.Sprintf("70000000000000010%d", n), fmt.Sprintf("ctok%d", n+1),
			guild, c.in, c.member, "800000000000000095", "8", "subscribe", opts))
		r, _ := h.next(t)
		if r.Chat != model.Destination("discord:"+c.want) || r.Args != "apt29" {
			t.Errorf("/subscribe in %s: chat %s args %q, want discord:%s", c.in, r.Chat, r.Args, c.want)
		}
	}
}

// TestStoryThread: an alert marked Thread (threads: story) to a text
// channel is a message from which a thread named by the headline is
// opened (archiving after a day); the ref is the starter message, so an
// "also reported by" edit changes the thread's first line; a repeat of the
// alert (a retry after a crash: the nonce returns the same message) opens
// no second thread and is no error; digests, forums and unmarked alerts
// open none.
func TestStoryThread(t *testing.T) {
	const (
		text  = "620000000000000061"
		plain = "620000000000000062"
		forum = "620000000000000063"
	)
	d, _ := newTest(t, Options{Token: testToken})
	ctx := context.Background()
	fake.setChannel(forum, fakeChannel{Type: 15})
	a := sampleAlert("discord:" + text)
	a.Thread = true
	ref, err := d.SendRef(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	ths := fake.channelThreads(text)
	if len(ths) != 1 || ths[0].Name != a.Title || ths[0].Archive != 1440 || model.MessageRef(text+"/"+ths[0].ID) != ref {
		t.Fatalf("threads %+v for ref %s, want one named %q from the alert's message", ths, ref, a.Title)
	}
	again, err := d.SendRef(ctx, a)
	if err != nil || again != ref {
		t.Fatalf("repeat: %s, %v; want the same message %s and no error", again, err, ref)
	}
	if n := len(fake.requests("POST", "/api/v10/channels/"+text+"/messages/")); n != 2 || len(fake.channelThreads(text)) != 1 {
		t.Errorf("repeat: %d thread requests, %d threads; want the second refused as existing", n, len(fake.channelThreads(text)))
	}
	edit := a
	edit.Edit, edit.AlsoReported = true, []string{"Other Outlet"}
	if err := d.Edit(ctx, ref, edit); err != nil {
		t.Fatal(err)
	}
	if p := fake.requests("PATCH", "/api/v10/channels/"+text+"/messages/"+ths[0].ID); len(p) != 1 || !strings.Contains(string(p[0].Body), "Other Outlet") {
		t.Errorf("edit of the starter: %+v", p)
	}

	// A later report (also_reported: alert) goes into the story's thread.
	later := sampleAlert("discord:" + text)
	later.Thread, later.FirstRef, later.Nonce, later.Feed = true, ref, "later-nonce", "Other Outlet"
	lref, err := d.SendRef(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	if in := fake.requests("POST", "/api/v10/channels/"+ths[0].ID+"/messages"); len(in) != 1 || !strings.HasPrefix(string(lref), ths[0].ID+"/") {
		t.Errorf("later report: %d messages in the thread, ref %s; want one, in thread %s", len(in), lref, ths[0].ID)
	}
	if n := len(fake.channelThreads(text)); n != 1 {
		t.Errorf("later report opened a thread of its own: %d threads", n)
	}

	b := sampleAlert("discord:" + plain)
	bref, err := d.SendRef(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	// A later report whose first message has no thread (threads: story
	// came later) goes to the channel, and opens one of its own.
	late := sampleAlert("discord:" + plain)
	late.Thread, late.FirstRef, late.Nonce = true, bref, "late-nonce"
	if _, err := d.SendRef(ctx, late); err != nil {
		t.Fatalf("later report without a thread to post in: %v", err)
	}
	n := 0
	for _, r := range fake.requests("POST", "/api/v10/channels/"+plain+"/messages") {
		if r.Path == "/api/v10/channels/"+plain+"/messages" {
			n++
		}
	}
	if n != 2 || len(fake.channelThreads(plain)) != 1 {
		t.Errorf("later report without a thread: %d channel messages, %d threads; want 2 and 1", n, len(fake.channelThreads(plain)))
	}
	dg := b
	dg.Thread, dg.Digest = true, []model.DigestGroup{{Watch: "apt29", Stories: []model.DigestStory{{Title: "x", Link: "https://x.example"}}}}
	dg.Nonce = "digest-nonce"
	if _, err := d.SendRef(ctx, dg); err != nil {
		t.Fatal(err)
	}
	if th := fake.channelThreads(plain); len(th) != 1 {
		t.Errorf("unmarked alert or digest opened threads: %+v", th)
	}
	f := sampleAlert("discord:" + forum)
	f.Thread = true
	if _, err := d.SendRef(ctx, f); err != nil {
		t.Fatal(err)
	}
	if len(fake.forumPosts(forum)) != 1 || len(fake.requests("POST", "/api/v10/channels/"+forum+"/messages")) != 0 {
		t.Errorf("forum: %d posts, want one post and no message thread", len(fake.forumPosts(forum)))
	}
}
