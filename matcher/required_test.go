package matcher

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestRequiredWords(t *testing.T) {
	for _, tc := range []struct {
		q     string
		words []string
		cats  bool
	}{
		{"ransomware AND (hospital OR ministry)", []string{"ransomware*"}, true},
		{"title:ransomware", []string{"ransomware*"}, false},
		{`"=ransomware" title:"power grid"`, []string{"ransomware*", "power*"}, true}, // "gr" before an i is too short,
		{"hack* NEAR/3 bank", []string{"hack*", "bank*"}, true},
		{"ransomware OR bank", nil, false},
		{"-ransomware", nil, false},
		{"NOT (bank ransomware)", nil, false},
		{"actor:APT29 place:Baku feed:Reuters category:bank /bank/", nil, false},
		{"APT29", []string{"apt*"}, true}, // "29" is glued to "apt" in the index
		{"minister", nil, false},          // "m" before an i (ı) is too short a prefix
		{"Россия", nil, false},            // р before о
		{"Straße", []string{"stra*"}, true},
		{"ab", nil, false}, // too short a prefix
		{"(", nil, false},
	} {
		got := RequiredWords(tc.q)
		if !slices.Equal(got.Words, tc.words) || got.Categories != tc.cats {
			t.Errorf("RequiredWords(%q) = %q %v, want %q %v", tc.q, got.Words, got.Categories, tc.words, tc.cats)
		}
	}
}

// TestRequiredWordsFolding keeps cyrillicFoldTargets complete: every
// Cyrillic letter the matcher folds to another is one.
func TestRequiredWordsFolding(t *testing.T) {
	for r := rune(0x400); r < 0x530; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		f, _ := normWords(string(r))
		if len(f) != 1 {
			continue
		}
		lower := strings.ToLower(string(r))
		if f[0] != lower && f[0] != string(unicode.SimpleFold(r)) {
			for _, b := range f[0] {
				if b >= 0x430 && b <= 0x44f && !strings.ContainsRune(cyrillicFoldTargets, b) {
					t.Errorf("%c folds to %q: %c missing from cyrillicFoldTargets", r, f[0], b)
				}
			}
		}
	}
}
