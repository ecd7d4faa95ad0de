package feeds

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// Charset handling.
//
// gofeed honours only the encoding named in the XML declaration and assumes
// UTF-8 otherwise, so a Latin-1 feed served without a declaration breaks it,
// and a charset given only in the HTTP Content-Type is ignored. toUTF8 picks
// the encoding once, converts the bytes once, and rewrites the XML
// declaration to say UTF-8 so that gofeed does not convert a second time.
//
// Order of evidence:
//  1. a byte-order mark (UTF-8, UTF-16LE/BE);
//  2. the charset parameter of the HTTP Content-Type, unless it claims
//     UTF-8/ASCII and the bytes are not valid UTF-8;
//  3. the encoding of the XML declaration, with the same exception;
//  4. valid UTF-8 is UTF-8;
//  5. otherwise a guess: text whose high bytes are mostly Cyrillic letters is
//     windows-1251 or KOI8-R (told apart by letter case: Russian text is mostly
//     lower case, which sits at 0xE0-0xFF in windows-1251 and 0xC0-0xDF in
//     KOI8-R); anything else is windows-1252 (a superset of Latin-1).
//
// A single-byte charset named by the server is ignored when the body is valid
// UTF-8 containing multi-byte sequences and the document itself does not name
// a non-UTF-8 encoding: a misconfigured web server is far likelier than
// Latin-1 text that happens to be valid UTF-8.

// toUTF8 returns body converted to UTF-8 with any BOM removed and the XML
// declaration's encoding rewritten to UTF-8, plus the name of the source
// encoding (for diagnostics). body is not modified; when no conversion or
// rewrite is needed body itself is returned.
func toUTF8(body []byte, contentType string) ([]byte, string, error) {
	// 1. Byte-order marks.
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return fixDecl(body[3:]), "utf-8", nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", body)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", body)
	}
	// UTF-16 without BOM: "<\x00?\x00" or "\x00<\x00?".
	if len(body) >= 4 {
		if body[0] == '<' && body[1] == 0 && body[2] != 0 && body[3] == 0 {
			return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", body)
		}
		if body[0] == 0 && body[1] == '<' && body[2] == 0 && body[3] != 0 {
			return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", body)
		}
	}

	valid := utf8.Valid(body)
	declName := declaredEncoding(body)
	httpName := ""
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			httpName = strings.TrimSpace(params["charset"])
		}
	}

	for _, label := range []string{httpName, declName} {
		if label == "" {
			continue
		}
		enc, name, err := lookupEncoding(label)
		if err != nil {
			continue // unknown label: weaker evidence decides
		}
		if isUTF8Name(name) {
			if valid {
				return fixDecl(body), "utf-8", nil
			}
			continue // claims UTF-8 but is not: keep looking
		}
		if label == httpName && valid && hasMultiByte(body) && (declName == "" || isUTF8Label(declName)) {
			// Server says e.g. ISO-8859-1 but the document is clearly UTF-8.
			return fixDecl(body), "utf-8", nil
		}
		return decodeWith(enc, name, body)
	}
	if valid {
		return fixDecl(body), "utf-8", nil
	}
	enc, name := guessSingleByte(body)
	return decodeWith(enc, name, body)
}

// lookupEncoding resolves a charset label the way browsers do (WHATWG), so
// that "iso-8859-1" and "latin1" mean windows-1252.
func lookupEncoding(label string) (encoding.Encoding, string, error) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, "", fmt.Errorf("unknown charset %q", label)
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		name = strings.ToLower(label)
	}
	return enc, name, nil
}

func isUTF8Name(name string) bool {
	return name == "utf-8"
}

func isUTF8Label(label string) bool {
	_, name, err := lookupEncoding(label)
	return err == nil && isUTF8Name(name)
}

func hasMultiByte(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// decodeWith converts body from enc to UTF-8 and fixes the XML declaration.
func decodeWith(enc encoding.Encoding, name string, body []byte) ([]byte, string, error) {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decoding %s: %w", name, err)
	}
	out = bytes.TrimPrefix(out, []byte("\uFEFF"))
	return fixDecl(out), name, nil
}

// guessSingleByte picks windows-1251, KOI8-R or windows-1252 for bytes that
// are not valid UTF-8 and name no encoding.
func guessSingleByte(b []byte) (encoding.Encoding, string) {
	var ascii, high, upper1251, lower1251 int
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			ascii++
		case c >= 0xE0:
			high++
			lower1251++
		case c >= 0xC0:
			high++
			upper1251++
		case c >= 0x80:
			high++
		}
	}
	// Markup is ASCII letters too; Cyrillic text still dominates any real feed
	// body, while Latin-1 text has one accented letter in ten or fewer.
	if high > 0 && (upper1251+lower1251)*10 >= (ascii+high)*4 {
		if lower1251 >= upper1251 {
			return charmap.Windows1251, "windows-1251"
		}
		return charmap.KOI8R, "koi8-r"
	}
	return charmap.Windows1252, "windows-1252"
}

// declaredEncoding returns the encoding pseudo-attribute of the XML
// declaration near the start of b, or "".
func declaredEncoding(b []byte) string {
	_, _, val := findDeclEncoding(b)
	return val
}

// findDeclEncoding locates the encoding value in the XML declaration within
// the first KiB (a comment may precede it in broken feeds). It returns the
// start and end offsets of the value and the value; start < 0 when absent.
func findDeclEncoding(b []byte) (int, int, string) {
	head := b
	if len(head) > 1024 {
		head = head[:1024]
	}
	i := bytes.Index(head, []byte("<?xml"))
	if i < 0 {
		return -1, -1, ""
	}
	end := bytes.Index(head[i:], []byte("?>"))
	if end < 0 {
		return -1, -1, ""
	}
	decl := head[i : i+end]
	j := bytes.Index(decl, []byte("encoding"))
	if j < 0 {
		return -1, -1, ""
	}
	k := j + len("encoding")
	for k < len(decl) && (decl[k] == ' ' || decl[k] == '\t' || decl[k] == '\r' || decl[k] == '\n') {
		k++
	}
	if k >= len(decl) || decl[k] != '=' {
		return -1, -1, ""
	}
	k++
	for k < len(decl) && (decl[k] == ' ' || decl[k] == '\t' || decl[k] == '\r' || decl[k] == '\n') {
		k++
	}
	if k >= len(decl) || (decl[k] != '"' && decl[k] != '\'') {
		return -1, -1, ""
	}
	q := decl[k]
	l := bytes.IndexByte(decl[k+1:], q)
	if l < 0 {
		return -1, -1, ""
	}
	start := i + k + 1
	return start, start + l, string(decl[k+1 : k+1+l])
}

// fixDecl rewrites the encoding named in the XML declaration to UTF-8 so the
// XML decoder does not convert already-converted text again. It returns b
// itself when nothing needs to change.
func fixDecl(b []byte) []byte {
	start, end, val := findDeclEncoding(b)
	if start < 0 || strings.EqualFold(val, "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	out = append(out, b[:start]...)
	out = append(out, "UTF-8"...)
	out = append(out, b[end:]...)
	return out
}
