package bot

import "strings"

// Access says who may run a command.
type Access int

// Access classes, from the most open to the most closed.
const (
	// Anyone may run the command, in any chat.
	Anyone Access = iota
	// ChatManagers may run it: anyone in a private chat; in a group the
	// group's administrators (Request.IsChatAdmin) and the config admins.
	// These are the commands that change what a chat receives.
	ChatManagers
	// Admins are the config admins (admins.telegram / admins.discord) only.
	Admins
)

// String names the class, for tests and logs.
func (a Access) String() string {
	switch a {
	case Anyone:
		return "anyone"
	case ChatManagers:
		return "chat managers"
	case Admins:
		return "admins"
	}
	return "Access(?)"
}

// Command is one row of the command table: everything the core and the
// transports know about a command. Help, Telegram's command menu, Discord's
// slash commands and the permission checks in Handle are all derived from
// the table, so adding a command is one row here and its handler.
type Command struct {
	// Name is the command without slash, lower case ("subscribe").
	Name string
	// Aliases are other names the core answers to with the same handler,
	// never listed ("start", which Telegram sends when a user opens the bot).
	Aliases []string
	// Description is one short line for help and the platforms' menus.
	Description string
	// Arg, if not empty, names the single free-text argument ("query").
	Arg string
	// ArgDescription explains Arg (Discord shows it beside the option).
	ArgDescription string
	// ArgRequired says whether Arg must be given; without it Handle
	// answers with Usage.
	ArgRequired bool
	// Access says who may run the command.
	Access Access
	// Usage is the reply when a required argument is missing.
	Usage string

	run handlerFunc
}

// Admin reports whether only config admins may run c.
func (c Command) Admin() bool { return c.Access == Admins }

// ChangesChat reports whether c changes what its chat receives
// (subscriptions, mutes). Such answers concern everyone in the chat, so
// transports may show them to the whole chat rather than to the caller.
func (c Command) ChangesChat() bool { return c.Access == ChatManagers }

// MenuDescription is Description as a platform's command menu shows it,
// where admin commands are listed beside everyone's: "Admin: " in front.
func (c Command) MenuDescription() string {
	if !c.Admin() || c.Description == "" {
		return c.Description
	}
	return "Admin: " + strings.ToLower(c.Description[:1]) + c.Description[1:]
}

// table is the command table. The order is the order shown to users.
// It is a function, not a variable, because /help reads it.
func table() []Command {
	return []Command{
		{Name: "help", Aliases: []string{"start"}, Description: "What this bot does and how to use it",
			run: (*Core).cmdHelp},
		{Name: "watch", Description: "Alert this chat on an ad-hoc query",
			Arg: "query", ArgDescription: `A watch query, e.g. "cozy bear" OR actor:APT29`, ArgRequired: true,
			Access: ChatManagers, Usage: `/watch QUERY — for example: /watch "Cozy Bear" OR APT29`,
			run: (*Core).cmdWatch},
		{Name: "subscribe", Description: "Alert this chat on a configured watch",
			Arg: "watch", ArgDescription: "Name of a configured watch (see /watches)", ArgRequired: true,
			Access: ChatManagers, Usage: "/subscribe WATCH — /watches lists the watch names",
			run: (*Core).cmdSubscribe},
		{Name: "unsubscribe", Description: "Stop a subscription by id or watch name",
			Arg: "id", ArgDescription: "Subscription id or watch name (see /list)", ArgRequired: true,
			Access: ChatManagers, Usage: "/unsubscribe ID or /unsubscribe WATCH — /list shows the ids",
			run: (*Core).cmdUnsubscribe},
		{Name: "list", Description: "This chat's subscriptions and routes",
			run: (*Core).cmdList},
		{Name: "watches", Description: "The configured watches",
			run: (*Core).cmdWatches},
		{Name: "test", Description: "Which watches would fire on a text or URL",
			Arg: "text", ArgDescription: "Text or URL to test against the watches", ArgRequired: true,
			Usage: "/test TEXT or /test URL — shows which watches would fire",
			run:   (*Core).cmdTest},
		{Name: "search", Description: "Stories of the last 7 days that match a query",
			Arg: "query", ArgDescription: `A watch query, e.g. "cozy bear" OR actor:APT29`, ArgRequired: true,
			Usage: "/search QUERY — for example: /search actor:APT29 phishing",
			run:   (*Core).cmdSearch},
		{Name: "mute", Description: "Hold alerts for this chat for a while",
			Arg: "duration", ArgDescription: "How long, e.g. 2h or 30m", ArgRequired: true,
			Access: ChatManagers, Usage: "/mute DURATION — for example /mute 2h, /mute 30m, /mute 1d",
			run: (*Core).cmdMute},
		{Name: "unmute", Description: "Deliver held alerts and resume",
			Access: ChatManagers,
			run:    (*Core).cmdUnmute},
		{Name: "digest", Description: "One digest a day instead of single alerts",
			Arg: "time", ArgDescription: "HH:MM [time zone], e.g. 08:00 Europe/Kyiv, or off", ArgRequired: true,
			Access: ChatManagers, Usage: "/digest HH:MM [TZ] or /digest off — for example /digest 08:00 Europe/Kyiv",
			run: (*Core).cmdDigest},
		{Name: "quiet", Description: "Quiet hours: hold alerts, then one digest",
			Arg: "window", ArgDescription: "HH:MM-HH:MM [time zone] [silent], or off", ArgRequired: true,
			Access: ChatManagers, Usage: "/quiet HH:MM-HH:MM [TZ] [silent] or /quiet off — for example /quiet 22:00-07:00 Europe/Kyiv",
			run: (*Core).cmdQuiet},
		{Name: "feeds", Description: "Feed health",
			run: (*Core).cmdFeeds},
		{Name: "status", Description: "Queue depth, failures and feed health",
			run: (*Core).cmdStatus},
		{Name: "addfeed", Description: "Add a feed",
			Arg: "url", ArgDescription: "Feed URL", ArgRequired: true,
			Access: Admins, Usage: "/addfeed URL [TAG ...]",
			run: (*Core).cmdAddFeed},
		{Name: "rmfeed", Description: "Remove a chat-added feed",
			Arg: "url", ArgDescription: "Feed URL", ArgRequired: true,
			Access: Admins, Usage: "/rmfeed URL",
			run: (*Core).cmdRmFeed},
		{Name: "failed", Description: "Parked alerts",
			Access: Admins,
			run:    (*Core).cmdFailed},
		{Name: "retry", Description: "Resend parked alerts",
			Arg: "id", ArgDescription: "Alert id from /failed, or all",
			Access: Admins,
			run:    (*Core).cmdRetry},
	}
}

// Commands returns the command table, for transports to register with
// their platform. The order is the order shown to users.
func Commands() []Command { return table() }

// Lookup finds the row that answers name (a name or an alias, lower case).
func Lookup(name string) (Command, bool) {
	for _, c := range table() {
		if c.Name == name {
			return c, true
		}
		for _, a := range c.Aliases {
			if a == name {
				return c, true
			}
		}
	}
	return Command{}, false
}
