package feeds

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/wlynxg/chardet"
	chardetlookup "github.com/wlynxg/chardet/lookup"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
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
//  1. a byte-order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE), or UTF-16/32
//     recognised by the zero bytes around the first "<". A UTF-8 BOM is
//     not proof that every byte is UTF-8: invalid bytes after it are
//     repaired one by one (see repairUTF8), never allowed to stop the XML
//     decoder mid-feed;
//  2. bytes that are valid UTF-8 are UTF-8, whatever the labels say (real
//     single-byte text is practically never valid UTF-8, while servers and
//     CMSs that label UTF-8 as ISO-8859-1 are common); the one exception is a
//     7-bit encoding such as ISO-2022-JP named by a label;
//  3. bytes that are UTF-8 but for a few stray bytes (a Latin-1 or cp1252
//     byte pasted into a UTF-8 feed) are UTF-8 with those bytes repaired,
//     rather than the whole document read as cp1252;
//  4. otherwise the charset parameter of the HTTP Content-Type;
//  5. then the encoding of the XML declaration (labels naming UTF-8 are
//     skipped: the bytes just proved them wrong);
//  6. otherwise a statistical detector (github.com/wlynxg/chardet, a port
//     of the Python chardet that feedparser uses: byte-sequence and
//     character-frequency models of the CJK, Cyrillic, Greek, Hebrew,
//     Thai and Latin encodings, far more than hand-written rules can
//     cover). When it is not confident, the older rule decides (text whose
//     high bytes are mostly letters in 0xC0-0xFF is windows-1251 or KOI8-R,
//     told apart by letter case; anything else windows-1252) and the
//     result is marked unsure so that `feed test` and `feed ls` can say the
//     text may be garbled.
//
// Whatever the source, C1 control characters (U+0080-U+009F) left in the
// decoded text are read as the windows-1252 characters of the same byte:
// they are cp1252 smart quotes and dashes that a publisher passed through a
// Latin-1 step, never meant as controls.

// charsetInfo says how a document was decoded.
type charsetInfo struct {
	name   string // WHATWG name of the source encoding
	unsure bool   // guessed by the detector without confidence
}

// Detector thresholds. chardet's Latin-1 model is its catch-all and never
// says more than 0.73, while its multi-byte and Cyrillic models say 0.99
// when the text is long enough and much less on short or mixed samples; but
// on a handful of bytes any model can be confidently wrong (four bytes of
// 0xBF are "EUC-JP, 0.99"). So a guess is trusted only with both a fair
// confidence and enough high bytes to have judged, and answers below
// chardet's own floor are not used at all.
const (
	minConfidence = 0.5 // below: decoded as guessed, but reported unsure
	floorConfid   = 0.2 // below: the detector's answer is ignored (chardet's MINIMUM_THRESHOLD)
	minEvidence   = 16  // fewer non-ASCII bytes than this: reported unsure
)

// detectSample bounds the bytes given to the detector: its models settle
// within a few KiB of text, and a 10 MiB feed must not cost seconds.
const detectSample = 64 << 10

// toUTF8 returns body converted to UTF-8 with any BOM removed and the XML
// declaration's encoding rewritten to UTF-8, plus how it was decoded. body
// is not modified; when no conversion or rewrite is needed body itself is
// returned.
func toUTF8(body []byte, contentType string) ([]byte, charsetInfo, error) {
	doc, cs, err := decodeBody(body, contentType)
	if err != nil {
		return nil, cs, err
	}
	return demoronize(doc), cs, nil
}

