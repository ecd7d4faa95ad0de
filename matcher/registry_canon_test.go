package matcher

import "testing"

func TestRegistryCanonical(t *testing.T) {
	r := NewRegistry()
	apt29 := r.Canonical("APT29")
	if apt29 == "" {
		t.Fatal("APT29 unknown")
	}
	for _, c := range []struct {
		phrase, want string
	}{
		{"Cozy Bear", apt29},
		{"COZY BEAR", apt29},
		{"cozy bear", ""}, // an everyday phrase, not written as a name
		{"Midnight Blizzard", apt29},
		{"APT 29", apt29},
		{"apt29", apt29},
		{"bear", ""},
		{"Kyiv", ""},
	} {
		if got := r.Canonical(c.phrase); got != c.want {
			t.Errorf("Canonical(%q) = %q, want %q", c.phrase, got, c.want)
		}
	}
}
