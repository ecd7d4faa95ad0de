package feeds

import (
	"strings"
	"unicode/utf8"
)

// Teaser thresholds, in characters of plain text. Feeds that give the whole
// story usually give thousands; those that give a teaser, one or two
// sentences.
const (
	// TeaserSummaryMax is the longest summary that, with no content,
	// still counts as a teaser.
	TeaserSummaryMax = 600
	// TeaserTextMin is the shortest text that ever counts as a full
	// story, content or not.
	TeaserTextMin = 280
)

// cutMarks end a text that the feed cut short on purpose. Compared in
// lower case, after trailing spaces.
var cutMarks = []string{
	"…", "...", "[…]", "[...]", "(…)", "(...)", "(more…)", "(more...)", "»", "→",
	"read more", "read more.", "read more »", "continue reading", "continue reading →",
	"read the full story", "read the full article", "read full article", "the post appeared first on",
	"читать далее", "читати далі", "далее", "подробнее",
}

// IsTeaser reports whether it carries only a teaser of its story rather
// than the story itself: no text at all, a short summary and no content,
// any text under TeaserTextMin characters, or text visibly cut ("…",
// "[…]", "Read more", "Continue reading"). Full-text fetching (the
// article page, once) applies to such items; a story matched on its
// teaser alone misses most of what a watch looks for.
func IsTeaser(it Item) bool {
	text := it.Content
	if utf8.RuneCountInString(it.Summary) > utf8.RuneCountInString(text) {
		text = it.Summary
	}
	text = strings.TrimSpace(text)
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return true
	case n < TeaserTextMin:
		return true
	case strings.TrimSpace(it.Content) == "" && n <= TeaserSummaryMax:
		return true
	}
	return visiblyCut(text)
}

// visiblyCut reports whether text ends with a cut mark, or with a "The
// post X appeared first on Y." footer right after one (WordPress).
func visiblyCut(text string) bool {
	tail := strings.ToLower(text)
	if len(tail) > 200 {
		tail = tail[len(tail)-200:]
	}
	if i := strings.LastIndex(tail, "the post "); i >= 0 && strings.Contains(tail[i:], "appeared first on") {
		tail = strings.TrimSpace(tail[:i])
	}
	for _, m := range cutMarks {
		if strings.HasSuffix(tail, m) {
			return true
		}
	}
	return false
}
