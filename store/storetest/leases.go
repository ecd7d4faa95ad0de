package storetest

import (
	"slices"
	"testing"
	"time"
)

// leaseTests check store.Leases: one holder per name at any instant, renewal
// by the holder, takeover after expiry, release.
var leaseTests = []test{
	{"ExclusiveUntilExpiry", func(t *testing.T, e *env) {
		const ttl = 30 * time.Second
		steps := []struct {
			what   string
			holder string
			names  []string
			after  time.Duration // clock moved before the claim
			want   []string
		}{
			{"a takes free names", "a", []string{"x", "y"}, 0, []string{"x", "y"}},
			{"b gets only what a does not hold", "b", []string{"x", "y", "z"}, 0, []string{"z"}},
			{"a renews before expiry", "a", []string{"x"}, 20 * time.Second, []string{"x"}},
			{"y expired, x renewed", "b", []string{"x", "y"}, 15 * time.Second, []string{"y"}},
			{"a lost y", "a", []string{"y"}, 0, nil},
			{"x expires in turn", "b", []string{"x"}, 15 * time.Second, []string{"x"}},
		}
		for _, s := range steps {
			e.advance(s.after)
			got, err := e.s.ClaimLeases(e.ctx, s.holder, s.names, e.now(), ttl)
			e.must(s.what, err)
			slices.Sort(got)
			if !slices.Equal(got, s.want) {
				t.Errorf("%s: ClaimLeases(%s, %v) = %v, want %v", s.what, s.holder, s.names, got, s.want)
			}
		}
	}},
	{"Release", func(t *testing.T, e *env) {
		e.must("claim", func() error {
			_, err := e.s.ClaimLeases(e.ctx, "a", []string{"x", "y"}, e.now(), time.Hour)
			return err
		}())
		// b's release of a's lease must not free it.
		e.must("release by b", e.s.ReleaseLeases(e.ctx, "b", []string{"x"}))
		e.must("release by a", e.s.ReleaseLeases(e.ctx, "a", []string{"y"}))
		got, err := e.s.ClaimLeases(e.ctx, "b", []string{"x", "y"}, e.now(), time.Hour)
		e.must("claim by b", err)
		if !slices.Equal(got, []string{"y"}) {
			t.Errorf("after a released y: b claimed %v, want [y]", got)
		}
	}},
	{"Empty", func(t *testing.T, e *env) {
		got, err := e.s.ClaimLeases(e.ctx, "a", nil, e.now(), time.Minute)
		e.must("claim none", err)
		if len(got) != 0 {
			t.Errorf("ClaimLeases(no names) = %v", got)
		}
	}},
}
