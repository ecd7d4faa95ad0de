// Package opml reads and writes OPML subscription lists, the format every
// feed reader imports and exports (Miniflux, FreshRSS, Feedly, Inoreader,
// NetNewsWire, ...).
//
// Reading is bounded and strict, because an OPML file is often something a
// user downloaded from elsewhere: at most MaxSize bytes, MaxOutlines
// outlines and MaxDepth levels of nesting; a document that is not well
// formed is an error naming its line. encoding/xml never expands entities
// declared in a DOCTYPE (an undeclared "&lol9;" is a syntax error), so the
// "billion laughs" cannot blow up; only the XML and HTML predefined
// entities are known.
//
// Folders become tags: a feed outline nested in outlines without xmlUrl gets
// each folder's title as a tag, and the OPML 2.0 category attribute
// ("/Tech/Security,/News") adds one tag per path segment. The readers'
// catch-all folders ("All" in Miniflux, "Uncategorized" in FreshRSS and
// Feedly) add none, so that a feed without tags makes the round trip
// through them without gaining one.
package opml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Limits of Parse. Real subscription lists have hundreds of feeds, rarely a
// few thousand.
const (
	MaxSize     = 8 << 20 // bytes
	MaxOutlines = 10000
	MaxDepth    = 32
)

// Outline is one feed of a subscription list.
type Outline struct {
	// URL is the feed's address (xmlUrl), trimmed, as written.
	URL string
	// Title is the outline's title, else its text.
	Title string
	// HTMLURL is the site's home page (htmlUrl), if given.
	HTMLURL string
	// Tags are the enclosing folders' titles, outermost first, then the
	// category attribute's segments; each once, in that order.
	Tags []string
	// Line is the outline's line in the document (1-based), for messages.
	Line int
}

// SyntaxError is a document Parse refuses: not well formed, not OPML, or
// beyond a limit (then it wraps ErrTooLarge).
type SyntaxError struct {
	// Line is where the problem was found (0 when it is the whole document).
	Line int
	// Msg says what is wrong.
	Msg string
	// Err is ErrTooLarge for a limit, else nil.
	Err error
}

// Unwrap returns Err.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Error implements error.
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// ErrTooLarge is wrapped by the SyntaxError of a document beyond MaxSize,
// MaxOutlines or MaxDepth.
var ErrTooLarge = errors.New("OPML document too large")

func tooLarge(line int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Line: line, Msg: ErrTooLarge.Error() + ": " + fmt.Sprintf(format, args...), Err: ErrTooLarge}
}

// catchAll are folder names readers file untagged feeds under.
var catchAll = map[string]bool{"all": true, "uncategorized": true, "uncategorised": true}

// Parse reads the feed outlines of an OPML document, in document order.
// Outlines without xmlUrl are folders; an outline with an xmlUrl that is
// not a valid URL is still returned (the caller reports it with its Line).
// Errors are *SyntaxError.
func Parse(r io.Reader) ([]Outline, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading OPML: %w", err)
	}
	if len(data) > MaxSize {
		return nil, tooLarge(0, "more than %d bytes", MaxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and friends in titles; a fixed table, nothing expands
	d.CharsetReader = charset.NewReaderLabel

	var (
		out      []Outline
		folders  []string // title of each open outline ("" for feed outlines)
		outlines int
		depth    int
		sawRoot  bool
		inBody   bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := d.InputPos()
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &SyntaxError{Line: se.Line, Msg: se.Msg}
			}
			return nil, &SyntaxError{Line: line, Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > MaxDepth {
				return nil, tooLarge(line, "nested deeper than %d levels", MaxDepth)
			}
			if depth == 1 {
				if !strings.EqualFold(t.Name.Local, "opml") {
					return nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("not an OPML document (root element <%s>)", t.Name.Local)}
				}
				sawRoot = true
				continue
			}
			if depth == 2 && strings.EqualFold(t.Name.Local, "body") {
				inBody = true
				continue
			}
			if !inBody || !strings.EqualFold(t.Name.Local, "outline") {
				continue
			}
			outlines++
			if outlines > MaxOutlines {
				return nil, tooLarge(line, "more than %d outlines", MaxOutlines)
			}
			o := outlineOf(t, line)
			if o.URL == "" {
				folders = append(folders, o.Title)
				continue
			}
			folders = append(folders, "")
			for _, f := range folders {
				if f != "" && !catchAll[strings.ToLower(f)] {
					o.Tags = appendUnique(o.Tags, f)
				}
			}
			for _, c := range strings.Split(attr(t, "category"), ",") {
				for _, seg := range strings.Split(c, "/") {
					if seg = strings.TrimSpace(seg); seg != "" && !catchAll[strings.ToLower(seg)] {
						o.Tags = appendUnique(o.Tags, seg)
					}
				}
			}
			out = append(out, o)
		case xml.EndElement:
			if inBody && strings.EqualFold(t.Name.Local, "outline") && len(folders) > 0 {
				folders = folders[:len(folders)-1]
			}
			if depth == 2 && strings.EqualFold(t.Name.Local, "body") {
				inBody = false
			}
			depth--
		}
	}
	if !sawRoot {
		return nil, &SyntaxError{Msg: "not an OPML document (no <opml> element)"}
	}
	return out, nil
}

func outlineOf(t xml.StartElement, line int) Outline {
	o := Outline{
		URL:     strings.TrimSpace(attr(t, "xmlUrl")),
		Title:   collapse(attr(t, "title")),
		HTMLURL: strings.TrimSpace(attr(t, "htmlUrl")),
		Line:    line,
	}
	if o.Title == "" {
		o.Title = collapse(attr(t, "text"))
	}
	return o
}

// attr returns an attribute by name, ignoring case and namespace: exporters
// disagree on "xmlUrl" versus "xmlurl".
func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func appendUnique(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}
