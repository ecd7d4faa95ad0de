package config

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestHTTPAuthAndHistory(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, yaml string
		err        string // substring of the error, "" for none
		keep       time.Duration
	}{
		{"defaults", "", "", 30 * 24 * time.Hour},
		{"loopback needs no auth", "http: {listen: '127.0.0.1:9090'}", "", 30 * 24 * time.Hour},
		{"localhost needs no auth", "http: {listen: 'localhost:9090'}", "", 30 * 24 * time.Hour},
		{"every interface needs auth", "http: {listen: ':9090'}", "1:16: http.listen \":9090\" is not a loopback address", 0},
		{"public address needs auth", "http: {listen: '0.0.0.0:9090'}", "not a loopback address", 0},
		{"token", "http: {listen: ':9090', auth: 0123456789abcdef0123}", "", 30 * 24 * time.Hour},
		{"short token", "http: {listen: '127.0.0.1:1', auth: short}", "at least 16 characters", 0},
		{"user and bcrypt hash", "http: {listen: ':9090', auth: 'ann:" + string(hash) + "'}", "", 30 * 24 * time.Hour},
		{"user and a bad hash", "http: {auth: 'ann:$2notahash'}", "not a bcrypt hash", 0},
		{"keep in days", "history: {keep: 7d}", "", 7 * 24 * time.Hour},
		{"keep off", "history: {keep: 0}", "", 0},
		{"bad keep", "history: {keep: soon}", "history.keep: bad duration", 0},
		{"unknown key", "history: {kept: 1d}", "kept", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "c.yaml")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse = %v, want an error containing %q", err, tt.err)
				}
				if strings.Contains(err.Error(), string(hash)) {
					t.Errorf("error %q shows the password hash", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.History.Keep != tt.keep {
				t.Errorf("history.keep = %v, want %v", cfg.History.Keep, tt.keep)
			}
		})
	}
}
