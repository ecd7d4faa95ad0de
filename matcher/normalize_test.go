package matcher

import (
	"reflect"
	"strings"
	"testing"
)

func words(s string) []string {
	f, _ := normWords(s)
	return f
}

func TestNormWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"APT29", []string{"apt", "29"}},
		{"APT 29", []string{"apt", "29"}},
		{"APT-29", []string{"apt", "29"}},
		{"APT\u201329", []string{"apt", "29"}}, // en dash
		{"APT290", []string{"apt", "290"}},
		{"Russia's army", []string{"russia", "army"}},
		{"Russia\u2019s army", []string{"russia", "army"}},
		{"Russia\u02bcs", []string{"russia"}},
		{"Russians' views", []string{"russians", "views"}},
		{"O'Brien", []string{"o", "brien"}},
		{"it's", []string{"it"}},
		{"Café Zürich", []string{"cafe", "zurich"}},
		{"ＡＰＴ２９", []string{"apt", "29"}}, // full width
		{"ﬁnance", []string{"finance"}},  // ligature
		{"Straße", []string{"strasse"}},
		{"ΟΔΥΣΣΕΥΣ", []string{"οδυσσευσ"}}, // final sigma folds like sigma
		{"Россия и Украина", []string{"россия", "и", "украина"}},
		{"Київ, Харків", []string{"киів", "харків"}}, // ї loses its diaeresis: accents removed
		{"Ёлка", []string{"елка"}},
		{"Йошкар-Ола, бой", []string{"йошкар", "ола", "бой"}}, // й is a letter, not и with an accent
		{"ｶﾀｶﾅ", []string{"カ", "タ", "カ", "ナ"}},                // half-width kana widen
		{"مُحَمَّد", []string{"محمد"}},                        // harakat removed
		{"روسيا وأوكرانيا", []string{"روسيا", "واوكرانيا"}},
		{"東京で地震", []string{"東", "京", "で", "地", "震"}},
		{"서울 날씨", []string{"서울", "날씨"}},
		{"  \t\n", nil},
		{"C++ & Go!", []string{"c", "go"}},
		{"U.S.-led", []string{"u", "s", "led"}},
	}
	for _, tt := range tests {
		if got := words(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("normWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	same := [][]string{
		{"APT29", "APT 29", "APT-29", "apt29", "Apt\u201129", "ＡＰＴ２９"},
		{"Cozy Bear", "COZY  BEAR", "cozy-bear"},
		{"UNC2452", "UNC 2452"},
	}
	for _, group := range same {
		want := NormalizeName(group[0])
		for _, n := range group[1:] {
			if got := NormalizeName(n); got != want {
				t.Errorf("NormalizeName(%q) = %q, want %q (as %q)", n, got, want, group[0])
			}
		}
	}
	if NormalizeName("APT290") == NormalizeName("APT29") {
		t.Error("APT290 and APT29 normalise alike")
	}
}

func TestCasedFormKeepsCase(t *testing.T) {
	_, cased := normWords("Lead ÉLAN")
	if strings.Join(cased, " ") != "Lead ELAN" {
		t.Errorf("cased = %q", cased)
	}
}
