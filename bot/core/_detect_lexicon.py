"""Vocabulary for detection: word classes and other languages' common forms, all in normalised spelling.

Normalised spelling: lowercase, no accents, no apostrophes (i'll -> ill), hyphens as spaces, one spelling
per follow word (follow, subscribe, sub). Other languages' demands are rewritten to the English words the
rules know, so one grammar serves every language; word order differences are absorbed in the phrases.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word class written as whitespace-separated words."""
    return frozenset(text.split())


# Other languages (es, pt, fr, de, id, it) and English spellings to the English the rules read.
PHRASES: dict[str, str] = {
    # please, in every language
    "por favor": "please", "porfa": "please", "porfavor": "please", "x favor": "please", "xfa": "please",
    "pfv": "please", "pfvr": "please", "bitte": "please", "svp": "please", "stp": "please",
    "sil vous plait": "please", "sil te plait": "please", "s il vous plait": "please", "s il te plait": "please",
    "tolong": "please", "mohon": "please", "pretty please": "please", "why not": "please",
    "los invito a": "please", "las invito a": "please", "les invito a": "please", "te invito a": "please",
    "je vous invite a": "please", "convido voces a": "please", "convido vcs a": "please",
    # a reminder is a request even though it is worded as a negation
    "dont forget to": "remember to", "dont forget": "remember to", "never forget to": "remember to",
    "dont hesitate to": "feel free to", "no olvides": "remember to", "no te olvides de": "remember to",
    "no olviden": "remember to", "no se olviden de": "remember to", "nao esquece de": "remember to",
    "nao esqueca de": "remember to", "nao esquecam de": "remember to", "nao esqueca": "remember to",
    "noublie pas de": "remember to", "noubliez pas de": "remember to", "noubliez pas": "remember to",
    "n oubliez pas de": "remember to", "vergiss nicht": "remember to", "vergesst nicht": "remember to",
    "nicht vergessen": "remember to", "jangan lupa": "remember to",
    # addressing the readers
    "you guys": "yall", "you all": "yall", "y all": "yall", "ya all": "yall", "all of you": "yall",
    "some of you": "yall", "any of you": "yall", "you lot": "yall", "kalian": "yall",
    # English contractions and paraphrases
    "do not": "dont", "can not": "cant", "cannot": "cant", "will not": "wont", "i will": "ill",
    "i shall": "ill", "im going to": "ill", "i am going to": "ill", "im gonna": "ill", "i am gonna": "ill",
    "ima": "ill", "imma": "ill", "let us": "lets", "right back": "back", "one another": "each other",
    "return the favor": "follow back", "return the favour": "follow back", "reciprocate": "follow back",
    "requite": "follow back", "thank you": "thanks",
    # thanking ahead of time asks; "fb" after a please is a follow back (alone it is as often Facebook)
    "thanks in advance for the": "please", "thanks in advance for a": "please", "thanks in advance for": "please",
    "ty in advance for the": "please", "ty in advance for": "please", "thx in advance for the": "please",
    "thx in advance for": "please", "pls fb": "please follow back", "plz fb": "please follow back",
    "please fb": "please follow back", "fb pls": "follow back please", "fb plz": "follow back please",
    "thx": "thanks", "ty": "thanks", "tysm": "thanks", "thnx": "thanks", "thanx": "thanks", "tq": "thanks",
    "makasih": "thanks", "terima kasih": "thanks", "gracias": "thanks", "obrigado": "thanks",
    "obrigada": "thanks", "merci": "thanks", "danke": "thanks",
    # Spanish
    "sigueme": "follow me", "siguenme": "follow me", "siganme": "follow me", "seguime": "follow me",
    "siguenos": "follow us", "siganos": "follow us", "seguinos": "follow us",
    "suscribete": "subscribe", "suscribanse": "subscribe", "suscribase": "subscribe", "suscriban": "subscribe",
    "suscribirse": "subscribe", "suscribirte": "subscribe", "suscribite": "subscribe",
    "subscribete": "subscribe", "subscribanse": "subscribe", "subscribirse": "subscribe",
    "inscribete": "subscribe", "a mi canal": "to my channel", "mi canal": "my channel",
    "a nuestro canal": "to our channel", "agregame": "add me", "agreguenme": "add me", "anademe": "add me",
    "dame follow": "give me a follow", "dame un follow": "give me a follow", "dale follow": "give me a follow",
    "regalame un follow": "give me a follow", "te sigo de vuelta": "ill follow you back",
    "sigo de vuelta": "ill follow back", "te devuelvo el follow": "ill follow you back",
    "devuelvo el follow": "ill follow back", "devuelvo follow": "ill follow back",
    "devuelvo la sub": "ill sub back", "devuelvo sub": "ill sub back", "y te sigo": "and ill follow you",
    "yo te sigo": "ill follow you", "te sigo": "ill follow you", "de vuelta": "back", "de regreso": "back",
    "nos seguimos": "lets follow each other", "sigamonos": "lets follow each other",
    # Portuguese
    "me segue": "follow me", "me sigam": "follow me", "me siga": "follow me", "sigam me": "follow me",
    "siga me": "follow me", "segue me": "follow me", "segue eu": "follow me", "me segue ai": "follow me",
    "se inscreva": "subscribe", "se inscrevam": "subscribe", "inscreva se": "subscribe",
    "inscrevam se": "subscribe", "se increva": "subscribe", "increva se": "subscribe",
    "se inscreve": "subscribe", "no meu canal": "to my channel", "ao meu canal": "to my channel",
    "meu canal": "my channel", "no nosso canal": "to our channel", "me adiciona": "add me",
    "me adicione": "add me", "adiciona me": "add me", "me add": "add me", "segue de volta": "follow back",
    "sdv": "follow back", "sigo de volta": "ill follow back", "eu sigo de volta": "ill follow back",
    "te sigo de volta": "ill follow you back", "retribuo": "ill follow back", "eu retribuo": "ill follow back",
    "de volta": "back", "deixa o follow": "leave a follow", "deixa seu follow": "leave a follow",
    "deixe seu follow": "leave a follow", "deixa o seu follow": "leave a follow",
    "vamos nos seguir": "lets follow each other", "bora se seguir": "lets follow each other",
    # French
    "suis moi": "follow me", "suivez moi": "follow me", "suis nous": "follow us", "suivez nous": "follow us",
    "follow moi": "follow me", "followez moi": "follow me", "abonne toi": "subscribe",
    "abonnez vous": "subscribe", "abonne vous": "subscribe", "abonnes toi": "subscribe",
    "vous abonner": "subscribe", "a ma chaine": "to my channel", "ma chaine": "my channel",
    "a notre chaine": "to our channel", "ajoute moi": "add me", "ajoutez moi": "add me",
    "je te suis en retour": "ill follow you back", "je te suivrai en retour": "ill follow you back",
    "je te follow en retour": "ill follow you back", "je mabonne en retour": "ill sub back",
    "je te suis": "ill follow you", "je te suivrai": "ill follow you", "en retour": "back",
    "abo contre abo": "sub 4 sub", "abo pour abo": "sub 4 sub", "abonnement contre abonnement": "sub 4 sub",
    "follow contre follow": "follow 4 follow", "follow pour follow": "follow 4 follow",
    "on se suit": "lets follow each other",
    # German
    "folg mir": "follow me", "folge mir": "follow me", "folgt mir": "follow me", "folgen sie mir": "follow me",
    "folg uns": "follow us", "folge uns": "follow us", "folgt uns": "follow us",
    "abonniere mich": "subscribe to me", "abonniert mich": "subscribe to me", "abonnier mich": "subscribe to me",
    "abonniere uns": "subscribe to us", "abonniert uns": "subscribe to us", "abonniere": "subscribe",
    "abonniert": "subscribe", "abonnieren": "subscribe", "abonnier": "subscribe",
    "meinen kanal": "my channel", "meinem kanal": "my channel", "unseren kanal": "our channel",
    "ich folge dir zuruck": "ill follow you back", "ich folge zuruck": "ill follow back",
    "ich folge dir auch": "ill follow you too", "ich folge dir": "ill follow you",
    "ich abonniere dich zuruck": "ill sub you back", "ich abonniere zuruck": "ill sub back",
    "zuruck": "back", "zurueck": "back", "abo gegen abo": "sub 4 sub", "follow gegen follow": "follow 4 follow",
    "folge gegen folge": "follow 4 follow", "add mich": "add me", "adde mich": "add me",
    "fug mich hinzu": "add me", "fuge mich hinzu": "add me", "fugt mich hinzu": "add me",
    "folgen wir uns": "lets follow each other", "lass uns gegenseitig folgen": "lets follow each other",
    "gegenseitig folgen": "follow each other",
    # Indonesian
    "follow aku": "follow me", "follow saya": "follow me", "follow gw": "follow me", "follow gue": "follow me",
    "follow ku": "follow me", "follow kami": "follow us", "ikuti aku": "follow me", "ikuti saya": "follow me",
    "ikuti kami": "follow us", "follow akun aku": "follow my account", "follow akunku": "follow my account",
    "follow akun saya": "follow my account", "follow ig aku": "follow my ig", "follow igku": "follow my ig",
    "channel aku": "my channel", "channelku": "my channel", "channel saya": "my channel",
    "channel gw": "my channel", "channel gue": "my channel", "channel kami": "our channel",
    "akun aku": "my account", "akunku": "my account", "akun saya": "my account", "ig aku": "my ig",
    "igku": "my ig", "add aku": "add me", "add saya": "add me", "add gw": "add me", "balik": "back",
    "kembali": "back", "saling follow": "lets follow each other", "saling subscribe": "lets sub each other",
    "saling sub": "lets sub each other", "saling subs": "lets sub each other", "aku": "i", "saya": "i",
    "gw": "i", "gue": "i", "kamu": "you", "pasti": "will", "nanti": "will", "langsung": "will",
    "udah": "already", "sudah": "already",
    # Italian
    "seguimi": "follow me", "seguiteci": "follow us", "iscriviti": "subscribe", "iscrivetevi": "subscribe",
    "al mio canale": "to my channel", "mio canale": "my channel", "ricambio": "ill follow back",
}

