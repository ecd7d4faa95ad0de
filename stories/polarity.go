package stories

// Direction classes of headline verbs. Two reports whose titles move a
// figure or a fate in different directions ("raises rates" / "holds
// rates", "shares hit record" / "shares fall", "wins" / "loses") are
// different events however many other words they share.
const (
	dirUp uint8 = 1 << iota
	dirDown
	dirHold
	dirWin
	dirLose
	dirApprove
	dirReject
)

// directions maps stems (as stem gives them) to their class. Cyrillic
// entries are five-letter prefixes, like stem's.
var directions = func() map[uint32]uint8 {
	m := map[uint32]uint8{}
	for class, words := range map[uint8][]string{
		dirUp:   {"rise", "raise", "hike", "jump", "surge", "soar", "gain", "climb", "record", "increas", "boost", "повыс", "подня", "вырос", "вырас", "вырос", "подор", "підви", "зросл", "зріс"},
		dirDown: {"fall", "fell", "cut", "drop", "lower", "slump", "plunge", "slip", "declin", "sink", "reduc", "сниз", "упал", "пониз", "подеш", "знизи", "впала"},
		dirHold: {"hold", "keep", "kept", "unchang", "steady", "pause", "сохра", "остав", "збері", "залиш"},
		dirWin:  {"win", "won", "beat", "victory", "побед", "выигр", "перем", "виграв"},
		dirLose: {"lose", "lost", "defeat", "проиг", "поразк", "програ"},
		// A law or a deal passed, signed or backed is another event than
		// the same law vetoed, rejected or struck down.
		dirApprove: {"pass", "approv", "adopt", "ratify", "ratifi", "приня", "одобр", "ухвал", "схвал"},
		dirReject:  {"veto", "reject", "overtur", "откло", "ветир", "завет", "відхи"},
	} {
		for _, w := range words {
			m[hashToken(w)] = class
		}
	}
	return m
}()

// titleDirections returns the direction classes of the title tokens of fs.
func titleDirections(fs features) uint8 {
	var d uint8
	for i, t := range fs.toks {
		if fs.flags[i]&flagTitle != 0 {
			d |= directions[t]
		}
	}
	return d
}
