package matcher

import "strings"

// commonWordList holds everyday English words (and chemical elements,
// animals, products) that some threat-actor aliases also use. A one-word
// alias found here, or an alias made only of such words, matches only as
// written ("Lead" the group, not "lead" the metal; "Cozy Bear", not "cozy
// bear"). Folded, space separated.
const commonWordList = `
a an the of in on at to for and or by with from as is it its be are was were this that these those
new old big small great little high low top first last next best good bad black white red blue green
yellow brown gray grey pink purple orange golden silver dark light bright night day midnight morning
evening winter summer spring autumn fall cold hot warm cool dry wet wild free open secret hidden silent
quiet loud fast slow strong weak hard soft heavy deep long short real true false fancy cozy cosy magic
static lucky happy angry brave calm proud royal noble holy evil saint rough smooth sharp sweet bitter
sour crazy curious famous nervous primitive energetic berserk venomous gossamer bleeding crouching
dropping double triple single iron steel stone gold copper tin lead zinc nickel cobalt mercury silicon
carbon oxygen helium sodium calcium potassium boron radium platinum chromium gallium iridium bismuth
bromine krypton manganese scandium plutonium europium holmium thallium titanium uranium neon argon
sulfur sulphur phosphorus magnesium aluminum aluminium lithium cesium barium strontium tungsten
bear bears cat cats dog dogs fox wolf lion tiger panda kitten spider fly flea tick bee wasp ant moth
snake viper cobra python eagle hawk falcon owl crow raven sparrow swan duck goose hound horse pony
mouse rat bat shark whale fish dolphin seal otter beetle cricket cicada dragonfly butterfly firefly
scorpion leopard jaguar panther jackal hyena buffalo elephant rhino yeti dragon phoenix unicorn
monkey gorilla ape bug worm crab lobster squid octopus frog toad turtle tortoise lizard gecko chameleon
kitty bunny puppy deer elk moose goat sheep lamb cow bull ox pig boar hen chicken parrot penguin
sea ocean lake river bay island islands mountain hill valley desert forest jungle field garden park
sky sun moon star stars cloud clouds rain storm snow ice fire flame smoke ash dust sand rock wind
thunder lightning blizzard typhoon hurricane tornado tempest cyclone sandstorm sleet hail frost fog
mist wave waves tide ocean earth world land stone water ghost shadow spirit angel demon devil saint
king queen prince princess duke dukes lord knight bishop soldier army navy guard guardians warrior
team group crew gang club band party unit family people person man men woman women child children
house home castle tower wall gate door window bridge road street city town village country nation
state government office bank school church court market shop store hall room
peace war battle fight attack defense defence power energy force law order rule crime justice truth
comment comments report reports news story stories post mail letter message page book paper note
play game games player match sport sports ball goal win loss score
apple orange lemon lime cherry peach plum grape berry mango banana coconut pepper onion garlic
tea coffee wine beer bread cake candy sugar salt honey milk
red eyes eye hand hands head heart face foot feet arm leg back blood bone skin hair
one two three four five six seven eight nine ten hundred thousand million billion
silence reaper equation mirage leviathan patchwork sidewinder armageddon monsoon buckeye
stonefly springtail blackfly budworm palmerworm waterbug chafer elfin turbine snake venom hive
cuba conti royal play dune mask machete scimitar trident strider summit superman watchdog wildcard
amoeba antlion axiom basin blackjack cardinal castle cleaver dogfish longhorn moonlight nitro
packrat pickaxe pioneer polaris popeye pupa rancor scarab siesta swallowtail vermin alibaba lexus
kairos indra nazar
void laundry ember cadet seashell aqua forest gothic keyhole stone granite dynamite emissary linen
violet judgment kryptonite wicked brass earth vanguard silk murky charcoal alloy override canvas
refined peach helix hazel mint newscaster mango pink cotton imperial crimson rattlesnake razor
quilted mythic fallout extreme skeleton giant grim periwinkle manatee octo roasted scatter muddled
slippy bitwise pinchy punk howling fiddling ignoble vanilla circuit radio numbered calc deputy aurora
tailgater storm remix lemon agonizing marigold predatory transparent tribe desert whisper operator
ethereal insidious stately stardust sapphire labyrinth diamond emerald banshee velvet onyx jumpy
sparkling jasper ricochet comment candor gathering solar halo stellar particle cloaked fighting
frozen pensive trident yellow ajax security hound illusion magic
`

// commonWordSet returns the common words as a set.
func commonWordSet() map[string]bool {
	ws := strings.Fields(commonWordList)
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
