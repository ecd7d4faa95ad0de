package feeds

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode/utf32"
)

// newsDoc is an undeclared RSS feed (no XML declaration, no charset) with
// one item per title, the shape of feedparser's illformed/chardet files
// but with items, since it is items that watches match.
func newsDoc(feedTitle string, titles ...string) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>` + feedTitle + `</title>`)
	for i, t := range titles {
		b.WriteString(`<item><title>` + t + `</title><guid>` + string(rune('a'+i)) + `</guid><description>` + t + `</description></item>`)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// TestParseUndeclaredEncodings: feeds in non-Latin legacy encodings that
// name no charset anywhere are detected and decoded, not read as Cyrillic
// or cp1252 mojibake.
func TestParseUndeclaredEncodings(t *testing.T) {
	tests := []struct {
		name    string
		enc     encoding.Encoding
		charset string
		feed    string
		titles  []string
	}{
		{"EUC-KR", korean.EUCKR, "euc-kr", "연합뉴스 최신 기사",
			[]string{"북한이 동해상으로 탄도미사일을 발사했다고 합동참모본부가 밝혔다", "정부는 오늘 경제 정책 방향을 발표하고 물가 안정에 주력하기로 했다", "서울 지역에 폭설 주의보가 내려져 출근길 교통 혼잡이 예상된다"}},
		{"GB2312", simplifiedchinese.GBK, "gbk", "新华网 最新新闻",
			[]string{"国务院总理主持召开常务会议研究部署经济工作", "中国外交部发言人就有关问题回答记者提问", "北京市今天发布大风蓝色预警提醒市民注意安全"}},
		{"Big5", traditionalchinese.Big5, "big5", "中央社 即時新聞",
			[]string{"行政院今天通過明年度中央政府總預算案", "颱風警報發布後各地學校宣布停課一天", "外交部表示將持續與友好國家深化合作關係"}},
		{"EUC-JP", japanese.EUCJP, "euc-jp", "共同通信 最新ニュース",
			[]string{"政府は今日の閣議で新しい経済対策を決定しました", "東京都内で大雨による交通機関の乱れが続いています", "日本銀行は金融政策決定会合で現状維持を決めました"}},
		{"Shift_JIS", japanese.ShiftJIS, "shift_jis", "時事通信 ニュース速報",
			[]string{"首相は記者会見で外交方針について説明しました", "気象庁は関東地方に大雪警報を発表しています", "国会では予算案の審議が本格的に始まりました",
				"大阪市内のホテルで国際会議が開かれ各国の代表が参加しました", "新しい新幹線の車両が来年から運行を始める予定です"}},
		{"TIS-620", charmap.Windows874, "windows-874", "ข่าวไทยล่าสุด",
			[]string{"นายกรัฐมนตรีเดินทางไปเยือนต่างประเทศเพื่อหารือความร่วมมือทางเศรษฐกิจ", "กรมอุตุนิยมวิทยาเตือนประชาชนระวังพายุฝนตกหนักในภาคใต้", "ตลาดหุ้นไทยปิดตลาดวันนี้ปรับตัวขึ้นเล็กน้อยตามตลาดต่างประเทศ"}},
		{"windows-1255", charmap.Windows1255, "windows-1255", "חדשות ישראל",
			[]string{"ראש הממשלה נפגש היום עם שר החוץ האמריקני בירושלים", "הכנסת אישרה בקריאה ראשונה את הצעת התקציב לשנה הבאה", "משטרת ישראל פתחה בחקירה בעקבות התאונה בכביש החוף"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := mustEncode(t, tc.enc, newsDoc(tc.feed, tc.titles...))
			f, err := Parse(body, "", "https://ex.example/feed")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Charset != tc.charset || f.CharsetUnsure {
				t.Errorf("charset %q (unsure %v), want %q, sure", f.Charset, f.CharsetUnsure, tc.charset)
			}
			if f.Title != tc.feed {
				t.Errorf("feed title %q, want %q", f.Title, tc.feed)
			}
			if got := titles(f); strings.Join(got, "|") != strings.Join(tc.titles, "|") {
				t.Errorf("titles %q, want %q", got, tc.titles)
			}
		})
	}
}

// TestParseCharsetUnsure: when nothing names the encoding and the bytes are
// too few to tell, the feed still parses but says its charset is a guess.
func TestParseCharsetUnsure(t *testing.T) {
	// Four bytes of 0xBF: chardet answers "EUC-JP, 0.99", on evidence
	// no one should trust.
	body := []byte(newsDoc("Feed", "Caf\xe9 \xa4 20 \xbf\xbf"))
	f, err := Parse(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !f.CharsetUnsure {
		t.Errorf("charset %q reported sure for a two-byte sample", f.Charset)
	}
	// A declared charset is never unsure, however short the text.
	f, err = Parse(body, "text/xml; charset=iso-8859-15", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.CharsetUnsure || f.Charset != "iso-8859-15" || f.Items[0].Title != "Café € 20 ¿¿" {
		t.Errorf("declared: charset %q unsure %v title %q", f.Charset, f.CharsetUnsure, f.Items[0].Title)
	}
}

// TestParseRepairsInvalidUTF8: invalid bytes in a UTF-8 document (after a
// BOM or not) are repaired one by one as cp1252; no item is lost and the
// valid UTF-8 around them stays as it is (bozo_invalid-bytes-with-bom.xml
// and the "one stray Latin-1 byte" feeds).
func TestParseRepairsInvalidUTF8(t *testing.T) {
	items := func(second string) string {
		return `<rss version="2.0"><channel><title>Valid UTF8: Ѩ</title>` +
			`<item><title>Россия и Азербайджан</title><guid>1</guid></item>` +
			`<item><title>` + second + `</title><guid>2</guid></item>` +
			`<item><title>Café “three”</title><guid>3</guid></item></channel></rss>`
	}
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"BOM, stray Latin-1 byte", "\xEF\xBB\xBF" + items("Invalid UTF8: Espa\xf1a"), []string{"Россия и Азербайджан", "Invalid UTF8: España", "Café “three”"}},
		{"BOM, stray cp1252 quote", "\xEF\xBB\xBF" + items("don\x92t stop"), []string{"Россия и Азербайджан", "don’t stop", "Café “three”"}},
		{"no BOM, stray byte next to UTF-8 in one field", items("Ñandú and Espa\xf1a"), []string{"Россия и Азербайджан", "Ñandú and España", "Café “three”"}},
		{"declared UTF-8, truncated sequence", `<?xml version="1.0" encoding="utf-8"?>` + items("cut \xe2\x80 here"), []string{"Россия и Азербайджан", "cut â€ here", "Café “three”"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.body), "", "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := titles(f); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("titles %q, want %q", got, tc.want)
			}
			if f.Partial || f.Charset != "utf-8" || f.Title != "Valid UTF8: Ѩ" {
				t.Errorf("partial %v, charset %q, feed title %q", f.Partial, f.Charset, f.Title)
			}
		})
	}
}

// TestParseUTF32: UTF-32 feeds, with a BOM or recognised by the zero bytes
// around "<", decode like UTF-16 ones (feedparser's encoding/utf-32*.xml).
func TestParseUTF32(t *testing.T) {
	const ru = "Россия и Азербайджан"
	doc := rssDoc(`<?xml version="1.0" encoding="utf-32"?>`, ru)
	tests := []struct {
		name    string
		enc     encoding.Encoding
		charset string
	}{
		{"le BOM", utf32.UTF32(utf32.LittleEndian, utf32.UseBOM), "utf-32le"},
		{"be BOM", utf32.UTF32(utf32.BigEndian, utf32.UseBOM), "utf-32be"},
		{"le no BOM", utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"},
		{"be no BOM", utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(mustEncode(t, tc.enc, doc), "", "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Charset != tc.charset || len(f.Items) != 1 || f.Items[0].Title != ru {
				t.Errorf("charset %q, items %q", f.Charset, titles(f))
			}
		})
	}
}

// TestParseC1Controls: cp1252 punctuation sent as C1 controls (U+0080 to
// U+009F, valid UTF-8) reads as that punctuation, not as spaces
// (feedparser's encoding/demoronize-1.xml).
func TestParseC1Controls(t *testing.T) {
	tests := []struct{ in, want string }{
		{"don\u0092t", "don’t"},
		{"\u0093quoted\u0094 \u0096 dash\u0085", "“quoted” – dash…"},
		{"price \u0080 5", "price € 5"},
		{"undefined \u0081 byte", "undefined byte"},
		{"no C1 at all: Â ©", "no C1 at all: Â ©"},
	}
	for _, tc := range tests {
		doc := `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><description>` + tc.in + `</description></item></channel></rss>`
		f, err := Parse([]byte(doc), "", "")
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := f.Items[0].Summary; got != tc.want {
			t.Errorf("%q: summary %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDemoronizeAndRepair(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"\xc2", "\xc2"},
		{"a\xc2\x92b\xc2\xa0c", "a’b\u00a0c"},
	} {
		if got := string(demoronize([]byte(tc.in))); got != tc.want {
			t.Errorf("demoronize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"ok ü", "ok ü"},
		{"\xe9t\xe9", "été"},
		{"\x93q\x94", "“q”"},
		{"\xf0\x9f\x98", "ðŸ˜"},
	} {
		if got := string(repairUTF8([]byte(tc.in))); got != tc.want {
			t.Errorf("repairUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Café and Espa\xf1a", true},
		{"Espa\xf1a only", false},
		{"caf\xe9 cr\xe8me \xe0 la mode", false},
	} {
		if got := mostlyUTF8([]byte(tc.in)); got != tc.want {
			t.Errorf("mostlyUTF8(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
