package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Delivery is how one destination wants its alerts: as they come, in one
// digest a day, and with or without quiet hours. The zero value (both off)
// is "as they come".
type Delivery struct {
	Destination Destination
	// Digest, when On, replaces single alerts with one digest a day.
	Digest DigestTime
	// Quiet, when On, holds (or silences) alerts for a daily window.
	Quiet QuietHours

	// DigestNext is when the next digest is due, zero when digests are off.
	// While it is set the store holds the destination's story alerts.
	DigestNext time.Time
	// QuietFrom and QuietUntil bound the quiet window in force or the next
	// one, zero when quiet hours are off. Stored as instants so that the
	// store can decide "hold this alert" without knowing time zones.
	QuietFrom, QuietUntil time.Time

	// DigestChosen and QuietChosen record that the chat itself chose its
	// digest or quiet hours (/digest, /quiet, on or off): a chat's choice
	// beats the config's default for the destination, and an explicit
	// "off" must survive a reload that would otherwise bring the default back.
	DigestChosen, QuietChosen bool
}

// Off reports whether d asks for nothing special.
func (d Delivery) Off() bool { return !d.Digest.On && !d.Quiet.On }

// Blank reports whether d asks for nothing and records no choice either:
// the store keeps no row for it.
func (d Delivery) Blank() bool { return d.Off() && !d.DigestChosen && !d.QuietChosen }

// WithDigest returns d with its digest set to t and only the digest's
// schedule recomputed for now: a quiet window in force stays as it is.
func (d Delivery) WithDigest(t DigestTime, now time.Time) Delivery {
	d.Digest, d.DigestNext = t, time.Time{}
	if t.On {
		d.DigestNext = t.Next(now)
	}
	return d
}

// WithQuiet returns d with its quiet hours set to q and only the quiet
// window recomputed for now: a digest already due stays due.
func (d Delivery) WithQuiet(q QuietHours, now time.Time) Delivery {
	d.Quiet, d.QuietFrom, d.QuietUntil = q, time.Time{}, time.Time{}
	if q.On {
		d.QuietFrom, d.QuietUntil = q.Window(now)
	}
	return d
}

// Schedule returns d with DigestNext, QuietFrom and QuietUntil computed
// for the time now: the first digest after now, the quiet window that
// contains now or else the next one.
func (d Delivery) Schedule(now time.Time) Delivery {
	d.DigestNext, d.QuietFrom, d.QuietUntil = time.Time{}, time.Time{}, time.Time{}
	if d.Digest.On {
		d.DigestNext = d.Digest.Next(now)
	}
	if d.Quiet.On {
		d.QuietFrom, d.QuietUntil = d.Quiet.Window(now)
	}
	return d
}

// Holding reports whether story alerts queued at now are held for a
// digest: digests are on, or now is inside a quiet window in hold mode.
func (d Delivery) Holding(now time.Time) bool {
	return !d.DigestNext.IsZero() || d.QuietActive(now) && !d.Quiet.Silent
}

// QuietActive reports whether now falls in the stored quiet window.
func (d Delivery) QuietActive(now time.Time) bool {
	return !d.QuietFrom.IsZero() && !now.Before(d.QuietFrom) && now.Before(d.QuietUntil)
}

// DigestTime is a time of day in an IANA zone ("08:00 Europe/Kyiv").
type DigestTime struct {
	On bool
	// Minute is minutes after local midnight, 0 to 1439.
	Minute int
	// Zone is an IANA name; "" is UTC.
	Zone string
}

// String gives the form ParseDigest reads ("08:00 Europe/Kyiv", "off").
func (t DigestTime) String() string {
	if !t.On {
		return "off"
	}
	return withZone(fmtMinute(t.Minute), t.Zone)
}

// Next returns the first instant strictly after after when the local clock
// in t's zone reads t's time. On a spring-forward day a time in the gap
// (03:30 when clocks jump from 03:00 to 04:00) falls on the first instant
// after it (04:30, as time.Date normalises); on a fall-back day a time
// that occurs twice is taken once (whichever time.Date picks), so there is
// exactly one digest per local day either way: a day whose local clock
// already passed t's time at after gets none.
func (t DigestTime) Next(after time.Time) time.Time {
	loc := location(t.Zone)
	l := after.In(loc)
	passed := l.Hour()*60+l.Minute() >= t.Minute
	for day := 0; day < 3; day++ {
		if day == 0 && passed {
			continue
		}
		c := time.Date(l.Year(), l.Month(), l.Day()+day, t.Minute/60, t.Minute%60, 0, 0, loc)
		if c.After(after) {
			return c
		}
	}
	return after.Add(24 * time.Hour) // unreachable: a local day is never 48 hours long
}

