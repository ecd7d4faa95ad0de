package discord

import (
	"context"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/model"
)

// maxButtonLabel is Discord's limit on a button's label.
const maxButtonLabel = 80

// alertComponents is the action row under alert a (bot.AlertButtons), or
// nil when a carries no buttons. Only bot messages carry it: a channel
// webhook that no application owns cannot post components.
func alertComponents(a model.Alert) []discordgo.MessageComponent {
	bs := bot.AlertButtons(a)
	if len(bs) == 0 {
		return nil
	}
	row := discordgo.ActionsRow{}
	for i, b := range bs {
		style := discordgo.SecondaryButton
		if i == len(bs)-1 {
			style = discordgo.DangerButton // unsubscribe
		}
		row.Components = append(row.Components, discordgo.Button{Label: cutPlain(b.Label, maxButtonLabel), Style: style, CustomID: b.Token})
	}
	return []discordgo.MessageComponent{row}
}

// componentResponse is an interaction response to a button press.
// discordgo's InteractionResponseData always sends content and embeds,
// which in an UPDATE_MESSAGE (type 7) would blank the alert's embed: this
// one sends only what it sets.
type componentResponse struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data componentResponseData             `json:"data"`
}

type componentResponseData struct {
	Content         string                       `json:"content,omitempty"`
	Components      []discordgo.MessageComponent `json:"components,omitempty"`
	Flags           discordgo.MessageFlags       `json:"flags,omitempty"`
	AllowedMentions allowedMentions              `json:"allowed_mentions"`
}

// component answers a MESSAGE_COMPONENT interaction (a press of an alert
// button) through the core, as the presser: a refusal goes to the presser
// alone (an ephemeral message, flags 64); an action done updates the alert
// (UPDATE_MESSAGE, type 7), its pressed button disabled and labelled with
// what was done and by whom, and tells the presser the details.
func (d *Discord) component(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction, h bot.Handler) {
	req := interactionRequest(i)
	req.Button = i.MessageComponentData().CustomID
	if i.GuildID != "" {
		// A press in a forum post counts for the forum the alert was sent to.
		req.Chat = model.Destination(Kind.Name + ":" + d.chatChannel(ctx, i.ChannelID))
	}
	log := d.log.With("button", "press", "user", req.UserID, "channel", i.ChannelID)

	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	reply := h.Handle(hctx, req)
	cancel()

	// The press was handled; its answer goes out even if Run is stopping.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	resp := componentResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: componentResponseData{Content: Escape(reply.Text, MaxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}}
	done := !reply.Refused && reply.Done != ""
	if done {
		var old []discordgo.MessageComponent
		if i.Message != nil {
			old = i.Message.Components
		}
		resp = componentResponse{Type: discordgo.InteractionResponseUpdateMessage,
			Data: componentResponseData{Components: doneComponents(old, req.Button, reply.Done), AllowedMentions: noMentions()}}
	}
	endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	rctx, info := withInfo(sctx)
	_, err := s.RequestWithBucketID(http.MethodPost, endpoint, resp, endpoint, discordgo.WithContext(rctx))
	if err = d.classify(rctx, "interaction", "answer button", info, err); err != nil {
		log.Warn("discord: could not answer a button press", "err", err)
		return
	}
	if !done {
		return
	}
	text := Escape(reply.Text, MaxContent)
	rctx, info = withInfo(sctx)
	_, err = s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
		Content: text, Flags: discordgo.MessageFlagsEphemeral,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}, discordgo.WithContext(rctx))
	if err = d.classify(rctx, "interaction", "answer button", info, err); err != nil {
		log.Warn("discord: could not tell the presser what was done", "err", err)
	}
}

// doneComponents is rows with the button whose custom_id is pressed
// replaced by a disabled one labelled done; without such a button (the
// message came without its components) it is the done button alone.
func doneComponents(rows []discordgo.MessageComponent, pressed, done string) []discordgo.MessageComponent {
	doneBtn := discordgo.Button{Label: cutPlain(done, maxButtonLabel), Style: discordgo.SecondaryButton, Disabled: true, CustomID: bot.DoneToken}
	var out []discordgo.MessageComponent
	replaced := false
	for _, c := range rows {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		nr := discordgo.ActionsRow{}
		for _, x := range row.Components {
			if b, ok := x.(*discordgo.Button); ok && b.CustomID == pressed && !replaced {
				x, replaced = doneBtn, true
			}
			nr.Components = append(nr.Components, x)
		}
		out = append(out, nr)
	}
	if !replaced {
		out = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{doneBtn}}}
	}
	return out
}
