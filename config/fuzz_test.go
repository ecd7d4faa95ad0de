package config

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: any input gives a Config or positioned errors, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"poll:\n  interval: 5m\n",
		"feeds:\n  - url: https://a.example/\n    tags: [a]\n",
		"watches:\n  - {name: a, query: 'x'}\nroutes:\n  - watches: [a]\n    to: [console]\n",
		"a: &x [1]\nb: *x\n",
		"store:\n  path: ${X:-y}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseEnv(data, "f.yaml", env(map[string]string{"X": "1"}))
		if cfg == nil {
			t.Fatal("nil config")
		}
		if err == nil {
			return
		}
		for _, e := range err.(ErrorList) {
			if e.Pos.Line < 1 || e.Pos.Col < 1 {
				t.Errorf("error without a position: %v", e)
			}
		}
		for _, w := range cfg.Watches {
			for i := 0; i <= utf8.RuneCountInString(w.Query)+1; i++ {
				if p := w.QueryOffsetPos(i); p.Line < 1 || p.Col < 1 {
					t.Errorf("offset %d of %q: %v", i, w.Query, p)
				}
			}
		}
	})
}

// FuzzAddWatch: an added query always reads back exactly, or is refused.
func FuzzAddWatch(f *testing.F) {
	for _, q := range []string{"actor:APT29", `"a b" OR 'c'`, "${X}", "#x: y", "- a", "é ü", "a\tb", "[a]", "{b}", "x # y", `\"`} {
		f.Add(q)
	}
	base := []byte("# c\nwatches:\n  - name: a\n    query: x\n\n# r\nroutes: []\n")
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) {
			return
		}
		out, err := AddWatch(base, Watch{Name: "n", Query: q})
		if err != nil {
			return
		}
		cfg, err := ParseEnv(out, "f.yaml", env(nil))
		if err != nil {
			if strings.TrimSpace(q) == "" {
				return
			}
			t.Fatalf("query %q: edited config does not parse: %v\n%s", q, err, out)
		}
		if len(cfg.Watches) != 2 || cfg.Watches[1].Query != q {
			t.Fatalf("query %q read back as %+v\n%s", q, cfg.Watches, out)
		}
		if !strings.HasPrefix(string(out), string(base[:len(base)-len("\n# r\nroutes: []\n")])) {
			t.Fatalf("prefix of the file changed:\n%s", out)
		}
	})
}
