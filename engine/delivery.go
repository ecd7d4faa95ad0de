package engine

import (
	"context"
	"fmt"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
)

// applyDeliveryDefaults gives each destination in cfg's destinations:
// section its digest and quiet hours, each unless its chat chose its own
// (/digest, /quiet, "off" included: Delivery.DigestChosen, QuietChosen): the
// chat's word wins over the config's default. A default the chat did not
// override follows the config as it changes, and goes when the config
// drops it; only what changed is rescheduled, so a digest already due is
// not skipped by a reload.
func (e *Engine) applyDeliveryDefaults(ctx context.Context, cfg *config.Config) error {
	now := e.o.Now()
	stored, err := e.st.Deliveries(ctx)
	if err != nil {
		return fmt.Errorf("destinations: %w", err)
	}
	cur := map[model.Destination]model.Delivery{}
	var dests []model.Destination
	for _, d := range stored {
		cur[d.Destination] = d
		dests = append(dests, d.Destination)
	}
	for _, def := range cfg.Destinations {
		if _, ok := cur[def.Destination]; !ok {
			cur[def.Destination] = model.Delivery{Destination: def.Destination}
			dests = append(dests, def.Destination)
		}
	}
	for _, dest := range dests {
		def, _ := cfg.DefaultsFor(dest)
		was := cur[dest]
		next := was
		if !was.DigestChosen && was.Digest != def.Digest {
			next = next.WithDigest(def.Digest, now)
		}
		if !was.QuietChosen && was.Quiet != def.Quiet {
			next = next.WithQuiet(def.Quiet, now)
		}
		if next == was {
			continue
		}
		if err := e.st.SetDelivery(ctx, next); err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
	}
	return nil
}
