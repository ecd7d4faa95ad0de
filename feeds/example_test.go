package feeds_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/newshound/newshound/feeds"
)

// The engine's poll of one feed: fetch with the stored validators, parse
// only when the body changed, and map errors to scheduling decisions.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, `<rss version="2.0"><channel><title>Demo</title><ttl>30</ttl>
<item><title>APT29 targets &lt;b&gt;embassies&lt;/b&gt;</title><link>/a?utm_source=rss</link><guid>a1</guid></item>
</channel></rss>`)
	}))
	defer srv.Close()

	f := feeds.NewFetcher(feeds.Options{})
	var stored feeds.Request // what the store keeps per feed
	stored.URL = srv.URL + "/feed"
	stored.AllowPrivate = true // a feed from config.yaml; false for feeds added from chat

	for poll := 1; poll <= 2; poll++ {
		resp, err := f.Fetch(context.Background(), stored)
		var httpErr *feeds.HTTPError
		switch {
		case feeds.IsGone(err):
			fmt.Println("410: stop polling and tell the user")
			return
		case errors.As(err, &httpErr):
			fmt.Println("retry in", max(httpErr.RetryAfter, feeds.Backoff(1, rand.Float64)))
			return
		case err != nil:
			fmt.Println("back off:", err)
			return
		}
		if resp.MovedTo != "" {
			stored.URL = resp.MovedTo
		}
		stored.ETag, stored.LastModified, stored.BodyHash = resp.ETag, resp.LastModified, resp.BodyHash
		if resp.NotModified || resp.Unchanged {
			fmt.Printf("poll %d: nothing new\n", poll)
			continue
		}
		feed, err := feeds.Parse(resp.Body, resp.ContentType, resp.FinalURL)
		if err != nil {
			fmt.Println("back off:", err)
			return
		}
		next := max(5*time.Minute, resp.MinInterval, feed.TTL)
		for _, it := range feed.Items {
			fmt.Printf("poll %d: key=%s title=%q link=%s\n", poll, it.Key, it.Title, it.Link[len(srv.URL):])
		}
		fmt.Printf("poll %d: next poll after about %v\n", poll, next)
	}
	// Output:
	// poll 1: key=a1 title="APT29 targets embassies" link=/a
	// poll 1: next poll after about 30m0s
	// poll 2: nothing new
}
