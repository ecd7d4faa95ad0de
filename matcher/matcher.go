// Package matcher decides whether a story concerns a watch: it parses the
// query language, resolves actor aliases, and explains each match.
//
// # Query language
//
//	word             whole word, any case, accents and width ignored
//	"two words"      phrase: the words in a row (punctuation between them is ignored)
//	hack*            prefix ("hack", "hackers"); "cozy bea*" in a phrase too
//	-word, NOT word  exclusion; -(a OR b) works
//	a b, a AND b     both; AND binds tighter than OR: "a b OR c" is "(a b) OR c"
//	a OR b           either
//	( )              grouping
//	a NEAR/5 b       a and b in the same text with at most 5 words between them,
//	                 in either order (NEAR alone is NEAR/5); each side a word,
//	                 phrase, prefix, actor, an OR of those, or another NEAR
//	title:x          x in the title; category:x in a category; both take a
//	                 group: title:(a OR b). Default: title, summary, content
//	                 and categories
//	feed:name        the feed's name contains these words
//	actor:NAME       any alias of the entity NAME (actor:"Cozy Bear" also works)
//	actor:NAME+      NAME and the groups that are part of it: actor:Lazarus+
//	                 is Lazarus Group, APT38, Andariel and TraderTraitor
//	place:NAME       a country with its names in English, Russian and
//	                 Ukrainian, demonyms and capital (place:Azerbaijan is
//	                 also Azerbaijani, Baku, Азербайджан), or a city
//	                 (place:Kyiv is Kyiv, Kiev, Київ, Киев); a newspaper
//	                 named after a place is not it ("The New York Times")
//	"=word"          that exact form only (no inflections or plural)
//	/regex/          RE2 over the raw text (\/ for a slash); only with
//	                 CompileOptions.AllowRegex
//
// AND, OR, NOT and NEAR are operators only in capitals. Errors are
// *SyntaxError values with a 0-based rune position.
//
// # Words
//
// Text and queries are split into words the same way: runs of letters or of
// digits (a change between letters and digits splits, so "APT29", "APT 29"
// and "APT-29" are all "apt" "29" and "APT290" is not "APT29"); each Han
// ideograph and kana is a word of its own (CJK has no spaces); dashes,
// apostrophes and punctuation separate words, and a possessive "'s" is
// dropped ("Russia's" is "Russia"). Words are compared after NFKC
// compatibility mapping (full-width forms, ligatures), case folding and
// removal of Latin, Greek and Cyrillic diacritics and Arabic harakat ("ё" is
// "е"; "й" stays a letter of its own).
//
// A word also matches its inflected forms: a Cyrillic word its case forms
// (Россия: России, Россию, Россией; Київ: Києва, Києві; a name that loses
// a vowel, Египет: Египта), an English word
// last in its term its plural (bear: bears). See forms.go for the rules;
// words under three letters and acronyms in capitals have none.
//
// # Actors
//
// A Registry holds the built-in threat-actor table, the config's entities
// and imported MISP galaxy or ATT&CK STIX files. Aliases of the table and of
// imported files that are everyday words ("Lead", "Tick", "Snake",
// elements such as "NOBELIUM"), short all-capital acronyms ("SEA") or
// phrases of everyday words ("Cozy Bear", "The Dukes") match only as
// written (phrases also in all capitals), so "lead pipes", "nobelium" the
// element and "a teddy bear" do not fire. A one-word everyday alias also
// matches written as a name next to a word that marks a group ("the Dukes
// group", "Barium hackers", "Cobalt gang", "Hive ransomware"; the words are
// group, gang, APT, hackers, crew, team, actor(s), threat actor, ransomware
// and a few more, see groupWordsAfter). Some aliases match only there
// (bare "Cobalt", "Equation"), and known collocations that are not the
// group veto an alias inside them ("Cobalt Strike", "Microsoft Equation
// Editor", "Leviathan Security Group", "The Dukes of Hazzard", "Electrum
// wallet", "Lazarus rose from the dead").
//
// The built-in table (actors.txt) holds every active MITRE ATT&CK intrusion
// set with its aliases, vendor names, and groups ATT&CK lacks (ransomware
// crews, hacktivists of the war in Ukraine). Groups ATT&CK keeps apart stay
// apart: actor:Lazarus does not fire on APT38's "Bluenoroff", actor:APT35
// not on Ajax Security Team's "Rocket Kitten", actor:APT41 not on Winnti
// Group's "Blackfly"; actor:Lazarus+, actor:APT35+ and actor:APT41+ take the
// wider family. Registry.Family lists it.
//
// Malware that carries a group's name (CozyDuke, Winnti, Carbanak, Sofacy)
// is an alias of the group: someone tracking APT29 wants the CozyDuke story,
// and the alert says it was seen as "CozyDuke". Watch the word itself
// (CozyDuke, not actor:) to follow only the malware.
//
// # Matching
//
// Compile indexes every pattern of every watch by its first word (and
// prefixes by their bytes); Match normalises each text once, looks each word
// up behind a small bitset, records where patterns occur, and evaluates only
// the watches one of whose required patterns occurred (watches that can be
// true without any, such as "-sports" or feed: only, are evaluated always).
package matcher

import "strings"

// Doc is the text of one story as the matcher sees it.
type Doc struct {
	Title      string
	Summary    string
	Content    string
	Categories []string
	// Feed is the feed's display name (for feed:NAME scopes).
	Feed string
	// FeedTags are the feed's tags; a watch with tags only sees feeds sharing one.
	FeedTags []string
}

// Watch is a named query.
type Watch struct {
	Name  string
	Query string
	// Tags restricts the watch to feeds carrying one of these tags (empty: all feeds).
	Tags []string
}

// Term is one query term that matched, as it should be shown to a user.
type Term struct {
	// Text is the query term as written (`Cozy Bear`, `hack*`, `actor:APT29`).
	Text string
	// Entity is the canonical entity name for actor: terms ("APT29"), else empty.
	Entity string
	// Seen is the text as it appeared in the story ("Cozy Bear"): its first
	// occurrence in the field the snippet is taken from (the body before the
	// title), so the reason names the spelling the snippet marks.
	Seen string
}

// String renders the term for alerts: `APT29, as "Cozy Bear"` for an actor
// seen under an alias, else the seen text.
func (t Term) String() string {
	if t.Entity != "" {
		// "APT29, as \"apt29\"" would only repeat the name.
		if t.Seen != "" && !strings.EqualFold(t.Seen, t.Entity) {
			return t.Entity + ", as \"" + t.Seen + "\""
		}
		return t.Entity
	}
	if t.Seen != "" {
		return t.Seen
	}
	return t.Text
}

// Hit is one watch that fired on a Doc, with why.
type Hit struct {
	Watch string
	// Index is the watch's position in the list given to Compile (names
	// need not be unique).
	Index int
	Terms []Term
	// Snippet is a short (about 200 runes) plain-text excerpt around the
	// first hit, hits marked with the runes « and » so each platform can
	// render them its own way. It comes from the summary when a hit is
	// there, else from the content, else the title, else a category (an
	// alert shows the title anyway).
	Snippet string
}

// Matcher matches documents against a compiled watchlist. Implementations
// are safe for concurrent use.
type Matcher interface {
	Match(d Doc) []Hit
}
