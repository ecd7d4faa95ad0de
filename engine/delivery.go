package engine

import (
	"context"
	"fmt"

	"github.com/newshound/newshound/config"
)

// applyDeliveryDefaults gives each destination in cfg's destinations:
// section its digest and quiet hours, each unless its chat chose its own
// (/digest, /quiet, "off" included: Delivery.DigestChosen, QuietChosen): the
// chat's word wins over the config's default. A default the chat did not
// override follows the config as it changes; only what changed is
// rescheduled, so a digest already due is not skipped by a reload.
func (e *Engine) applyDeliveryDefaults(ctx context.Context, cfg *config.Config) error {
	now := e.o.Now()
	for _, def := range cfg.Destinations {
		cur, err := e.st.Delivery(ctx, def.Destination)
		if err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
		next := cur
		if !cur.DigestChosen && cur.Digest != def.Digest {
			next = next.WithDigest(def.Digest, now)
		}
		if !cur.QuietChosen && cur.Quiet != def.Quiet {
			next = next.WithQuiet(def.Quiet, now)
		}
		if next == cur {
			continue
		}
		if err := e.st.SetDelivery(ctx, next); err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
	}
	return nil
}
