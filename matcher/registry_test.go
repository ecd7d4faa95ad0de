package matcher

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/corpus"
)

func TestImportMISP(t *testing.T) {
	reg := NewRegistry()
	before := reg.Len()
	if err := reg.ImportFile("testdata/misp-small.json"); err != nil {
		t.Fatal(err)
	}
	// Four new groups: UNC2452 shares only its name with the built-in APT29
	// (too little to merge); "Dark Halo" shares its name and NOBELIUM with
	// APT29 and joins it; "Cobalt Test Group" lists FIN7, a canonical name,
	// and joins FIN7.
	if got := reg.Len() - before; got != 4 {
		t.Errorf("%d new groups, want 4", got)
	}
	tests := []struct {
		query, title string
		want         bool
	}{
		{`actor:"Glass Heron"`, "Quiet Lantern returns", true},
		{`actor:"Glass Heron"`, "GLASSHERON", true},
		{`actor:TA9999`, "Glass Heron spotted", true},
		{`actor:"Bare Name Only"`, "bare name only", false}, // every word is everyday: own case only
		{`actor:"Bare Name Only"`, "Bare Name Only", true},
		{`actor:UNC2452`, "Solar Phoenix Test", true},
		{`actor:UNC2452`, "UNC 2452", true},
		{`actor:APT29`, "Solar Phoenix Test", false}, // the MISP cluster is not merged into APT29
		{`actor:APT29`, "UNC2452", true},             // but APT29 keeps its own alias
		{`actor:APT29`, "Halo Unique Test", true},
		{`actor:FIN7`, "Cobalt Test Alias", true},
		{`actor:"Cobalt Test Group"`, "Carbon Spider", true},
		{`actor:Lantern`, "a lantern", false}, // single everyday word: own case only
		{`actor:Lantern`, "the harbor", false},
		{`actor:Lantern`, "Harbor", true},
		{`actor:Lantern`, "Lantern", true},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Title: tt.title}); got != tt.want {
			t.Errorf("%s on %q = %v, want %v", tt.query, tt.title, got, tt.want)
		}
	}
}

func TestImportSTIX(t *testing.T) {
	reg := NewRegistry()
	n, err := reg.ImportData(mustRead(t, "testdata/stix-small.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("imported %d groups, want 2 (revoked, deprecated and malware skipped)", n)
	}
	for _, skipped := range []string{"Old Revoked Set", "Revoked Alias", "Deprecated Set", "Deprecated Alias", "Not A Group", "Malware Alias"} {
		if _, _, ok := reg.Lookup(skipped); ok {
			t.Errorf("%q was imported", skipped)
		}
	}
	if !fires(t, reg, "actor:storm-9999", Doc{Title: "Copper Marten strikes"}) {
		t.Error("Copper Marten not found under Storm-9999")
	}
	if !fires(t, reg, "actor:APT29", Doc{Title: "Stix Only Alias"}) {
		t.Error("STIX alias not merged into APT29")
	}
}

func TestImportErrors(t *testing.T) {
	reg := NewRegistry()
	err := reg.ImportFile("testdata/not-aliases.json")
	if err == nil || !strings.Contains(err.Error(), "testdata/not-aliases.json") || !strings.Contains(err.Error(), "unrecognised alias file") {
		t.Errorf("not-aliases: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := reg.ImportFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad json: %v", err)
	}
	if err := reg.ImportFile("testdata/missing.json"); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing: %v", err)
	}
}

func TestBuildRegistry(t *testing.T) {
	reg, err := BuildRegistry(map[string][]string{"russia": {"Kremlin"}}, []string{"stix-small.json"}, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"russia", "Kremlin", "Copper Marten", "APT29"} {
		if _, _, ok := reg.Lookup(n); !ok {
			t.Errorf("lacks %s", n)
		}
	}
	if _, err := BuildRegistry(nil, []string{"nope.json"}, "testdata"); err == nil {
		t.Error("missing alias file accepted")
	}
}

func TestImportRealFiles(t *testing.T) {
	dir := corpus.Dir(t, "aliases")
	reg := NewRegistry()
	if err := reg.ImportFile(filepath.Join(dir, "attack-enterprise-intrusion-sets.json")); err != nil {
		t.Fatal(err)
	}
	if err := reg.ImportFile(filepath.Join(dir, "misp-galaxy-threat-actor.json")); err != nil {
		t.Fatal(err)
	}
	if reg.Len() < 500 {
		t.Errorf("only %d groups after importing both files", reg.Len())
	}
	tests := []struct {
		query, title string
		want         bool
	}{
		{"actor:APT29", "Midnight Blizzard phishes diplomats", true},
		{"actor:APT29", "IRON RITUAL", true},
		{"actor:APT29", "Grizzly Steppe", true}, // MISP synonym
		{"actor:APT29", "Solar Phoenix", true},  // MISP UNC2452 shares several names with APT29
		{"actor:APT10", "Cloud Hopper", true},   // MISP APT10
		{"actor:menuPass", "Stone Panda", true}, // ATT&CK menuPass lists APT10
		{"actor:APT29", "A teddy bear", false},
		{"actor:APT38", "Sapphire Sleet", true},
		{"actor:G0016", "Cozy Bear", true},
		{"actor:Sandworm", "APT44 disrupts grid", true},
		{"actor:Lead", "lead pipes", false},
		{"actor:Tick", "ticks and fleas", false},
	}
	for _, tt := range tests {
		if got := fires(t, reg, tt.query, Doc{Title: tt.title}); got != tt.want {
			t.Errorf("%s on %q = %v, want %v", tt.query, tt.title, got, tt.want)
		}
	}

	// Revoked and deprecated ATT&CK objects are skipped.
	stix := NewRegistry()
	n, err := stix.ImportData(mustRead(t, filepath.Join(dir, "attack-enterprise-intrusion-sets.json")))
	if err != nil {
		t.Fatal(err)
	}
	if n != 187-6-9 {
		t.Errorf("imported %d ATT&CK groups, want %d", n, 187-6-9)
	}
	for _, gone := range []string{"Night Dragon", "Operation Wocao", "Dust Storm"} {
		if _, _, ok := stix.Lookup(gone); ok {
			t.Errorf("deprecated %q imported", gone)
		}
	}

	// A registry of only the MISP import compiles with every group as actor:.
	var ws []Watch
	for _, e := range reg.entities {
		ws = append(ws, Watch{Name: e.name, Query: "actor:" + `"` + strings.ReplaceAll(e.name, `"`, "") + `"`})
	}
	if _, err := Compile(ws, reg, CompileOptions{}); err != nil {
		t.Errorf("compiling actor: for every imported group: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
