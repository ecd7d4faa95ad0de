// Package bot is the command core shared by the Telegram and Discord
// transports: what a chat may ask, who may ask it, and what it changes.
// Transports only carry a Request in and a Reply out.
package bot

import (
	"context"

	"github.com/newshound/newshound/model"
)

// ChatKind says where a command was sent.
type ChatKind int

// Kinds of chat.
const (
	ChatPrivate ChatKind = iota // a one-to-one chat with the bot
	ChatGroup                   // a group, supergroup, channel or guild channel
)

// Request is one command as received by a transport.
type Request struct {
	// Platform is "telegram" or "discord".
	Platform string
	// Chat is the destination alerts for this chat go to
	// ("telegram:-100123", "telegram:-100123/42" in a forum topic, "discord:998877").
	Chat model.Destination
	Kind ChatKind
	// UserID is the platform's id of the sender, as a decimal string.
	UserID string
	// UserName is for logs and replies only, never for permission checks.
	UserName string
	// Command is the command name without slash or @botname, lower case ("subscribe").
	Command string
	// Args is the rest of the message, trimmed.
	Args string
	// IsChatAdmin reports whether the sender may manage this chat's
	// subscriptions (Telegram group administrator; Discord Manage Channels or
	// Manage Server). Called only for group chats; may do a network call.
	IsChatAdmin func(ctx context.Context) (bool, error)
	// Button, when not empty, makes the request a press of an alert button:
	// the token the transport found on it (Button.Token of AlertButtons),
	// as the chat client sent it back. Command and Args are then ignored:
	// the core reads what the button does from the token and the store, and
	// checks the sender as for the equivalent command.
	Button string
}

// Reply is the answer to a Request, as plain text; each transport escapes
// and formats it for its platform.
type Reply struct {
	Text string
	// Refused, for a button press, says nothing was changed (the sender may
	// not, the alert is gone, the token is not ours): transports show Text
	// to the presser alone and leave the alert as it is.
	Refused bool
	// Done, for a button press that acted, is a short line for the whole
	// chat that takes the pressed button's place under the alert
	// ("🔕 apt29 muted 24 h by alice").
	Done string
}

// Handler answers commands. The command core implements it; transports call it.
type Handler interface {
	Handle(ctx context.Context, r Request) Reply
}
