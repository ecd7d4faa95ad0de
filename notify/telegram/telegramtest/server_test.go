package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in      string
		visible string
		ok      bool
	}{
		{"plain", "plain", true},
		{"<b>bold</b> &amp; &lt;x&gt; &quot;q&quot; &#60;", `bold & <x> "q" <`, true},
		{`<b><a href="https://e.com/?a=1&amp;b=2">t</a></b>`, "t", true},
		{"<b>unclosed", "", false},
		{"</b>", "", false},
		{"<b><i>x</b></i>", "", false},
		{"<script>x</script>", "", false},
		{"a < b", "", false},
		{"a > b", "", false},
		{"AT&T", "", false},
		{"&nbsp;", "", false},
		{`<a href="x"y">t</a>`, "", false},
		{`<a href="<x>">t</a>`, "", false},
	}
	for _, tt := range tests {
		vis, _, err := ParseHTML(tt.in)
		if (err == nil) != tt.ok || (tt.ok && vis != tt.visible) {
			t.Errorf("ParseHTML(%q) = %q, %v; want %q ok=%v", tt.in, vis, err, tt.visible, tt.ok)
		}
	}
}

func send(t *testing.T, s *Server, chat, text string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.URL()+"/bottok/sendMessage", url.Values{"chat_id": {chat}, "text": {text}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestRateLimits(t *testing.T) {
	s := NewServer("tok")
	defer s.Close()
	s.SetLimits(Limits{Private: Rate{N: 1, Per: time.Hour}, Group: Rate{N: 2, Per: time.Hour}, Global: Rate{N: 4, Per: time.Hour}})
	steps := []struct {
		chat   string
		status int
	}{
		{"1", 200}, {"1", 429}, // one per private chat
		{"-5", 200}, {"-5", 200}, {"-5", 429}, // two per group
		{"2", 200},  // four in all
		{"3", 429},  // global limit reached
		{"-6", 429}, // also for groups
	}
	for i, st := range steps {
		status, body := send(t, s, st.chat, "hi")
		if status != st.status {
			t.Fatalf("step %d (chat %s): status %d, want %d: %v", i, st.chat, status, st.status, body)
		}
		if status == 429 {
			params, _ := body["parameters"].(map[string]any)
			if ra, _ := params["retry_after"].(float64); ra < 3500 || ra > 3600 {
				t.Errorf("step %d: retry_after %v, want about an hour", i, params["retry_after"])
			}
		}
	}
	if s.Limited() != 4 || len(s.Sent()) != 4 {
		t.Errorf("limited %d sent %d, want 4 and 4", s.Limited(), len(s.Sent()))
	}
}

func TestRateWindowSlides(t *testing.T) {
	s := NewServer("tok")
	defer s.Close()
	s.SetLimits(Limits{Private: Rate{N: 1, Per: 200 * time.Millisecond}})
	if st, _ := send(t, s, "1", "a"); st != 200 {
		t.Fatalf("first: %d", st)
	}
	if st, _ := send(t, s, "1", "b"); st != 429 {
		t.Fatalf("second at once: %d, want 429", st)
	}
	time.Sleep(250 * time.Millisecond)
	if st, _ := send(t, s, "1", "c"); st != 200 {
		t.Fatalf("after the window: %d, want 200", st)
	}
}

func TestGetUpdatesConfirms(t *testing.T) {
	s := NewServer("tok")
	defer s.Close()
	a := s.PushMessage(TextMessage(1, 1, "/a"))
	b := s.PushMessage(TextMessage(1, 1, "/b"))
	get := func(offset int) []int {
		resp, err := http.PostForm(s.URL()+"/bottok/getUpdates", url.Values{"offset": {strconv.Itoa(offset)}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Result []struct {
				UpdateID int `json:"update_id"`
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		var ids []int
		for _, u := range body.Result {
			ids = append(ids, u.UpdateID)
		}
		return ids
	}
	if got := get(0); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("offset 0: %v", got)
	}
	if got := get(b); len(got) != 1 || got[0] != b {
		t.Errorf("offset %d: %v", b, got)
	}
	// Confirmed updates are gone even for a lower offset.
	if got := get(0); len(got) != 1 || got[0] != b {
		t.Errorf("after confirming: %v", got)
	}
}

func TestForumTopics(t *testing.T) {
	s := NewServer("tok")
	defer s.Close()
	s.SetTopics("-100123", 42)
	post := func(chat, topic string) int {
		t.Helper()
		v := url.Values{"chat_id": {chat}, "text": {"x"}}
		if topic != "" {
			v.Set("message_thread_id", topic)
		}
		resp, err := http.PostForm(s.URL()+"/bottok/sendMessage", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		chat, topic string
		status      int
	}{
		{"-100123", "42", 200},
		{"-100123", "", 200},  // the General topic
		{"-100123", "7", 400}, // message thread not found
		{"-100999", "7", 200}, // not a configured forum: any topic
	} {
		if got := post(c.chat, c.topic); got != c.status {
			t.Errorf("chat %s topic %q: HTTP %d, want %d", c.chat, c.topic, got, c.status)
		}
	}
	sent := s.Sent()
	if len(sent) != 3 || sent[0].Topic != "42" || sent[1].Topic != "" || sent[2].Topic != "7" {
		t.Errorf("sent = %+v", sent)
	}
}
