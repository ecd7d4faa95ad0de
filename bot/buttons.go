package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/watchlist"
)

// Button is one inline button under an alert. The transports render it
// (Telegram inline keyboard, Discord message component) and hand its Token
// back as Request.Button when someone presses it.
type Button struct {
	// Label is what the button shows.
	Label string
	// Token is Telegram's callback_data (at most 64 bytes) or Discord's
	// custom_id (at most 100): the action and the alert's outbox id, never
	// anything a press is allowed on. Anyone can send any token back (a
	// modified client, a forged interaction), so the core reads the alert
	// from the store, refuses one that is not the chat's own, and checks
	// the presser as for the equivalent command.
	Token string
}

// DoneToken is the token of the button that takes a pressed one's place,
// labelled with what was done (Reply.Done): Telegram cannot disable a
// button, so pressing it again must change nothing.
const DoneToken = "nh:done"

// muteFor is how long the "Mute this watch" button mutes.
const muteFor = 24 * time.Hour

// tokenPrefix marks Newshound's tokens; the action code and the base-36
// outbox id follow ("nh:m:2s", 11 bytes for an id near a million).
const tokenPrefix = "nh:"

// buttonAction is one kind of alert button: the token's action code, the
// command whose row (its Access) decides who may press it, and what it does
// to the alert's chat.
type buttonAction struct {
	code    string
	command string
	// act is not called run: run is the command table's handler field,
	// and buttons are not commands of their own.
	act func(c *Core, ctx context.Context, r *call, row model.OutboxRow) Reply
}

// buttonActions is the table of alert buttons, in the order shown.
var buttonActions = []buttonAction{
	{code: "m", command: "mute", act: (*Core).pressMute},
	{code: "u", command: "unsubscribe", act: (*Core).pressUnsubscribe},
}

// AlertButtons returns the buttons a story alert carries: mute its
// watches here for 24 hours, and unsubscribe this chat from them. Digests,
// notices and alerts not read from the queue (no ID) carry none.
func AlertButtons(a model.Alert) []Button {
	if a.ID <= 0 || len(a.Digest) > 0 || len(a.Watches) == 0 {
		return nil
	}
	id := strconv.FormatInt(a.ID, 36)
	mute := "🔕 Mute this watch 24 h"
	if len(a.Watches) > 1 {
		mute = "🔕 Mute these watches 24 h"
	}
	return []Button{
		{Label: mute, Token: tokenPrefix + "m:" + id},
		{Label: "Unsubscribe", Token: tokenPrefix + "u:" + id},
	}
}

// parseButton reads a token made by AlertButtons.
func parseButton(tok string) (buttonAction, int64, bool) {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return buttonAction{}, 0, false
	}
	code, id36, ok := strings.Cut(rest, ":")
	if !ok {
		return buttonAction{}, 0, false
	}
	id, err := strconv.ParseInt(id36, 36, 64)
	if err != nil || id <= 0 {
		return buttonAction{}, 0, false
	}
	for _, a := range buttonActions {
		if a.code == code {
			return a, id, true
		}
	}
	return buttonAction{}, 0, false
}

// press answers a button press: the same rate limit and permission rules
// as the command the button stands for, then the action on the alert's own
// chat. Every refusal changes nothing.
func (c *Core) press(ctx context.Context, req Request) Reply {
	refuse := func(msg string) Reply { return Reply{Text: msg, Refused: true} }
	set := c.set.Load()
	if set == nil {
		return refuse("The bot is still starting up. Try again in a moment.")
	}
	cfg := set.Config()
	if msg := c.throttle(cfg, req); msg != "" {
		return refuse(msg)
	}
	if req.Button == DoneToken {
		return refuse("That was already done: the line under the alert says what and by whom.")
	}
	act, id, ok := parseButton(req.Button)
	if !ok {
		return refuse("That button is not one I know (perhaps from an older version). Nothing was changed; /help lists the commands.")
	}
	cmd, _ := Lookup(act.command)
	r := &call{Request: req, cfg: cfg, m: set, isAdmin: cfg.IsAdmin(req.Platform, req.UserID)}
	r.Command = cmd.Name
	if msg := c.allowed(ctx, r, cmd); msg != "" {
		return refuse(msg)
	}
	if c.store == nil {
		return refuse("The bot has no database attached, so it cannot do that.")
	}
	row, found, err := c.store.QueuedAlert(ctx, id)
	if err != nil {
		return refuse(c.storeFailed("read the alert under that button", err))
	}
	if !found || row.Destination != req.Chat {
		// Not this chat's alert (a forged token) or forgotten since: the
		// same answer, so a token says nothing about other chats.
		return refuse(fmt.Sprintf("I no longer have the alert under that button, so it does nothing. Nothing was changed; use /%s instead.", cmd.Name))
	}
	return act.act(c, ctx, r, row)
}

