package config

import (
	"strings"
	"testing"
)

func TestStoreSection(t *testing.T) {
	vars := env(map[string]string{"DATABASE_URL": "postgres://nh:pa55word@db/nh"})
	tests := []struct {
		name, src         string
		driver, dsn, path string
		err               string // substring of the only error; "" for none
	}{
		{"default", "", "sqlite", "", DefaultStorePath, ""},
		{"postgres from env", "store:\n  driver: postgres\n  dsn: ${DATABASE_URL}\n", "postgres", "postgres://nh:pa55word@db/nh", DefaultStorePath, ""},
		{"sqlite ignores an unset dsn", "store:\n  driver: sqlite\n  dsn: ${NOPE}\n  path: x.db\n", "sqlite", "", "x.db", ""},
		{"postgres without dsn", "store:\n  driver: postgres\n", "", "", "", "c.yaml:2:11: store.driver postgres needs store.dsn"},
		{"postgres with an empty dsn", "store:\n  driver: postgres\n  dsn: ${NOPE}\n", "", "", "", "c.yaml:3:8: store.driver postgres needs store.dsn"},
		{"unknown driver", "store:\n  driver: mysql\n", "", "", "", `c.yaml:2:11: store.driver must be one of sqlite, postgres, got "mysql"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseEnv([]byte(tt.src), "c.yaml", vars)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "pa55word") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Store.Driver != tt.driver || cfg.Store.DSN != tt.dsn || cfg.Store.Path != tt.path {
				t.Errorf("store = %+v, want driver %q dsn %q path %q", cfg.Store, tt.driver, tt.dsn, tt.path)
			}
		})
	}
}
