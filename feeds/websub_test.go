package feeds

import (
	"slices"
	"testing"
)

func TestWebSubLinks(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		hubs      []string
		self      string
	}{
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom.xml"/><link rel="alternate" href="https://site.example/"/><entry><id>1</id><title>a</title></entry></feed>`,
			[]string{"https://hub.example/"}, "https://site.example/atom.xml"},
		{"rss with atom:link under another prefix", `<rss version="2.0" xmlns:a10="http://www.w3.org/2005/Atom"><channel><title>t</title><a10:link rel="self" href="https://site.example/rss"/><a10:link rel="hub" href="https://pubsubhubbub.appspot.com/"/><a10:link rel="hub" href="https://websub.example/h"/><item><guid>1</guid><title>a</title></item></channel></rss>`,
			[]string{"https://pubsubhubbub.appspot.com/", "https://websub.example/h"}, "https://site.example/rss"},
		{"hub without self is unusable", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="https://hub.example/"/><entry><id>1</id><title>a</title></entry></feed>`,
			nil, ""},
		{"no hub", `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>a</title></item></channel></rss>`, nil, ""},
		{"a non-http hub is ignored", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="javascript:alert(1)"/><link rel="self" href="https://site.example/a"/><entry><id>1</id><title>a</title></entry></feed>`,
			nil, "https://site.example/a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc), "", "https://site.example/feed")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.Hubs, tt.hubs) || f.Self != tt.self {
				t.Errorf("hubs %q self %q, want %q %q", f.Hubs, f.Self, tt.hubs, tt.self)
			}
		})
	}
}
