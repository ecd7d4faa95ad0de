// Package notify delivers alerts: the Sender interface each platform
// implements, the console sink, and the dispatcher that drains the outbox.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newshound/newshound/model"
)

// Sender delivers alerts to one platform. Send returns nil on delivery, a
// *RetryAfterError when the platform asked us to wait, a *PermanentError when
// the destination is gone or refuses us, and any other error for transient
// failures worth retrying with backoff.
type Sender interface {
	Send(ctx context.Context, a model.Alert) error
}

// RetryAfterError says the platform rate-limited us: nothing more may go to
// the destination (or, if Global, to the platform) before After has passed.
type RetryAfterError struct {
	After  time.Duration
	Global bool
	Err    error
}

// Error implements error.
func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

// Unwrap returns the platform's own error.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// PermanentError says the destination will never accept this alert (bot
// blocked, chat deleted, missing access): park it and disable the destination.
type PermanentError struct {
	Err error
	// MigrateTo, when set, names the destination that replaces this one
	// (a Telegram group upgraded to a supergroup).
	MigrateTo model.Destination
}

// Error implements error.
func (e *PermanentError) Error() string {
	if e.MigrateTo != "" {
		return fmt.Sprintf("destination moved to %s: %v", e.MigrateTo, e.Err)
	}
	return "permanent failure: " + e.Err.Error()
}

// Unwrap returns the platform's own error.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is, or wraps, a *PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Rate is N events per Per.
type Rate struct {
	N   int
	Per time.Duration
}

// Paced is implemented by Senders whose platform publishes rate limits. The
// dispatcher paces each destination and the whole platform to these rates so
// that 429s are rare rather than routine. A zero Rate means no limit.
type Paced interface {
	Limits(dest model.Destination) (perDest, platform Rate)
}
