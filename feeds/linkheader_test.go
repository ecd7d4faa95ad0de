package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestParseLinkHeader(t *testing.T) {
	const base = "https://news.example/feeds/main.xml"
	for _, tt := range []struct {
		name   string
		fields []string
		want   []Link
	}{
		{"one link", []string{`<https://hub.example/>; rel="hub"`},
			[]Link{{"https://hub.example/", []string{"hub"}}}},
		{"several links in a field, token and quoted values, odd spacing",
			[]string{`<https://hub.example/>;rel=hub ,  <https://news.example/feed> ; rel = "self" ; type="application/rss+xml"`},
			[]Link{{"https://hub.example/", []string{"hub"}}, {"https://news.example/feed", []string{"self"}}}},
		{"several fields", []string{`<https://a.example/hub>; rel="hub"`, `<https://b.example/hub>; rel="hub", </self>; rel="self"`},
			[]Link{{"https://a.example/hub", []string{"hub"}}, {"https://b.example/hub", []string{"hub"}}, {"https://news.example/self", []string{"self"}}}},
		{"relation types are a list, case-insensitive", []string{`<https://news.example/feed>; rel="Self Alternate"`},
			[]Link{{"https://news.example/feed", []string{"self", "alternate"}}}},
		{"commas inside the URI and quoted strings", []string{`<https://hub.example/a,b>; title="x, y; z"; rel="hub", <https://news.example/f>; rel=self`},
			[]Link{{"https://hub.example/a,b", []string{"hub"}}, {"https://news.example/f", []string{"self"}}}},
		{"escapes in a quoted string", []string{`<https://hub.example/>; title="say \"hi\", then"; rel="hub"`},
			[]Link{{"https://hub.example/", []string{"hub"}}}},
		{"the first rel counts", []string{`<https://hub.example/>; rel="hub"; rel="self"`},
			[]Link{{"https://hub.example/", []string{"hub"}}}},
		{"relative targets resolve against the response URL", []string{`<../hub>; rel="hub", <?page=1>; rel="self"`},
			[]Link{{"https://news.example/hub", []string{"hub"}}, {"https://news.example/feeds/main.xml?page=1", []string{"self"}}}},
		{"a link about another resource is left out", []string{`<https://hub.example/>; rel="hub"; anchor="https://elsewhere.example/"`},
			nil},
		{"not http(s)", []string{`<mailto:editor@news.example>; rel="author", <javascript:alert(1)>; rel="hub"`},
			nil},
		{"malformed links are skipped, the rest is read",
			[]string{`garbage; rel="hub", <https://hub.example/x>; rel="hub" junk, <https://hub.example/>; rel="hub"`,
				`<https://news.example/unclosed; rel="self"`, `<https://news.example/q>; title="unterminated, rel="self"`},
			[]Link{{"https://hub.example/", []string{"hub"}}}},
		{"a parameter without a value", []string{`<https://hub.example/>; crossorigin; rel="hub"`},
			[]Link{{"https://hub.example/", []string{"hub"}}}},
		{"empty", []string{"", " , ,"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseLinkHeader(tt.fields, base)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseLinkHeader(%q)\n got %v\nwant %v", tt.fields, got, tt.want)
			}
		})
	}
}

func TestWebSubTarget(t *testing.T) {
	doc := &Feed{Hubs: []string{"https://doc-hub.example/"}, Self: "https://news.example/doc-self"}
	for _, tt := range []struct {
		name       string
		resp       *Response
		feed       *Feed
		hub, topic string
		ok         bool
	}{
		{"the header alone", &Response{Hubs: []string{"https://hub.example/", "https://hub2.example/"}, Self: "https://news.example/feed"}, &Feed{},
			"https://hub.example/", "https://news.example/feed", true},
		{"the header over the document", &Response{Hubs: []string{"https://hub.example/"}, Self: "https://news.example/feed"}, doc,
			"https://hub.example/", "https://news.example/feed", true},
		{"the document when the header names nothing", &Response{}, doc, "https://doc-hub.example/", "https://news.example/doc-self", true},
		{"a header hub with the document's self", &Response{Hubs: []string{"https://hub.example/"}}, doc,
			"https://hub.example/", "https://news.example/doc-self", true},
		{"a header self with the document's hub", &Response{Self: "https://news.example/feed"}, doc,
			"https://doc-hub.example/", "https://news.example/feed", true},
		{"a hub without a self URL", &Response{Hubs: []string{"https://hub.example/"}}, &Feed{}, "", "", false},
		{"nothing", &Response{}, &Feed{}, "", "", false},
		{"a push has no response", nil, doc, "https://doc-hub.example/", "https://news.example/doc-self", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hub, topic, ok := WebSubTarget(tt.resp, tt.feed)
			if hub != tt.hub || topic != tt.topic || ok != tt.ok {
				t.Errorf("WebSubTarget = %q, %q, %v; want %q, %q, %v", hub, topic, ok, tt.hub, tt.topic, tt.ok)
			}
		})
	}
}

// TestFetchLinkHeader: a feed that advertises its hub only in the HTTP
// Link header (as the WebSub spec asks publishers to) is found by Fetch,
// relative to the URL the body came from after a redirect.
func TestFetchLinkHeader(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/feeds/rss", http.StatusFound) })
	mux.HandleFunc("/feeds/rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", `<https://pubsubhubbub.example/>; rel="hub"`)
		w.Header().Add("Link", `<rss?v=2>; rel="self", <https://news.example/>; rel="alternate"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>x</title></item></channel></rss>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := NewFetcher(Options{})
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/old", AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://pubsubhubbub.example/"}; !reflect.DeepEqual(resp.Hubs, want) {
		t.Errorf("Hubs = %q, want %q", resp.Hubs, want)
	}
	if want := srv.URL + "/feeds/rss?v=2"; resp.Self != want {
		t.Errorf("Self = %q, want %q", resp.Self, want)
	}
	feed, err := Parse(resp.Body, resp.ContentType, resp.FinalURL)
	if err != nil {
		t.Fatal(err)
	}
	if hub, topic, ok := WebSubTarget(resp, feed); !ok || hub != "https://pubsubhubbub.example/" || topic != srv.URL+"/feeds/rss?v=2" {
		t.Errorf("WebSubTarget = %q, %q, %v", hub, topic, ok)
	}
}