// alertWatches returns the names of the watches that raised a.
func alertWatches(a model.Alert) []string {
	var names []string
	for _, w := range a.Watches {
		if w.Name != "" && !slices.Contains(names, w.Name) {
			names = append(names, w.Name)
		}
	}
	return names
}

// presser names who pressed a button, for the line the whole chat sees.
func presser(r *call) string {
	if r.UserName != "" {
		return r.UserName
	}
	return "user " + displayID(r.UserID)
}

// pressMute mutes, at the alert's chat, every watch that raised it, for
// muteFor: the store skips alerts that only muted watches raise, while
// other watches still alert.
func (c *Core) pressMute(ctx context.Context, r *call, row model.OutboxRow) Reply {
	names := alertWatches(row.Alert)
	if len(names) == 0 {
		return Reply{Text: "That alert names no watch to mute. Nothing was changed; /mute mutes the whole chat.", Refused: true}
	}
	until := c.now().Add(muteFor)
	for _, n := range names {
		if err := c.store.SetWatchMute(ctx, r.Chat, n, until); err != nil {
			return Reply{Text: c.storeFailed("mute that watch", err), Refused: true}
		}
	}
	list := strings.Join(names, ", ")
	return Reply{
		Text: fmt.Sprintf("Muted %s here for 24 h, until %s: stories only it raises are skipped until then. /unmute %s ends it early.",
			list, fmtTime(until), names[0]),
		Done: fmt.Sprintf("🔕 %s muted 24 h by %s", clip(list, 40), clip(presser(r), 24)),
	}
}

// pressUnsubscribe removes the chat's subscriptions that raised the alert.
// A watch that reaches the chat through a config route stays: only an
// admin's config edit stops it, and the answer says so.
func (c *Core) pressUnsubscribe(ctx context.Context, r *call, row model.OutboxRow) Reply {
	names := alertWatches(row.Alert)
	subs, err := c.store.Subscriptions(ctx, r.Chat)
	if err != nil {
		return Reply{Text: c.storeFailed("read this chat's subscriptions", err), Refused: true}
	}
	var removed []string
	for _, s := range subs {
		name := watchlist.AlertName(s)
		if !slices.Contains(names, name) {
			continue
		}
		n, err := c.store.RemoveSubscription(ctx, r.Chat, s.ID)
		if err != nil {
			return Reply{Text: c.storeFailed("remove the subscription", err), Refused: true}
		}
		if n > 0 {
			removed = append(removed, name)
		}
	}
	var routed []string
	for _, n := range names {
		if slices.Contains(r.m.Routed(r.Chat), n) {
			routed = append(routed, n)
		}
	}
	if len(removed) == 0 {
		if len(routed) > 0 {
			return Reply{Text: fmt.Sprintf("%s reaches this chat through a route in config.yaml, not a chat subscription; an admin has to change the config to stop it. Nothing was changed.", strings.Join(routed, ", ")), Refused: true}
		}
		return Reply{Text: "This chat has no subscription left for that alert's watches; nothing was changed. /list shows what it has.", Refused: true}
	}
	list := strings.Join(removed, ", ")
	text := fmt.Sprintf("Unsubscribed: %s removed.", list)
	if len(routed) > 0 {
		text += fmt.Sprintf(" (config.yaml still routes %s here.)", strings.Join(routed, ", "))
	}
	return Reply{Text: text, Done: fmt.Sprintf("Unsubscribed from %s by %s", clip(list, 40), clip(presser(r), 24))}
}
