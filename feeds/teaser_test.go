package feeds

import (
	"strings"
	"testing"
)

func TestIsTeaser(t *testing.T) {
	long := strings.Repeat("The ministry confirmed the breach and said systems were restored. ", 20) // ~1300 chars
	mid := strings.Repeat("word ", 80)                                                               // 400 chars
	tests := []struct {
		name string
		it   Item
		want bool
	}{
		{"title only", Item{Title: "x"}, true},
		{"one sentence", Item{Summary: "Hackers hit the ministry."}, true},
		{"medium summary, no content", Item{Summary: mid}, true},
		{"medium content", Item{Content: mid}, false},
		{"long summary, no content", Item{Summary: long}, false},
		{"full content", Item{Summary: "Hackers hit the ministry.", Content: long}, false},
		{"long but ellipsis", Item{Summary: long + "and then…"}, true},
		{"long but [...]", Item{Content: long + " [...]"}, true},
		{"long but [&hellip;]", Item{Content: long + " […]"}, true},
		{"long but Read more", Item{Content: long + " Read more"}, true},
		{"long but Continue reading →", Item{Content: long + "\nContinue reading →"}, true},
		{"WordPress footer after a real cut", Item{Summary: long + " […]\nThe post Hack appeared first on Site."}, true},
		{"WordPress footer on a full story", Item{Content: long + "\nThe post Hack appeared first on Site."}, false},
		{"Russian read more", Item{Content: long + " Читать далее"}, true},
		{"a sentence about ellipses", Item{Content: "He said... nothing. " + long}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTeaser(tt.it); got != tt.want {
				t.Errorf("IsTeaser = %v, want %v", got, tt.want)
			}
		})
	}
}
