package feeds

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults applied by NewFetcher to zero Options fields.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxBodySize  = 10 << 20 // 10 MiB
	DefaultMaxRedirects = 5
	DefaultPerHost      = 2
	DefaultUserAgent    = "Newshound/1.0 (feed reader; +https://github.com/newshound/newshound)"
)

// Options configures a Fetcher; zero values get the defaults above.
type Options struct {
	// Timeout bounds one Fetch from the first byte sent to the last body byte
	// read, redirects included (slow-drip servers are cut off by it). Waiting
	// for a per-host slot is not counted.
	Timeout time.Duration
	// MaxBodySize bounds the body, enforced while reading, both on the wire
	// and after gunzip (decompression bombs).
	MaxBodySize int64
	// MaxRedirects is the most redirects followed in one Fetch.
	MaxRedirects int
	// PerHost is the most concurrent requests to one host (host:port).
	PerHost int
	// UserAgent is sent with every request.
	UserAgent string
	// Transport replaces the HTTP transport (tests). The SSRF guard lives in
	// the default transport's dialer, so a custom Transport is unguarded.
	Transport http.RoundTripper
}

// Fetcher performs polite conditional GETs of feeds. It is safe for
// concurrent use; create one per process so that per-host limits and
// connection reuse apply across all feeds.
type Fetcher struct {
	opts    Options
	trusted *http.Client // any address
	guarded *http.Client // public addresses only (SSRF guard)
	hosts   *hostLimiter
}

// Request is one feed fetch with the validators from the previous one.
type Request struct {
	// URL is the feed's URL (http or https).
	URL string
	// ETag and LastModified are the validators from the last 200 response;
	// they are sent as If-None-Match and If-Modified-Since.
	ETag         string
	LastModified string
	// BodyHash is Response.BodyHash from the last 200; an identical body
	// gives Response.Unchanged and needs no parsing.
	BodyHash string
	// AllowPrivate permits loopback, private, link-local and other
	// non-public addresses. It is false for feeds added from chat: the SSRF
	// guard then checks the resolved address of every connection, redirects
	// included.
	AllowPrivate bool
	// PrivateHost, when AllowPrivate is false, is the one host (host[:port]
	// as in the URL) that may still be private: an article link may reach
	// its feed's own host, wherever that is, but nothing else inward. A
	// redirect off that host continues through the SSRF guard.
	PrivateHost string
}

// Response is the outcome of a successful (2xx or 304) Fetch. For HTTP
// errors Fetch returns a Response too (StatusCode, RetryAfter, FinalURL) next
// to the *HTTPError.
type Response struct {
	// StatusCode is the final HTTP status.
	StatusCode int
	// NotModified is true on 304: nothing to parse.
	NotModified bool
	// Unchanged is true on a 200 whose body hash equals Request.BodyHash:
	// nothing to parse.
	Unchanged bool
	// Body is the payload after Content-Encoding (and a gzip layer without
	// one) is undone, in its ORIGINAL charset: Parse does the one and only
	// charset conversion, so pass Body and ContentType to Parse unchanged.
	Body []byte
	// ContentType is the response's Content-Type header.
	ContentType string
	// ETag, LastModified and BodyHash are the validators to store for the
	// next Request (on 304 the request's own values are carried over when
	// the server omits them).
	ETag, LastModified, BodyHash string
	// FinalURL is the URL after redirects.
	FinalURL string
	// MovedTo is set when the request reached FinalURL through permanent
	// redirects only (301/308 from the start): the feed moved, store the new
	// URL. Empty otherwise.
	MovedTo string
	// RetryAfter is the server's Retry-After on 429/503 (also on the error).
	RetryAfter time.Duration
	// MinInterval is a lower bound on the poll interval from Cache-Control
	// max-age (capped at 24h). Combine it with Feed.TTL from Parse.
	MinInterval time.Duration
	// Hubs and Self are the WebSub discovery links of the HTTP Link header
	// (rel="hub", rel="self"), resolved against FinalURL; WebSubTarget
	// weighs them against the document's own.
	Hubs []string
	Self string
}

