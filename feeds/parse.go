package feeds

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

// ErrNotAFeed reports a document that is not RSS, Atom or JSON Feed: most
// often an HTML page (a login wall, a "moved" page, a site's home page)
// served where a feed was expected. Fetch and Parse wrap it with the URL.
var ErrNotAFeed = errors.New("not a feed")

// ErrMalformed reports a feed document so broken that no item could be
// recovered from it (for example one cut off before its first complete
// item). Parse wraps it with the URL and the parser's message.
var ErrMalformed = errors.New("malformed feed")

// maxTTL caps the RSS <ttl> (and Cache-Control max-age) used as a lower bound
// on the poll interval, so that a hostile or careless feed cannot stop us
// polling it for a year.
const maxTTL = 24 * time.Hour

// Parse turns a feed document into a Feed of normalised items.
//
// body is the payload as served (after Content-Encoding, which Fetch undoes;
// a gzip body without Content-Encoding is recognised by its magic bytes and
// unpacked here too, up to DefaultMaxBodySize). Parse performs the one and
// only charset conversion, using contentType's charset parameter, a BOM, the
// XML declaration or a guess, in the order described in charset.go; callers
// must therefore pass the bytes unconverted. feedURL (may be empty) is the
// base for relative links.
//
// Broken documents: gofeed's XML decoder is lenient about bare "&" and
// unknown entities. When the document is cut off or breaks mid-way, Parse
// keeps the items that were complete before the break and sets
// Feed.Partial; when no item was complete it returns an error wrapping
// ErrMalformed. HTML and unknown documents give an error wrapping
// ErrNotAFeed. Every error names feedURL.
func Parse(body []byte, contentType, feedURL string) (*Feed, error) {
	where := redactURL(feedURL)
	if where == "" {
		where = "feed"
	}
	if isGzip(body) {
		unz, err := gunzipLimit(body, DefaultMaxBodySize)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", where, err)
		}
		body = unz
	}
	doc, charset, err := toUTF8(body, contentType)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", where, err)
	}
	doc = decodeBase64Text(doc)
	if looksLikeHTML(doc) {
		return nil, fmt.Errorf("parse %s: %w: got an HTML page", where, ErrNotAFeed)
	}
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		// gofeed takes any JSON object for an empty JSON Feed; an API error
		// such as {"error":"rate limited"} must not look like a feed whose
		// items all vanished.
		ok, err := isJSONFeed(t)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w: broken JSON: %v", where, ErrMalformed, err)
		}
		if !ok {
			return nil, fmt.Errorf("parse %s: %w: JSON that is not a JSON Feed (no jsonfeed.org version, no feed-shaped items)", where, ErrNotAFeed)
		}
	}
	gf, partial, err := parseLenient(doc)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			if len(bytes.TrimSpace(doc)) == 0 {
				return nil, fmt.Errorf("parse %s: %w: empty document", where, ErrNotAFeed)
			}
			return nil, fmt.Errorf("parse %s: %w: no RSS, Atom or JSON Feed root", where, ErrNotAFeed)
		}
		return nil, fmt.Errorf("parse %s: %w: %v", where, ErrMalformed, err)
	}
	f := convertFeed(gf, feedURL)
	f.Partial = partial
	f.Charset = charset.name
	f.CharsetUnsure = charset.unsure
	f.Type = strings.TrimSpace(gf.FeedType + " " + gf.FeedVersion)
	f.Hubs, f.Self = webSubLinks(gf, feedURL)
	return f, nil
}

// parseLenient runs gofeed, and on a syntax error retries once on the
// document cut after its last complete item with the open elements closed.
func parseLenient(doc []byte) (*gofeed.Feed, bool, error) {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	// Items carry no image; skip gofeed's per-item HTML parse looking for one
	// (a quarter of its parse time on content-rich feeds).
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	gf, err := p.Parse(bytes.NewReader(doc))
	if err == nil {
		return gf, false, nil
	}
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, false, err
	}
	fixed, ok := salvage(doc)
	if !ok {
		return nil, false, err
	}
	gf2, err2 := p.Parse(bytes.NewReader(fixed))
	if err2 != nil || len(gf2.Items) == 0 {
		return nil, false, err
	}
	return gf2, true, nil
}

