package telegram

import (
	"context"
	"testing"
	"time"

	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

// testToken looks like a real token; tests check it never leaks.
const (
	testToken  = "123456789:AAF-secretPART_xyz0987654321abcdefgh"
	testSecret = "secretPART_xyz0987654321"
	botName    = telegramtest.BotUserName
)

// fakeAPI is the loopback Bot API the real tgbotapi client talks to.
type fakeAPI struct{ *telegramtest.Server }

func newFakeAPIB(tb testing.TB) *fakeAPI {
	s := telegramtest.NewServer(testToken)
	tb.Cleanup(s.Close)
	return &fakeAPI{s}
}

func newFakeAPI(t *testing.T) *fakeAPI {
	s := telegramtest.NewServer(testToken)
	t.Cleanup(s.Close)
	return &fakeAPI{s}
}

// newBot connects a Bot to the fake.
func (f *fakeAPI) newBot(t *testing.T, o Options) *Bot {
	t.Helper()
	o.Token = testToken
	o.API = f.URL()
	if o.PollTimeout == 0 {
		o.PollTimeout = time.Second
	}
	b, err := New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

var textMsg = telegramtest.TextMessage