// HTTPError is a non-success HTTP status.
type HTTPError struct {
	// URL is the requested feed URL (password redacted).
	URL string
	// StatusCode and Status are the final response's, e.g. 410 and "410 Gone".
	StatusCode int
	Status     string
	// RetryAfter is from the Retry-After header on 429 and 503, else 0.
	RetryAfter time.Duration
}

// Error implements error.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("fetch %s: HTTP %s", e.URL, e.Status)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// IsGone reports whether err says the feed is gone for good (410): stop
// polling it and tell the user.
func IsGone(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode == http.StatusGone
}

// ErrTooLarge reports a body beyond Options.MaxBodySize (on the wire or
// after decompression).
var ErrTooLarge = errors.New("body too large")

// ErrTooManyRedirects reports more than Options.MaxRedirects redirects (or a loop).
var ErrTooManyRedirects = errors.New("too many redirects")

// NewFetcher returns a Fetcher with o's zero fields defaulted.
func NewFetcher(o Options) *Fetcher {
	return newFetcher(o, IsPublicAddr)
}

// newFetcher is NewFetcher with the SSRF guard's address policy injectable
// (tests allow one loopback address and refuse another).
func newFetcher(o Options, allowed func(netip.Addr) bool) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	f := &Fetcher{opts: o, hosts: newHostLimiter(o.PerHost)}
	trustedRT, guardedRT := o.Transport, o.Transport
	if o.Transport == nil {
		trustedRT = newTransport(o.PerHost, nil)
		guardedRT = newTransport(o.PerHost, allowed)
	}
	f.trusted = &http.Client{Transport: trustedRT, CheckRedirect: f.checkRedirect}
	f.guarded = &http.Client{Transport: guardedRT, CheckRedirect: f.checkRedirect}
	return f
}

// newTransport builds a transport; with allowed non-nil every dialled
// address must satisfy it (the SSRF guard).
func newTransport(perHost int, allowed func(netip.Addr) bool) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	proxy := http.ProxyFromEnvironment
	if allowed != nil {
		d.Control = guardControl(allowed)
		proxy = nil // a proxy would hide the real destination from the guard
	}
	return &http.Transport{
		Proxy:                  proxy,
		DialContext:            d.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    perHost,
		MaxConnsPerHost:        0,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // we ask for gzip ourselves and bound the inflated size
		MaxResponseHeaderBytes: 64 << 10,
	}
}

type ctxKey struct{}

// redirectState follows one Fetch's redirect chain.
type redirectState struct {
	permanent bool   // every hop so far was 301/308
	movedTo   string // last URL reached by permanent hops only
	// privateHost is Request.PrivateHost while the chain is still on it
	// (through the unguarded client); left is where the chain went next.
	privateHost string
	left        *url.URL
	hops        int // redirects followed before the chain left privateHost
}

// errLeftPrivateHost stops the unguarded client when a redirect leaves
// Request.PrivateHost; fetch continues from there through the guard.
var errLeftPrivateHost = errors.New("redirect leaves the feed's host")

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	st, _ := req.Context().Value(ctxKey{}).(*redirectState)
	hops := 0
	if st != nil {
		hops = st.hops
	}
	if len(via)+hops > f.opts.MaxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, f.opts.MaxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
	}
	if st != nil && st.privateHost != "" && !strings.EqualFold(req.URL.Host, st.privateHost) {
		st.left, st.hops = req.URL, len(via)
		return errLeftPrivateHost
	}
	if st != nil && req.Response != nil {
		code := req.Response.StatusCode
		if st.permanent && (code == http.StatusMovedPermanently || code == http.StatusPermanentRedirect) {
			st.movedTo = req.URL.String()
		} else {
			st.permanent = false
		}
	}
	return nil
}