// salvage cuts doc after the last complete <item>/<entry> and closes the
// elements still open there. It reports false when there is no complete item.
func salvage(doc []byte) ([]byte, bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	var stack []string
	cut := -1
	var closeAt []string
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, qname(t.Name))
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if l := strings.ToLower(t.Name.Local); l == "item" || l == "entry" {
				cut = int(d.InputOffset())
				closeAt = append(closeAt[:0], stack...)
			}
		}
	}
	if cut < 0 {
		return nil, false
	}
	out := make([]byte, 0, cut+64)
	out = append(out, doc[:cut]...)
	for i := len(closeAt) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		out = append(out, closeAt[i]...)
		out = append(out, '>')
	}
	return out, true
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// convertFeed maps gofeed's universal feed to Feed.
func convertFeed(gf *gofeed.Feed, feedURL string) *Feed {
	base := feedURL
	if b, err := url.Parse(base); err != nil || !b.IsAbs() {
		base = ""
	}
	link := CanonicalLink(gf.Link, base)
	if base == "" {
		base = link
	}
	f := &Feed{
		Title: fixMojibake(PlainText(gf.Title)),
		Link:  link,
		Items: make([]Item, 0, len(gf.Items)),
	}
	if rf, ok := gf.OriginalFeed().(*rss.Feed); ok && rf != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(rf.TTL)); err == nil && n > 0 {
			f.TTL = min(time.Duration(n)*time.Minute, maxTTL)
		}
	}
	seen := make(map[string]int, len(gf.Items))
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		it := convertItem(gi, base)
		n := seen[it.Key]
		seen[it.Key] = n + 1
		if n > 0 {
			if !strings.HasPrefix(it.Key, hashKeyPrefix) {
				continue // the same GUID or link: one story, first occurrence wins
			}
			// Identical in every field and without any identifier: the
			// feed lists two entries we cannot tell apart. Keep both
			// (the n-th copy keyed by its rank, which stays put while
			// the feed keeps its order) rather than lose one that was
			// meant as its own story; story clustering downstream still
			// sees they read alike.
			it.Key += "#" + strconv.Itoa(n+1)
			if _, clash := seen[it.Key]; clash {
				continue
			}
			seen[it.Key] = 1
		}
		f.Items = append(f.Items, it)
	}
	return f
}

func convertItem(gi *gofeed.Item, base string) Item {
	it := Item{
		GUID:    strings.TrimSpace(gi.GUID),
		Title:   fixMojibake(PlainText(gi.Title)),
		Summary: fixMojibake(PlainText(gi.Description)),
		Content: fixMojibake(PlainText(gi.Content)),
	}
	raw := strings.TrimSpace(gi.Link)
	if raw == "" {
		for _, l := range gi.Links {
			if l = strings.TrimSpace(l); l != "" {
				raw = l
				break
			}
		}
	}
	it.Link = CanonicalLink(raw, base)
	if it.Link == "" && it.GUID != "" && (gi.Link == "" && len(gi.Links) == 0) {
		// RSS guid isPermaLink: the GUID is the link.
		if g := CanonicalLink(it.GUID, ""); g != "" {
			it.Link = g
		}
	}
	for _, c := range gi.Categories {
		c = collapseSpace(c)
		if c != "" && !contains(it.Categories, c) {
			it.Categories = append(it.Categories, c)
		}
	}
	authors := gi.Authors
	if len(authors) == 0 && gi.Author != nil {
		authors = []*gofeed.Person{gi.Author}
	}
	for _, a := range authors {
		if a == nil {
			continue
		}
		n := collapseSpace(a.Name)
		if n == "" {
			n = collapseSpace(a.Email)
		}
		if n != "" && !contains(it.Authors, n) {
			it.Authors = append(it.Authors, n)
		}
	}
	switch {
	case gi.PublishedParsed != nil && !gi.PublishedParsed.IsZero():
		it.Published = gi.PublishedParsed.UTC()
	case gi.UpdatedParsed != nil && !gi.UpdatedParsed.IsZero():
		it.Published = gi.UpdatedParsed.UTC()
	}
	it.Key = itemKey(it)
	return it
}

// itemKey is the GUID, else the canonical link, else a hash of what the
// item says: title, date, and summary and content when it has any.
//
// The text is part of the hash because feeds without GUIDs or links often
// reuse a title ("Update", "Statement") for distinct stories; a key of the
// title alone merged them and the later ones never alerted. Items with a
// GUID or link keep the key they always had, and so do hash-keyed items
// without any text (the text is appended only when present), so stored keys
// stay valid; only items with no GUID, no link and some text get a new key,
// once.
func itemKey(it Item) string {
	if it.GUID != "" {
		return it.GUID
	}
	if it.Link != "" {
		return it.Link
	}
	h := sha256.New()
	io.WriteString(h, it.Title)
	h.Write([]byte{0})
	if !it.Published.IsZero() {
		io.WriteString(h, it.Published.UTC().Format(time.RFC3339))
	}
	if it.Title == "" || it.Summary != "" || it.Content != "" {
		h.Write([]byte{0})
		io.WriteString(h, it.Summary)
		h.Write([]byte{0})
		io.WriteString(h, it.Content)
	}
	return hashKeyPrefix + hex.EncodeToString(h.Sum(nil)[:16])
}

