//go:build !unix

package matcher

import "time"

// cpuTime is unavailable here; benchmarks then report no CPU figures.
func cpuTime() time.Duration { return 0 }
