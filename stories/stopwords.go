package stories

import "strings"

// stopwords are folded words that say nothing about which event a report is
// about: function words of English, Russian and Ukrainian, and the words
// headlines use for every story ("says", "update", "video"). Sharing them
// must not count as evidence.
var stopwords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, list := range []string{
		// English function words.
		`a an the and or but nor of in on at to for from by with without into onto over under about after before
		 as is are was were be been being am has have had having do does did not no yes it its this that these those
		 there here than then so if up out off per via vs amid among against during while until since
		 he she they we you i his her their our your my him them us me who whom whose which what when where why how
		 will would can could may might must shall should also just more most less least very much many some any
		 all each every both few other such only own same too further once ever never now new
		 near across around toward towards within along despite ahead behind upon`,
		// Words of the trade that every headline may carry.
		`says said say saying tells told report reports reported reportedly according update updated updates
		 live breaking exclusive video videos photo photos watch read latest news today yesterday tomorrow week
		 day days year years first last one two three amid set get gets got make makes made take takes
		 mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday`,
		// Columns that come back every day under one title ("Business
		// briefs", "Flu Scan for Mar 27"), and the parts of a date: sharing
		// them says nothing of the event.
		`brief briefs roundup digest recap scan wrap highlights podcast newsletter quiz things morning evening
		 weekly daily headlines edition column opinion editorial letters
		 jan feb mar apr jun jul aug sep sept oct nov dec january february march april may june july august
		 september october november december am pm gmt utc est`,
		// Russian.
		`и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
		 меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
		 вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
		 будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один
		 почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после
		 над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед
		 иногда лучше чуть том нельзя такой им более всегда конечно всю между это также заявил заявила сообщил
		 сообщила сообщили сообщает стало новости видео фото`,
		// Ukrainian.
		`і й та що не на в у з із зі як а але до по за від для про при це цей ця ці той та він вона воно вони ми ви
		 ти я його її їх був була було були буде бути є чи або ж же вже ще також який яка яке які де коли тут там
		 так ні після через між під над без заявив заявила повідомив повідомила повідомили стало новини відео фото`,
	} {
		for _, w := range strings.Fields(list) {
			m[w] = struct{}{}
		}
	}
	return m
}()

// isStopword reports whether the folded word w carries no evidence.
func isStopword(w string) bool {
	_, ok := stopwords[w]
	return ok
}