// decodeBody is toUTF8 before the C1 repair.
func decodeBody(body []byte, contentType string) ([]byte, charsetInfo, error) {
	// 1. Byte-order marks, UTF-16 and UTF-32. The UTF-32LE mark starts
	// with the UTF-16LE one, so it is tested first.
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return fixDecl(repairUTF8(body[3:])), charsetInfo{name: "utf-8"}, nil
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE, 0, 0}):
		return decodeWith(utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM), "utf-32le", body)
	case bytes.HasPrefix(body, []byte{0, 0, 0xFE, 0xFF}):
		return decodeWith(utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM), "utf-32be", body)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", body)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", body)
	}
	if len(body) >= 4 {
		// XML starts with "<" (or white space, which has the same zeros):
		// the zero bytes around the first character give the width.
		b0, b1, b2, b3 := body[0], body[1], body[2], body[3]
		switch {
		case b0 != 0 && b1 == 0 && b2 == 0 && b3 == 0:
			return decodeWith(utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", body)
		case b0 == 0 && b1 == 0 && b2 == 0 && b3 != 0:
			return decodeWith(utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", body)
		case b0 == '<' && b1 == 0 && b2 != 0 && b3 == 0:
			return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", body)
		case b0 == 0 && b1 == '<' && b2 == 0 && b3 != 0:
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
		return fixDecl(body), charsetInfo{name: "utf-8"}, nil
	}
	// 3. UTF-8 with a few stray bytes.
	if mostlyUTF8(body) {
		return fixDecl(repairUTF8(body)), charsetInfo{name: "utf-8"}, nil
	}
	// 4, 5. Labels.
	for _, label := range []string{httpLabel, declLabel} {
		enc, name, err := lookupEncoding(label)
		if err != nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") {
			continue // unknown, or contradicted by the bytes
		}
		return decodeWith(enc, name, body)
	}
	// 6. Detection.
	if enc, name, conf, ok := detect(body); ok {
		doc, cs, err := decodeWith(enc, name, body)
		cs.unsure = conf < minConfidence || highBytes(body) < minEvidence
		return doc, cs, err
	}
	enc, name := guessSingleByte(body)
	doc, cs, err := decodeWith(enc, name, body)
	cs.unsure = true
	return doc, cs, err
}

// detect asks the statistical detector for the encoding of body, with its
// confidence; it reports false when the answer is below the detector's own
// floor or names an encoding we cannot decode.
func detect(body []byte) (encoding.Encoding, string, float64, bool) {
	sample := body
	if len(sample) > detectSample {
		sample = sample[:detectSample]
	}
	r := chardet.Detect(sample)
	if r.Charset == "" || r.Confidence < floorConfid {
		return nil, "", 0, false
	}
	if enc, name, err := lookupEncoding(r.Charset); err == nil {
		if name == "utf-8" || strings.HasPrefix(name, "utf-16") {
			return nil, "", 0, false // the bytes are not valid UTF-8 (or UTF-16 without zeros)
		}
		return enc, name, r.Confidence, true
	}
	// Encodings outside the WHATWG set (IBM855, ...): chardet's own table.
	enc, err := chardetlookup.LookupEncoding(r.Charset)
	if err != nil || enc == nil {
		return nil, "", 0, false
	}
	return enc, strings.ToLower(r.Charset), r.Confidence, true
}

// highBytes counts the bytes of b at or above 0x80: the only ones that tell
// encodings apart.
func highBytes(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= 0x80 {
			n++
		}
	}
	return n
}

// mostlyUTF8 reports a document that is UTF-8 apart from a few invalid
// bytes: at least as many valid multi-byte sequences as invalid bytes, and
// at least one of them. Text in a legacy encoding almost never forms valid
// multi-byte UTF-8 sequences (a Latin-1 letter would have to be followed by
// a byte from 0x80-0xBF), so its valid sequences are few and its invalid
// bytes many.
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			valid++
		}
		i += n
	}
	return valid > 0 && invalid <= valid
}

// repairUTF8 returns b with every byte that is not part of a valid UTF-8
// sequence replaced by the character it stands for in windows-1252 (the
// WHATWG reading of Latin-1): one stray "\xF1" in a UTF-8 feed is "ñ", not
// the end of the feed. It returns b itself when b is valid.
func repairUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, cp1252Rune(b[i]))
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// cp1252Rune is the character of a high byte in windows-1252, with the five
// undefined bytes kept as the C1 control of the same value.
func cp1252Rune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return cp1252High[c-0x80]
	}
	return rune(c)
}

// demoronize replaces the C1 controls U+0080-U+009F in UTF-8 text by the
// windows-1252 characters of the same byte value ("don\u0092t" becomes
// "don’t"); they would otherwise turn into spaces. The five bytes that
// windows-1252 leaves undefined stay as they are. It returns b itself when
// there is nothing to replace.
func demoronize(b []byte) []byte {
	i := bytes.IndexByte(b, 0xC2)
	for i >= 0 && (i+1 >= len(b) || b[i+1] < 0x80 || b[i+1] >= 0xA0) {
		j := bytes.IndexByte(b[i+1:], 0xC2)
		if j < 0 {
			return b
		}
		i += 1 + j
	}
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		if b[i] == 0xC2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] < 0xA0 {
			out = utf8.AppendRune(out, cp1252High[b[i+1]-0x80])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
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
	if name == "replacement" {
		// WHATWG maps ISO-2022-KR/CN and HZ to an encoding that turns the
		// whole document into U+FFFD; better to let the detector try.
		return nil, "", fmt.Errorf("charset %q has no decoder", label)
	}
	return enc, name, nil
}

// decodeWith converts body from enc to UTF-8 and fixes the XML declaration.
func decodeWith(enc encoding.Encoding, name string, body []byte) ([]byte, charsetInfo, error) {
	cs := charsetInfo{name: name}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, cs, fmt.Errorf("decoding %s: %w", name, err)
	}
	out = bytes.TrimPrefix(out, []byte("\uFEFF"))
	return fixDecl(out), cs, nil
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
