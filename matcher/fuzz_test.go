package matcher

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that any query either compiles and matches without
// panicking, or is refused with a *SyntaxError pointing inside the query.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"russia", `"cozy bear" OR hack*`, "-x NOT y", "(a OR b) NEAR/3 c", "title:(a OR b)",
		"actor:APT29 feed:bbc category:x", `/a\/b+/`, "((a)", `"unterminated`, "NEAR/0", "Москва )",
		"北京 -東京", "a NEAR b NEAR c", "--x", "title:", "*", "x:y:z", "actor:\"The Dukes\"",
	} {
		f.Add(s)
	}
	reg := NewRegistry()
	doc := Doc{Title: "Cozy Bear hackers hit Kyiv power grid", Summary: "Россия и 北京 a b c x y z", Categories: []string{"x"}, Feed: "BBC News"}
	f.Fuzz(func(t *testing.T, q string) {
		err := Check(q, reg, CompileOptions{AllowRegex: true})
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Check(%q) = %T %v, want *SyntaxError", q, err, err)
			}
			if se.Pos < 0 || se.Pos > utf8.RuneCountInString(q) && se.Pos != maxQueryRunes {
				t.Fatalf("Check(%q): position %d outside the query", q, se.Pos)
			}
			if !strings.HasSuffix(err.Error(), " at "+itoa(se.Pos)) || se.Msg == "" {
				t.Fatalf("Check(%q): bad message %q", q, err.Error())
			}
			return
		}
		c, err := Compile([]Watch{{Name: "w", Query: q}}, reg, CompileOptions{AllowRegex: true})
		if err != nil {
			t.Fatalf("Check accepted %q but Compile refused: %v", q, err)
		}
		c.Match(doc)
		for _, h := range c.Match(Doc{Title: q, Content: q}) {
			if !utf8.ValidString(h.Snippet) && utf8.ValidString(q) {
				t.Fatalf("invalid UTF-8 snippet %q", h.Snippet)
			}
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// FuzzMatchText checks the scanner and normaliser on arbitrary text: a
// phrase made of a text always matches that text, and snippets stay valid.
func FuzzMatchText(f *testing.F) {
	for _, s := range []string{"Cozy Bear's APT-29", "Россия и Украина", "東京で地震", "مُحَمَّد", "ＡＰＴ２９", "Straße ﬁ", "a\u0301\u0302b", "x'y's"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 2000 {
			return
		}
		q := `"` + strings.ReplaceAll(s, `"`, " ") + `"`
		c, err := Compile([]Watch{{Name: "self", Query: q}, {Name: "apt29", Query: "actor:APT29"}}, nil, CompileOptions{})
		if err != nil {
			var ce *CompileErrors
			if !errors.As(err, &ce) || len(words(strings.TrimSuffix(strings.ReplaceAll(s, `"`, " "), "*"))) > 0 && !strings.Contains(err.Error(), "*") {
				t.Fatalf("Compile(%q): %v", q, err)
			}
			return
		}
		hits := c.Match(Doc{Title: s, Summary: s})
		if len(hits) == 0 || hits[0].Watch != "self" {
			t.Fatalf("phrase %q does not match its own text", q)
		}
		for _, h := range hits {
			if !utf8.ValidString(h.Snippet) {
				t.Fatalf("invalid snippet %q", h.Snippet)
			}
		}
	})
}
