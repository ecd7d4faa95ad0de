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
about above across act add after again against age ago agree air all allow almost alone along already also
always among amount ancient anger animal answer any appear area arm around arrive art ask attempt aunt
average away baby bad bag bake balance bar bare base basic basket beach bean beat beauty bed before begin
behind bell belt bench bend beside better between beyond bike bill bird bit bite blade blank blanket blast
blind block bloom blow board boat body boil bold bolt bomb bond border born boss both bottle bottom bounce
bow bowl box boy brain branch brand bread break breath brick bride brief bring broad broken brother brush
build bullet burn burst bush busy butter button buy cabin cable call camera camp can canal candle cap captain
car card care carpet carry case cash cast catch cause cave cell center centre chain chair chalk chance change
channel chapter charge charm chase cheap check cheek chest chief chip choice circle citizen claim class clean
clear clever cliff climb clock close cloth coach coast coat code coin collar color colour column comb come
common company compass control cook copy corn corner cost cotton couch count cover crack craft crash cream
create crisis cross crowd crown cruel crush cry cup curve cut cycle damage dance danger dare data date dawn
dead deal dear death debt decide degree delay deliver depth design desk detail device dial diamond die diet
dig dinner direct dirt dish distance dive divide doctor dollar domain dot doubt down draft drag drain draw
dream dress drift drill drink drive drop drum duty eager early east easy eat edge effect egg elbow element
empire empty end enemy engine enjoy enter entry equal error escape even event ever exact example exit expert
extra fabric fact factor fade fail faint fair faith fame fan far farm fashion fat father fault fear feast
feather feel fence fever few fiber fiction figure file fill film final find fine finger finish firm fit fix
flag flash flat fleet flesh flight float flood floor flour flow flower fluid focus fold folk follow food fool
form fortune forward frame fresh friend front fruit fuel full fun fund fur future gain gallery gap gas gather
gear general gentle gift girl give glad glance glass globe glory glove glow glue go grace grade grain grand
grant grass grave gravity grease grid grip ground grow guess guest guide gulf gun habit half hall hammer hang
harbor harbour harm harvest hat hate have health hear heat heaven height hello help herd hero hide hint hit
hold hole hollow honest hook hope horn host hour huge human humor hunt hurry hurt idea image impact inch index
ink inner input insect inside iron issue item jacket jam jar jaw jewel job join joint joke journey joy judge
juice jump junior just keen keep kettle key kick kid kill kind kiss kit kitchen knee knife knock knot know
label labor lace ladder lady lamp lane language lantern large laser late laugh launch layer lazy leaf lean
learn least leather leave left lens lesson level lever liberty library lid lie life lift like limb limit line
link lip liquid list listen live load loan local lock logic lone look loop loose lose lost lot love lunch
machine mad main major make manner map marble march mark marsh master mat material matter meal mean measure
meat medal media meet melt member memory mental menu merchant mercy mere merit mess metal middle mild mile
mill mind mine minor minute mirror miss mist mix mobile model modern moment money month mood more most mother
motion motor mount mouth move mud mule murder muscle music must myth nail name narrow native nature near neat
neck need needle nerve nest net never noise none noon normal north nose notice novel now number nurse nut
object ocean odd offer oil only open opera opinion option orbit organ origin other outer output oven over own
pace pack pad pain paint pair palace palm pan panel panic parent part pass past paste patch path patient
pattern pause pay pearl pen pencil penny perfect period pet phone photo piano pick picture piece pile pilot
pin pipe pitch place plain plan plane plant plate plenty plot plug pocket poem poet point poison pole police
polish pond pool poor pop port pose post pot pound pour powder praise pray press pretty price pride print
prison prize problem profit program project proof proper public pull pulse pump punch pupil pure push puzzle
quarter quick quiet quite race rack rail raise range rank rapid rare rate raw reach read ready reason record
reed relief remote rent repair rest result return reward rhythm rice rich ride ridge rifle right ring riot
rise risk rival road roast robe robot rocket role roll roof root rope rose round route row rubber rude rug
ruin rumor run rural rush rust sack sad safe sail salad same sample sauce save saw say scale scene scheme
scope scout scrap screen screw script sea search season seat second section seed seek select self sell send
sense series serve service set settle shade shake shape share shave shelf shell shield shift shine ship shirt
shock shoe shoot shore shot shoulder shout show shower shut side sign signal simple sing sink sister site
size skate sketch ski skill skirt skull slave sleep slice slide slip slope slot smart smell smile snap soap
social sock solid solution song sort soul sound soup source south space spare speak special speed spell
spend spice spike spin spirit spit split spoon spot spray spread square stable staff stage stair stake stamp
stand start station stay steam stem step stick still sting stock stomach stop straw stream strike string
strip stroke student study stuff style subject success suit supply support sure surface surge survey swamp
swear sweat sweep swift swim swing switch sword symbol system table tail tale talent talk tank tap tape
target task taste tax teach tear teeth temple tent term test text thank theory thick thin thing thought
thread threat throat throne throw thumb ticket tide tie tight timber time tiny tip tire title toe token tone
tongue tool tooth topic torch total touch tough tour toward towel toy trace track trade traffic trail train
trap travel tray treat tree trend trial trick trip trouble truck trust try tube tune tunnel twin twist type
ugly uncle under union unit upper urban urge use usual vacuum value van vapor vast vault vehicle velvet
verse vessel victim view vine visit vital voice volume vote wage wagon wait walk want wash waste watch wax
way wealth weapon wear weather web wedding week weight well west wheel whip whisper whole wide width wife
wing wire wise wish witch witness wonder wood wool word work worry wrap wreck wrist write yard year young
youth zone
only bare name cool
groundbait lurid slingshot snowglobe wraith hoodoo voyeur grayling thrip whitefly sowbug billbug
jewelbug greenbug osmium polonium tantalum neodymium cerium terbium
void laundry ember cadet seashell aqua forest gothic keyhole stone granite dynamite emissary linen
violet judgment kryptonite wicked brass earth vanguard silk murky charcoal alloy override canvas
refined peach helix hazel mint newscaster mango pink cotton imperial crimson rattlesnake razor
quilted mythic fallout extreme skeleton giant grim periwinkle manatee octo roasted scatter muddled
slippy bitwise pinchy punk howling fiddling ignoble vanilla circuit radio numbered calc deputy aurora
tailgater storm remix lemon agonizing marigold predatory transparent tribe desert whisper operator
ethereal insidious stately stardust sapphire labyrinth diamond emerald banshee velvet onyx jumpy
sparkling jasper ricochet comment candor gathering solar halo stellar particle cloaked fighting
frozen pensive trident yellow ajax security hound illusion magic
hydrogen lithium beryllium nitrogen fluorine aluminum phosphorus chlorine potassium vanadium iron cobalt
copper arsenic selenium bromine rubidium yttrium zirconium niobium molybdenum technetium ruthenium rhodium
palladium cadmium indium tin antimony tellurium iodine xenon caesium lanthanum praseodymium promethium
samarium europium gadolinium dysprosium holmium erbium thulium ytterbium lutetium hafnium rhenium osmium
iridium gold astatine radon francium actinium thorium protactinium neptunium americium curium berkelium
californium einsteinium fermium mendelevium nobelium lawrencium rutherfordium dubnium seaborgium bohrium
hassium meitnerium darmstadtium roentgenium copernicium nihonium flerovium moscovium livermorium
tennessine oganesson electrum bronze brass pewter quartz jade onyx opal ruby topaz garnet amber obsidian
granite marble basalt graphite cinnabar pyrite malachite turquoise sapphire emerald diamond pearl coral
ivory dymalloy
sandworm leviathan kraken hydra medusa gorgon cyclops titan golem troll goblin ogre wizard witch
vampire zombie mummy lazarus equation machete rancor axiom silence inception cleaver honeybee frankenstein
sharpshooter hive everest maze snatch lynx embargo interlock phobos legion mare cuba royal play agenda
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
