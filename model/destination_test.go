package model

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParseDestination(t *testing.T) {
	tests := []struct {
		in, kind, target, err string
	}{
		{in: "console", kind: "console"},
		{in: " telegram:-1001234567890 ", kind: "telegram", target: "-1001234567890"},
		{in: "telegram:-100123/42", kind: "telegram", target: "-100123/42"},
		{in: "webhook:https://hooks.example/x?token=s3cret", kind: "webhook", target: "https://hooks.example/x?token=s3cret"},
		{in: "", err: "empty destination"},
		{in: "telegram:", err: "has no target"},
		{in: "Telegram:1", err: "not a destination kind"},
		{in: "tele gram", err: "not KIND:TARGET"},
	}
	for _, tt := range tests {
		d, err := ParseDestination(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDestination(%q) = %v, want error containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDestination(%q): %v", tt.in, err)
			continue
		}
		if d.Kind() != tt.kind || d.Target() != tt.target {
			t.Errorf("ParseDestination(%q) = kind %q target %q, want %q %q", tt.in, d.Kind(), d.Target(), tt.kind, tt.target)
		}
	}
}

// Every way a destination gets printed hides a URL's secret parts.
func TestDestinationNeverPrintsSecrets(t *testing.T) {
	secrets := []Destination{
		"discord-webhook:https://discord.com/api/webhooks/123/TOKENPART",
		"webhook:https://user:pw@hooks.example/x/TOKENPART?sig=TOKENPART",
		"webhook:http://[::1]:80/TOKENPART",
	}
	for _, d := range secrets {
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "dest", d)
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "dest", d)
		for _, out := range []string{d.Redacted(), d.String(), fmt.Sprint(d), fmt.Sprintf("%v %s", d, d), logged.String(), fmt.Errorf("to %v", d).Error()} {
			if strings.Contains(out, "TOKENPART") || strings.Contains(out, "pw@") {
				t.Errorf("%q printed as %q", string(d), out)
			}
		}
	}
	if got := Destination("discord-webhook:https://discord.com/api/webhooks/1/T").Redacted(); got != "discord-webhook:https://discord.com/…" {
		t.Errorf("redacted webhook = %q", got)
	}
	if got := Destination("telegram:-100/7").Redacted(); got != "telegram:-100/7" {
		t.Errorf("ids are not secret: got %q", got)
	}
}
