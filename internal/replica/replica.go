// Package replica holds what lets several daemons share one store: a name
// for each replica and leadership of a connection only one of them may
// hold (Telegram's getUpdates, the Discord gateway), built on the store's
// leases (store.Leases).
//
// Why not github.com/riverqueue/river: it is a job queue with its own
// tables, migrations and leader election, and PostgreSQL only. Newshound's
// outbox already is a durable queue with its own ordering and rate-limit
// rules, SQLite must keep working without it, and the one thing needed
// from such a library here — a lease row with an expiry — is a dozen lines
// of SQL in each backend that the conformance suite checks.
package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/newshound/newshound/notify"
)

// NewHolder returns a name for this replica that no other process shares:
// the host name and process id for whoever reads the leases table, and
// random bits so that a restarted process with a reused pid is not taken
// for its predecessor (whose leases must expire, not be inherited).
func NewHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// LeaderLease is the lease of the connection named name ("telegram", "discord").
func LeaderLease(name string) string { return "leader:" + name }

// DefaultTTL is how long leadership lasts without renewal. A leader renews
// every TTL/3 and a follower tries every TTL/3, so a dead leader is
// replaced within TTL + TTL/3 = 20 s, inside the 30 s failover promised.
const DefaultTTL = 15 * time.Second

// Options configures Lead.
type Options struct {
	Leases notify.Leaser
	Holder string
	// TTL is how long a claim lasts; default DefaultTTL.
	TTL    time.Duration
	Logger *slog.Logger
	// Now and After are the clock, as in notify.DispatcherOptions; default
	// the real one. Tests pass a fake one to fail a leader over without
	// waiting.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Lead runs fn while this replica holds the lease of name, until ctx ends:
// it tries to take the lease every TTL/3, runs fn once it holds it, renews
// it every TTL/3 and cancels fn's context as soon as a renewal fails or
// finds the lease taken (a network cut longer than the TTL), waiting for
// fn to return before trying again, so that two replicas never run fn at
// once under a shared clock. On a clean shutdown the lease is released,
// so a follower takes over at its next try.
func Lead(ctx context.Context, name string, o Options, fn func(ctx context.Context) error) error {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	lease := []string{LeaderLease(name)}
	every := o.TTL / 3
	claim := func() bool {
		// A claim stuck on a cut network must not outlast the lease: by
		// then another replica may lead.
		cctx, cancel := context.WithTimeout(ctx, every)
		defer cancel()
		held, err := o.Leases.ClaimLeases(cctx, o.Holder, lease, o.Now(), o.TTL)
		if err != nil && ctx.Err() == nil {
			o.Logger.Warn("leadership claim failed", "of", name, "err", err)
		}
		return err == nil && len(held) == 1
	}
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-o.After(every):
			return true
		}
	}
	for ctx.Err() == nil {
		if !claim() {
			if !wait() {
				break
			}
			continue
		}
		o.Logger.Info("leading", "of", name, "holder", o.Holder)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- fn(runCtx) }()
		lost := false
	hold:
		for {
			select {
			case err := <-done:
				if err != nil && ctx.Err() == nil {
					o.Logger.Error("leader stopped on an error; trying again", "of", name, "err", err)
				}
				break hold
			case <-ctx.Done():
				<-done
				break hold
			case <-o.After(every):
				if !claim() {
					lost = true
					stop()
					<-done
					break hold
				}
			}
		}
		stop()
		if lost {
			o.Logger.Warn("leadership lost", "of", name)
		} else {
			o.Leases.ReleaseLeases(context.WithoutCancel(ctx), o.Holder, lease) //nolint:errcheck // it expires anyway
		}
		if ctx.Err() == nil && !wait() {
			break
		}
	}
	return nil
}
