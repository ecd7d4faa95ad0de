package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// cmdDigest turns the chat's daily digest on (at a time of day in an IANA
// zone) or off. Alerts held meanwhile stay held: turning it off releases
// them as one digest at the digester's next look, never one by one.
func (c *Core) cmdDigest(ctx context.Context, r *call) string {
	t, err := model.ParseDigest(r.Args)
	if err != nil {
		return "No change: " + err.Error() + "."
	}
	d, err := c.store.Delivery(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's delivery settings", err)
	}
	d.Destination, d.Digest = r.Chat, t
	d = d.Schedule(c.now())
	if err := c.store.SetDelivery(ctx, d); err != nil {
		return c.storeFailed("save this chat's digest", err)
	}
	if !t.On {
		c.wake()
		return "Digest off: alerts arrive as they come again (anything held arrives as one last digest)."
	}
	return fmt.Sprintf("Digest on: one message a day at %s instead of single alerts; the next on %s. /digest off to undo.",
		t, fmtTime(d.DigestNext))
}

// cmdQuiet sets the chat's quiet hours: alerts in the window are held and
// sent as one digest at its end, or, with "silent", delivered without a
// notification sound.
func (c *Core) cmdQuiet(ctx context.Context, r *call) string {
	q, err := model.ParseQuiet(r.Args)
	if err != nil {
		return "No change: " + err.Error() + "."
	}
	d, err := c.store.Delivery(ctx, r.Chat)
	if err != nil {
		return c.storeFailed("read this chat's delivery settings", err)
	}
	d.Destination, d.Quiet = r.Chat, q
	d = d.Schedule(c.now())
	if err := c.store.SetDelivery(ctx, d); err != nil {
		return c.storeFailed("save this chat's quiet hours", err)
	}
	if !q.On {
		c.wake()
		return "Quiet hours off."
	}
	how := "alerts are held and arrive as one digest when they end"
	if q.Silent {
		how = "alerts arrive without a notification sound"
	}
	return fmt.Sprintf("Quiet hours %s: %s. Next window %s to %s. /quiet off to undo.",
		strings.TrimSuffix(q.String(), " silent"), how, fmtTime(d.QuietFrom), fmtTime(d.QuietUntil))
}

// deliveryStatus describes the chat's digest, quiet hours and watch mutes
// for /status and /list; "" when it has none.
func (c *Core) deliveryStatus(ctx context.Context, chat model.Destination) (string, error) {
	d, err := c.store.Delivery(ctx, chat)
	if err != nil {
		return "", err
	}
	mutes, err := c.store.WatchMutes(ctx, chat)
	if err != nil {
		return "", err
	}
	held, err := c.store.ListOutbox(ctx, store.StateHeld, chat, 1000)
	if err != nil {
		return "", err
	}
	var lines []string
	if len(held) > 0 {
		lines = append(lines, fmt.Sprintf("Held for a digest: %d", len(held)))
	}
	if d.Digest.On {
		lines = append(lines, fmt.Sprintf("Digest: daily at %s (next %s)", d.Digest, fmtTime(d.DigestNext)))
	}
	if d.Quiet.On {
		mode := "held, then one digest"
		if d.Quiet.Silent {
			mode = "delivered silently"
		}
		lines = append(lines, fmt.Sprintf("Quiet hours: %s, %s (now %s)", strings.TrimSuffix(d.Quiet.String(), " silent"), mode, quietNow(d, c.now)))
	}
	for _, m := range mutes {
		lines = append(lines, fmt.Sprintf("Watch %s muted until %s", m.Watch, fmtTime(m.Until)))
	}
	return strings.Join(lines, "\n"), nil
}

func quietNow(d model.Delivery, now func() time.Time) string {
	if d.QuietActive(now()) {
		return "quiet until " + fmtTime(d.QuietUntil)
	}
	return "next from " + fmtTime(d.QuietFrom)
}
