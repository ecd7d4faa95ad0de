package feeds

import (
	"bytes"
	"encoding/base64"
)

// decodeBase64Text decodes the content of Atom 0.3 text constructs marked
// mode="base64" in place, wrapped in CDATA.
//
// gofeed honours mode="base64" only when the element has no type or a
// binary one; with type="text/html" (what Atom 0.3 writers emit) it takes
// the text branch and the title comes out as base64. Rewriting the document
// here, before gofeed, keeps the fix out of a fork of gofeed: the CDATA
// content then reaches Item as the HTML it encoded, and PlainText strips it.
// Content that does not decode is left as it is. doc is returned itself when
// nothing needs to change.
func decodeBase64Text(doc []byte) []byte {
	if !bytes.Contains(doc, []byte("base64")) {
		return doc
	}
	var out []byte
	rest := doc
	for {
		i := indexModeBase64(rest)
		if i < 0 {
			break
		}
		lt := bytes.LastIndexByte(rest[:i], '<')
		gt := bytes.IndexByte(rest[i:], '>')
		if lt < 0 || gt < 0 || bytes.IndexByte(rest[lt:i], '>') >= 0 || rest[i+gt-1] == '/' {
			out = append(out, rest[:i+1]...)
			rest = rest[i+1:]
			continue
		}
		name := rest[lt+1:]
		if n := bytes.IndexAny(name, " \t\r\n/>"); n >= 0 {
			name = name[:n]
		}
		open := i + gt + 1
		end := bytes.Index(rest[open:], append(append([]byte("</"), name...), '>'))
		if end < 0 {
			break
		}
		decoded, err := base64.StdEncoding.DecodeString(string(dropSpace(rest[open : open+end])))
		if err != nil {
			out = append(out, rest[:open]...)
			rest = rest[open:]
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(doc))
		}
		out = append(out, rest[:open]...)
		out = append(out, "<![CDATA["...)
		out = append(out, bytes.ReplaceAll(decoded, []byte("]]>"), []byte("]]]]><![CDATA[>"))...)
		out = append(out, "]]>"...)
		rest = rest[open+end:]
	}
	if out == nil {
		return doc
	}
	return append(out, rest...)
}

// indexModeBase64 finds a mode="base64" (or mode='base64') attribute.
func indexModeBase64(b []byte) int {
	i := bytes.Index(b, []byte(`mode="base64"`))
	j := bytes.Index(b, []byte(`mode='base64'`))
	if i < 0 || (j >= 0 && j < i) {
		return j
	}
	return i
}

// dropSpace removes the white space that wraps and breaks base64 text;
// encoding/base64 skips only CR and LF.
func dropSpace(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}
