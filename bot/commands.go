package bot

// Commands lists every command the core answers, for transports to register
// with their platform. The order is the order shown to users.
func Commands() []Command {
	return []Command{
		{Name: "help", Description: "What this bot does and how to use it"},
		{Name: "watch", Description: "Alert this chat on an ad-hoc query", Arg: "query", ArgRequired: true},
		{Name: "subscribe", Description: "Alert this chat on a configured watch", Arg: "watch", ArgRequired: true},
		{Name: "unsubscribe", Description: "Stop a subscription by id or watch name", Arg: "id", ArgRequired: true},
		{Name: "list", Description: "This chat's subscriptions and routes"},
		{Name: "watches", Description: "The configured watches"},
		{Name: "test", Description: "Which watches would fire on a text or URL", Arg: "text", ArgRequired: true},
		{Name: "mute", Description: "Hold alerts for this chat for a while", Arg: "duration", ArgRequired: true},
		{Name: "unmute", Description: "Deliver held alerts and resume"},
		{Name: "feeds", Description: "Feed health"},
		{Name: "status", Description: "Queue depth, failures and feed health"},
		{Name: "addfeed", Description: "Admin: add a feed", Arg: "url", ArgRequired: true, Admin: true},
		{Name: "rmfeed", Description: "Admin: remove a chat-added feed", Arg: "url", ArgRequired: true, Admin: true},
		{Name: "failed", Description: "Admin: parked alerts", Admin: true},
		{Name: "retry", Description: "Admin: resend parked alerts", Arg: "id", Admin: true},
	}
}
