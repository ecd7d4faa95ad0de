package model

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// Destination names where alerts go: "console", or KIND:TARGET such as
// "telegram:-1001234567890", "telegram:-1001234567890/42" (a forum topic),
// "discord:112233445566778899" or "webhook:https://hooks.example/x".
//
// The string itself is the full form, stored and compared as it is. Some
// targets carry secrets (a webhook URL holds its token), so the methods that
// print — String, LogValue — give the redacted form: a destination passed to
// fmt or slog never leaks. Code that must address the platform uses Target.
// Which kinds exist and what their targets look like is the business of the
// notify package's Kinds registry; this type knows only the shape.
type Destination string

// Console is the destination that prints alerts to standard output.
const Console Destination = "console"

// ParseDestination checks the shape of s: "console", or a lower-case kind,
// a colon and a non-empty target. It does not know the kinds (see
// notify.Kinds.Parse for that).
func ParseDestination(s string) (Destination, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty destination")
	}
	d := Destination(s)
	kind, target, ok := strings.Cut(s, ":")
	if !ok {
		if validKind(kind) {
			return d, nil // a kind without target, like console
		}
		return "", fmt.Errorf("destination %q is not KIND:TARGET", d.Redacted())
	}
	if !validKind(kind) {
		return "", fmt.Errorf("destination %q: %q is not a destination kind", d.Redacted(), kind)
	}
	if target == "" {
		return "", fmt.Errorf("destination %q has no target after %q", d.Redacted(), kind+":")
	}
	return d, nil
}

func validKind(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// Kind returns the kind ("telegram" for "telegram:-100123", "console" for "console").
func (d Destination) Kind() string {
	k, _, _ := strings.Cut(string(d), ":")
	return k
}

// Target returns what follows the kind ("-100123" for "telegram:-100123"), or "".
func (d Destination) Target() string {
	_, t, _ := strings.Cut(string(d), ":")
	return t
}

// Redacted returns the destination safe to show in logs, chats and pages:
// a URL target keeps only its scheme and host ("webhook:https://hooks.example/…"),
// since its path, query and user info may hold a token. Other targets are ids
// and are shown whole.
func (d Destination) Redacted() string {
	t := d.Target()
	if !strings.Contains(t, "://") {
		return string(d)
	}
	u, err := url.Parse(t)
	if err != nil || u.Host == "" {
		return d.Kind() + ":<redacted>"
	}
	return d.Kind() + ":" + u.Scheme + "://" + u.Host + "/…"
}

// String returns the redacted form (see Redacted); use string(d) for the full one.
func (d Destination) String() string { return d.Redacted() }

// LogValue implements slog.LogValuer: logs carry the redacted form.
func (d Destination) LogValue() slog.Value { return slog.StringValue(d.Redacted()) }

// IsSnowflake reports whether s looks like a Discord id (a snowflake): 1 to 20
// decimal digits that fit in 64 bits.
func IsSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
