package stories

import (
	"testing"

	"github.com/newshound/newshound/matcher"
)

// registryCanon is the Canon the daemon runs with: the matcher's built-in
// actor registry, as engine.openStories fills it. The measurements are
// made with it.
func registryCanon(t testing.TB) func(string) string {
	t.Helper()
	return matcher.NewRegistry().Canonical
}
