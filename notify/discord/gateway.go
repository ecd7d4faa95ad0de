package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// chatAdminPerms are the permissions that let a member manage a channel's
// subscriptions: Manage Channels, Manage Server, or Administrator.
const chatAdminPerms = discordgo.PermissionManageChannels | discordgo.PermissionManageGuild | discordgo.PermissionAdministrator

// handleTimeout bounds one command; the interaction token lives 15 minutes.
const handleTimeout = 2 * time.Minute

// readyTimeout bounds the wait for READY after the gateway handshake.
const readyTimeout = 30 * time.Second

// ApplicationCommands converts the core's command table into Discord slash
// commands: one optional or required STRING option named after Command.Arg
// and described by Command.ArgDescription. No command sets
// default_member_permissions: admin commands are for the user ids under
// admins.discord, who need not hold any guild permission, and the core
// refuses everyone else with a reply that says why.
func ApplicationCommands(cmds []bot.Command) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(cmds))
	for _, c := range cmds {
		ac := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        strings.ToLower(c.Name),
			Description: cutPlain(c.MenuDescription(), 100),
			Options:     []*discordgo.ApplicationCommandOption{},
		}
		if c.Arg != "" {
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Type:        discordgo.ApplicationCommandOptionString,
				Name:        strings.ToLower(c.Arg),
				Description: cutPlain(argDescription(c), 100),
				Required:    c.ArgRequired,
				MaxLength:   1000,
			})
		}
		out = append(out, ac)
	}
	return out
}

// argDescription is the option's description; Discord requires one.
func argDescription(c bot.Command) string {
	if c.ArgDescription != "" {
		return c.ArgDescription
	}
	return c.Arg
}

// public reports whether the answer to command goes to the whole channel:
// commands that change what the channel receives. Every other answer is
// ephemeral (only the caller sees it).
func public(command string) bool {
	c, ok := bot.Lookup(command)
	return ok && c.ChangesChat()
}

// Run opens the gateway, registers the slash commands (bulk overwrite, per
// guild in Options.Guilds or globally), and hands every slash command to h
// until ctx is done. It returns nil after a clean shutdown, once the
// commands in flight have been answered. A rejected bot token gives a
// *notify.PermanentError; other errors (network, Discord down) are worth
// another Run after a pause. discordgo reconnects and resumes the gateway
// by itself while Run is running.
func (d *Discord) Run(ctx context.Context, h bot.Handler) error {
	if d.bot == nil {
		return errors.New("discord: no bot token configured (discord.token); cannot receive commands")
	}
	s := d.bot
	ready := make(chan *discordgo.Ready, 1)
	removeReady := s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		select {
		case ready <- r:
		default:
		}
	})
	defer removeReady()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex // guards appID, stopped and inflight.Add
		appID    string
		stopped  bool
		inflight sync.WaitGroup
	)
	removeIC := s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		mu.Lock()
		if stopped || ic.Interaction == nil {
			mu.Unlock()
			return
		}
		inflight.Add(1)
		id := appID
		mu.Unlock()
		defer inflight.Done()
		d.interaction(runCtx, s, ic.Interaction, id, h)
	})
	defer removeIC()

	if err := s.Open(); err != nil {
		var rest *discordgo.RESTError
		if errors.As(err, &rest) && rest.Response != nil {
			// Never wrap a RESTError: it holds the request, token header included.
			apiErr := &APIError{Status: rest.Response.StatusCode}
			if rest.Message != nil {
				apiErr.Code, apiErr.Message = rest.Message.Code, rest.Message.Message
			}
			if apiErr.Status == http.StatusUnauthorized {
				return &notify.PermanentError{Err: fmt.Errorf("discord: open gateway: the bot token was rejected; check discord.token: %w", apiErr)}
			}
			return fmt.Errorf("discord: open gateway: %w", apiErr)
		}
		return fmt.Errorf("discord: open gateway: %w", d.scrub(err))
	}
	defer func() {
		// Commands in flight see a cancelled context; their answers still
		// go out (see interaction) before Run returns.
		cancel()
		mu.Lock()
		stopped = true
		mu.Unlock()
		if err := s.Close(); err != nil {
			d.log.Warn("discord: close gateway", "err", d.scrub(err))
		}
		inflight.Wait()
	}()

	var r *discordgo.Ready
	select {
	case r = <-ready:
	case <-ctx.Done():
		return nil
	case <-time.After(readyTimeout):
		return errors.New("discord: gateway sent no READY")
	}
	id := ""
	if r.Application != nil {
		id = r.Application.ID
	}
	if id == "" && r.User != nil {
		id = r.User.ID
	}
	if id == "" {
		return errors.New("discord: READY carried no application id")
	}
	mu.Lock()
	appID = id
	mu.Unlock()
	botName := ""
	if r.User != nil {
		botName = r.User.Username
	}
	d.log.Info("discord: gateway connected", "bot", botName, "application", id)

	if err := d.registerCommands(runCtx, id); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// registerCommands bulk-overwrites the slash commands, per guild or globally.
