package telegram

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

func TestEditAlert(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		prepare func(f *fakeAPI, id int) // before the edit
		also    []string
		wantErr func(error) bool
		edited  bool
	}{
		{name: "adds the other outlets", also: []string{"BBC", "Reuters", "AP", "DW"}, edited: true},
		{name: "unchanged is success", also: nil, wantErr: func(err error) bool { return err == nil }},
		{name: "deleted is left alone", also: []string{"BBC"}, prepare: func(f *fakeAPI, id int) { f.DeleteMessage(id) },
			wantErr: func(err error) bool { return errors.Is(err, notify.ErrMessageGone) }},
		{name: "too old is left alone", also: []string{"BBC"}, prepare: func(f *fakeAPI, id int) {
			f.FailCall("editMessageText", telegramtest.APIError(400, "Bad Request: message can't be edited", nil))
		}, wantErr: func(err error) bool { return errors.Is(err, notify.ErrMessageGone) }},
		{name: "429 is a retry_after", also: []string{"BBC"}, prepare: func(f *fakeAPI, id int) {
			f.FailCall("editMessageText", telegramtest.APIError(429, "Too Many Requests: retry after 7", map[string]any{"retry_after": 7}))
		}, wantErr: func(err error) bool {
			var ra *notify.RetryAfterError
			return errors.As(err, &ra) && ra.After.Seconds() == 7
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t)
			b := f.newBot(t, Options{})
			a := sampleAlert()
			ref, err := b.SendRef(ctx, a)
			if err != nil || ref != "1" {
				t.Fatalf("SendRef = %q, %v; want the fake's message_id 1", ref, err)
			}
			if tt.prepare != nil {
				tt.prepare(f, 1)
			}
			a.AlsoReported = tt.also
			err = b.Edit(ctx, ref, a)
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("Edit: unexpected result %v", err)
				}
			} else if err != nil {
				t.Fatalf("Edit: %v", err)
			}
			edits := f.Edits()
			if !tt.edited {
				if len(edits) != 0 {
					t.Errorf("edits = %+v, want none", edits)
				}
				return
			}
			if len(edits) != 1 || edits[0].MessageID != 1 || edits[0].ChatID != "-1001234567890" {
				t.Fatalf("edits = %+v, want one of message 1", edits)
			}
			if !strings.Contains(edits[0].Visible, "Also reported by: BBC, Reuters, AP (+1)") || !strings.Contains(edits[0].Visible, a.Title) {
				t.Errorf("edited text lacks the outlets or the title:\n%s", edits[0].Visible)
			}
			if got := f.Sent(); len(got) != 1 || got[0].Visible != edits[0].Visible {
				t.Errorf("the edit sent a new message or left the old text: %+v", got)
			}
		})
	}
}
