package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/internal/metrics"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/watchlist"
	"github.com/newshound/newshound/web"
)

// The metrics also observe the history's size.
var _ engine.HistoryObserver = (*metrics.Metrics)(nil)

// newConsole builds the web console over db; d.eng is read lazily, as the
// engine is made after the services that serve it.
func newConsole(cfg *config.Config, db store.Store, d *daemon, log *slog.Logger) (*web.Server, error) {
	return web.New(web.Deps{
		Store:     db,
		Watchlist: func() *watchlist.Set { return d.eng.Watchlist() },
		Auth:      cfg.HTTP.Auth,
		Listen:    cfg.HTTP.Listen,
		LastCycle: func() time.Time { return d.eng.LastCycle() },
		Wake:      func() { d.eng.Dispatcher().Wake() },
		Log:       log,
	})
}

// withConsole serves /metrics, /healthz and /readyz from probes (open, as
// monitoring expects) and everything else from the console.
func withConsole(probes http.Handler, console http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		mux.Handle(p, probes)
	}
	mux.Handle("/", console)
	return mux
}