# Stems that every built-in cue contains once disguise is removed; a message without one is not read
# further. They are searched in the skeleton (`_normalize.skeleton`): letters only, leet digits read as
# letters, 1 as i. Stems of the multi-word phrases above are added from the table itself.
# Repeats are possessive (++): a long run of one letter cannot make the scan backtrack.
PREFILTER_STEMS = (
    r"fo++[il]", r"s[uv]++b", r"su++s++c", r"scr[il]", r"s[uv]++(?:bs?|s)?c?r?[il]++b", r"ad", r"fr[il]++e*+n++d",
    r"[fs]a[fs]", r"mutual", r"moot",
)
# The words of a cue: a phrase meaning one of these can make a message a demand.
CUE_WORDS = words("follow subscribe sub subs add friend f4f s4s")

# Said before an imperative without changing it: greetings, vocatives, fillers, conjunctions.
SKIP = words("""
hey hi hello helo heya hiya yo oi ok okay k so and also plus now then just please kindly guys gals yall
everyone everybody evryone all people ppl folks friends peeps fam bro bros bruh dude dudes man mate lol lmao
lmfao xd haha hahaha omg wow oh yes yeah yea yep well btw ps go come pretty sure dear hola ola salut hallo
halo hai dong ya yuk ayo ayok kak gan bang sis min ges gaes y e et und dan n or quickly quick real definitely
def totally seriously really asap today first lets boys girls ladies chat pls xx xoxo hun babe maybe
""")
CONJUNCTIONS = words("and n or plus y e et und dan also then")
# Between a subject and its verb without changing who the subject is.
AUX = words("""
will would can could shall should must might may do does did always also just really actually literally
definitely def still even already usually often totally all gonna wanna gotta going am m is are re been be d
ll then surely promise guarantee swear try happily gladly immediately instantly auto juga akan for sure 100
maybe
""")
SUBJECT_FIRST = words("i ill id im ive we je ich eu")
SUBJECT_SECOND = words("you ya yall voce vc vous tu du")
SUBJECT_OTHER = words("""
he she they who that which people ppl someone somebody nobody noone everyone everybody anyone anybody hes shes
theyre theyll whoever el ella ellos ele ela eles elas il elle ils er sie wer dia mereka yang quien quem qui
ninguem nadie personne niemand
""")
CONDITIONAL = words("if when once whenever whoever")
# Adverbs that make a first-person statement a habit or a rule rather than an offer.
RESTRICTIVE = words("only rarely seldom hardly barely sometimes usually normally occasionally used")
INVERTED_AUX = words("should do does did can could will would shall must may might am")
QUESTION_WORDS = words("what whats why how where when who which whos")
NEGATION = words("""
not never dont doesnt didnt wont cant couldnt shouldnt wouldnt isnt arent aint wasnt werent no nobody noone
none stop quit hate hates nor neither nah nope nunca nao jamais nicht kein keine niemals jangan gak ga
nggak ngga engga enggak tidak tak gausah ne pas ni nem refuse unfollow unsubscribe unsub against anti
""")
# Words that report somebody else's words: "people who say follow me back".
REPORTING = words("""
say says said saying sayin told tells telling asks asked asking begs begged begging wrote writes writing spam
spams spammed spamming spammers posting posted typing typed types yelling screaming quote quoting mean means
meant called heard tell guess hopes
""")
# A verb right after one of these is a noun: "the follow back", "thanks for follow", "a sub".
DETERMINERS = words("""
a an the this that these those my your his her their our its any no every each some for of about with than
another ur ma 4 el la le les los un una o os der die das ein eine
""")
# Questions about a practice rather than a proposal of it: "what is f4f", "does f4f work".
ABOUT = words("what whats why how does is was do did")
# After a practice's name, these make it the subject of an opinion: "f4f is pointless".
PREDICATES = words("""
is are was were isnt arent wasnt doesnt dont didnt never sucks suck works work worked culture accounts account
people thing things stuff trend spam spammers means meaning has have had gets makes kills ruins ruined bots bs
crap lame cringe dead pointless useless stupid dumb worthless fake scam itself request requests will would should
can cant may might comment comments post posts message messages guys kids channel channels group groups server
servers games game
""")
REFUSALS = ("no thanks", "nah", "no way", "not interested", "hell no", "nope", "no thank you", "pass")
ME = words("me us moi nous mir mich uns aku saya gw gue kami")
MY = words("""
my our mine ma mah mi meu minha mon mes mein meinen meine unseren unser nuestro nuestra nosso nossa notre mio
""")
TO = words("to 2 on in at onto a no na ao auf sur di ke")
YOU = words("you ya yall everyone everybody all")
ACCOUNT = words("""
channel channels chanel chanell channle page pages account accounts acc acct profile blog stream streams streamer
art music company band shop store podcast newsletter socials social handle username gamertag friend friends
canal chaine kanal akun canale
""")
# After "follow back", a noun makes it a topic ("follow back policies"), not an ask.
TOPIC_NOUNS = words("""
policy policies culture rule rules etiquette thing things train trains game games scheme schemes system systems
stuff group groups ratio norm norms request requests chain chains strategy strategies tactic tactics
""")
# "go follow ..." names an account unless what follows is one of these (or a determiner: "the rules").
NOT_ACCOUNTS = words("""
rules law laws instructions directions advice lead dreams dream heart steps guide path signs orders suit
through up along
""")
# Whose account "follow my ..." can point to (not "follow my lead", "follow my dreams").
PEOPLE = words("""
man mans boy boys bro brother brothers sister sisters sis homie homies girl girls friend friends cousin cousins
dude guy son daughter mom mum dad wife husband gf bf girlfriend boyfriend nigga niggas dog cat pup puppy
bestie bestfriend bff partner
""")
PLATFORM = words("""
twitter x insta instagram ig tiktok tt twitch youtube yt facebook fb snapchat snap sc spotify soundcloud github
bluesky bsky threads tumblr pinterest reddit discord steam psn xbox kick patreon linkedin mastodon deviantart
artstation pixiv wattpad letterboxd goodreads vsco roblox minecraft epic fortnite valorant league lol genshin
tsu google plus vk telegram whatsapp line kik skype weibo @url
""")
# Ideas one subscribes to without following anybody.
ABSTRACT = words("""
idea ideas theory theories view views notion belief beliefs philosophy opinion opinions school premise
hypothesis mindset thought thinking argument narrative
""")
# What may follow a bare "follow"/"subscribe" used as an imperative.
BARE_NEXT = words("""
and or please now today for too asap if n everyone yall guys lol xd plus right rn pls and also you
""")
# After "follow me": the physical or figurative sense, not a social follow.
FOLLOW_ME_NOT = words("""
to into around home along through down up out outside inside there closely everywhere anywhere wherever like
with
""")
# The steps of a task right after "follow me" (a help channel's "follow me: run ..."): told, only verbs of
# computers ("follow me, open dms" and "follow me, try it" are requests); asked about ("did you ... ?"), more.
STEPS_TOLD = words("""
run click press install execute paste restart reboot cd sudo compile reinstall rerun uninstall unplug configure
""")
STEPS_ASKED = STEPS_TOLD | words("""
ran clicked pressed installed executed pasted restarted rebooted compiled reinstalled configured open opened try
tried type typed update updated enter entered edit edited set check checked boot booted download downloaded build
built delete deleted remove removed copy copied save saved launch launched
""")
# "subscribe to hear it": a purpose, so the subscribe is an imperative, not "subscribe to X".
PURPOSE = words("""
hear see watch get know stay find be catch never support help join enjoy keep learn check view listen win receive
""")
# Imperatives that can head a coordinated request: "check out my channel and subscribe".
DIRECTIVES = words("""
check watch like comment share visit go come leave hit smash click give drop help listen join support look tell
send message dm spread turn rate enjoy follow subscribe sub add view see read try sign hop
""")
