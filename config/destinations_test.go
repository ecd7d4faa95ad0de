package config

import (
	"strings"
	"testing"
)

func TestDestinationDefaults(t *testing.T) {
	tests := []struct {
		name, yaml, want, wantErr string
	}{
		{"digest and quiet", `{"telegram:-100": {digest: "08:00 Europe/Kyiv", quiet: "22:00-07:00", quiet_mode: silent}}`,
			"telegram:-100 08:00 Europe/Kyiv 22:00-07:00 UTC silent", ""},
		{"quiet hold by default", `{"discord:1": {quiet: "23:00-06:00 Europe/Kyiv"}}`, "discord:1 off 23:00-06:00 Europe/Kyiv", ""},
		{"bad zone", `{"telegram:-100": {digest: "08:00 Mars/Base"}}`, "", "IANA"},
		{"bad mode", `{"telegram:-100": {quiet: "22:00-07:00", quiet_mode: loud}}`, "", "not hold or silent"},
		{"mode without quiet", `{"telegram:-100": {quiet_mode: silent}}`, "", "needs quiet hours"},
		{"unknown key", `{"telegram:-100": {digets: "08:00"}}`, "", "unknown key"},
		{"story threads", `{"discord:1": {threads: story}}`, "discord:1 off off threads=story", ""},
		{"threads off", `{"discord:1": {threads: "off", digest: "07:00"}}`, "discord:1 07:00 UTC off", ""},
		{"threads on telegram", `{"telegram:-100": {threads: story}}`, "", "only discord: channels"},
		{"bad threads", `{"discord:1": {threads: always}}`, "", "not story or off"},
		{"secret never echoed", `{"webhook:https://h.example/SECRET": {digets: "08:00"}}`, "", "h.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte("destinations: "+tt.yaml+"\n"), "c.yaml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "SECRET") {
					t.Fatalf("error = %v, want one containing %q and no secret", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Destinations) != 1 {
				t.Fatalf("%d defaults", len(cfg.Destinations))
			}
			d := cfg.Destinations[0]
			got := string(d.Destination) + " " + d.Digest.String() + " " + d.Quiet.String()
			if d.Threads != "" {
				got += " threads=" + d.Threads
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
