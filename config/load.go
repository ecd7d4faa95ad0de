package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Defaults, as documented on the Config fields.
const (
	DefaultSchedule             = "@every 1m"
	DefaultInterval             = 5 * time.Minute
	DefaultMinInterval          = time.Minute
	DefaultMaxInterval          = 6 * time.Hour
	DefaultTimeout              = 20 * time.Second
	DefaultConcurrency          = 16
	DefaultPerHost              = 2
	DefaultFulltextTimeout      = 15 * time.Second
	DefaultMaxBodySize          = 10 << 20
	DefaultStorePath            = "newshound.db"
	DefaultHistoryKeep          = 30 * 24 * time.Hour
	DefaultLogLevel             = "info"
	DefaultLogFormat            = "text"
	DefaultDiscordAPI           = "https://discord.com/api/v10/"
	DefaultTelegramAPI          = "https://api.telegram.org"
	DefaultQueryLength          = 512
	DefaultSubscriptionsPerChat = 50
	DefaultCommandsPerMinute    = 20
	DefaultStoryWindow          = 48 * time.Hour
	DefaultAlsoReported         = AlsoReportedEdit
)

// Default returns a Config holding only the defaults: no feeds, no watches,
// no routes, every platform off.
func Default() *Config {
	return &Config{
		Poll: Poll{
			Schedule:    DefaultSchedule,
			Interval:    DefaultInterval,
			MinInterval: DefaultMinInterval,
			MaxInterval: DefaultMaxInterval,
			Timeout:     DefaultTimeout,
			Concurrency: DefaultConcurrency,
			PerHost:     DefaultPerHost,
			MaxBodySize: DefaultMaxBodySize,

			Fulltext:        FulltextAuto,
			FulltextTimeout: DefaultFulltextTimeout,
		},
		Stories:  Stories{Window: DefaultStoryWindow, AlsoReported: DefaultAlsoReported},
		Store:    Store{Driver: "sqlite", Path: DefaultStorePath},
		History:  History{Keep: DefaultHistoryKeep},
		Log:      Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
		Entities: map[string][]string{},
		Discord:  Discord{API: DefaultDiscordAPI},
		Telegram: Telegram{API: DefaultTelegramAPI},
		Limits: Limits{
			QueryLength:          DefaultQueryLength,
			SubscriptionsPerChat: DefaultSubscriptionsPerChat,
			CommandsPerMinute:    DefaultCommandsPerMinute,
		},
	}
}

// ResolvePath picks the config file as PRODUCT.md orders it: the --config
// flag when given, else $NEWSHOUND_CONFIG when set, else ./config.yaml. An
// explicit choice wins over a file that happens to lie in the working
// directory (in the image, a config.yaml in the data volume must not
// silently replace the one $NEWSHOUND_CONFIG names).
func ResolvePath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("NEWSHOUND_CONFIG"); env != "" {
		return env
	}
	return "config.yaml"
}

// Load reads and parses the config file at path, with ${VAR} expanded from
// the process environment, and sets Config.Path. Relative alias_files
// entries are taken relative to the config file's directory (they usually
// ship beside it); store.path is left as written (relative to the working
// directory, like any data path given on a command line).
//
// Problems in the file come back as an ErrorList (every problem, in file
// order); the *Config is then still returned, holding what was valid, so
// tools can report more, but it must not be run with. Any other error
// (such as an unreadable file) comes with a nil Config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return loadBytes(path, data)
}

// loadBytes is Load on data already read from path.
func loadBytes(path string, data []byte) (*Config, error) {
	cfg, err := ParseEnv(data, path, os.LookupEnv)
	cfg.Path = path
	cfg.data = data
	dir := filepath.Dir(path)
	var errs ErrorList
	if err != nil {
		errs = err.(ErrorList)
	}
	for i, f := range cfg.AliasFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
			cfg.AliasFiles[i] = f
		}
		if _, serr := os.Stat(f); serr != nil {
			msg := fmt.Sprintf("alias file %s: %v", f, errors.Unwrap(serr))
			if errors.Is(serr, os.ErrNotExist) {
				msg = fmt.Sprintf("alias file %s does not exist", f)
			}
			errs = append(errs, &Error{File: path, Pos: cfg.AliasFilePos[i], Msg: msg})
		}
	}
	errs.Sort()
	return cfg, errs.Err()
}

// Parse parses config bytes, with ${VAR} expanded from the process
// environment. filename is only used in error messages. See Load for how
// errors are returned.
func Parse(data []byte, filename string) (*Config, error) {
	return ParseEnv(data, filename, os.LookupEnv)
}

// ParseEnv is Parse with the environment given by lookup (for tests and
// for callers that keep their own environment).
func ParseEnv(data []byte, filename string, lookup LookupFunc) (*Config, error) {
	d := &decoder{file: filename, lookup: lookup, lines: bytes.Split(data, []byte("\n"))}
	cfg := Default()
	cfg.file = filename
	d.document(data, cfg)
	d.validate(cfg)
	d.errs.Sort()
	cfg.warns = d.warns
	return cfg, d.errs.Err()
}
