package feeds

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// plainTextFast is the allocation-light path of PlainText for the HTML that
// feeds actually carry: tags of plain alphanumeric names with ordinary
// attributes, comments, <script> and <style>. It produces exactly what the
// x/net/html tokenizer path produces (FuzzPlainTextFast checks this) and
// reports false, leaving the work to the tokenizer, at the first construct
// it does not handle with certainty: other raw-text elements (title,
// textarea, iframe, noscript, ...), doctype, CDATA, processing instructions,
// bogus comments, unusual tag names or attribute syntax, or a document that
// ends inside markup. The tokenizer allocates about 5 KB per call, a quarter
// of all allocation when parsing a typical feed.
func plainTextFast(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	skip := 0
	i := 0
	for i < len(s) {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			if skip == 0 {
				writeText(&b, s[i:])
			}
			break
		}
		if skip == 0 && lt > 0 {
			writeText(&b, s[i:i+lt])
		}
		i += lt
		if i+1 >= len(s) {
			return "", false // "<" at the very end
		}
		c := s[i+1]
		switch {
		case isASCIILetter(c):
			name, end, selfClosing, ok := scanStartTag(s, i+1)
			if !ok {
				return "", false
			}
			a := atom.Lookup([]byte(name))
			switch name {
			case "script", "style":
				if selfClosing != scNo {
					return "", false // still raw text in the tokenizer
				}
				j, ok := rawTextEnd(s, end, name)
				if !ok {
					return "", false
				}
				i = j // content and end tag dropped; skip depth unchanged
				continue
			case "iframe", "noembed", "noframes", "noscript", "plaintext", "textarea", "title", "xmp":
				return "", false
			}
			if dropContent(a) {
				if selfClosing == scMaybe {
					return "", false
				}
				if selfClosing == scNo {
					skip++
				}
			} else if isBlock(a) {
				b.WriteByte(' ')
			}
			i = end
		case c == '/':
			if i+2 >= len(s) || !isASCIILetter(s[i+2]) {
				return "", false
			}
			j := i + 2
			for j < len(s) && isASCIIAlnum(s[j]) {
				j++
			}
			name := strings.ToLower(s[i+2 : j])
			gt := strings.IndexByte(s[j:], '>')
			if gt < 0 || strings.ContainsAny(s[j:j+gt], "\"'<") || (gt > 0 && !isTagSpace(s[j]) && s[j] != '/') {
				return "", false
			}
			a := atom.Lookup([]byte(name))
			if dropContent(a) {
				if skip > 0 {
					skip--
				}
			} else if isBlock(a) {
				b.WriteByte(' ')
			}
			i = j + gt + 1
		case c == '!':
			if !strings.HasPrefix(s[i:], "<!--") {
				return "", false
			}
			body := s[i+4:]
			end := strings.Index(body, "-->")
			if end < 0 || strings.HasPrefix(body, ">") || strings.HasPrefix(body, "->") || strings.Contains(body[:end], "--!>") {
				return "", false
			}
			i += 4 + end + 3
		case c == '?':
			return "", false
		default:
			// "<" not starting markup is text.
			if skip == 0 {
				b.WriteByte('<')
			}
			i++
		}
	}
	return collapseSpace(b.String()), true
}

// Self-closing states of a start tag, for the elements whose content is
// dropped: only an unambiguous "/>" counts.
const (
	scNo = iota
	scYes
	scMaybe
)

// scanStartTag reads the start tag whose name begins at s[i] and returns the
// lower-cased name, the index after '>', and its self-closing state. It
// accepts only alphanumeric names and attributes of the forms name,
// name=value, name="value" and name='value'.
func scanStartTag(s string, i int) (string, int, int, bool) {
	j := i
	for j < len(s) && isASCIIAlnum(s[j]) {
		j++
	}
	if j >= len(s) || !(isTagSpace(s[j]) || s[j] == '>' || s[j] == '/') {
		return "", 0, 0, false
	}
	name := strings.ToLower(s[i:j])
	lastUnquoted := false // the last attribute ended in an unquoted value or a bare name
	attrs := 0
	for {
		for j < len(s) && isTagSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return "", 0, 0, false
		}
		switch {
		case s[j] == '>':
			return name, j + 1, scNo, true
		case s[j] == '/' && j+1 < len(s) && s[j+1] == '>':
			state := scYes
			if attrs > 0 && lastUnquoted && !isTagSpace(s[j-1]) {
				state = scMaybe
			}
			return name, j + 2, state, true
		}
		// Attribute name.
		k := j
		for k < len(s) && !isTagSpace(s[k]) && s[k] != '=' && s[k] != '>' && s[k] != '/' {
			if s[k] == '"' || s[k] == '\'' || s[k] == '<' || s[k] == '`' {
				return "", 0, 0, false
			}
			k++
		}
		if k == j || k >= len(s) {
			return "", 0, 0, false
		}
		attrs++
		lastUnquoted = true
		j = k
		for j < len(s) && isTagSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return "", 0, 0, false
		}
		if s[j] != '=' {
			continue
		}
		j++
		for j < len(s) && isTagSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return "", 0, 0, false
		}
		switch q := s[j]; q {
		case '"', '\'':
			end := strings.IndexByte(s[j+1:], q)
			if end < 0 {
				return "", 0, 0, false
			}
			j += 1 + end + 1
			lastUnquoted = false
			if j < len(s) && !isTagSpace(s[j]) && s[j] != '>' && s[j] != '/' {
				return "", 0, 0, false // name="v"x: unusual
			}
		case '>':
			return "", 0, 0, false // "a=>" is unusual
		default:
			k := j
			for k < len(s) && !isTagSpace(s[k]) && s[k] != '>' {
				if strings.IndexByte("\"'<=`", s[k]) >= 0 {
					return "", 0, 0, false
				}
				k++
			}
			if k > j && s[k-1] == '/' {
				return "", 0, 0, false // <a href=x/> : ambiguous
			}
			j = k
		}
	}
}

// rawTextEnd finds the end of a script or style element's raw text that
// starts at s[i]: the index after the matching end tag's '>'. Script text
// containing "<!--" is left to the tokenizer (its escaping states differ).
func rawTextEnd(s string, i int, name string) (int, bool) {
	rest := s[i:]
	if name == "script" && strings.Contains(rest, "<!--") {
		return 0, false
	}
	lower := strings.ToLower(rest) // ASCII-only folding is what the tokenizer does
	if len(lower) != len(rest) {
		return 0, false
	}
	for off := 0; ; {
		k := strings.Index(lower[off:], "</"+name)
		if k < 0 {
			return len(s), true // runs to the end: all dropped
		}
		k += off
		after := k + 2 + len(name)
		if after >= len(rest) {
			return 0, false
		}
		if c := rest[after]; isTagSpace(c) || c == '/' || c == '>' {
			gt := strings.IndexByte(rest[after:], '>')
			if gt < 0 || strings.ContainsAny(rest[after:after+gt], "\"'<") {
				return 0, false
			}
			return i + after + gt + 1, true
		}
		off = after
	}
}

// writeText writes a text segment with its character references decoded.
func writeText(b *strings.Builder, t string) {
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	b.WriteString(t)
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }
func isTagSpace(c byte) bool    { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }
