package cols

import (
	"testing"

	"github.com/newshound/newshound/model"
)

func TestLaterReport(t *testing.T) {
	edit := model.StoryPolicy{}
	quiet := model.StoryPolicy{AlsoReported: model.AlsoReportedQuiet}
	alert := model.StoryPolicy{AlsoReported: model.AlsoReportedAlert}
	surge := model.StoryPolicy{MinOutlets: 3}
	tests := []struct {
		name                string
		pol                 model.StoryPolicy
		state               string
		waiting, outlets    int
		newOutlet, newWatch bool
		step                LaterStep
		need                int
	}{
		{"new outlet edits", edit, model.StatePending, 0, 2, true, false, LaterEdit, 0},
		{"new watch edits", edit, model.StateSent, 0, 1, false, true, LaterEdit, 0},
		{"same outlet again", edit, model.StateSent, 0, 2, false, false, LaterNothing, 0},
		{"quiet records only", quiet, model.StateSent, 0, 2, true, false, LaterNothing, 0},
		{"alert again", alert, model.StatePending, 0, 2, true, false, LaterAlert, 0},
		{"parked first: nothing", edit, model.StateParked, 0, 2, true, true, LaterNothing, 0},
		{"waiting, enough outlets", surge, model.StateWaiting, 3, 3, true, false, LaterRelease, 3},
		{"waiting, not yet", surge, model.StateWaiting, 3, 2, true, false, LaterNothing, 3},
		{"waiting, the route now asks fewer", model.StoryPolicy{MinOutlets: 2}, model.StateWaiting, 3, 1, true, false, LaterNeed, 2},
		{"waiting, fewer and reached", model.StoryPolicy{MinOutlets: 2}, model.StateWaiting, 3, 2, true, false, LaterRelease, 2},
		{"waiting never asks more than it waits for", model.StoryPolicy{MinOutlets: 5}, model.StateWaiting, 3, 3, false, false, LaterRelease, 3},
	}
	for _, tt := range tests {
		step, need := LaterReport(tt.pol, tt.state, tt.waiting, tt.outlets, tt.newOutlet, tt.newWatch)
		if step != tt.step || need != tt.need {
			t.Errorf("%s: LaterReport = %d, %d; want %d, %d", tt.name, step, need, tt.step, tt.need)
		}
	}
}
