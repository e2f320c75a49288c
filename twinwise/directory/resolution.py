"""Place-name resolution: map a messy (name, country, wikidata) triple to a known place.

Pure Python on purpose (no Django import): the importer, the registry search and the tests
all use it, and the index over every GeoNames city must build fast and answer with dict
lookups only.

Contract (project spec): a place is identified by {name, country (ISO 3166-1 alpha-2),
wikidata (optional Q-id)}. Resolution order: wikidata id, then exact name + country, then a
known alternative name ("Praha" -> Prague). The country is always given and must match: we
never guess across countries, and an unresolvable name gives ``None``.

Namesakes ("Springfield", US): within one step the largest place wins, unless the caller
passes the source's coordinates for the name and a candidate of that same step lies within
30 km of them (see ``PlaceIndex.resolve``).
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from os import PathLike

__all__ = [
    "PlaceIndex",
    "PlaceRecord",
    "Resolution",
    "normalise_name",
    "records_from_geonames_csv",
]

# --------------------------------------------------------------------------------------
# Name normalisation
# --------------------------------------------------------------------------------------

# Apostrophe look-alikes, removed outright: "Xi'an", "Xi’an", "Xiʼan" and "Xian" must compare
# equal. Done before NFKC because NFKC turns the acute accent ´ into a space + combining mark.
_APOSTROPHES = dict.fromkeys(map(ord, "'’‘‛ʼʻʹ`´′"), None)

# Latin letters that Unicode does not decompose into base + accent, spelled the usual way.
_LATIN_SPECIAL = {
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "Ð": "d",
    "þ": "th",
    "Þ": "th",
    "ı": "i",
    "ħ": "h",
    "Ħ": "h",
    "ŧ": "t",
    "Ŧ": "t",
    "ŀ": "l",
    "Ŀ": "l",
    "ĸ": "k",
    "ſ": "s",
    "ŋ": "n",
    "Ŋ": "n",
    "ƒ": "f",
}


def _latin_fold_table() -> dict[int, str | None]:
    """Translation table folding accented Latin letters to ASCII (é -> e, ő -> o, ṣ -> s).

    Only the Latin blocks are touched, so Cyrillic, Greek and CJK text stays as it is.
    """
    table: dict[int, str | None] = {}
    latin = [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
    for cp in latin:
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    for ch, ascii_ in _LATIN_SPECIAL.items():
        table[ord(ch)] = ascii_
    # Stray combining accents (left after NFKC on unusual sequences) carry no identity.
    for cp in range(0x300, 0x370):
        table[cp] = None
    return table


_LATIN_FOLD = _latin_fold_table()

# German/Nordic transliterations ("Muenchen", "Goeteborg", "Aarhus") that plain accent folding
# ("munchen") cannot reach; the index stores this spelling as an extra key for such names.
_TRANSLITERATE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "å": "aa", "Å": "Aa"}
)
_HAS_TRANSLITERABLE = re.compile("[äöüÄÖÜåÅ]")

# Anything that is not a letter or a digit (hyphens, dots, slashes, brackets, commas, …) is a
# word break: "Saint-Denis", "St. Denis" and "St Denis" must meet.
_NON_WORD = re.compile(r"[\W_]+")

_CJK_CLASS = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002fa1f"  # CJK extensions B-F and compatibility supplement
)
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")
_ALL_CJK = re.compile(f"[{_CJK_CLASS}]+")
# Chinese does not separate words with spaces, so "圣·彼得堡" and "圣彼得堡" must meet.
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK_CLASS}]) (?=[{_CJK_CLASS}])")

# "Saint", "Sankt", "St." and "St" are one prefix in every language that abbreviates it.
_SAINT = {"saint": "st", "sankt": "st", "st": "st", "sainte": "ste", "ste": "ste"}

# Administrative words around a name that do not change which town is meant
# ("City of Perth", "Quebec City", "Gemeinde Seefeld", "Bærum kommune", "Gmina Chrzanów").
_AFFIXES = frozenset(
    {
        "city",
        "municipality",
        "gemeinde",
        "stadt",
        "kommune",
        "kommun",
        "gmina",
        "district",
        "county",
        "borough",
    }
)
# Of those, the ones naming an area around a town rather than the town itself: a match that
# needed them dropped is only trusted when it is unambiguous (see PlaceIndex._lookup).
_AREA_AFFIXES = frozenset({"district", "county", "borough", "gmina"})

_CITY_SUFFIX_ZH = "市"


def _normalise_words(text: str) -> list[str]:
    """The shared first half: folded, punctuation-free words, Saint unified."""
    # Apostrophes first: NFKC would turn ´ into a space before we could remove it.
    if text.isascii():
        text = text.replace("'", "").replace("`", "").lower()
        # Fast path for the common case of plain words: no punctuation to split on.
        if text.replace(" ", "").isalnum():
            words = text.split()
            return words if _SAINT.keys().isdisjoint(words) else [_SAINT.get(w, w) for w in words]
    else:
        text = text.translate(_APOSTROPHES)
        # NFKC: full-width letters, ligatures (ﬁ) and compatibility ideographs to plain form.
        text = unicodedata.normalize("NFKC", text)
        # Apostrophes again: NFKC can produce ' from compatibility characters (＇).
        text = text.translate(_APOSTROPHES)
    # casefold, not lower: handles ß -> ss and other full case mappings.
    text = text.casefold()
    # Fold Latin accents to ASCII (München -> munchen); CJK, Cyrillic and Greek are untouched.
    if not text.isascii():
        text = text.translate(_LATIN_FOLD)
    # Punctuation (hyphens, dots, slashes, brackets) separates words; collapse the spaces.
    words = _NON_WORD.sub(" ", text).split()
    # Saint / Sankt / St. / St are one prefix: "Sankt Gallen" = "St. Gallen".
    return words if _SAINT.keys().isdisjoint(words) else [_SAINT.get(w, w) for w in words]


def _join(words: list[str]) -> str:
    out = " ".join(words)
    if out.isascii():
        return out
    # Chinese text has no word spaces: "圣·彼得堡" = "圣彼得堡".
    if " " in out and _CJK_CHAR.search(out):
        out = _SPACE_BETWEEN_CJK.sub("", out)
    # 上海市 = 上海: 市 ("city") is a suffix, but keep it when only one character would remain.
    if out.endswith(_CITY_SUFFIX_ZH) and len(out) >= 3 and _ALL_CJK.fullmatch(out[-3:]):
        out = out[:-1]
    return out


def _drop_affixes(words: list[str]) -> tuple[list[str], bool]:
    """Drop administrative words at either end (never the last word standing).

    Also says whether one of them named an area (county, district, borough).
    """
    dropped_area = False
    while len(words) > 1:
        if words[0] in _AFFIXES:
            # "City of Perth", "Municipality of Hunter's Hill": the "of" goes too.
            cut = 2 if words[1] == "of" and len(words) > 2 else 1
            dropped_area = dropped_area or words[0] in _AREA_AFFIXES
            words = words[cut:]
        elif words[-1] in _AFFIXES:
            dropped_area = dropped_area or words[-1] in _AREA_AFFIXES
            words = words[:-1]
        else:
            break
    return words, dropped_area


def _keys(text: str) -> tuple[str, str, bool]:
    """(literal key, key without administrative words, whether an area word was dropped).

    The literal key keeps "Temple City" apart from Temple; the short key lets "Quebec City"
    meet Québec.
    """
    words = _normalise_words(text)
    short, dropped_area = _drop_affixes(words)
    literal = _join(words)
    return literal, (literal if short is words else _join(short)), dropped_area


def normalise_name(text: str) -> str:
    """Fold a place name to the key used for matching.

    NFKC, casefold, Latin accents to ASCII (CJK kept), apostrophes removed, punctuation to
    single spaces, Saint/Sankt/St. -> "st", leading/trailing administrative words dropped
    ("City of Perth", "Quebec City", "Bærum kommune"), and a trailing 市 stripped.
    """
    return _keys(text)[1]


def _is_cjk(text: str) -> bool:
    return bool(text) and _ALL_CJK.fullmatch(text) is not None


_IATA_LIKE = re.compile(r"[A-Z]{3}")


def _is_code(original: str) -> bool:
    """Alternative names like "SHA", "PRG", "FFM" are airport (IATA) codes, not names."""
    return len(original) == 3 and _IATA_LIKE.fullmatch(original) is not None


def _long_enough(normalised: str) -> bool:
    """Two Latin letters ("Ko", "Vi") match far too much; two CJK characters (上海, 北京) are
    a normal city name; one character of any script is not a name to match on."""
    length = len(normalised)
    return length > 2 or (length == 2 and _is_cjk(normalised))


def _spellings(name: str) -> Iterator[str]:
    """The name itself and, if it has umlauts or å, the transliterated spelling (ue, oe, aa)."""
    yield name
    if name.isascii():
        return
    composed = unicodedata.normalize("NFC", name)
    if _HAS_TRANSLITERABLE.search(composed):
        yield composed.translate(_TRANSLITERATE)


# --------------------------------------------------------------------------------------
# Records and the index
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    key: int  # the caller's id for the place (geonameid or DB pk)
    name: str
    country: str  # ISO2 upper-case
    population: int = 0
    alt_names: tuple[str, ...] = ()
    wikidata: str | None = None
    # Optional extras, used only to read qualifiers ("Columbus (Indiana)", "Futian (Shenzhen)"):
    # the first-level division code as GeoNames spells it ("OH", "02", "ENG") and coordinates.
    admin1: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    key: int
    how: str  # "wikidata" | "name" | "alternative" | "district"


_QID = re.compile(r"Q[1-9][0-9]*")


def _normalise_qid(value: str | None) -> str | None:
    """ "Q64", "q64" and "http://www.wikidata.org/entity/Q64" are one id; junk is None."""
    if not value:
        return None
    candidate = value.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return candidate if _QID.fullmatch(candidate) else None


# "Name (Qualifier)" at the end of the string.
_PAREN_QUALIFIER = re.compile(r"^(?P<main>[^()]*?)\s*\((?P<qualifier>[^()]+)\)\s*$")
# "Parent – Part" with a spaced dash: "Berlin – Mitte", "Wuxi – Binhu", "Vienna 1 – Innere Stadt".
_SPACED_DASH = re.compile(r"\s+[-–—]\s+")


def _split_qualifier(name: str) -> tuple[str, str, bool] | None:
    """(main part, qualifier, whether the qualifier came after a comma), or None.

    "Alsergrund (Vienna)", "Berlin – Mitte" and "Lahr/Schwarzwald" qualify by parent town,
    region or landscape; "Porcia, Friuli-Venezia Giulia" (Wikipedia's disambiguation style)
    by region.
    """
    paren = _PAREN_QUALIFIER.match(name)
    if paren is not None:
        main, qualifier, after_comma = paren["main"], paren["qualifier"], False
    elif "," in name:
        main, _, qualifier = name.partition(",")
        after_comma = True
    elif len(parts := _SPACED_DASH.split(name, maxsplit=1)) == 2:
        qualifier, main = parts
        after_comma = False
    elif "/" in name:
        # "Sulzbach/Saar", "Mühlhausen/Thüringen" (German official style), "Biel/Bienne".
        main, _, qualifier = name.partition("/")
        after_comma = False
    else:
        return None
    main, qualifier = main.strip(), qualifier.strip()
    if not main or not qualifier:
        return None
    return main, qualifier, after_comma


# Parenthesised qualifiers that name a kind of unit rather than a place.
# A unit around the town that is not the town (Polish rural gmina, Hungarian microregion) is
# not in a cities table, so such a name does not resolve.
_QUALIFIER_OTHER_UNIT = frozenset({"rural gmina", "microregion", "region", "province", "state"})
# A unit named after its town (German Landkreis, French communauté): trusted like
# "X District" (see _AREA_NOT_TOWN and PlaceIndex._lookup).
_QUALIFIER_AREA = frozenset(
    {"district", "county", "borough", "gmina", "communaute", "landkreis", "kreis"}
)
# Qualifiers that only repeat what the main part is.
_QUALIFIER_SAME = frozenset({"city", "town", "municipality", "commune", "urban gmina"})

# Countries where "X County" / "X District" is, as a rule, not the town X: US counties and
# Chinese districts/counties are separate units and share names with towns elsewhere in the
# country (in twinnings.csv, 9 of 10 US and 5 of 7 Chinese such matches were another place).
_AREA_NOT_TOWN = frozenset({"US", "CN"})

# A town qualified by its parent town ("Futian (Shenzhen)") must be within this distance of
# it, or it is a namesake elsewhere in the same province ("Chaoyang (Changchun)").
_NEAR_PARENT_KM = 100.0

# Generic words around a region name that do not change which region is meant.
_REGION_GENERIC = frozenset(
    {"state", "province", "voivodeship", "region", "land", "canton", "autonomous", "prefecture"}
)


def _region_key(text: str) -> str:
    """Literal key of a region name without generic words ("Lower Silesian Voivodeship")."""
    words = _keys(text)[0].split()
    while len(words) > 1 and words[-1] in _REGION_GENERIC:
        words.pop()
    while len(words) > 1 and (words[0] in _REGION_GENERIC or words[0] == "of"):
        words.pop(0)
    return " ".join(words)


# First-level divisions by name, for reading "Town, Region" and "Town (Region)" qualifiers.
# Codes are GeoNames admin1 codes (checked against cities15000: the largest city of each
# code is in the named division). Limited to the project's focus countries.
_ADMIN1_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "US": {
        "AL": ("Alabama", "Ala."),
        "AK": ("Alaska",),
        "AZ": ("Arizona", "Ariz."),
        "AR": ("Arkansas", "Ark."),
        "CA": ("California", "Calif."),
        "CO": ("Colorado", "Colo."),
        "CT": ("Connecticut", "Conn."),
        "DE": ("Delaware", "Del."),
        "DC": ("District of Columbia", "D.C.", "Washington, D.C."),
        "FL": ("Florida", "Fla."),
        "GA": ("Georgia", "Ga."),
        "HI": ("Hawaii",),
        "ID": ("Idaho",),
        "IL": ("Illinois", "Ill."),
        "IN": ("Indiana", "Ind."),
        "IA": ("Iowa",),
        "KS": ("Kansas", "Kan."),
        "KY": ("Kentucky", "Ky."),
        "LA": ("Louisiana",),
        "ME": ("Maine",),
        "MD": ("Maryland", "Md."),
        "MA": ("Massachusetts", "Mass."),
        "MI": ("Michigan", "Mich."),
        "MN": ("Minnesota", "Minn."),
        "MS": ("Mississippi", "Miss."),
        "MO": ("Missouri",),
        "MT": ("Montana", "Mont."),
        "NE": ("Nebraska", "Neb."),
        "NV": ("Nevada", "Nev."),
        "NH": ("New Hampshire", "N.H."),
        "NJ": ("New Jersey", "N.J."),
        "NM": ("New Mexico", "N.M."),
        "NY": ("New York", "New York State", "N.Y."),
        "NC": ("North Carolina", "N.C."),
        "ND": ("North Dakota", "N.D."),
        "OH": ("Ohio",),
        "OK": ("Oklahoma", "Okla."),
        "OR": ("Oregon", "Ore."),
        "PA": ("Pennsylvania", "Pa."),
        "RI": ("Rhode Island", "R.I."),
        "SC": ("South Carolina", "S.C."),
        "SD": ("South Dakota", "S.D."),
        "TN": ("Tennessee", "Tenn."),
        "TX": ("Texas", "Tex."),
        "UT": ("Utah",),
        "VT": ("Vermont",),
        "VA": ("Virginia",),
        "WA": ("Washington", "Washington State", "Wash."),
        "WV": ("West Virginia", "W.Va."),
        "WI": ("Wisconsin", "Wis."),
        "WY": ("Wyoming",),
    },
    "CA": {
        "01": ("Alberta", "AB"),
        "02": ("British Columbia", "BC"),
        "03": ("Manitoba", "MB"),
        "04": ("New Brunswick", "NB", "Nouveau-Brunswick"),
        "05": ("Newfoundland and Labrador", "Newfoundland", "NL"),
        "07": ("Nova Scotia", "NS"),
        "08": ("Ontario", "ON"),
        "09": ("Prince Edward Island", "PE", "PEI"),
        "10": ("Quebec", "QC"),
        "11": ("Saskatchewan", "SK"),
        "12": ("Yukon", "YT"),
        "13": ("Northwest Territories", "NT"),
        "14": ("Nunavut", "NU"),
    },
    "MX": {
        "01": ("Aguascalientes",),
        "02": ("Baja California",),
        "03": ("Baja California Sur",),
        "04": ("Campeche",),
        "05": ("Chiapas",),
        "06": ("Chihuahua",),
        "07": ("Coahuila",),
        "08": ("Colima",),
        "10": ("Durango",),
        "11": ("Guanajuato",),
        "12": ("Guerrero",),
        "13": ("Hidalgo",),
        "14": ("Jalisco",),
        "15": ("State of Mexico", "Estado de México"),
        "16": ("Michoacán",),
        "17": ("Morelos",),
        "18": ("Nayarit",),
        "19": ("Nuevo León",),
        "20": ("Oaxaca",),
        "21": ("Puebla",),
        "22": ("Querétaro",),
        "23": ("Quintana Roo",),
        "24": ("San Luis Potosí",),
        "25": ("Sinaloa",),
        "26": ("Sonora",),
        "27": ("Tabasco",),
        "28": ("Tamaulipas",),
        "29": ("Tlaxcala",),
        "30": ("Veracruz",),
        "31": ("Yucatán",),
        "32": ("Zacatecas",),
    },
    "GB": {
        "ENG": ("England",),
        "SCT": ("Scotland",),
        "WLS": ("Wales",),
        "NIR": ("Northern Ireland",),
    },
    "DE": {
        "01": ("Baden-Württemberg",),
        "02": ("Bavaria", "Bayern"),
        "03": ("Bremen",),
        "04": ("Hamburg",),
        "05": ("Hesse", "Hessen"),
        "06": ("Lower Saxony", "Niedersachsen"),
        "07": ("North Rhine-Westphalia", "Nordrhein-Westfalen", "NRW"),
        "08": ("Rhineland-Palatinate", "Rheinland-Pfalz"),
        "09": ("Saarland",),
        "10": ("Schleswig-Holstein",),
        "11": ("Brandenburg",),
        "12": ("Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
        "13": ("Saxony", "Sachsen"),
        "14": ("Saxony-Anhalt", "Sachsen-Anhalt", "Anhalt"),
        "15": ("Thuringia", "Thüringen"),
        "16": ("Berlin",),
    },
    "AT": {
        "01": ("Burgenland",),
        "02": ("Carinthia", "Kärnten"),
        "03": ("Lower Austria", "Niederösterreich"),
        "04": ("Upper Austria", "Oberösterreich"),
        "05": ("Salzburg",),
        "06": ("Styria", "Steiermark"),
        "07": ("Tyrol", "Tirol"),
        "08": ("Vorarlberg",),
        "09": ("Vienna", "Wien"),
    },
    "CH": {
        "AG": ("Aargau",),
        "AI": ("Appenzell Innerrhoden",),
        "AR": ("Appenzell Ausserrhoden",),
        "BE": ("Bern", "Berne"),
        "BL": ("Basel-Landschaft", "Basel-Land"),
        "BS": ("Basel-Stadt",),
        "FR": ("Fribourg", "Freiburg"),
        "GE": ("Geneva", "Genève", "Genf"),
        "GL": ("Glarus",),
        "GR": ("Graubünden", "Grisons"),
        "JU": ("Jura",),
        "LU": ("Lucerne", "Luzern"),
        "NE": ("Neuchâtel",),
        "NW": ("Nidwalden",),
        "OW": ("Obwalden",),
        "SG": ("St. Gallen",),
        "SH": ("Schaffhausen",),
        "SO": ("Solothurn",),
        "SZ": ("Schwyz",),
        "TG": ("Thurgau",),
        "TI": ("Ticino", "Tessin"),
        "UR": ("Uri",),
        "VD": ("Vaud",),
        "VS": ("Valais", "Wallis"),
        "ZG": ("Zug",),
        "ZH": ("Zürich", "Zurich"),
    },
    "IT": {
        "01": ("Abruzzo",),
        "02": ("Basilicata",),
        "03": ("Calabria",),
        "04": ("Campania",),
        "05": ("Emilia-Romagna",),
        "06": ("Friuli-Venezia Giulia",),
        "07": ("Lazio", "Latium"),
        "08": ("Liguria",),
        "09": ("Lombardy", "Lombardia"),
        "10": ("Marche",),
        "11": ("Molise",),
        "12": ("Piedmont", "Piemonte"),
        "13": ("Apulia", "Puglia"),
        "14": ("Sardinia", "Sardegna"),
        "15": ("Sicily", "Sicilia"),
        "16": ("Tuscany", "Toscana"),
        "17": ("Trentino-Alto Adige", "Trentino-South Tyrol", "Trentino-Südtirol"),
        "18": ("Umbria",),
        "19": ("Aosta Valley", "Valle d'Aosta"),
        "20": ("Veneto",),
    },
    "ES": {
        "07": ("Balearic Islands", "Illes Balears"),
        "27": ("La Rioja",),
        "29": ("Community of Madrid", "Comunidad de Madrid"),
        "31": ("Region of Murcia",),
        "32": ("Navarre", "Navarra"),
        "34": ("Asturias",),
        "39": ("Cantabria",),
        "51": ("Andalusia", "Andalucía"),
        "52": ("Aragon", "Aragón"),
        "53": ("Canary Islands", "Canarias"),
        "54": ("Castilla-La Mancha", "Castile-La Mancha"),
        "55": ("Castile and León", "Castilla y León"),
        "56": ("Catalonia", "Catalunya", "Cataluña"),
        "57": ("Extremadura",),
        "58": ("Galicia",),
        "59": ("Basque Country", "País Vasco", "Euskadi"),
        "60": ("Valencian Community", "Comunitat Valenciana"),
    },
    "FR": {
        "11": ("Île-de-France",),
        "24": ("Centre-Val de Loire",),
        "27": ("Bourgogne-Franche-Comté",),
        "28": ("Normandy", "Normandie"),
        "32": ("Hauts-de-France",),
        "44": ("Grand Est",),
        "52": ("Pays de la Loire",),
        "53": ("Brittany", "Bretagne"),
        "75": ("Nouvelle-Aquitaine",),
        "76": ("Occitanie", "Occitania"),
        "84": ("Auvergne-Rhône-Alpes",),
        "93": ("Provence-Alpes-Côte d'Azur",),
        "94": ("Corsica", "Corse"),
    },
    "PL": {
        "72": ("Lower Silesian", "Dolnośląskie"),
        "73": ("Kuyavian-Pomeranian", "Kujawsko-Pomorskie"),
        "74": ("Łódź Voivodeship",),
        "75": ("Lublin Voivodeship",),
        "76": ("Lubusz", "Lubuskie"),
        "77": ("Lesser Poland", "Małopolskie"),
        "78": ("Masovian", "Mazowieckie"),
        "79": ("Opole Voivodeship",),
        "80": ("Subcarpathian", "Podkarpackie"),
        "81": ("Podlaskie",),
        "82": ("Pomeranian", "Pomorskie"),
        "83": ("Silesian", "Śląskie"),
        "84": ("Świętokrzyskie", "Holy Cross"),
        "85": ("Warmian-Masurian", "Warmińsko-Mazurskie"),
        "86": ("Greater Poland", "Wielkopolskie"),
        "87": ("West Pomeranian", "Zachodniopomorskie"),
    },
    "NL": {
        "01": ("Drenthe",),
        "02": ("Friesland", "Fryslân"),
        "03": ("Gelderland",),
        "04": ("Groningen Province",),
        "05": ("Limburg",),
        "06": ("North Brabant", "Noord-Brabant"),
        "07": ("North Holland", "Noord-Holland"),
        "09": ("Utrecht Province",),
        "10": ("Zeeland",),
        "11": ("South Holland", "Zuid-Holland"),
        "15": ("Overijssel",),
        "16": ("Flevoland",),
    },
    "AU": {
        "01": ("Australian Capital Territory", "ACT"),
        "02": ("New South Wales", "NSW"),
        "03": ("Northern Territory",),
        "04": ("Queensland", "QLD"),
        "05": ("South Australia",),
        "06": ("Tasmania",),
        "07": ("Victoria",),
        "08": ("Western Australia",),
    },
    "CN": {
        "01": ("Anhui",),
        "02": ("Zhejiang",),
        "03": ("Jiangxi",),
        "04": ("Jiangsu",),
        "05": ("Jilin Province",),
        "06": ("Qinghai",),
        "07": ("Fujian",),
        "08": ("Heilongjiang",),
        "09": ("Henan",),
        "10": ("Hebei",),
        "11": ("Hunan",),
        "12": ("Hubei",),
        "13": ("Xinjiang",),
        "14": ("Tibet", "Xizang"),
        "15": ("Gansu",),
        "16": ("Guangxi",),
        "18": ("Guizhou",),
        "19": ("Liaoning",),
        "20": ("Inner Mongolia", "Nei Mongol"),
        "21": ("Ningxia",),
        "22": ("Beijing",),
        "23": ("Shanghai",),
        "24": ("Shanxi",),
        "25": ("Shandong",),
        "26": ("Shaanxi",),
        "28": ("Tianjin",),
        "29": ("Yunnan",),
        "30": ("Guangdong",),
        "31": ("Hainan",),
        "32": ("Sichuan",),
        "33": ("Chongqing",),
    },
}

_ADMIN1_BY_KEY: dict[tuple[str, str], str] = {
    (country, _region_key(name)): code
    for country, divisions in _ADMIN1_NAMES.items()
    for code, names in divisions.items()
    # US postal abbreviations are common qualifiers ("Portland, OR") and are the GeoNames
    # codes themselves; Canadian ones are listed among the names above.
    for name in (*names, *((code,) if country == "US" else ()))
}


_EARTH_DIAMETER_KM = 12742.0


def _distance_km(a: PlaceRecord, b: PlaceRecord) -> float | None:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return _EARTH_DIAMETER_KM * math.asin(min(1.0, math.sqrt(h)))


# Source coordinates pick among the namesakes of one step only when a candidate lies this
# close to them (haversine). Otherwise the largest still wins: twinning lists also give the
# coordinates of a European namesake for "Dublin, US" or "Florence, US".
_TIE_BREAK_KM = 30.0
# The haversine term h for that distance: d <= 30 km exactly when h <= sin²(30 km / 2R).
_TIE_BREAK_H = math.sin(_TIE_BREAK_KM / _EARTH_DIAMETER_KM) ** 2

# A point as the tie-break uses it: latitude and longitude in radians, cosine of latitude.
_Point = tuple[float, float, float]


def _point(latitude: float | None, longitude: float | None) -> _Point | None:
    """The point at these coordinates (degrees), or None if either is missing or invalid."""
    if latitude is None or longitude is None:
        return None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return None
    # Also refuses NaN, which compares false with everything.
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    lat, lon = math.radians(lat), math.radians(lon)
    return lat, lon, math.cos(lat)


def _within_tie_break(a: _Point, b: _Point) -> bool:
    h = math.sin((b[0] - a[0]) / 2) ** 2 + a[2] * b[2] * math.sin((b[1] - a[1]) / 2) ** 2
    return h <= _TIE_BREAK_H


class PlaceIndex:
    """All known places, looked up by normalised name within a country."""

    __slots__ = ("_alternative", "_by_key", "_points", "_primary", "_records", "_wikidata")

    def __init__(self, records: Iterable[PlaceRecord] = ()) -> None:
        self._records: list[PlaceRecord] = []
        # By record position: the record's point for the tie-break, None without coordinates.
        self._points: list[_Point | None] = []
        self._by_key: dict[int, int] = {}
        self._wikidata: dict[str, int] = {}
        # "CC|key" -> record positions, best first (largest population, then lowest key).
        self._primary: dict[str, list[int]] = {}
        self._alternative: dict[str, list[int]] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: PlaceRecord) -> None:
        """Index one place. Keys must be unique."""
        if record.key in self._by_key:
            raise ValueError(f"place key {record.key!r} is already in the index")
        position = len(self._records)
        self._records.append(record)
        self._points.append(_point(record.latitude, record.longitude))
        self._by_key[record.key] = position
        qid = _normalise_qid(record.wikidata)
        if qid is not None:
            self._wikidata.setdefault(qid, position)

        prefix = record.country.upper() + "|"
        primary = _index_keys((record.name,), is_alternative=False)
        for key in primary:
            self._insert(self._primary, prefix + key, position)
        for key in _index_keys(record.alt_names, is_alternative=True) - primary:
            self._insert(self._alternative, prefix + key, position)

    def _insert(self, table: dict[str, list[int]], key: str, position: int) -> None:
        positions = table.get(key)
        if positions is None:
            table[key] = [position]
            return
        positions.append(position)
        records = self._records
        positions.sort(key=lambda p: (-records[p].population, records[p].key))

    # ----------------------------------------------------------------------------------
    # Resolution
    # ----------------------------------------------------------------------------------

    def resolve(
        self,
        name: str,
        country: str,
        wikidata: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
    ) -> Resolution | None:
        """The place meant by ``name`` in ``country`` (ISO2), or None.

        1. the wikidata id, if given, known and in the same country;
        2. the normalised primary name in the country;
        3. a normalised alternative name in the country; within a step the largest place
           wins (ties: lowest key), and a primary-name match always beats an alternative;
        4. "Main (Qualifier)", "Main, Qualifier", "Parent – Main", "Main/Qualifier": the
           full string first, then the main part (read with the qualifier, see
           ``_resolve_qualified``), then, only for a main part that is not known, the
           qualifier town itself as ``how="district"``.

        ``lat``/``lon`` (degrees) are the source's coordinates for the name. They only break
        ties between the candidates of the step that matched (one name, one level): the
        largest candidate within 30 km of them wins instead of the largest overall. If no
        candidate is that close (the source may give a namesake's coordinates), or the pair
        is missing or invalid, the largest wins as without them. Records without coordinates
        are never picked by the tie-break, and the coordinates never pull in a candidate of a
        later step or of another name, nor make a name that must be unambiguous resolve.
        """
        country = (country or "").strip().upper()
        if not country or not name or not name.strip():
            return None
        point = _point(lat, lon)
        qid = _normalise_qid(wikidata)
        if qid is not None:
            position = self._wikidata.get(qid)
            if position is not None and self._records[position].country.upper() == country:
                return Resolution(self._records[position].key, "wikidata")

        found = self._lookup(name, country, point=point)
        if found is not None:
            return found
        return self._resolve_qualified(name, country, point)

    def _resolve_qualified(
        self, name: str, country: str, point: _Point | None
    ) -> Resolution | None:
        split = _split_qualifier(name)
        if split is None:
            return None
        main, qualifier, after_comma = split

        # "(rural gmina)", "(district)", "(city)": the kind of unit, not a place.
        kind = _keys(qualifier)[0]
        if kind in _QUALIFIER_OTHER_UNIT:
            return None
        if kind in _QUALIFIER_AREA:
            return self._lookup(main, country, area=True)
        if kind in _QUALIFIER_SAME:
            return self._lookup(main, country, point=point)

        # "Columbus (Indiana)", "Friedberg, Hesse": the main part inside that division. If it
        # is not there, a parenthesised city-state may still be the parent town
        # ("Mitte (Hamburg)", "Haidian (Beijing)"); after a comma it is the region.
        admin1 = _ADMIN1_BY_KEY.get((country, _region_key(qualifier)))
        if admin1 is not None:
            found = self._lookup(main, country, admin1=admin1, point=point)
            if found is not None or after_comma:
                return found
            return self._as_district(qualifier, country, point)

        # "Alsergrund (Vienna)", "Futian (Shenzhen)": the main part in the parent town's
        # division and near it; a namesake elsewhere is another place, so the parent it is.
        # The coordinates are the part's, so they also tell namesake parents apart.
        parent = self._lookup(qualifier, country, town_only=True, point=point)
        if parent is not None:
            near = self._records[self._by_key[parent.key]]
            found = self._lookup(main, country, near=near, point=point)
            if found is not None:
                return found
            # After a comma the qualifier is usually a province sharing its capital's name
            # ("Almagro, Ciudad Real"); only an explicit city ("Cap-Rouge, Quebec City") is
            # read as the parent town.
            if after_comma and not _says_city(qualifier):
                return None
            return Resolution(parent.key, "district")

        # Unknown qualifier ("Wellington, Shropshire", "Menden (Sauerland)"): it was written to
        # tell namesakes apart and we cannot read it, so only an unambiguous primary name.
        return self._lookup(main, country, unique=True, primary_only=True)

    def _as_district(self, qualifier: str, country: str, point: _Point | None) -> Resolution | None:
        parent = self._lookup(qualifier, country, town_only=True, point=point)
        return None if parent is None else Resolution(parent.key, "district")

    def _lookup(
        self,
        name: str,
        country: str,
        *,
        admin1: str | None = None,
        near: PlaceRecord | None = None,
        unique: bool = False,
        primary_only: bool = False,
        area: bool = False,
        town_only: bool = False,
        point: _Point | None = None,
    ) -> Resolution | None:
        """Primary, then alternative name in the country; each by literal key, then short key.

        ``admin1`` keeps one first-level division; ``near`` keeps places in the division of
        and near that place; ``unique`` refuses a step with several candidates; ``area``
        says the name is an area named after a town ("Kulmbach (district)"); ``town_only``
        refuses to read an area as its town (a qualifier "Česká Lípa District" is not a town).
        ``point`` breaks ties among the candidates of the first step that has any (see
        ``_tie_break``); it never makes a later step win.
        """
        literal, short, dropped_area = _keys(name)
        if not short:
            return None
        if area:
            keys = []  # an area named after a town: only the last resort below
        elif short == literal or dropped_area:
            keys = [literal]
        else:
            keys = [literal, short]  # "Temple City" before "Temple"
        attempts = [
            (table, how, key, unique)
            for table, how in ((self._primary, "name"), (self._alternative, "alternative"))
            if not (primary_only and how == "alternative")
            for key in keys
        ]
        if (area or dropped_area) and country not in _AREA_NOT_TOWN and not town_only:
            # Last resort: "Nowy Sącz County" is read as Nowy Sącz, but only as the town's own
            # name and if that is unambiguous: "Arlington County" is not whichever Arlington
            # is largest.
            attempts.append((self._primary, "name", literal if area else short, True))
        records = self._records
        for table, how, key, must_be_unique in attempts:
            positions = table.get(f"{country}|{key}")
            if not positions:
                continue
            if admin1 is not None:
                positions = [p for p in positions if records[p].admin1 == admin1]
            if near is not None:
                positions = [p for p in positions if _near(records[p], near)]
            if not positions:
                continue
            if must_be_unique and len(positions) > 1:
                return None
            best = positions[0]
            if point is not None and len(positions) > 1:
                best = self._tie_break(positions, point)
            return Resolution(records[best].key, how)
        return None

    def _tie_break(self, positions: list[int], point: _Point) -> int:
        """The largest candidate within ``_TIE_BREAK_KM`` of ``point``, else the largest.

        ``positions`` are best first (largest population, then lowest key), so the first
        candidate close enough is the largest of those close enough.
        """
        points = self._points
        for position in positions:
            candidate = points[position]
            if candidate is not None and _within_tie_break(point, candidate):
                return position
        return positions[0]


def _says_city(text: str) -> bool:
    """Whether a name calls itself a city: "Quebec City", "City of Perth"."""
    words = _keys(text)[0].split()
    return len(words) > 1 and "city" in (words[0], words[-1])


def _near(record: PlaceRecord, parent: PlaceRecord) -> bool:
    """Same first-level division as ``parent`` (when both know it) and within reach of it."""
    if record.admin1 and parent.admin1 and record.admin1 != parent.admin1:
        return False
    distance = _distance_km(record, parent)
    return distance is None or distance <= _NEAR_PARENT_KM


def _index_keys(names: Iterable[str], *, is_alternative: bool) -> set[str]:
    """Every key a place is found by under these names.

    Each name gives its literal key and its short key (administrative words dropped), and
    for umlauts also the transliterated spelling (Muenchen). A short key that needed an area
    word dropped ("Borough Park" -> "park") is not indexed: it names something else.
    """
    keys: set[str] = set()
    for name in names:
        if not name or (is_alternative and len(name) == 3 and _is_code(name)):
            continue
        for spelling in (name,) if name.isascii() else _spellings(name):
            literal, short, dropped_area = _keys(spelling)
            for key in (literal,) if dropped_area or short == literal else (literal, short):
                if key and (not is_alternative or _long_enough(key)):
                    keys.add(key)
    return keys


# --------------------------------------------------------------------------------------
# GeoNames
# --------------------------------------------------------------------------------------


def records_from_geonames_csv(path: str | PathLike[str]) -> Iterator[PlaceRecord]:
    """Places from the bundled GeoNames extract (cities15000, CC BY 4.0).

    Columns: geonameid, name, country_code, admin1_code, latitude, longitude, population,
    timezone, alt_names_latin, alt_names_zh (alternative names ``|``-separated).
    """
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        column = {name: i for i, name in enumerate(next(rows, []))}
        key, name, country = column["geonameid"], column["name"], column["country_code"]
        population, admin1 = column["population"], column.get("admin1_code")
        latitude, longitude = column.get("latitude"), column.get("longitude")
        latin, chinese = column.get("alt_names_latin"), column.get("alt_names_zh")
        for row in rows:
            if not row:
                continue
            alt_names = tuple(
                alt
                for i in (latin, chinese)
                if i is not None and row[i]
                for alt in row[i].split("|")
                if alt
            )
            yield PlaceRecord(
                key=int(row[key]),
                name=row[name],
                country=row[country].upper(),
                population=int(row[population] or 0),
                alt_names=alt_names,
                wikidata=None,
                admin1=row[admin1] if admin1 is not None else "",
                latitude=_float_or_none(row[latitude]) if latitude is not None else None,
                longitude=_float_or_none(row[longitude]) if longitude is not None else None,
            )


def _float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
