package bot

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/model"
)

// fmtTime renders an absolute time for chat: UTC, to the minute.
func fmtTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// fmtDuration renders a duration in the largest two units: "2h", "1d 12h", "45s".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%dh", hours))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%dm", mins))
	}
	if len(parts) > 2 {
		parts = parts[:2]
	}
	return strings.Join(parts, " ")
}

// relTime renders t relative to now: "3m ago", "in 2h", "never" for zero.
func relTime(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d >= -30*time.Second && d <= 30*time.Second:
		return "just now"
	case d > 0:
		return fmtDuration(d) + " ago"
	default:
		return "in " + fmtDuration(-d)
	}
}

// clip shortens s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

var (
	// botTokenRE matches Telegram bot tokens, bare or inside /bot<token>/ URLs.
	botTokenRE = regexp.MustCompile(`\b(bot)?[0-9]{5,}:[A-Za-z0-9_-]{30,}`)
	// webhookRE matches Discord webhook URLs' token part.
	webhookRE = regexp.MustCompile(`(/webhooks/[0-9]+/)[A-Za-z0-9_.-]+`)
	// bearerRE matches "Bot xxx" / "Bearer xxx" authorization values.
	bearerRE = regexp.MustCompile(`(?i)\b(bot|bearer)\s+[A-Za-z0-9_.-]{20,}`)
)

// scrubSecrets removes bot tokens and webhook tokens from text meant for a
// chat or a log line.
func scrubSecrets(s string) string {
	s = botTokenRE.ReplaceAllString(s, "${1}[token]")
	s = webhookRE.ReplaceAllString(s, "${1}[token]")
	s = bearerRE.ReplaceAllString(s, "$1 [token]")
	return s
}

// urlQueryRE matches the query string of a URL inside free text.
var urlQueryRE = regexp.MustCompile(`(https?://[^\s?#"'<>]+)\?[^\s"'<>]*`)

// hideURLQueries drops the query strings of URLs inside text (a config
// feed's URL may carry an API key in its query; errors quote the URL).
func hideURLQueries(s string) string {
	return urlQueryRE.ReplaceAllStringFunc(s, func(m string) string {
		base, query, _ := strings.Cut(m, "?")
		// punctuation that ends the sentence is not part of the URL
		trail := query[len(strings.TrimRight(query, ".,:;!)")):]
		return base + "?…" + trail
	})
}

// displayDest renders a destination for chat without secrets.
func displayDest(dest model.Destination) string { return dest.Redacted() }

// displayFeedURL renders a config feed's URL without user info or query
// string (either may carry an API key): scheme, host and path.
func displayFeedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return clip(scrubSecrets(raw), 120)
	}
	out := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?…"
	}
	return clip(out, 120)
}

// plural renders "1 watch", "2 watches", "0 subscriptions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") || strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
