package feeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// TestPrivateHost: an article link may reach its feed's own (private) host,
// and follow redirects on it, but a redirect off it goes through the SSRF
// guard, as does a link to another private host.
func TestPrivateHost(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>internal</html>"))
	}))
	defer other.Close()
	feedHost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/story", http.StatusFound)
		case "/out":
			http.Redirect(w, r, other.URL+"/meta", http.StatusFound)
		default:
			w.Write([]byte("<html>story</html>"))
		}
	}))
	defer feedHost.Close()
	host := mustHost(t, feedHost.URL)
	f := NewFetcher(Options{})
	tests := []struct {
		url     string
		blocked bool
	}{
		{feedHost.URL + "/story", false},
		{feedHost.URL + "/moved", false},
		{feedHost.URL + "/out", true},
		{other.URL + "/meta", true},
	}
	for _, tt := range tests {
		_, err := f.FetchPage(context.Background(), Request{URL: tt.url, PrivateHost: host})
		var be *BlockedAddressError
		if got := errors.As(err, &be); got != tt.blocked {
			t.Errorf("%s: blocked = %v (err %v), want %v", tt.url, got, err, tt.blocked)
		}
	}
}

func mustHost(t *testing.T, s string) string {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
