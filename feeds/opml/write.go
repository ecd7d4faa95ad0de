package opml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

type document struct {
	XMLName xml.Name   `xml:"opml"`
	Version string     `xml:"version,attr"`
	Title   string     `xml:"head>title"`
	Created string     `xml:"head>dateCreated,omitempty"`
	Body    []*element `xml:"body>outline"`
}

type element struct {
	Text     string     `xml:"text,attr"`
	Title    string     `xml:"title,attr,omitempty"`
	Type     string     `xml:"type,attr,omitempty"`
	XMLURL   string     `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string     `xml:"htmlUrl,attr,omitempty"`
	Category string     `xml:"category,attr,omitempty"`
	Children []*element `xml:"outline"`
}

// Write writes outlines as an OPML 2.0 document titled title, dated now
// (zero: no date). Each feed is an outline with type="rss" (Feedly
// ignores outlines without it) inside a folder named after its first tag,
// because folders are how Miniflux, FreshRSS, Feedly and Inoreader read
// categories; all its tags are also in the category attribute, so Parse
// gives every tag back. Feeds without tags sit at the top level. Folders
// come in the order of their first feed.
func Write(w io.Writer, title string, now time.Time, outlines []Outline) error {
	doc := document{Version: "2.0", Title: title}
	if !now.IsZero() {
		doc.Created = now.UTC().Format(time.RFC1123Z)
	}
	folders := map[string]*element{}
	for _, o := range outlines {
		name := o.Title
		if name == "" {
			name = o.URL
		}
		e := &element{Text: name, Title: name, Type: "rss", XMLURL: o.URL, HTMLURL: o.HTMLURL}
		if len(o.Tags) == 0 {
			doc.Body = append(doc.Body, e)
			continue
		}
		cats := make([]string, len(o.Tags))
		for i, t := range o.Tags {
			cats[i] = "/" + t
		}
		e.Category = strings.Join(cats, ",")
		f := folders[o.Tags[0]]
		if f == nil {
			f = &element{Text: o.Tags[0], Title: o.Tags[0]}
			folders[o.Tags[0]] = f
			doc.Body = append(doc.Body, f)
		}
		f.Children = append(f.Children, e)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing OPML: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing OPML: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("writing OPML: %w", err)
	}
	return nil
}
