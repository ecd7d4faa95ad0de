package matcher

// builtinActors is the built-in threat-actor table: one group per line,
// "Canonical name: alias | alias | ...". It names the best-known
// state-sponsored and criminal groups under the names vendors and
// governments publish for them (Microsoft's weather and element names,
// CrowdStrike's animals, Mandiant's APT/UNC numbers, Secureworks' colours,
// Palo Alto's constellations, MITRE ATT&CK ids, CERT-UA's UAC numbers).
// Where vendors disagree on overlaps the group is listed under the name
// most reports use and the closely overlapping clusters are folded in.
const builtinActors = `
APT28: Fancy Bear | Sofacy | Sednit | Pawn Storm | STRONTIUM | Forest Blizzard | Tsar Team | IRON TWILIGHT | Group 74 | TG-4127 | Fighting Ursa | BlueDelta | UAC-0028 | UAC-0001 | TA422 | SNAKEMACKEREL | FROZENLAKE | ATK5 | G0007
APT29: Cozy Bear | The Dukes | Midnight Blizzard | NOBELIUM | UNC2452 | YTTRIUM | Dark Halo | StellarParticle | SolarStorm | IRON HEMLOCK | IRON RITUAL | CozyDuke | Blue Kitsune | UNC3524 | NobleBaron | BlueBravo | Cloaked Ursa | TA421 | ITG11 | ATK7 | G0016
Sandworm: Sandworm Team | APT44 | Voodoo Bear | Seashell Blizzard | IRIDIUM | ELECTRUM | TeleBots | IRON VIKING | Quedagh | FROZENBARENTS | UAC-0082 | UAC-0113 | Blue Echidna | G0034
Turla: Snake | Venomous Bear | Uroburos | Waterbug | Secret Blizzard | KRYPTON | IRON HUNTER | Group 88 | Pensive Ursa | WhiteBear | ATK13 | G0010
Gamaredon: Gamaredon Group | Primitive Bear | Shuckworm | Armageddon | Aqua Blizzard | ACTINIUM | UAC-0010 | Trident Ursa | IRON TILDEN | Winterflounder | BlueAlpha | G0047
Energetic Bear: Dragonfly | Berserk Bear | Crouching Yeti | Ghost Blizzard | BROMINE | IRON LIBERTY | DYMALLOY | TEMP.Isotope | Koala Team | TG-4192 | G0035
Star Blizzard: COLDRIVER | Callisto Group | SEABORGIUM | TA446 | Gossamer Bear | BlueCharlie | UNC4057
Ember Bear: Cadet Blizzard | DEV-0586 | UAC-0056 | Saint Bear | Bleeding Bear | Lorec53 | FROZENVISTA | UNC2589 | TA471
Laundry Bear: Void Blizzard
Ghostwriter: UNC1151 | Storm-0257 | TA445 | PUSHCHA
Killnet: KillNet
NoName057(16): NoName057 | NoName05716
Cyber Army of Russia Reborn: CARR | People's Cyber Army
Lazarus Group: Lazarus | HIDDEN COBRA | Guardians of Peace | ZINC | Diamond Sleet | Labyrinth Chollima | NICKEL ACADEMY | APT-C-26 | Whois Hacking Team | Group 77 | G0032
APT38: Bluenoroff | BeagleBoyz | Stardust Chollima | Sapphire Sleet | COPERNICIUM | NICKEL GLADSTONE | TA444 | G0082
Kimsuky: Velvet Chollima | THALLIUM | Emerald Sleet | Black Banshee | APT43 | TA427 | Springtail | Sparkling Pisces | G0094
APT37: ScarCruft | Reaper | Group123 | Ricochet Chollima | InkySquid | Red Eyes | Venus 121 | TEMP.Reaper | ATK4 | G0067
Andariel: Silent Chollima | Onyx Sleet | PLUTONIUM | Stonefly | APT45 | DarkSeoul | Jumpy Pisces | G0138
Famous Chollima: Jasper Sleet | UNC5267 | Wagemole
APT1: Comment Crew | Comment Panda | Comment Group | PLA Unit 61398 | Byzantine Candor | Brown Fox | TG-8223 | G0006
APT3: Gothic Panda | Pirpi | UPS Team | Buckeye | BORON | TG-0110 | G0022
APT5: Keyhole Panda | MANGANESE | UNC2630 | Mulberry Typhoon | BRONZE FLEETWOOD
APT10: menuPass | Stone Panda | Red Apollo | Cicada | POTASSIUM | CVNX | HOGFISH | BRONZE RIVERSIDE | Granite Taurus | G0045
APT12: IXESHE | DynCalc | Numbered Panda | Calc Team | DNSCALC | BRONZE GLOBE
APT15: Ke3chang | Vixen Panda | NICKEL | Royal APT | Playful Taurus | Mirage | Flea | Nylon Typhoon | BRONZE PALACE | G0004
APT17: Deputy Dog | Aurora Panda | Tailgater Team | G0025
APT18: Dynamite Panda | Wekby | TG-0416 | SCANDIUM
APT27: Emissary Panda | LuckyMouse | Iron Tiger | BRONZE UNION | TG-3390 | Threat Group-3390 | Budworm | Linen Typhoon | Earth Smilodon | Iron Taurus | G0027
APT31: ZIRCONIUM | Judgment Panda | Violet Typhoon | BRONZE VINEWOOD | RedBravo | TA412
APT40: Leviathan | TEMP.Periscope | TEMP.Jumper | Kryptonite Panda | BRONZE MOHAWK | GADOLINIUM | Gingham Typhoon | MUDCARP | G0065
APT41: Double Dragon | Wicked Panda | BARIUM | Brass Typhoon | BRONZE ATLAS | Earth Baku | Wicked Spider | Grayfly | G0096
Winnti Group: Winnti | Blackfly | LEAD | G0044
Mustang Panda: BRONZE PRESIDENT | TA416 | RedDelta | Earth Preta | HoneyMyte | Stately Taurus | Camaro Dragon | Twill Typhoon | G0129
Volt Typhoon: Vanguard Panda | BRONZE SILHOUETTE | DEV-0391 | UNC3236 | VOLTZITE | Insidious Taurus | G1017
Salt Typhoon: GhostEmperor | FamousSparrow | Earth Estries | UNC2286 | Operator Panda | RedMike
Flax Typhoon: Ethereal Panda | RedJuliett
Silk Typhoon: HAFNIUM | Murky Panda | G0125
Storm-0558: Storm 0558
Aquatic Panda: Charcoal Typhoon | CHROMIUM | ControlX | RedHotel | Earth Lusca | TAG-22 | BRONZE UNIVERSITY
Tick: BRONZE BUTLER | REDBALDKNIGHT | Stalker Panda | Swirl Typhoon | Nian | G0060
BlackTech: Palmerworm | Circuit Panda | Radio Panda | Earth Hundun | Manga Taurus | G0098
GALLIUM: Alloy Taurus | Granite Typhoon | G0093
Evasive Panda: Daggerfly | BRONZE HIGHLAND | StormBamboo
Naikon: Override Panda | PLA Unit 78020 | G0019
APT32: OceanLotus | SeaLotus | APT-C-00 | Canvas Cyclone | BISMUTH | Cobalt Kitty | Ocean Buffalo | POND LOACH | TIN WOODLAWN | G0050
APT33: Elfin | HOLMIUM | Refined Kitten | Peach Sandstorm | MAGNALLIUM | Curious Serpens | TA451 | G0064
APT34: OilRig | Helix Kitten | COBALT GYPSY | Hazel Sandstorm | EUROPIUM | IRN2 | Crambus | Evasive Serpens | TA452 | G0049
APT35: Charming Kitten | PHOSPHORUS | Mint Sandstorm | Newscaster Team | Magic Hound | COBALT ILLUSION | ITG18 | Ajax Security Team | TA453 | Yellow Garuda | G0059
APT42: UNC788 | CALANQUE
APT39: Chafer | Remix Kitten | ITG07 | Radio Serpens | COBALT HICKMAN | G0087
MuddyWater: Seedworm | Static Kitten | MERCURY | Mango Sandstorm | TEMP.Zagros | Boggy Serpens | TA450 | Earth Vetala | COBALT ULSTER | G0069
Fox Kitten: Pioneer Kitten | PARISITE | UNC757 | Lemon Sandstorm | RUBIDIUM | Br0k3r
Agrius: Pink Sandstorm | BlackShadow | DEV-0227 | AMERICIUM | Agonizing Serpens
Cotton Sandstorm: Emennet Pasargad | NEPTUNIUM | Haywire Kitten
Tortoiseshell: Imperial Kitten | Crimson Sandstorm | TA456 | CURIUM | Yellow Liderc
CyberAv3ngers: Cyber Av3ngers | Storm-0784
Moses Staff: Marigold Sandstorm | DEV-0500
Predatory Sparrow: Gonjeshke Darande
Sidewinder: Rattlesnake | Razor Tiger | APT-C-17 | T-APT-04 | G0121
Patchwork: Dropping Elephant | Chinastrats | MONSOON | Quilted Tiger | APT-C-09 | G0040
Transparent Tribe: APT36 | Mythic Leopard | ProjectM | COPPER FIELDSTONE | Earth Karkaddan | Green Havildar | G0134
DarkHotel: DUBNIUM | Fallout Team | Tapaoux | Karba | APT-C-06 | Zigzag Hail | G0012
Equation Group: Equation | EQGRP | G0020
Syrian Electronic Army: SEA | Deadeye Jackal
Molerats: Gaza Cybergang | Extreme Jackal | TA402 | G0021
Arid Viper: APT-C-23 | Desert Falcon | Desert Falcons | G1028
FIN7: Carbon Spider | GOLD NIAGARA | ITG14 | ELBRUS | Sangria Tempest | G0046
Carbanak: Anunak | G0008
FIN6: Skeleton Spider | ITG08 | Magecart Group 6 | GOLD FRANKLIN | G0037
FIN8: Syssphinx | G0061
Cobalt Group: Cobalt Gang | Cobalt Spider | GOLD KINGSWOOD | G0080
Silence: Whisper Spider | G0091
Wizard Spider: GOLD BLACKBURN | UNC1878 | Periwinkle Tempest | ITG23 | Grim Spider | TEMP.MixMaster | DEV-0193 | G0102
Evil Corp: INDRIK SPIDER | Manatee Tempest | GOLD DRAKE | DEV-0243 | UNC2165 | G0119
TA505: Hive0065 | GOLD TAHOE | SectorJ04 | CHIMBORAZO | G0092
Cl0p: Clop | Clop ransomware | Lace Tempest
Scattered Spider: UNC3944 | Octo Tempest | 0ktapus | Oktapus | Roasted 0ktapus | Scatter Swine | Starfraud | Muddled Libra | G1015
LAPSUS$: LAPSUS | DEV-0537 | Strawberry Tempest | Slippy Spider | G1004
ShinyHunters: Shiny Hunters | UNC6040 | Bling Libra
LockBit: LockBit ransomware | LockBitSupp | Bitwise Spider
BlackCat: ALPHV | Noberus | UNC4466
Conti: Conti ransomware | GOLD ULRICK
REvil: Sodinokibi | GOLD SOUTHFIELD | Pinchy Spider
DarkSide: DarkSide ransomware | BlackMatter
Black Basta: BlackBasta
Akira: Akira ransomware | Storm-1567 | Punk Spider | Howling Scorpius | GOLD SAHARA
PlayCrypt: Play ransomware | Balloonfly | Fiddling Scorpius
BlackSuit: Royal ransomware | Ignoble Scorpius
Rhysida: Rhysida ransomware
Vice Society: DEV-0832 | Vanilla Tempest
Anonymous Sudan: Storm-1359
`
