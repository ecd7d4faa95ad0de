// Package stories decides whether a news item reports the same event as a
// story already seen in the window (stories.window, 48 h by default), across
// all feeds: the decision behind "one alert per news event".
//
// # The decision
//
// An item's title and lead (its summary, or the opening of its full text
// when the feed gave only a teaser) become up to 24 distinct tokens: words
// folded (case, accents, ё/е), stripped of stopwords in English, Russian and
// Ukrainian (date parts and daily-column words too), mapped through a small
// table of synonyms and spellings (shut = close, seize = detain, Kiev =
// Kyiv, Kerch bridge = Crimean bridge) and of demonyms (Finnish = Finland,
// with a mark of the demonym kept), crudely stemmed (English suffixes; Cyrillic prefixes),
// each flagged as in the title or only the lead, as a name (capitalised
// mid-sentence, an acronym, mixed case; "APT 29" = "APT29"), or as a figure
// (digits or number words; "2-1" stays one token, "$100m" is 100). Words
// that call an event one more of a series ("second", "another") or negate
// ("not", "denies") become marks that weigh nothing. Two reports score the
// weight they share over the geometric mean of their weights, a token
// weighing its smoothed inverse document frequency in the window (a name
// more, a lead-only word less). Precision comes before recall, so the score
// is cut when the reports share fewer than two tokens or no title word;
// when each title has a figure the other report never mentions; when each
// headline names someone the other report never mentions ("refinery in
// Ryazan" / "in Volgograd"); when the titles are one frame with one object
// swapped ("closes border crossing" / "closes airspace"); when each title
// leaves more than 30% of its weight unmentioned anywhere in the other
// report, unless the titles share three names; when the titles name the
// same two countries with their roles swapped ("Russia expels Moldovan
// diplomats" / "Moldova expels Russian diplomat"); when one title carries a serial or negation mark the other report
// lacks; when the titles move in opposite directions ("raises" / "holds",
// "passes" / "vetoes", "detained" / "released"); and by half for every half
// window between the publication dates, except for a copy. Options.Canon,
// when set, maps aliases of a name to one token ("Cozy Bear" = APT29). An
// item joins the best-scoring story at or above Options.Threshold
// (DefaultThreshold, chosen on the tuning groups of the measurement in
// BENCHMARKS.md).
//
// The method is lexical: reports of one event in two languages, or worded
// with no common name, stay two stories. That errs the safe way, a second
// alert rather than a missed one.
//
// # Cost
//
// Candidates come from an inverted index, probing only the item's six
// rarest tokens and the newest 64 reports of each; at most 32 candidates are
// scored. The cost per item is bounded whatever the size of the window, and
// eviction pops the oldest reports off the front of their postings, so it
// costs what the insertions did. BENCHMARKS.md has the measurements.
//
// # How the daemon uses it
//
// One Index per daemon, built at start-up with Restore from the records the
// store kept for the stories of the window (in their arrival order). For
// each new item that passed dedup (feed+GUID, canonical link, exact title),
// in the same transaction that records the item:
//
//	p := ix.Prepare(item)              // the tokens, extracted once
//	res := ix.LookupPrepared(p)        // no change to the index
//	if res.Same { /* a later report of res.Story: "also reported by" */ }
//	else        { /* a new story: id from the store, alerts as today */ }
//	rec := ix.AddPrepared(p, storyID)  // index it; persist rec when non-nil
//
// (Lookup and AddTo do the same from the Item, extracting its tokens each
// time), or, where the index may hand out story ids, Add does both steps. Seen
// should be the time the daemon saw the item; Evict may be called after
// each poll cycle to give memory back between items. An Index is safe for
// concurrent use; its decisions depend on the order of the items, so one
// writer (the engine's ingest path) should call it.
package stories
