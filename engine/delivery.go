package engine

import (
	"context"
	"fmt"

	"github.com/newshound/newshound/config"
)

// applyDeliveryDefaults gives each destination in cfg's destinations:
// section its digest and quiet hours, unless its chat already chose its
// own (/digest, /quiet): the chat's word wins over the config's default.
func (e *Engine) applyDeliveryDefaults(ctx context.Context, cfg *config.Config) error {
	for _, def := range cfg.Destinations {
		cur, err := e.st.Delivery(ctx, def.Destination)
		if err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
		if !cur.Off() {
			continue
		}
		if err := e.st.SetDelivery(ctx, def.Delivery().Schedule(e.o.Now())); err != nil {
			return fmt.Errorf("destinations: %w", err)
		}
	}
	return nil
}
