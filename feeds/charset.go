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
//  1. a byte-order mark (UTF-8, UTF-16LE/BE), or UTF-16 recognised by the
//     zero bytes around the first "<";
//  2. bytes that are valid UTF-8 are UTF-8, whatever the labels say (real
//     single-byte text is practically never valid UTF-8, while servers and
//     CMSs that label UTF-8 as ISO-8859-1 are common); the one exception is a
//     7-bit encoding such as ISO-2022-JP named by a label;
//  3. otherwise the charset parameter of the HTTP Content-Type;
//  4. then the encoding of the XML declaration (labels naming UTF-8 are
//     skipped: the bytes just proved them wrong);
//  5. otherwise a guess: text whose high bytes are mostly letters in
//     0xC0-0xFF is windows-1251 or KOI8-R (told apart by letter case:
//     Russian text is mostly lower case, which sits at 0xE0-0xFF in
//     windows-1251 and 0xC0-0xDF in KOI8-R); anything else is windows-1252,
//     the WHATWG reading of Latin-1.

// toUTF8 returns body converted to UTF-8 with any BOM removed and the XML
// declaration's encoding rewritten to UTF-8, plus the name of the source
// encoding (for diagnostics). body is not modified; when no conversion or
// rewrite is needed body itself is returned.
func toUTF8(body []byte, contentType string) ([]byte, string, error) {
	// 1. Byte-order marks and UTF-16.
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return fixDecl(body[3:]), "utf-8", nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", body)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", body)
	}
	if len(body) >= 4 {
		if body[0] == '<' && body[1] == 0 && body[2] != 0 && body[3] == 0 {
			return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", body)
		}
		if body[0] == 0 && body[1] == '<' && body[2] == 0 && body[3] != 0 {
			return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", body)
		}
	}

	httpLabel := ""
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			httpLabel = params["charset"]
		}
	}
	declLabel := declaredEncoding(body)

	// 2. Valid UTF-8.
	if utf8.Valid(body) {
		for _, label := range []string{httpLabel, declLabel} {
			if enc, name, err := lookupEncoding(label); err == nil && is7Bit(name) && bytes.IndexByte(body, 0x1b) >= 0 {
				return decodeWith(enc, name, body)
			}
		}
		return fixDecl(body), "utf-8", nil
	}
	// 3, 4. Labels.
	for _, label := range []string{httpLabel, declLabel} {
		enc, name, err := lookupEncoding(label)
		if err != nil || name == "utf-8" || name == "utf-16le" || name == "utf-16be" {
			continue // unknown, or contradicted by the bytes
		}
		return decodeWith(enc, name, body)
	}
	// 5. Guess.
	enc, name := guessSingleByte(body)
	return decodeWith(enc, name, body)
}

// is7Bit reports encodings whose text is all bytes below 0x80 (so valid
// UTF-8) yet is not ASCII: they use escape sequences.
func is7Bit(name string) bool {
	return name == "iso-2022-jp"
}

// lookupEncoding resolves a charset label the way browsers do (WHATWG), so
// that "iso-8859-1" and "latin1" mean windows-1252.
func lookupEncoding(label string) (encoding.Encoding, string, error) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if label == "" {
		return nil, "", fmt.Errorf("no charset")
	}
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
	inTag := false
	for _, c := range b {
		switch {
		case c == '<':
			inTag = true
		case c == '>':
			inTag = false
		case inTag:
			// markup names are ASCII whatever the text's language
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
	// In Cyrillic text nearly every letter is a high byte; in Latin-1 text
	// one letter in ten or fewer is. (Greek ISO-8859-7 without any label
	// is misread as Cyrillic; it has never been seen undeclared in practice.)
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

// cp1252High maps the windows-1252 bytes 0x80-0x9F to runes; the five
// undefined bytes map to the C1 control of the same value, as Latin-1 (and
// most mis-decoding pipelines) do.
var cp1252High = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// cp1252Byte is the inverse of the windows-1252/Latin-1 mix above.
func cp1252Byte(r rune) (byte, bool) {
	if r < 0x80 || (r >= 0xA0 && r <= 0xFF) {
		return byte(r), true
	}
	for i, c := range cp1252High {
		if c == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// fixMojibake repairs text that was UTF-8, wrongly decoded as windows-1252
// (or Latin-1) and re-encoded as UTF-8 by the publisher ("Kennedyâ€™s" for
// "Kennedy’s"). It only acts when the whole string maps back to single bytes
// that form valid UTF-8 with at least one multi-byte sequence, which
// ordinary text ("SÃO PAULO", "Âge") does not.
func fixMojibake(s string) string {
	// Every marker (Â Ã â Î Ï Ð Ñ) is encoded as 0xC3 followed by a byte;
	// the byte search is vectorised, the rune search is not.
	if strings.IndexByte(s, 0xC3) < 0 || !strings.ContainsAny(s, "ÂÃâÐÑÎÏ") {
		return s
	}
	b := make([]byte, 0, len(s))
	multi := false
	for _, r := range s {
		c, ok := cp1252Byte(r)
		if !ok {
			return s
		}
		multi = multi || c >= 0x80
		b = append(b, c)
	}
	if !multi || !utf8.Valid(b) {
		return s
	}
	return string(b)
}
