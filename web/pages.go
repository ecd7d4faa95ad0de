package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/history"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/model"
)

// page is what every template gets; Data is the page's own.
type page struct {
	Title  string
	Nav    string
	CSRF   string
	Authed bool // a logout button makes sense
	User   bool // the login form asks for a user and password
	Error  string
	Data   any
}

var funcs = template.FuncMap{
	"clean": clean,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"segments": func(s string) []model.Segment { return model.Segments(clean(s)) },
	"dest":     func(d model.Destination) string { return d.Redacted() },
	"link":     safeLink,
}

// clean removes the bidi controls that let a feed reorder how its text
// reads (U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F {
			return -1
		}
		return r
	}, s)
}

// safeLink returns the link when it is http(s), else "": html/template
// would neutralise a javascript: URL anyway, but a dead link is clearer
// than one to "#ZgotmplZ".
func safeLink(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

func parseTemplates() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template)
	for _, name := range []string{"login", "overview", "feeds", "watches", "stories", "outbox", "query"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	p.CSRF = s.csrfToken(s.browserID(w, r))
	p.Nav = name
	p.Authed = s.d.Auth != "" && name != "login"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl[name].Execute(w, p); err != nil {
		s.d.Log.Error("web: rendering failed", "page", name, "err", err)
	}
}

func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.d.Log.Error("web: "+what+" failed", "err", err)
	http.Error(w, what+" failed; see the daemon's log", http.StatusInternalServerError)
}

// overview: feeds failing, alerts today, queue depth, last poll.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	feeds, err := s.d.Store.FeedStates(c)
	if err != nil {
		s.fail(w, "reading feeds", err)
		return
	}
	qs, err := s.d.Store.QueueStats(c)
	if err != nil {
		s.fail(w, "reading the queue", err)
		return
	}
	now := s.d.Now()
	today, err := s.d.Store.CountHistory(c, model.HistorySearch{Alerted: true, Since: now.UTC().Truncate(24 * time.Hour)})
	if err != nil {
		s.fail(w, "reading the history", err)
		return
	}
	var failing []model.FeedState
	for _, f := range feeds {
		if f.Failures > 0 {
			failing = append(failing, f)
		}
	}
	s.render(w, r, "overview", page{Title: "Overview", Data: map[string]any{
		"Feeds": len(feeds), "Failing": failing, "AlertsToday": today, "Queue": qs, "LastPoll": s.d.LastCycle(),
	}})
}

func (s *Server) feeds(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	feeds, err := s.d.Store.FeedStates(c)
	if err != nil {
		s.fail(w, "reading feeds", err)
		return
	}
	chat, err := s.d.Store.ChatFeeds(c)
	if err != nil {
		s.fail(w, "reading feeds", err)
		return
	}
	added := make(map[string]bool)
	for _, f := range chat {
		added[f.URL] = true
	}
	s.render(w, r, "feeds", page{Title: "Feeds", Error: r.URL.Query().Get("error"), Data: map[string]any{"Feeds": feeds, "Added": added}})
}

// addFeed adds a feed the way /addfeed does: a chat feed, which the engine
// polls with the SSRF guard on (it is not trusted like the config's).
func (s *Server) addFeed(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.PostFormValue("url"))
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		http.Redirect(w, r, "/feeds?error="+url.QueryEscape("Not an http(s) URL: "+raw), http.StatusSeeOther)
		return
	}
	c, cancel := ctx(r)
	defer cancel()
	err = s.d.Store.AddChatFeed(c, model.ChatFeed{URL: u.String(), AddedBy: "web", AddedAt: s.d.Now()})
	if err != nil && !errors.Is(err, model.ErrChatFeedExists) {
		s.fail(w, "adding the feed", err)
		return
	}
	http.Redirect(w, r, "/feeds", http.StatusSeeOther)
}

func (s *Server) removeFeed(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	if _, err := s.d.Store.RemoveChatFeed(c, r.PostFormValue("url")); err != nil {
		s.fail(w, "removing the feed", err)
		return
	}
	http.Redirect(w, r, "/feeds", http.StatusSeeOther)
}

// chartDays is the span of the watches page's charts.
const chartDays = 30

// watchRow is one watch on the watches page.
type watchRow struct {
	Name, Query string
	Total       int
	Bars        []bar
	Max         int
	Recent      []model.Story
}

// bar is one day of a chart, placed for the SVG.
type bar struct {
	X, Y, H int
	Day     string
	Count   int
}

