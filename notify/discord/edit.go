package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// unknownMessage is Discord's JSON error code for a message that does not
// exist (deleted by a moderator): the edit is left, not retried.
const unknownMessage = 10008

// SendRef implements notify.RefSender: Send, returning "CHANNEL/MESSAGE"
// for channel and DM destinations, which Edit takes. Webhook destinations
// return no ref: their alerts are not edited.
func (d *Discord) SendRef(ctx context.Context, a model.Alert) (model.MessageRef, error) {
	p := alertPayload(a)
	switch a.Destination.Kind() {
	case Kind.Name:
		p.Nonce = Nonce(a)
		p.EnforceNonce = p.Nonce != ""
		p.Components = alertComponents(a)
		// A later report of a story joins the thread its first message
		// opened (threads: story) or the forum post it was: a post's ref
		// names the post twice (isPostRef).
		if a.FirstRef != "" && len(a.Digest) == 0 && (a.Thread || isPostRef(a.FirstRef)) {
			if ref, ok, err := d.toStoryThread(ctx, a.Destination.Target(), a.FirstRef, p); ok || err != nil {
				return ref, err
			}
		}
		return d.toChannel(ctx, a.Destination.Target(), p, threadName(a.Title, a.Feed), alertWatches(a), a.Thread && len(a.Digest) == 0)
	case WebhookKind.Name:
		return "", d.sendWebhook(ctx, a.Destination.Target(), p)
	case DMKind.Name:
		ch, err := d.dmChannel(ctx, a.Destination.Target())
		if err != nil {
			return "", err
		}
		p.Nonce = Nonce(a)
		p.EnforceNonce = p.Nonce != ""
		return d.toChannel(ctx, ch, p, "", nil, false)
	default:
		return "", &notify.PermanentError{Err: fmt.Errorf("discord: cannot send alerts to %q", a.Destination)}
	}
}

// Edit implements notify.Editor: PATCH of the message ref ("CHANNEL/MESSAGE"
// from SendRef) with a's embed, built as Send builds it. A 404 Unknown
// Message is notify.ErrMessageGone; 429s are *notify.RetryAfterError, in
// the channel's bucket like sends.
func (d *Discord) Edit(ctx context.Context, ref model.MessageRef, a model.Alert) error {
	ch, msg, ok := strings.Cut(string(ref), "/")
	if !ok || !model.IsSnowflake(ch) || !model.IsSnowflake(msg) {
		return fmt.Errorf("discord: message ref %q: %w", ref, notify.ErrMessageGone)
	}
	if d.bot == nil {
		return &notify.PermanentError{Err: errors.New("discord: no bot token configured (discord.token) for channel destinations")}
	}
	key := "channel:" + ch
	if err := d.limits.check(key); err != nil {
		return err
	}
	p := messagePayload{Embeds: []*discordgo.MessageEmbed{BuildEmbed(a)}, AllowedMentions: noMentions()}
	endpoint := discordgo.EndpointChannelMessage(ch, msg)
	ctx, info := withInfo(ctx)
	_, err := d.bot.RequestWithBucketID(http.MethodPatch, endpoint, p, discordgo.EndpointChannelMessage(ch, ""), discordgo.WithContext(ctx))
	var rest *discordgo.RESTError
	if info.status == http.StatusNotFound && errors.As(err, &rest) && rest.Message != nil && rest.Message.Code == unknownMessage {
		return fmt.Errorf("discord: edit message %s in channel %s: %w", msg, ch, notify.ErrMessageGone)
	}
	return d.classify(ctx, key, "edit message in channel "+ch, info, err)
}

var (
	_ notify.RefSender = (*Discord)(nil)
	_ notify.Editor    = (*Discord)(nil)
)