// QuietHours is a daily window ("22:00-07:00 Europe/Kyiv"); an End before
// Start crosses midnight.
type QuietHours struct {
	On         bool
	Start, End int // minutes after local midnight
	Zone       string
	// Silent delivers during the window without a notification sound
	// instead of holding alerts for a digest at its end.
	Silent bool
}

// String gives the form ParseQuiet reads, with " silent" in silent mode.
func (q QuietHours) String() string {
	if !q.On {
		return "off"
	}
	s := withZone(fmtMinute(q.Start)+"-"+fmtMinute(q.End), q.Zone)
	if q.Silent {
		s += " silent"
	}
	return s
}

// Window returns the window that contains at, or else the next one.
func (q QuietHours) Window(at time.Time) (from, until time.Time) {
	loc := location(q.Zone)
	l := at.In(loc)
	for day := -1; day < 3; day++ {
		from = time.Date(l.Year(), l.Month(), l.Day()+day, q.Start/60, q.Start%60, 0, 0, loc)
		endDay := l.Day() + day
		if q.End <= q.Start {
			endDay++
		}
		until = time.Date(l.Year(), l.Month(), endDay, q.End/60, q.End%60, 0, 0, loc)
		if until.After(at) && until.After(from) {
			return from, until
		}
	}
	return time.Time{}, time.Time{}
}

// ParseDigest reads "HH:MM [ZONE]" or "off".
func ParseDigest(s string) (DigestTime, error) {
	f := strings.Fields(s)
	if len(f) == 1 && strings.EqualFold(f[0], "off") {
		return DigestTime{}, nil
	}
	if len(f) == 0 || len(f) > 2 {
		return DigestTime{}, errors.New("want HH:MM with an optional IANA time zone, like 08:00 Europe/Kyiv, or off")
	}
	m, err := parseMinute(f[0])
	if err != nil {
		return DigestTime{}, err
	}
	t := DigestTime{On: true, Minute: m}
	if len(f) == 2 {
		if t.Zone, err = checkZone(f[1]); err != nil {
			return DigestTime{}, err
		}
	}
	return t, nil
}

// ParseQuiet reads "HH:MM-HH:MM [ZONE] [hold|silent]" or "off".
func ParseQuiet(s string) (QuietHours, error) {
	f := strings.Fields(s)
	if len(f) == 1 && strings.EqualFold(f[0], "off") {
		return QuietHours{}, nil
	}
	if n := len(f); n > 0 {
		switch strings.ToLower(f[n-1]) {
		case "silent", "hold":
			mode := strings.ToLower(f[n-1])
			q, err := ParseQuiet(strings.Join(f[:n-1], " "))
			if err == nil && !q.On {
				err = errors.New("quiet hours that are off have no mode")
			}
			q.Silent = mode == "silent"
			return q, err
		}
	}
	if len(f) == 0 || len(f) > 2 {
		return QuietHours{}, errors.New("want HH:MM-HH:MM with an optional IANA time zone, like 22:00-07:00 Europe/Kyiv, or off")
	}
	a, b, ok := strings.Cut(f[0], "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q is not a window like 22:00-07:00", f[0])
	}
	start, err := parseMinute(a)
	if err != nil {
		return QuietHours{}, err
	}
	end, err := parseMinute(b)
	if err != nil {
		return QuietHours{}, err
	}
	if start == end {
		return QuietHours{}, errors.New("a quiet window must not start and end at the same time")
	}
	q := QuietHours{On: true, Start: start, End: end}
	if len(f) == 2 {
		if q.Zone, err = checkZone(f[1]); err != nil {
			return QuietHours{}, err
		}
	}
	return q, nil
}

func parseMinute(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) == 0 || len(h) > 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day like 08:00", s)
	}
	return hh*60 + mm, nil
}

func checkZone(z string) (string, error) {
	if strings.EqualFold(z, "UTC") {
		return "", nil
	}
	if _, err := time.LoadLocation(z); err != nil || z == "Local" {
		return "", fmt.Errorf("%q is not an IANA time zone like Europe/Kyiv", z)
	}
	return z, nil
}

// location returns the zone called name; UTC for "" or a name the zone
// database no longer knows (parsing checked it; a later tzdata could drop it).
func location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

func fmtMinute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func withZone(s, zone string) string {
	if zone == "" {
		return s + " UTC"
	}
	return s + " " + zone
}

// WatchMute is one watch muted at one destination until a time (the
// "Mute this watch 24 h" button): alerts that only that watch raised are
// dropped meanwhile.
type WatchMute struct {
	Destination Destination
	Watch       string
	Until       time.Time
}

// DigestGroup is one watch's stories in a digest, newest first.
type DigestGroup struct {
	Watch   string
	Stories []DigestStory
}

// DigestStory is one story in a digest.
type DigestStory struct {
	Title     string
	Link      string
	Feed      string
	Published time.Time
}