func (s *Server) watches(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	set := s.d.Watchlist()
	now := s.d.Now().UTC()
	first := now.Truncate(24*time.Hour).AddDate(0, 0, -(chartDays - 1))
	days, err := s.d.Store.WatchDays(c, first)
	if err != nil {
		s.fail(w, "reading the history", err)
		return
	}
	counts := make(map[string]map[time.Time]int)
	for _, d := range days {
		if counts[d.Watch] == nil {
			counts[d.Watch] = make(map[time.Time]int)
		}
		counts[d.Watch][d.Day] = d.Count
	}
	var rows []watchRow
	for _, wc := range set.Config().Watches {
		row := watchRow{Name: wc.Name, Query: wc.Query}
		for i := range chartDays {
			n := counts[wc.Name][first.AddDate(0, 0, i)]
			row.Total += n
			row.Max = max(row.Max, n)
			row.Bars = append(row.Bars, bar{X: i * 10, Day: first.AddDate(0, 0, i).Format(time.DateOnly), Count: n})
		}
		for i := range row.Bars {
			if row.Max > 0 {
				row.Bars[i].H = row.Bars[i].Count * 40 / row.Max
			}
			row.Bars[i].Y = 40 - row.Bars[i].H
		}
		row.Recent, err = s.d.Store.SearchHistory(c, model.HistorySearch{Watch: wc.Name, Since: first, Limit: 5})
		if err != nil {
			s.fail(w, "reading the history", err)
			return
		}
		rows = append(rows, row)
	}
	s.render(w, r, "watches", page{Title: "Watches", Data: rows})
}

func (s *Server) stories(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	ss, err := s.d.Store.SearchHistory(c, model.HistorySearch{Alerted: true, Limit: 100})
	if err != nil {
		s.fail(w, "reading the history", err)
		return
	}
	s.render(w, r, "stories", page{Title: "Stories", Data: ss})
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	c, cancel := ctx(r)
	defer cancel()
	rows, err := s.d.Store.ListOutbox(c, "", "", 500)
	if err != nil {
		s.fail(w, "reading the outbox", err)
		return
	}
	var waiting, parked []model.OutboxRow
	for _, row := range rows {
		if row.State == model.StateParked {
			parked = append(parked, row)
		} else {
			waiting = append(waiting, row)
		}
	}
	s.render(w, r, "outbox", page{Title: "Outbox", Data: map[string]any{"Waiting": waiting, "Parked": parked}})
}

func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id < 0 {
		http.Error(w, "bad alert id", http.StatusBadRequest)
		return
	}
	c, cancel := ctx(r)
	defer cancel()
	if _, err := s.d.Store.RetryParked(c, id); err != nil {
		s.fail(w, "retrying", err)
		return
	}
	s.d.Wake()
	http.Redirect(w, r, "/outbox", http.StatusSeeOther)
}

// queryResult is the query page's data.
type queryResult struct {
	Query  string
	Since  string
	Before string // the query up to the error
	At     string // the character at the error (or a space at the end)
	After  string
	Msg    string
	Result *history.Result
	Days   []history.Day
	// All is true when the page was asked to count every match (all=1):
	// the query's work is not bounded by queryBudget.
	All bool
}

// queryBudget is how many candidates the query page has the matcher judge,
// once its 50 newest matches are found, before it stops and shows "at
// least K" (with a link to count them all): a query the index cannot
// answer exactly (a phrase of common words, NOT, a regex) would otherwise
// have every story of a broad window judged, about 7 µs each read and
// matched; 10,000 keep the page under 100 ms (BENCHMARKS.md, issue 16d).
const queryBudget = 10000

// query parses q with positioned errors and shows what it matches in the
// history, hits marked.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	q := queryResult{Query: r.URL.Query().Get("q"), Since: r.URL.Query().Get("since"), All: r.URL.Query().Get("all") == "1"}
	if q.Since == "" {
		q.Since = "7d"
	}
	since, err := model.ParseLongDuration(q.Since)
	if err != nil {
		q.Msg = "since: " + err.Error()
	}
	if strings.TrimSpace(q.Query) != "" && q.Msg == "" {
		c, cancel := ctx(r)
		defer cancel()
		now := s.d.Now()
		req := history.Request{Query: q.Query, Until: now, Limit: 50, AllowRegex: true, Budget: s.budget}
		if q.All {
			req.Budget = 0
		}
		if since > 0 {
			req.Since = now.Add(-since)
		}
		res, err := history.Run(c, s.d.Store, s.d.Watchlist(), req)
		var se *matcher.SyntaxError
		switch {
		case errors.As(err, &se):
			rs := []rune(q.Query)
			pos := min(max(se.Pos, 0), len(rs))
			q.Before, q.Msg = string(rs[:pos]), se.Msg
			if pos < len(rs) {
				q.At, q.After = string(rs[pos]), string(rs[pos+1:])
			} else {
				q.At = " "
			}
		case err != nil:
			s.fail(w, "searching the history", err)
			return
		default:
			q.Result = res
			q.Days = res.PerDay
		}
	}
	s.render(w, r, "query", page{Title: "Query", Data: q})
}
