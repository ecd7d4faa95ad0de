package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/newshound/newshound/model"
)

// DestinationDefaults is one entry of the destinations: section: how an
// admin wants a destination's alerts delivered until its chat says
// otherwise with /digest or /quiet.
type DestinationDefaults struct {
	Destination model.Destination
	Digest      model.DigestTime
	Quiet       model.QuietHours
	// Threads is ThreadsStory for a Discord text or announcement channel
	// whose alerts each open a thread for their story; "" (threads: off)
	// for none.
	Threads string
	Pos     Pos
}

// ThreadsStory is the threads: value that opens a thread per story.
const ThreadsStory = "story"

// Delivery returns the defaults as store settings (not yet scheduled).
func (d DestinationDefaults) Delivery() model.Delivery {
	return model.Delivery{Destination: d.Destination, Digest: d.Digest, Quiet: d.Quiet}
}

// destinations decodes
//
//	destinations:
//	  "telegram:-100123": {digest: "08:00 Europe/Kyiv", quiet: "22:00-07:00", quiet_mode: hold}
//	  "discord:1122334455": {threads: story}
//
// The time strings are those of /digest and /quiet (model.ParseDigest,
// model.ParseQuiet), so that one syntax serves chat and config.
func (d *decoder) destinations(n *yaml.Node, cfg *Config) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(posOf(n), "destinations must map destinations to settings, got %s", kindName(n))
		return
	}
	for _, p := range d.pairs(n, "destinations", 0) {
		k, v := p[0], p[1]
		dest, err := model.ParseDestination(k.Value)
		if err != nil {
			d.errorf(posOf(k), "destinations: %v", err)
			continue
		}
		def := DestinationDefaults{Destination: dest, Pos: posOf(k)}
		mode, modeNode := "", (*yaml.Node)(nil)
		section := "destinations." + dest.Redacted()
		d.mapping(v, section, map[string]func(*yaml.Node){
			"digest": func(n *yaml.Node) {
				if s, ok := d.str(n, section+".digest"); ok {
					if def.Digest, err = model.ParseDigest(s); err != nil {
						d.errorf(posOf(n), "%s.digest: %v", section, err)
					}
				}
			},
			"quiet": func(n *yaml.Node) {
				if s, ok := d.str(n, section+".quiet"); ok {
					if def.Quiet, err = model.ParseQuiet(s); err != nil {
						d.errorf(posOf(n), "%s.quiet: %v", section, err)
					}
				}
			},
			"threads": func(n *yaml.Node) {
				s, ok := d.str(n, section+".threads")
				switch {
				case !ok:
				case s != ThreadsStory && s != "off":
					d.errorf(posOf(n), "%s.threads: %q is not story or off", section, s)
				case s == ThreadsStory && dest.Kind() != "discord":
					d.errorf(posOf(n), "%s.threads: only discord: channels open threads per story", section)
				case s == ThreadsStory:
					def.Threads = ThreadsStory
				}
			},
			"quiet_mode": func(n *yaml.Node) {
				modeNode = n
				if s, ok := d.str(n, section+".quiet_mode"); ok {
					mode = s
				}
			},
		})
		switch {
		case modeNode == nil:
		case mode != "hold" && mode != "silent":
			d.errorf(posOf(modeNode), "%s.quiet_mode: %q is not hold or silent", section, mode)
		case !def.Quiet.On:
			d.errorf(posOf(modeNode), "%s.quiet_mode needs quiet hours (quiet: HH:MM-HH:MM)", section)
		default:
			def.Quiet.Silent = mode == "silent"
		}
		cfg.Destinations = append(cfg.Destinations, def)
	}
}

// DefaultsFor returns the destinations: entry for dest, if there is one.
func (c *Config) DefaultsFor(dest model.Destination) (DestinationDefaults, bool) {
	for _, d := range c.Destinations {
		if d.Destination == dest {
			return d, true
		}
	}
	return DestinationDefaults{}, false
}
