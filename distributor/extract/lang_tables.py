"""Attribution words per language: plain data read by language.py.

Each table lists the finite forms of speech verbs newsrooms use around a
quote ("|"-separated; spaces inside a form match any whitespace), the words
for "according to", pronouns and what they stand for, articles and other
words that mark a capitalised run as a common noun ("Die Länder …",
"Le ministère …"), sentence-opening noise, the titles and roles written in
front of a name, and where a name after a verb turns to its details. English
is always merged in (English verbs in a French page are harmless; a wire
story quoted in English is not). Adding a language is adding a table.
"""

from __future__ import annotations

TABLES: dict[str, dict] = {
    "en": {
        "verbs": (
            "said|says|say|added|adds|told|tells|wrote|writes|tweeted|tweets|posted|stated|states|"
            "explained|explains|asked|asks|replied|replies|responded|responds|recalled|recalls|noted|notes|"
            "continued|continues|warned|warns|argued|argues|insisted|insists|acknowledged|acknowledges|"
            "declared|declares|quipped|joked|jokes|interjected|countered|rejoined|admitted|admits|conceded|"
            "claimed|claims|cautioned|remarked|observed|announced|announces|concluded|emphasized|emphasised|"
            "urged|predicted|suggested|laughed|laughs|shouted|commented|comments|testified|stressed|"
            "confirmed|confirms|recounted|sang|sings|agreed|agrees|described|describes|called|calls|"
            "pointed out|went on|chimed in|reiterated|vowed|promised|told reporters|wondered|mused|put it|"
            "written|reported|"
            "boasted|complained|lamented|cried|yelled|whispered|sighed|texted|emailed|messaged|"
            "respond|reply|tell|add|write|ask|explain"
        ),
        "participles": (
            "saying|adding|telling|writing|noting|warning|asking|arguing|explaining|declaring|insisting|"
            "calling|describing|stating|tweeting|posting|replying|responding|urging|joking|quipping"
        ),
        "according": "according to",
        "pronouns": {"he": "he", "she": "she", "they": "they", "i": "i", "we": "we", "it": "it"},
        "details": "of|in|at|for|from|on|to|who|which|during|after|before|when|while|and|about|with",
        "stopwords": "the and of to is that was for with his her said has have are from this which were they",
    },
    "fr": {
        "weak_openers": "Mais|Et|Donc|Car|Parce que|Or|Sauf si|À moins que",
        "verb_hints": "est|sont|a|ont|était|sera|peut|faut|va|fait|suis|sommes|n'est|c'est|ai",
        "verbs": (
            "dit|a dit|avait dit|déclare|a déclaré|avait déclaré|déclarait|explique|a expliqué|expliquait|"
            "affirme|a affirmé|affirmait|ajoute|a ajouté|ajoutait|souligne|a souligné|estime|a estimé|"
            "indique|a indiqué|précise|a précisé|raconte|a raconté|racontait|confie|a confié|poursuit|"
            "a poursuivi|insiste|a insisté|assure|a assuré|rappelle|a rappelé|note|a noté|observe|a observé|"
            "résume|a résumé|martèle|a martelé|déplore|a déploré|avertit|a averti|reconnaît|a reconnu|"
            "commente|a commenté|conclut|a conclu|écrit|a écrit|lance|a lancé|tranche|a tranché|répond|"
            "a répondu|dénonce|a dénoncé|s'exclame|s’exclame|fait valoir|a fait valoir|annonce|a annoncé|"
            "a tweeté|constate|a constaté|juge|a jugé|prévient|a prévenu|regrette|a regretté|admet|a admis|"
            "soutient|a soutenu|témoigne|a témoigné|déclara|expliqua|ajouta|affirma|lança|répondit|confia|"
            "a-t-il dit|a-t-elle dit|a-t-il déclaré|a-t-elle déclaré|a-t-il ajouté|a-t-elle ajouté|"
            "a-t-il expliqué|a-t-elle expliqué|a-t-il affirmé|a-t-elle affirmé|a-t-il souligné|"
            "a-t-elle souligné|a-t-il précisé|a-t-elle précisé|a-t-il indiqué|a-t-elle indiqué"
        ),
        "participles": "ajoutant|expliquant|affirmant|déclarant|soulignant|estimant|précisant|indiquant",
        "according": "selon|d'après|d’après|aux dires de",
        "pronouns": {"il": "he", "elle": "she", "ils": "they", "elles": "they", "je": "i", "nous": "we", "on": "they"},
        "clitic": r"^[\s,]*(?:[^\W\d_]+)(?:-t)?-(?P<p>il|elle|ils|elles)\b",
        "determiners": "deux trois quatre cinq six sept huit neuf dix plusieurs quelques certains certaines le la les l' l’ un une des du ce cet cette ces son sa ses leur leurs au aux",
        "noise": "mais et puis alors ainsi donc car or ensuite aussi enfin selon pour",
        "titles": (
            "m. mm. mme mmes mlle me dr pr ministre président présidente porte-parole directeur directrice "
            "maire député députée sénateur sénatrice chef cheffe professeur professeure docteur avocat avocate "
            "secrétaire général générale premier première conseiller conseillère responsable fondateur "
            "fondatrice patron patronne commissaire juge procureur procureure préfet préfète toxicologue "
            "élu élue chercheur chercheuse vice-président vice-présidente"
        ),
        "details": "de la|de l'|de l’|du|des|au|aux|à|dans|pour|sur|lors|chez|qui|dont|en|auprès|devant|après|avant|avec|lors de",
        "stopwords": "le la les des et est une dans pour que qui sur pas avec il elle au aux ont sont cette",
    },
    "de": {
        "weak_openers": "Aber|Und|Doch|Denn|Es sei denn|Oder|Weil|Sondern|Außer",
        "verb_hints": "ist|sind|war|hat|haben|wird|kann|muss|bin|sein|werden|gibt|macht|geht",
        "verbs": (
            "sagte|sagt|sagten|sagen|gesagt|erklärte|erklärt|erklärten|betonte|betont|meinte|meint|erzählt|"
            "erzählte|ergänzte|ergänzt|warnte|warnt|kritisierte|kritisiert|forderte|fordert|schrieb|schreibt|"
            "twitterte|bestätigte|bestätigt|antwortete|antwortet|berichtet|berichtete|erläutert|erläuterte|"
            "unterstrich|unterstreicht|versicherte|versichert|bekräftigte|bekräftigt|kommentierte|kommentiert|"
            "beklagt|beklagte|klagt|klagte|fragt|fragte|mahnt|mahnte|stellte klar|stellt klar|fügte hinzu|"
            "räumte ein|räumt ein|sagte dazu|schickt|schickte|simste|mailte|postete"
        ),
        "participles": "",
        "according": "laut|zufolge|nach Angaben von|nach Worten von",
        "trailing_according": "so",
        "pronouns": {"er": "he", "sie": "she", "ich": "i", "wir": "we", "es": "it", "man": "they"},
        "determiners": (
            "der die das den dem des ein eine einen einem einer eines diese dieser dieses diesen diesem "
            "jene jener einige manche viele alle beide mehrere kein keine keinen im am vom beim zum zur ins "
            "seine seiner seinen ihr ihre ihren unser unsere sein welche welcher"
        ),
        "noise": (
            "doch aber und dann auch denn so oder sondern nun noch schon jetzt zudem auch zwar nur "
            "wenn falls als weil dass ob obwohl nachdem bevor während seit damit wie wo"
        ),
        "titles": (
            "herr herrn frau dr. dr prof. prof minister ministerin präsident präsidentin chef chefin "
            "sprecher sprecherin bürgermeister bürgermeisterin kanzler kanzlerin vorsitzende vorsitzender "
            "geschäftsführer geschäftsführerin direktor direktorin abgeordnete abgeordneter ministerpräsident "
            "ministerpräsidentin senator senatorin staatssekretär staatssekretärin bundeskanzler bundeskanzlerin "
            "bundesminister bundesministerin bundespräsident vorstand vorstandschef vorstandschefin "
            "aktivistin aktivist reporterin reporter leiter leiterin ressortleiter ressortleiterin "
            "chefredakteur chefredakteurin redakteur redakteurin kollege kollegin autor autorin trainer "
            "trainerin landrat landrätin oberbürgermeister oberbürgermeisterin"
        ),
        "details_raw": r"(?<!von)\s(?:der|den)\s",
        "details": "dem|im|am|vom|beim|zum|zur|gegenüber|bei|in|auf|nach|über|zu|mit|für|aus|vor|und",
        "stopwords": "der die das und ist nicht den von zu mit sich des auf für ein eine dem im auch es sie er",
    },
    "es": {
        "weak_openers": "Pero|Y|Porque|O|Aunque|Salvo que|A menos que",
        "verb_hints": "es|son|está|fue|ha|hay|tiene|puede|va|hace|somos|estamos|soy|tenemos|vamos",
        "verbs": (
            "dijo|dice|afirmó|afirma|aseguró|asegura|señaló|señala|explicó|explica|agregó|agrega|añadió|"
            "añade|sostuvo|sostiene|indicó|indica|declaró|declara|comentó|comenta|alertó|alerta|advirtió|"
            "advierte|enfatizó|enfatiza|subrayó|subraya|destacó|destaca|manifestó|expresó|expresa|lamentó|"
            "lamenta|reclamó|reclama|denunció|denuncia|insistió|insiste|apuntó|apunta|remarcó|concluyó|"
            "escribió|escribe|tuiteó|precisó|admitió|reconoció|respondió|responde|contó|cuenta|relató|"
            "relata|detalló|planteó|plantea|consideró|opinó|ha dicho|había dicho|sentenció|recordó|"
            "recuerda|aclaró|aclara|criticó|critica|preguntó|pregunta|exclamó|dijeron|afirmaron|"
            "sostuvieron|señalaron|explicaron"
        ),
        "participles": "diciendo|señalando|afirmando|asegurando|agregando|explicando|añadiendo",
        "according": "según|de acuerdo con|a juicio de|en palabras de",
        "pronouns": {"él": "he", "ella": "she", "ellos": "they", "ellas": "they", "yo": "i", "nosotros": "we"},
        "pro_drop": True,
        "dialogue_dashes": True,
        "determiners": "dos tres cuatro cinco seis siete ocho nueve diez varios varias algunos algunas zwei drei vier fünf sechs sieben acht neun zehn zwölf hundert tausend el la los las un una unos unas este esta estos estas ese esa su sus del al lo",
        "noise": "pero y luego también además entonces así sin embargo aunque",
        "titles": (
            "sr. sra. señor señora don doña dr. dra. presidente presidenta ministro ministra diputado "
            "diputada senador senadora jefe jefa portavoz alcalde alcaldesa gobernador gobernadora director "
            "directora secretario secretaria fiscal juez jueza periodista líder vocero vocera canciller "
            "titular premio nobel activista abogado abogada"
        ),
        "details": "del|de la|de los|de las|en|para|con|al|quien|que|durante|ante|tras|sobre|desde|a la",
        "stopwords": "el la de que y en los las del se por un una con para es su al lo como más pero sus",
    },
    "pt": {
        "weak_openers": "Mas|E|Porque|Ou|Porém|A menos que",
        "verb_hints": "é|são|está|foi|tem|há|pode|vai|faz|somos|estamos|sou|temos|vamos",
        "verbs": (
            "disse|diz|afirmou|afirma|declarou|declara|explicou|explica|acrescentou|acrescenta|ressaltou|"
            "ressalta|destacou|destaca|garantiu|garante|contou|conta|relatou|relata|comentou|comenta|avaliou|"
            "avalia|defendeu|defende|completou|completa|argumentou|observou|salientou|frisou|pontuou|"
            "enfatizou|reforçou|criticou|alertou|lamentou|escreveu|respondeu|questionou|informou|ponderou|"
            "concluiu|afirmaram|disseram|declararam|assegurou|sustentou|admitiu|reconheceu|falou|falaram"
        ),
        "participles": "dizendo|afirmando|declarando|acrescentando|explicando",
        "according": "segundo|de acordo com|conforme|para",
        "pronouns": {"ele": "he", "ela": "she", "eles": "they", "elas": "they", "eu": "i", "nós": "we"},
        "pro_drop": True,
        "dialogue_dashes": True,
        "determiners": "dois duas três quatro cinco seis sete oito nove dez vários várias alguns algumas o a os as um uma uns umas este esta esse essa seu sua seus suas do da dos das no na ao à",
        "noise": "mas e depois também além então assim porém contudo",
        "titles": (
            "sr. sra. senhor senhora dr. dra. presidente ministro ministra deputado deputada senador senadora "
            "governador governadora prefeito prefeita secretário secretária delegado delegada juiz juíza "
            "diretor diretora líder porta-voz comandante coronel capitão general advogado advogada "
            "procurador procuradora vice-presidente"
        ),
        "details": "em|no|na|nos|nas|ao|à|para|com|que|durante|após|sobre|diante|do|dos|das",
        "stopwords": "o a de que e do da em um para com não uma os no se na por mais as dos como mas ao ele das",
    },
    "it": {
        "weak_openers": "Ma|E|Perché|Oppure|Però|A meno che",
        "verb_hints": "è|sono|ha|hanno|era|può|va|fa|siamo|abbiamo|sarà",
        "verbs": (
            "ha detto|dice|disse|ha dichiarato|dichiara|ha spiegato|spiega|ha aggiunto|aggiunge|ha affermato|"
            "afferma|ha sottolineato|sottolinea|ha commentato|commenta|ha osservato|osserva|ha ricordato|"
            "ricorda|racconta|ha raccontato|ha precisato|precisa|conclude|ha concluso|ha scritto|scrive|"
            "ha twittato|ha annunciato|annuncia|avverte|ha avvertito|spiegano|scrivono|dicono|ha ribadito|"
            "ribadisce|ha risposto|risponde|ha insistito|ha denunciato|denuncia|aveva detto|ha evidenziato|"
            "evidenzia|ha attaccato|attacca|ha assicurato|assicura"
        ),
        "participles": "dicendo|spiegando|aggiungendo|sottolineando",
        "according": "secondo|a detta di|stando a",
        "pronouns": {"lui": "he", "lei": "she", "egli": "he", "ella": "she", "loro": "they", "io": "i", "noi": "we"},
        "pro_drop": True,
        "dialogue_dashes": True,
        "determiners": "due tre quattro cinque sei sette otto nove dieci alcuni alcune diversi il lo la i gli le un uno una questo questa quel quella suo sua suoi sue del della dei degli al alla",
        "noise": "ma e poi anche inoltre quindi così però",
        "titles": (
            "sig. sig.ra signor signora dott. dott.ssa ministro ministra presidente sindaco premier onorevole "
            "on. direttore direttrice segretario segretaria portavoce senatore senatrice deputato deputata "
            "governatore assessore professore professoressa avvocato"
        ),
        "details": "del|della|dei|degli|al|alla|in|nel|nella|per|con|che|durante|dopo|su|sul|sulla",
        "stopwords": "il di che e la per un in non una sono del della gli le si con anche ma come più",
    },
    "nl": {
        "weak_openers": "Maar|En|Want|Omdat|Of|Tenzij",
        "verb_hints": "is|zijn|was|heeft|hebben|wordt|kan|moet|ben|gaat|doet",
        "verbs": (
            "zei|zegt|zeggen|verklaarde|verklaart|legde uit|vertelde|vertelt|stelde|stelt|schreef|schrijft|"
            "benadrukte|benadrukt|voegde toe|reageerde|reageert|liet weten|laat weten|meldde|meldt|"
            "waarschuwde|waarschuwt|erkende|erkent|twitterde|antwoordde|antwoordt|vroeg|vraagt|gaf aan|"
            "geeft aan|heeft gezegd|aldus"
        ),
        "participles": "",
        "according": "volgens|aldus",
        "trailing_according": "aldus",
        "pronouns": {"hij": "he", "zij": "she", "ik": "i", "wij": "we", "we": "we"},
        "determiners": "twee drie vier vijf zes zeven acht negen tien enkele de het een deze die dit dat zijn haar hun onze",
        "noise": "maar en dan ook toch want dus",
        "titles": (
            "meneer mevrouw dhr. mevr. minister burgemeester premier woordvoerder woordvoerster voorzitter "
            "directeur wethouder staatssecretaris minister-president hoogleraar advocaat"
        ),
        "details": "van de|van het|bij|in|op|tegen|tegenover|voor|met|die|dat|tijdens|na|aan",
        "stopwords": "de het een en van is dat op te in zijn voor niet met die er ook aan als maar bij",
    },
    "pl": {
        "weak_openers": "Ale|I|Bo|Więc|A|Chyba że",
        "verb_hints": "jest|są|był|była|ma|może|nie|będzie|mamy|jesteśmy|trzeba",
        "verbs": (
            "mówił|mówiła|powiedział|powiedziała|mówi|stwierdził|stwierdziła|stwierdza|dodał|dodała|dodaje|"
            "zaznacza|zaznaczył|zaznaczyła|deklaruje|deklarował|podkreślił|podkreśliła|podkreśla|przekonywał|"
            "przekonywała|przekonuje|ocenił|oceniła|ocenia|wyjaśnił|wyjaśniła|wyjaśnia|przyznał|przyznała|"
            "przyznaje|uważa|twierdzi|zapowiedział|zapowiedziała|napisał|napisała|pisze|tłumaczy|tłumaczył|"
            "apelował|apelowała|zauważa|zauważył|zauważyła|odpowiada|odpowiedział|odpowiedziała|"
            "argumentował|ostrzegł|ostrzega|komentuje|skomentował|skomentowała"
        ),
        "participles": "",
        "according": "według|zdaniem",
        "pronouns": {"on": "he", "ona": "she", "oni": "they", "ja": "i", "my": "we"},
        "pro_drop": True,
        "dialogue_dashes": True,
        "determiners": "",
        "noise": "ale i a potem także też jednak więc",
        "titles": (
            "pan pani premier wicepremier minister prezes prezydent poseł posłanka marszałek rzecznik "
            "rzeczniczka szef szefowa lider liderka doradca doradczyni przewodniczący przewodnicząca senator"
        ),
        "details": "w|we|na|do|dla|podczas|z|ze|po|przed|o|który|która|przekonując|w rozmowie",
        "stopwords": "i w nie na się z że do to jest o jak po od za ale jego tak przez już dla",
    },
}

# word -> languages whose stopword list holds it (for guessing a language from text)
STOPWORD_INDEX: dict[str, tuple[str, ...]] = {}
for _code, _table in TABLES.items():
    for _word in _table["stopwords"].split():
        STOPWORD_INDEX[_word] = STOPWORD_INDEX.get(_word, ()) + (_code,)
