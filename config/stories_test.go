package config

import (
	"strings"
	"testing"
	"time"
)

func TestStoriesKeys(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		window    time.Duration
		mode      string
		routeMode string
		minOut    int
		err       string
	}{
		{name: "defaults", src: "watches:\n  - {name: a, query: x}\nroutes:\n  - {watches: [a], to: [console]}\n",
			window: 48 * time.Hour, mode: "edit"},
		{name: "set", src: "stories:\n  window: 12h\n  also_reported: quiet\nwatches:\n  - {name: a, query: x, min_outlets: 3}\nroutes:\n  - {watches: [a], to: [console], also_reported: alert}\n",
			window: 12 * time.Hour, mode: "quiet", routeMode: "alert", minOut: 3},
		{name: "bad mode", src: "stories:\n  also_reported: shout\n", err: "c.yaml:2:18: stories.also_reported must be edit, quiet or alert, got \"shout\""},
		{name: "bad route mode", src: "watches:\n  - {name: a, query: x}\nroutes:\n  - {watches: [a], to: [console], also_reported: loud}\n", err: "c.yaml:4:50: route also_reported must be edit, quiet or alert"},
		{name: "zero window", src: "stories:\n  window: 0s\n", err: "c.yaml:2:11: stories.window must be longer than zero"},
		{name: "zero min_outlets", src: "watches:\n  - {name: a, query: x, min_outlets: 0}\n", err: "c.yaml:2:38: watch min_outlets must be at least 1, got 0"},
		{name: "unknown key", src: "stories:\n  windows: 1h\n", err: "c.yaml:2:3: unknown key \"windows\" in stories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.src), "c.yaml")
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %s...", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Stories.Window != tt.window || cfg.Stories.AlsoReported != tt.mode {
				t.Errorf("stories = %+v, want window %s mode %s", cfg.Stories, tt.window, tt.mode)
			}
			if got := cfg.Routes[0].AlsoReported; got != tt.routeMode {
				t.Errorf("route also_reported = %q, want %q", got, tt.routeMode)
			}
			if got := cfg.Watches[0].MinOutlets; got != tt.minOut {
				t.Errorf("min_outlets = %d, want %d", got, tt.minOut)
			}
		})
	}
}