// Fetch GETs r.URL with conditional headers and the Fetcher's limits. It
// waits for a per-host slot (honouring ctx), then bounds the whole exchange
// by Options.Timeout.
//
// Errors (all naming the URL): *HTTPError for non-2xx/304 statuses (IsGone
// for 410), ErrNotAFeed for an HTML page, ErrTooLarge, ErrTooManyRedirects,
// *BlockedAddressError from the SSRF guard, and transport errors.
func (f *Fetcher) Fetch(ctx context.Context, r Request) (*Response, error) {
	return f.fetch(ctx, r, false)
}

// FetchPage is Fetch for a web page rather than a feed: the same limits,
// validators and SSRF guard, but an HTML body is returned instead of
// refused with ErrNotAFeed. Discovery reads a site's home page with it.
func (f *Fetcher) FetchPage(ctx context.Context, r Request) (*Response, error) {
	return f.fetch(ctx, r, true)
}

func (f *Fetcher) fetch(ctx context.Context, r Request, page bool) (*Response, error) {
	where := redactURL(r.URL)
	u, err := url.Parse(strings.TrimSpace(r.URL))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: bad URL: %w", where, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: unsupported scheme %q", where, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("fetch %s: URL has no host", where)
	}

	host := strings.ToLower(u.Host)
	if err := f.hosts.acquire(ctx, host); err != nil {
		return nil, fmt.Errorf("fetch %s: waiting for a slot on %s: %w", where, host, err)
	}
	defer f.hosts.release(host)

	st := &redirectState{permanent: true}
	ctx = context.WithValue(ctx, ctxKey{}, st)
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", where, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	if page {
		req.Header.Set("Accept", "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5")
	} else {
		req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}

	client := f.guarded
	if r.AllowPrivate {
		client = f.trusted
	} else if r.PrivateHost != "" && strings.EqualFold(u.Host, r.PrivateHost) {
		client = f.trusted
		st.privateHost = r.PrivateHost
	}
	resp, err := client.Do(req)
	if err != nil && errors.Is(err, errLeftPrivateHost) && st.left != nil {
		// The chain left the feed's host: the rest of it is untrusted.
		if resp != nil {
			resp.Body.Close()
		}
		st.privateHost, st.permanent = "", false
		next := req.Clone(ctx)
		next.URL, next.Host = st.left, ""
		next.Header.Del("If-None-Match")
		next.Header.Del("If-Modified-Since")
		resp, err = f.guarded.Do(next)
	}
	if err != nil {
		return nil, f.wrapTransportError(where, ctx, err)
	}
	defer resp.Body.Close()

	out := &Response{
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		FinalURL:    resp.Request.URL.String(),
		ETag:        resp.Header.Get("ETag"),
	}
	out.LastModified = resp.Header.Get("Last-Modified")
	out.MovedTo = st.movedTo // the leading run of 301/308 hops, if any
	out.MinInterval = maxAge(resp.Header.Get("Cache-Control"))
	out.Hubs, out.Self = webSubHeader(resp.Header.Values("Link"), out.FinalURL)

	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = r.ETag
		}
		if out.LastModified == "" {
			out.LastModified = r.LastModified
		}
		out.BodyHash = r.BodyHash
		return out, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	default:
		he := &HTTPError{URL: where, StatusCode: resp.StatusCode, Status: resp.Status}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			he.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			out.RetryAfter = he.RetryAfter
		}
		if he.Status == "" {
			he.Status = strconv.Itoa(resp.StatusCode)
		}
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10) // let the connection be reused
		return out, he
	}

	body, err := f.readBody(resp)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("fetch %s: %w (limit %d bytes)", where, err, f.opts.MaxBodySize)
		}
		return nil, f.wrapTransportError(where, ctx, fmt.Errorf("reading body: %w", err))
	}
	if !page && looksLikeHTML(body) {
		return nil, fmt.Errorf("fetch %s: %w: the server sent an HTML page (%s)", where, ErrNotAFeed, orNone(out.ContentType))
	}
	out.Body = body
	out.BodyHash = hashBody(body)
	out.Unchanged = r.BodyHash != "" && r.BodyHash == out.BodyHash
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "no Content-Type"
	}
	return s
}