// hashKeyPrefix marks keys made by itemKey from the item's text rather than
// taken from the feed.
const hashKeyPrefix = "sha256:"

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// isJSONFeed reports whether a JSON document has the shape of a JSON Feed.
// The error is for JSON that does not decode at all.
//
// gofeed takes any object with an "items" array for a JSON Feed, so an API
// answer such as {"items":[{"id":7,"name":"x"}]} would become a feed of
// empty stories. A document qualifies by a jsonfeed.org version URL; or by
// a bare version number ("1", "1.1", which gofeed's own fixtures and some
// generators write) with an items array; or by an items array whose
// entries carry fields only JSON Feed has (content_html, content_text,
// date_published, ...), or that looks like the spec's minimum: a feed
// title and an id on every item.
func isJSONFeed(doc []byte) (bool, error) {
	if !json.Valid(doc) {
		var v any
		return false, json.Unmarshal(doc, &v)
	}
	var probe struct {
		Version     any             `json:"version"`
		Title       any             `json:"title"`
		HomePageURL any             `json:"home_page_url"`
		FeedURL     any             `json:"feed_url"`
		Items       json.RawMessage `json:"items"`
	}
	if doc[0] != '{' || json.Unmarshal(doc, &probe) != nil {
		return false, nil // an array, or fields of unexpected types
	}
	version, _ := probe.Version.(string)
	if strings.Contains(version, "jsonfeed.org/version/") {
		return true, nil
	}
	var items []map[string]json.RawMessage
	if len(probe.Items) == 0 || json.Unmarshal(probe.Items, &items) != nil {
		return false, nil // no items, or items that are not all objects
	}
	switch version {
	case "1", "1.0", "1.1":
		return true, nil
	}
	if _, ok := probe.HomePageURL.(string); ok {
		return true, nil
	}
	if _, ok := probe.FeedURL.(string); ok {
		return true, nil
	}
	_, titled := probe.Title.(string)
	allIDs := len(items) > 0
	for _, it := range items {
		for _, k := range []string{"content_html", "content_text", "date_published", "date_modified", "external_url", "banner_image"} {
			if _, ok := it[k]; ok {
				return true, nil
			}
		}
		if _, ok := it["id"]; !ok {
			allIDs = false
		}
	}
	return titled && allIDs, nil
}

// isGzip reports whether b starts with the gzip magic bytes.
func isGzip(b []byte) bool {
	return len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8
}

// gunzipLimit unpacks a gzip body, failing with ErrTooLarge beyond limit
// bytes of output (decompression bombs).
func gunzipLimit(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer zr.Close()
	out, err := readLimit(zr, limit, int64(len(b))*4)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return out, nil
}

// readLimit reads r to the end, failing with ErrTooLarge once more than limit
// bytes arrive. hint sizes the first buffer.
func readLimit(r io.Reader, limit, hint int64) ([]byte, error) {
	if hint <= 0 || hint > limit {
		hint = min(limit, 64<<10)
	}
	buf := bytes.NewBuffer(make([]byte, 0, hint+1))
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// looksLikeHTML reports whether the first element of doc (after BOM, white
// space, comments, processing instructions and doctype) is an HTML page.
//
// The root element decides, not the doctype: feeds written by XHTML
// toolchains carry an XHTML doctype before <rss>. A doctype naming html
// only tips the balance when the root is not a feed element (an HTML page
// that omits <html>, or text).
func looksLikeHTML(doc []byte) bool {
	b := bytes.TrimPrefix(doc, []byte("\uFEFF"))
	htmlDoctype := false
	for range 64 {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return false
			}
			b = b[i+3:]
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return false
			}
			b = b[i+2:]
		case len(b) >= 9 && bytes.EqualFold(b[:9], []byte("<!doctype")):
			rest := bytes.TrimLeft(b[9:], " \t\r\n")
			htmlDoctype = len(rest) >= 4 && bytes.EqualFold(rest[:4], []byte("html"))
			end := doctypeEnd(b)
			if end < 0 {
				return htmlDoctype
			}
			b = b[end:]
		case len(b) > 1 && b[0] == '<':
			end := 1
			for end < len(b) && end < 16 && b[end] != '>' && b[end] != ' ' && b[end] != '\t' && b[end] != '\r' && b[end] != '\n' && b[end] != '/' {
				end++
			}
			switch strings.ToLower(string(b[1:end])) {
			case "html", "head", "body":
				return true
			case "rss", "feed", "rdf:rdf", "rdf", "channel":
				return false
			}
			return htmlDoctype
		default:
			return htmlDoctype
		}
	}
	return false
}

// doctypeEnd returns the offset just past the doctype declaration at the
// start of b (skipping a bracketed internal subset and quoted literals), or
// -1 when it does not end.
func doctypeEnd(b []byte) int {
	depth := 0
	var quote byte
	for i := 2; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case c == '>' && depth == 0:
			return i + 1
		}
	}
	return -1
}

// redactURL hides the password of a URL's user info for error messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
