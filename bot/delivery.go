package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
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
	d.Destination, d.DigestChosen = r.Chat, true
	d = d.WithDigest(t, c.now())
	if err := c.store.SetDelivery(ctx, d); err != nil {
		return c.storeFailed("save this chat's digest", err)
	}
	if !t.On {
		c.wake()
		msg := "Digest off: alerts arrive as they come again (anything held arrives as one last digest)."
		if def, ok := r.cfg.DefaultsFor(r.Chat); ok && def.Digest.On {
			msg += fmt.Sprintf(" This overrides the config default (%s) for this chat.", def.Digest)
		}
		return msg
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
	d.Destination, d.QuietChosen = r.Chat, true
	d = d.WithQuiet(q, c.now())
	if err := c.store.SetDelivery(ctx, d); err != nil {
		return c.storeFailed("save this chat's quiet hours", err)
	}
	if !q.On {
		c.wake()
		msg := "Quiet hours off."
		if def, ok := r.cfg.DefaultsFor(r.Chat); ok && def.Quiet.On {
			msg += fmt.Sprintf(" This overrides the config default (%s) for this chat.", def.Quiet)
		}
		return msg
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
func (c *Core) deliveryStatus(ctx context.Context, cfg *config.Config, chat model.Destination) (string, error) {
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
	def, hasDef := cfg.DefaultsFor(chat)
	if d.Digest.On {
		lines = append(lines, fmt.Sprintf("Digest: daily at %s (next %s)%s", d.Digest, fmtTime(d.DigestNext),
			overrides(hasDef && d.DigestChosen && def.Digest.On && def.Digest != d.Digest, def.Digest.String(), "/digest")))
	} else if hasDef && d.DigestChosen && def.Digest.On {
		lines = append(lines, "Digest: off"+overrides(true, def.Digest.String(), "/digest off"))
	}
	if d.Quiet.On {
		mode := "held, then one digest"
		if d.Quiet.Silent {
			mode = "delivered silently"
		}
		lines = append(lines, fmt.Sprintf("Quiet hours: %s, %s (now %s)%s", strings.TrimSuffix(d.Quiet.String(), " silent"), mode, quietNow(d, c.now),
			overrides(hasDef && d.QuietChosen && def.Quiet.On && def.Quiet != d.Quiet, def.Quiet.String(), "/quiet")))
	} else if hasDef && d.QuietChosen && def.Quiet.On {
		lines = append(lines, "Quiet hours: off"+overrides(true, def.Quiet.String(), "/quiet off"))
	}
	for _, m := range mutes {
		lines = append(lines, fmt.Sprintf("Watch %s muted until %s", m.Watch, fmtTime(m.Until)))
	}
	return strings.Join(lines, "\n"), nil
}

// overrides names the config default a chat's own choice replaced, so
// that an admin reading /status knows why the config's setting is not in force.
func overrides(did bool, def, by string) string {
	if !did {
		return ""
	}
	return fmt.Sprintf(" (config default %s overridden by %s)", def, by)
}

func quietNow(d model.Delivery, now func() time.Time) string {
	if d.QuietActive(now()) {
		return "quiet until " + fmtTime(d.QuietUntil)
	}
	return "next from " + fmtTime(d.QuietFrom)
}