// Only a rejected token stops it; other failures are logged.
func (d *Discord) registerCommands(ctx context.Context, appID string) error {
	cmds := ApplicationCommands(bot.Commands())
	guilds := d.guilds
	if len(guilds) == 0 {
		guilds = []string{""}
	}
	for _, g := range guilds {
		rctx, info := withInfo(ctx)
		_, err := d.bot.ApplicationCommandBulkOverwrite(appID, g, cmds, discordgo.WithContext(rctx))
		where := "globally"
		if g != "" {
			where = "in guild " + g
		}
		if err = d.classify(rctx, "commands:"+g, "register commands "+where, info, err); err != nil {
			if info.status == http.StatusUnauthorized {
				return err
			}
			// A guild the bot has left, or a Discord hiccup: the commands
			// registered last time still work; keep serving the others.
			d.log.Warn("discord: could not register slash commands", "where", where, "err", err)
			continue
		}
		d.log.Info("discord: slash commands registered", "where", where, "count", len(cmds))
	}
	return nil
}

// interaction answers one INTERACTION_CREATE: a slash command is deferred
// at once (Discord allows 3 seconds), run, and the deferred answer edited;
// a button press (MESSAGE_COMPONENT) goes to component.
func (d *Discord) interaction(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction, appID string, h bot.Handler) {
	if i.AppID == "" {
		i.AppID = appID
	}
	if i.Type == discordgo.InteractionMessageComponent {
		d.component(ctx, s, i, h)
		return
	}
	if i.Type != discordgo.InteractionApplicationCommand {
		return
	}
	data := i.ApplicationCommandData()
	req := interactionRequest(i)
	req.Command = strings.ToLower(data.Name)
	req.Args = strings.TrimSpace(stringOption(data.Options))
	log := d.log.With("command", req.Command, "user", req.UserID, "channel", i.ChannelID)

	var flags discordgo.MessageFlags
	if req.Kind == bot.ChatGroup && !public(req.Command) {
		flags = discordgo.MessageFlagsEphemeral
	}
	rctx, info := withInfo(ctx)
	err := s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Flags:           flags,
			AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
		},
	}, discordgo.WithContext(rctx))
	if err = d.classify(rctx, "interaction", "defer interaction", info, err); err != nil {
		log.Warn("discord: could not acknowledge command", "err", err)
		return
	}
	if i.GuildID != "" {
		// Looked up once acknowledged: Discord allows 3 seconds for that.
		// A command typed in a thread or forum post applies to its channel.
		req.Chat = model.Destination(Kind.Name + ":" + d.chatChannel(ctx, i.ChannelID))
	}

	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	reply := h.Handle(hctx, req)
	cancel()

	// The command has run; its answer goes out even if Run is stopping.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	chunks := splitReply(reply.Text, MaxContent, 5)
	for n, chunk := range chunks {
		if strings.TrimSpace(chunk) == "" {
			continue
		}
		rctx, info := withInfo(sctx)
		if n == 0 {
			_, err = s.InteractionResponseEdit(i, &discordgo.WebhookEdit{
				Content:         &chunk,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
			}, discordgo.WithContext(rctx))
		} else {
			_, err = s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
				Content:         chunk,
				Flags:           flags,
				AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
			}, discordgo.WithContext(rctx))
		}
		if err = d.classify(rctx, "interaction", "answer command", info, err); err != nil {
			log.Warn("discord: could not deliver command answer", "err", err, "part", n+1)
			return
		}
	}
	log.Debug("discord: command answered", "parts", len(chunks))
}

// interactionRequest describes who sent interaction i, where: the
// channel, whether it is a group, the user, and whether the member's
// permissions in the channel let them manage it (Discord computes them
// into the interaction, so no request is needed).
func interactionRequest(i *discordgo.Interaction) bot.Request {
	req := bot.Request{Platform: "discord", Chat: model.Destination(Kind.Name + ":" + i.ChannelID)}
	var perms int64
	switch {
	case i.Member != nil && i.GuildID != "":
		req.Kind = bot.ChatGroup
		perms = i.Member.Permissions
		if i.Member.User != nil {
			req.UserID, req.UserName = i.Member.User.ID, i.Member.User.Username
		}
	case i.User != nil:
		// A group DM (context PRIVATE_CHANNEL) has several people in it:
		// a group nobody administers, not a private chat with the bot.
		req.Kind = bot.ChatPrivate
		if i.Context == discordgo.InteractionContextPrivateChannel {
			req.Kind = bot.ChatGroup
		}
		req.UserID, req.UserName = i.User.ID, i.User.Username
	}
	kind := req.Kind
	req.IsChatAdmin = func(context.Context) (bool, error) {
		return kind == bot.ChatGroup && perms&chatAdminPerms != 0, nil
	}
	return req
}

// stringOption returns the value of the first STRING option.
func stringOption(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if o.Type == discordgo.ApplicationCommandOptionString {
			if v, ok := o.Value.(string); ok {
				return v
			}
		}
		if v := stringOption(o.Options); v != "" {
			return v
		}
	}
	return ""
}

// splitReply escapes text and splits it into at most maxParts messages of at
// most size characters, preferring line breaks; the last part is cut with an
// ellipsis when the text is longer still.
func splitReply(text string, size, maxParts int) []string {
	toks := escapeTokens(strings.TrimSpace(text))
	if len(toks) == 0 {
		return []string{"(no answer)"}
	}
	var parts []string
	for len(toks) > 0 {
		if len(parts) == maxParts-1 || tokensLen(toks) <= size {
			parts = append(parts, fit(toks, size))
			break
		}
		head, _ := takeTokens(toks, size)
		cut := len(head)
		for j := len(head) - 1; j > len(head)/2; j-- {
			if head[j] == "\n" {
				cut = j + 1
				break
			}
		}
		parts = append(parts, strings.TrimRight(strings.Join(toks[:cut], ""), "\n"))
		toks = toks[cut:]
	}
	return parts
}
