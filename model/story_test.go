package model

import "testing"

func TestAlsoReportedLine(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"BBC"}, "Also reported by: BBC"},
		{[]string{"BBC", "Reuters", "AP"}, "Also reported by: BBC, Reuters, AP"},
		{[]string{"BBC", "Reuters", "AP", "DW", "NYT", "FT"}, "Also reported by: BBC, Reuters, AP (+3)"},
	}
	for _, tt := range tests {
		if got := AlsoReportedLine(tt.in); got != tt.want {
			t.Errorf("AlsoReportedLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