// readBody reads the response body within MaxBodySize, undoing gzip (declared
// or detected by magic bytes) within the same limit.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	limit := f.opts.MaxBodySize
	if resp.ContentLength > limit {
		return nil, ErrTooLarge
	}
	var r io.Reader = resp.Body
	if ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce == "gzip" || ce == "x-gzip" {
		wire := &countingReader{r: io.LimitReader(resp.Body, limit+1)}
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body, err := readLimit(zr, limit, resp.ContentLength*4)
		if wire.n > limit {
			return nil, ErrTooLarge // the compressed stream alone is too big
		}
		if err != nil {
			return nil, err
		}
		return f.maybeGunzip(body)
	}
	body, err := readLimit(r, limit, resp.ContentLength)
	if err != nil {
		return nil, err
	}
	return f.maybeGunzip(body)
}

// maybeGunzip undoes a gzip layer the server did not declare.
func (f *Fetcher) maybeGunzip(body []byte) ([]byte, error) {
	if !isGzip(body) {
		return body, nil
	}
	return gunzipLimit(body, f.opts.MaxBodySize)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// wrapTransportError names the URL and turns the guard's and the deadline's
// errors into their documented forms.
func (f *Fetcher) wrapTransportError(where string, ctx context.Context, err error) error {
	var blocked *BlockedAddressError
	if errors.As(err, &blocked) {
		b := *blocked
		b.URL = where
		return &b
	}
	if errors.Is(err, ErrTooManyRedirects) {
		return fmt.Errorf("fetch %s: %w", where, ErrTooManyRedirects)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("fetch %s: timed out after %s: %w", where, f.opts.Timeout, err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is already in our prefix
	}
	return fmt.Errorf("fetch %s: %w", where, err)
}

// hashBody is the hex SHA-256 of a body.
func hashBody(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// retryAfter parses Retry-After (seconds or an HTTP date), capped at 24h.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxTTL/time.Second) {
			return maxTTL
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, maxTTL)
}

// maxAge returns Cache-Control max-age as a duration, capped at 24h.
func maxAge(cc string) time.Duration {
	for _, part := range strings.Split(cc, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(v), `"`), 10, 64)
		if err != nil || n <= 0 {
			return 0
		}
		if n > int64(maxTTL/time.Second) {
			return maxTTL
		}
		return time.Duration(n) * time.Second
	}
	return 0
}

// hostLimiter bounds concurrent requests per host. Entries exist only while
// someone holds or waits for a slot, so the map does not grow with the
// number of hosts ever seen.
type hostLimiter struct {
	per int
	mu  sync.Mutex
	m   map[string]*hostSlot
}

type hostSlot struct {
	sem  chan struct{}
	refs int
}

func newHostLimiter(per int) *hostLimiter {
	return &hostLimiter{per: per, m: make(map[string]*hostSlot)}
}

func (h *hostLimiter) acquire(ctx context.Context, host string) error {
	h.mu.Lock()
	s := h.m[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, h.per)}
		h.m[host] = s
	}
	s.refs++
	h.mu.Unlock()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		h.unref(host, s)
		return ctx.Err()
	}
}

func (h *hostLimiter) release(host string) {
	h.mu.Lock()
	s := h.m[host]
	h.mu.Unlock()
	if s == nil {
		return
	}
	<-s.sem
	h.unref(host, s)
}

func (h *hostLimiter) unref(host string, s *hostSlot) {
	h.mu.Lock()
	s.refs--
	if s.refs == 0 {
		delete(h.m, host)
	}
	h.mu.Unlock()
}
