package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/newshound/newshound/model"
)

// subIDEncoding spells subscription ids as store/sqlite does: lower case,
// no padding, no 0/1/8/9 to confuse with letters.
var subIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// subIDLen is the length of a subscription id (30 random bits).
const subIDLen = 6

func newSubID() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: random subscription id: %w", err)
	}
	return subIDEncoding.EncodeToString(b[:])[:subIDLen], nil
}

const subColumns = `id, chat, watch, query, created_by, created_at`

func scanSubscription(r pgx.Row) (model.Subscription, error) {
	var (
		s    model.Subscription
		chat string
		at   int64
	)
	if err := r.Scan(&s.ID, &chat, &s.Watch, &s.Query, &s.CreatedBy, &at); err != nil {
		return model.Subscription{}, err
	}
	s.Chat, s.CreatedAt = model.Destination(chat), fromMS(at)
	return s, nil
}

// AddSubscription stores s for s.Chat and returns it with its assigned ID
// (and CreatedAt, if it was zero). Two replicas adding the same watch for
// one chat at once cannot both win: the insert relies on the unique
// indexes (ON CONFLICT DO NOTHING), not on a check before it.
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
	for attempt := 0; attempt < 10; attempt++ {
		id, err := newSubID()
		if err != nil {
			return model.Subscription{}, err
		}
		tag, err := db.pool.Exec(ctx, `INSERT INTO subscriptions (`+subColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT DO NOTHING`, id, string(s.Chat), s.Watch, s.Query, s.CreatedBy, ms(s.CreatedAt))
		if err != nil {
			return model.Subscription{}, db.wrap(fmt.Errorf("store: add subscription for %s: insert: %w", s.Chat, err))
		}
		if tag.RowsAffected() == 1 {
			s.ID = id
			return s, nil
		}
		// Either the chat holds it already, or the random id was taken.
		old, err := scanSubscription(db.pool.QueryRow(ctx, `SELECT `+subColumns+` FROM subscriptions
			WHERE chat = $1 AND watch = $2 AND query = $3`, string(s.Chat), s.Watch, s.Query))
		if err == nil {
			return old, fmt.Errorf("store: add subscription for %s: %w (id %s)", s.Chat, model.ErrSubscriptionExists, old.ID)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return model.Subscription{}, db.wrap(fmt.Errorf("store: add subscription for %s: look up duplicate: %w", s.Chat, err))
		}
	}
	return model.Subscription{}, fmt.Errorf("store: add subscription for %s: no free id after 10 attempts", s.Chat)
}

// RemoveSubscription removes the chat's subscription whose id is idOrWatch
// (any case); failing that, the one to the watch of that name; failing
// that, the one whose query is exactly idOrWatch. Returns how many.
func (db *DB) RemoveSubscription(ctx context.Context, chat model.Destination, idOrWatch string) (int, error) {
	key := strings.TrimSpace(idOrWatch)
	if key == "" {
		return 0, nil
	}
	removed := 0
	err := db.tx(ctx, func(tx pgx.Tx) error {
		for _, st := range []struct{ where, arg string }{
			{"id = $2", strings.ToLower(key)},
			{"watch = $2 AND watch <> ''", key},
			{"query = $2 AND query <> ''", key},
		} {
			tag, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE chat = $1 AND `+st.where, string(chat), st.arg)
			if err != nil {
				return err
			}
			if n := tag.RowsAffected(); n > 0 {
				removed = int(n)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return 0, db.wrap(fmt.Errorf("store: remove subscription %q from %s: %w", key, chat, err))
	}
	return removed, nil
}

// Subscriptions returns the subscriptions of chat, oldest first, or of
// every chat when chat is "" (by chat, then age).
func (db *DB) Subscriptions(ctx context.Context, chat model.Destination) ([]model.Subscription, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if chat == "" {
		rows, err = db.pool.Query(ctx, `SELECT `+subColumns+` FROM subscriptions ORDER BY chat, created_at, id`)
	} else {
		rows, err = db.pool.Query(ctx, `SELECT `+subColumns+` FROM subscriptions WHERE chat = $1 ORDER BY created_at, id`, string(chat))
	}
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list subscriptions of %q: %w", chat, err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Subscription, error) { return scanSubscription(r) })
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list subscriptions of %q: %w", chat, err))
	}
	return out, nil
}

// MoveChat moves every subscription of from to to; those to already holds
// are dropped from from rather than duplicated.
func (db *DB) MoveChat(ctx context.Context, from, to model.Destination) error {
	if from == to {
		return nil
	}
	if from == "" || to == "" {
		return fmt.Errorf("store: move chat %q to %q: empty chat", from, to)
	}
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM subscriptions AS s WHERE s.chat = $1 AND EXISTS (
			SELECT 1 FROM subscriptions AS t WHERE t.chat = $2 AND t.watch = s.watch AND t.query = s.query)`,
			string(from), string(to)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE subscriptions SET chat = $1 WHERE chat = $2`, string(to), string(from))
		return err
	})
	if err != nil {
		return db.wrap(fmt.Errorf("store: move chat %s to %s: %w", from, to, err))
	}
	return nil
}

// AddChatFeed stores a feed added from chat (AddedAt defaults to now); a
// URL that already is one gives an error wrapping model.ErrChatFeedExists.
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
	tag, err := db.pool.Exec(ctx, `INSERT INTO chat_feeds (url, tags, added_by, added_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (url) DO NOTHING`, f.URL, string(tagJSON), f.AddedBy, ms(f.AddedAt))
	if err != nil {
		return db.wrap(fmt.Errorf("store: add chat feed %s: %w", f.URL, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: add chat feed %s: %w", f.URL, model.ErrChatFeedExists)
	}
	return nil
}

// RemoveChatFeed removes a chat-added feed and reports whether it existed.
func (db *DB) RemoveChatFeed(ctx context.Context, url string) (bool, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM chat_feeds WHERE url = $1`, strings.TrimSpace(url))
	if err != nil {
		return false, db.wrap(fmt.Errorf("store: remove chat feed %s: %w", url, err))
	}
	return tag.RowsAffected() > 0, nil
}

// ChatFeeds returns every chat-added feed, oldest first.
func (db *DB) ChatFeeds(ctx context.Context) ([]model.ChatFeed, error) {
	rows, err := db.pool.Query(ctx, `SELECT url, tags, added_by, added_at FROM chat_feeds ORDER BY added_at, url`)
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list chat feeds: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.ChatFeed, error) {
		var (
			f       model.ChatFeed
			tagJSON string
			at      int64
		)
		if err := r.Scan(&f.URL, &tagJSON, &f.AddedBy, &at); err != nil {
			return f, err
		}
		if err := json.Unmarshal([]byte(tagJSON), &f.Tags); err != nil {
			return f, fmt.Errorf("tags of %s: %w", f.URL, err)
		}
		f.AddedAt = fromMS(at)
		return f, nil
	})
	if err != nil {
		return nil, db.wrap(fmt.Errorf("store: list chat feeds: %w", err))
	}
	return out, nil
}
