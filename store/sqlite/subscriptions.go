package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newshound/newshound/model"
)

// subIDEncoding spells subscription ids: lower case, no padding, no 0/1/8/9
// to confuse with letters.
var subIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// subIDLen is the length of a subscription id (30 random bits).
const subIDLen = 6

// newSubID returns a fresh random subscription id.
func newSubID() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: random subscription id: %w", err)
	}
	return subIDEncoding.EncodeToString(b[:])[:subIDLen], nil
}

// AddSubscription stores s for s.Chat and returns it with its assigned ID
// (and CreatedAt, if it was zero). Exactly one of s.Watch and s.Query must be
// set. When the chat already holds that watch or query, it returns the
// existing subscription and an error wrapping model.ErrSubscriptionExists.
func (db *DB) AddSubscription(ctx context.Context, s model.Subscription) (model.Subscription, error) {
	s.Chat = model.Destination(strings.TrimSpace(string(s.Chat)))
	s.Watch = strings.TrimSpace(s.Watch)
	s.Query = strings.TrimSpace(s.Query)
	if s.Chat == "" {
		return model.Subscription{}, errors.New("store: add subscription: empty chat")
	}
	if (s.Watch == "") == (s.Query == "") {
		return model.Subscription{}, fmt.Errorf("store: add subscription for %s: exactly one of watch and query must be set", s.Chat)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	s.CreatedAt = s.CreatedAt.Truncate(time.Millisecond)

	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("store: add subscription for %s: begin: %w", s.Chat, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	// The writer pool is the only writer, so checking then inserting inside
	// one transaction cannot race another insert.
	row := tx.QueryRowContext(ctx, `SELECT id, chat, watch, query, created_by, created_at
		FROM subscriptions WHERE chat = ? AND watch = ? AND query = ?`, s.Chat, s.Watch, s.Query)
	if old, err := scanSubscription(row); err == nil {
		return old, fmt.Errorf("store: add subscription for %s: %w (id %s)", s.Chat, model.ErrSubscriptionExists, old.ID)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return model.Subscription{}, fmt.Errorf("store: add subscription for %s: look up duplicate: %w", s.Chat, err)
	}

	for attempt := 0; ; attempt++ {
		id, err := newSubID()
		if err != nil {
			return model.Subscription{}, err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM subscriptions WHERE id = ?`, id).Scan(&taken); err != nil {
			return model.Subscription{}, fmt.Errorf("store: add subscription for %s: check id: %w", s.Chat, err)
		}
		if taken == 0 {
			s.ID = id
			break
		}
		if attempt >= 10 {
			return model.Subscription{}, fmt.Errorf("store: add subscription for %s: no free id after %d attempts", s.Chat, attempt+1)
		}
	}

	if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (id, chat, watch, query, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.Chat, s.Watch, s.Query, s.CreatedBy, ms(s.CreatedAt)); err != nil {
		return model.Subscription{}, fmt.Errorf("store: add subscription for %s: insert: %w", s.Chat, err)
	}
	if err := tx.Commit(); err != nil {
		return model.Subscription{}, fmt.Errorf("store: add subscription for %s: commit: %w", s.Chat, err)
	}
	return s, nil
}

// RemoveSubscription removes the chat's subscription whose id is idOrWatch
// (ids are case-insensitive); failing that, the one to the config watch of
// that name; failing that, the one whose ad-hoc query is exactly idOrWatch.
// It returns how many subscriptions it removed (0 when none matched).
func (db *DB) RemoveSubscription(ctx context.Context, chat model.Destination, idOrWatch string) (int, error) {
	key := strings.TrimSpace(idOrWatch)
	if key == "" {
		return 0, nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: remove subscription %q from %s: begin: %w", key, chat, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	steps := []struct {
		where string
		arg   string
	}{
		{"id = ?", strings.ToLower(key)},
		{"watch = ? AND watch <> ''", key},
		{"query = ? AND query <> ''", key},
	}
	removed := 0
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE chat = ? AND `+st.where, chat, st.arg)
		if err != nil {
			return 0, fmt.Errorf("store: remove subscription %q from %s: %w", key, chat, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: remove subscription %q from %s: rows affected: %w", key, chat, err)
		}
		if n > 0 {
			removed = int(n)
			break
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: remove subscription %q from %s: commit: %w", key, chat, err)
	}
	return removed, nil
}

// Subscriptions returns the subscriptions of chat, oldest first, or of every
// chat when chat is "" (ordered by chat, then age) — what the engine routes
// alerts with.
func (db *DB) Subscriptions(ctx context.Context, chat model.Destination) ([]model.Subscription, error) {
	const cols = `SELECT id, chat, watch, query, created_by, created_at FROM subscriptions`
	var (
		rows *sql.Rows
		err  error
	)
	if chat == "" {
		rows, err = db.r.QueryContext(ctx, cols+` ORDER BY chat, created_at, id`)
	} else {
		rows, err = db.r.QueryContext(ctx, cols+` WHERE chat = ? ORDER BY created_at, id`, chat)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions of %q: %w", chat, err)
	}
	defer rows.Close()
	var out []model.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list subscriptions of %q: %w", chat, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscriptions of %q: %w", chat, err)
	}
	return out, nil
}

// MoveChat moves every subscription of chat from to chat to (a Telegram
// group upgraded to a supergroup). Subscriptions that to already holds are
// dropped from from rather than duplicated. Moving a chat onto itself is a no-op.
func (db *DB) MoveChat(ctx context.Context, from, to model.Destination) error {
	if from == to {
		return nil
	}
	if from == "" || to == "" {
		return fmt.Errorf("store: move chat %q to %q: empty chat", from, to)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: move chat %s to %s: begin: %w", from, to, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `DELETE FROM subscriptions AS s WHERE s.chat = ? AND EXISTS (
			SELECT 1 FROM subscriptions AS t WHERE t.chat = ? AND t.watch = s.watch AND t.query = s.query)`,
		from, to); err != nil {
		return fmt.Errorf("store: move chat %s to %s: drop duplicates: %w", from, to, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET chat = ? WHERE chat = ?`, to, from); err != nil {
		return fmt.Errorf("store: move chat %s to %s: %w", from, to, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: move chat %s to %s: commit: %w", from, to, err)
	}
	return nil
}

// AddChatFeed stores a feed added from chat. AddedAt defaults to now. A URL
// that is already a chat feed gives an error wrapping model.ErrChatFeedExists.
func (db *DB) AddChatFeed(ctx context.Context, f model.ChatFeed) error {
	f.URL = strings.TrimSpace(f.URL)
	if f.URL == "" {
		return errors.New("store: add chat feed: empty URL")
	}
	if f.AddedAt.IsZero() {
		f.AddedAt = db.now()
	}
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	tagJSON, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("store: add chat feed %s: encode tags: %w", f.URL, err)
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO chat_feeds (url, tags, added_by, added_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (url) DO NOTHING`, f.URL, string(tagJSON), f.AddedBy, ms(f.AddedAt))
	if err != nil {
		return fmt.Errorf("store: add chat feed %s: %w", f.URL, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: add chat feed %s: rows affected: %w", f.URL, err)
	}
	if n == 0 {
		return fmt.Errorf("store: add chat feed %s: %w", f.URL, model.ErrChatFeedExists)
	}
	return nil
}

// RemoveChatFeed removes a chat-added feed and reports whether it existed.
func (db *DB) RemoveChatFeed(ctx context.Context, url string) (bool, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM chat_feeds WHERE url = ?`, strings.TrimSpace(url))
	if err != nil {
		return false, fmt.Errorf("store: remove chat feed %s: %w", url, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: remove chat feed %s: rows affected: %w", url, err)
	}
	return n > 0, nil
}

// ChatFeeds returns every chat-added feed, oldest first.
func (db *DB) ChatFeeds(ctx context.Context) ([]model.ChatFeed, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT url, tags, added_by, added_at FROM chat_feeds ORDER BY added_at, url`)
	if err != nil {
		return nil, fmt.Errorf("store: list chat feeds: %w", err)
	}
	defer rows.Close()
	var out []model.ChatFeed
	for rows.Next() {
		var (
			f       model.ChatFeed
			tagJSON string
			at      int64
		)
		if err := rows.Scan(&f.URL, &tagJSON, &f.AddedBy, &at); err != nil {
			return nil, fmt.Errorf("store: list chat feeds: %w", err)
		}
		if err := json.Unmarshal([]byte(tagJSON), &f.Tags); err != nil {
			return nil, fmt.Errorf("store: list chat feeds: tags of %s: %w", f.URL, err)
		}
		f.AddedAt = fromMS(at)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list chat feeds: %w", err)
	}
	return out, nil
}

// subScanner is what *sql.Row and *sql.Rows have in common.
type subScanner interface {
	Scan(dest ...any) error
}

func scanSubscription(r subScanner) (model.Subscription, error) {
	var (
		s  model.Subscription
		at int64
	)
	if err := r.Scan(&s.ID, &s.Chat, &s.Watch, &s.Query, &s.CreatedBy, &at); err != nil {
		return model.Subscription{}, err
	}
	s.CreatedAt = fromMS(at)
	return s, nil
}
