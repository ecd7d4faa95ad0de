package stories

import "strings"

// Direction classes of headline verbs. Two reports whose titles move a
// figure or a fate in opposite directions ("raises rates" / "holds rates",
// "shares hit record" / "shares fall", "wins" / "loses", "passes the law" /
// "vetoes it", "detained" / "released") are different events however many
// other words they share.
const (
	dirUp uint16 = 1 << iota
	dirDown
	dirHold
	dirWin
	dirLose
	dirEnact   // passed, approved, imposed, introduced
	dirUndo    // vetoed, rejected, lifted, cancelled, annulled
	dirOpen    // opened, resumed
	dirClose   // closed, halted, suspended
	dirArrest  // detained, arrested
	dirRelease // released, freed
)

// opposites are the pairs of classes that contradict each other.
var opposites = [][2]uint16{
	{dirUp, dirDown}, {dirUp, dirHold}, {dirDown, dirHold},
	{dirWin, dirLose}, {dirEnact, dirUndo}, {dirOpen, dirClose}, {dirArrest, dirRelease},
}

// directions maps stems (as extract gives them, synonyms applied) to their
// classes. The table lists words as written; their stems are worked out
// here, so that an entry cannot miss by a letter.
var directions = func() map[uint32]uint16 {
	m := map[uint32]uint16{}
	for class, words := range map[uint16]string{
		dirUp: `rise rises rose risen raise raises raised hike hikes hiked jump jumps jumped surge surges surged soar soars soared
			gain gains gained climb climbs climbed record increase increases increased boost boosts boosted tops beat beats
			повысил повысила подняла поднял вырос выросла выросли подорожал підвищив підвищила зросла зріс`,
		dirDown: `fall falls fell drop drops dropped cut cuts lower lowers lowered slump slumps slumped plunge plunges plunged
			slip slips slipped decline declines declined sink sinks sank reduce reduces reduced slide slides slid miss misses missed
			снизил снизила упал упала понизил подешевел знизив знизила впала`,
		dirHold: `hold holds held keep keeps kept unchanged steady pause pauses paused сохранил сохранила оставил оставила зберіг залишив`,
		dirWin:  `win wins won victory победил победила выиграл виграв перемога`,
		dirLose: `lose loses lost defeat defeated проиграл поражение програв поразка`,
		dirEnact: `pass passes passed approve approves approved adopt adopts adopted ratify ratifies ratified impose imposes imposed
			introduce introduces introduced enact enacts enacted upholds upheld принял приняла одобрил одобрила ввел ввела ввело ухвалив ухвалила схвалив запровадив запровадила ввело`,
		dirUndo: `veto vetoes vetoed reject rejects rejected overturn overturns overturned lift lifts lifted cancel cancels cancelled canceled
			scrap scraps scrapped annul annuls annulled repeal repeals repealed revoke revokes revoked
			отклонил отклонила ветировал отменил отменила снял сняла заветував відхилив відхилила скасував скасувала скасувало`,
		dirOpen:    `open opens opened reopen reopens reopened resume resumes resumed открыл открыла відкрив відкрила`,
		dirClose:   `close closes closed halt halts halted suspend suspends suspended закрыл закрыла закрил закрила`,
		dirArrest:  `arrest arrests arrested detain detains detained задержал задержали задержан затримали затримав`,
		dirRelease: `release releases released free frees freed освободил освободили освобожден звільнив звільнили`,
	} {
		for _, w := range strings.Fields(words) {
			f := fold(w)
			if to, ok := synonyms[f]; ok {
				f = to
			}
			m[hashToken(stem(f))] |= class
		}
	}
	return m
}()

// titleDirections returns the direction classes of the title tokens of fs.
func titleDirections(fs features) uint16 {
	var d uint16
	for i, t := range fs.toks {
		if fs.flags[i]&flagTitle != 0 {
			d |= directions[t]
		}
	}
	return d
}

// contradict reports whether two titles' direction classes oppose: one has
// a class the other has the opposite of, and not the other way round too
// (a title that says both is no evidence).
func contradict(da, db uint16) bool {
	for _, o := range opposites {
		x, y := o[0], o[1]
		if (da&x != 0 && da&y == 0 && db&y != 0 && db&x == 0) || (da&y != 0 && da&x == 0 && db&x != 0 && db&y == 0) {
			return true
		}
	}
	return false
}
