package main

// The zone database is embedded (about 450 KB) so that /digest 08:00
// Europe/Kyiv works in a scratch or distroless container without
// /usr/share/zoneinfo; time.LoadLocation prefers the system's when present.
import _ "time/tzdata"
