"""Generate N synthetic experience reports (cases) into a separate twinwise database.

    python bench/generate_cases.py                      # 1,000,000 cases; reuse if it matches
    python bench/generate_cases.py --cases 200000       # a smaller database
    python bench/generate_cases.py --rebuild            # always start from scratch

What it builds, in `bench/out/cases-data/` (gitignored; TWINWISE_DATA_DIR points there),
separate from the registry benchmark's database:

1. `twinwise migrate` on an empty file, then the countries through the real service
   (`countries_load()`); organisations carry a country and no place (places are not needed
   by the case list).
2. 2,000 member organisations (90% verified), 3 users each (the first an admin, two
   officers), populations log-normal around 100k.
3. N cases of twinwise's own schema, inserted with raw `executemany` in big batches inside
   one transaction. The secondary indexes of the case tables are dropped first and
   recreated from their own DDL; the FTS5 insert trigger of migration 0002 is dropped for
   the load, the index is rebuilt once with `INSERT INTO cases_case_fts(cases_case_fts)
   VALUES ('rebuild')` (what the migration itself does) and the trigger is recreated from
   the migration's own SQL — the final schema is twinwise's. Distributions:
   - organisation: Zipf-like (a few active cities report a lot, most a little);
   - tlp: clear 15%, green 35%, amber 25%, amber-strict 15%, red 10%;
   - state: published 88%, draft 4%, pending 3%, returned 1%, withdrawn 4%;
   - amber cases name 1–3 recipient organisations, red cases 1–2 recipient users;
   - anonymous 15%; 1–3 topics, a case type, a response type, a counterpart kind from the
     taxonomies; year 2008–2026 weighted towards recent years, 8% unknown;
   - text: title, summary, demand and response drawn from 138 sentence templates in
     English, German and French (language 60/25/15%), with slots for cities, counterparts,
     events and subjects, so the FTS index holds real words ("Konsulat", "drapeau", "film",
     "Taiwan", "Tibet"…).
4. `twinwise.core.db.refresh_statistics()` (ANALYZE), as twinwise's own loaders do.

A marker file (`bench-marker.json`, written last) records N, the seed and the generator
version; a rerun with the same values reuses the database.
"""

import argparse
import importlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DEFAULT_DATA_DIR = BENCH_DIR / "out" / "cases-data"
GENERATOR_VERSION = 1
DEFAULT_CASES = 1_000_000
DEFAULT_SEED = 20260301
ORGANISATIONS = 2_000
USERS_PER_ORG = 3
BATCH = 50_000
CREATED = "2026-01-01 00:00:00"

TLP = {"clear": 0.15, "green": 0.35, "amber": 0.25, "amber-strict": 0.15, "red": 0.10}
STATES = {"published": 0.88, "draft": 0.04, "pending": 0.03, "returned": 0.01, "withdrawn": 0.04}
LANGUAGES = {"en": 0.60, "de": 0.25, "fr": 0.15}
ORG_COUNTRIES = {
    "DE": 0.22, "FR": 0.12, "GB": 0.10, "IT": 0.07, "NL": 0.06, "SE": 0.05, "CZ": 0.05,
    "PL": 0.05, "AT": 0.04, "BE": 0.04, "CH": 0.04, "ES": 0.04, "DK": 0.03, "FI": 0.03,
    "NO": 0.03, "US": 0.03,
}  # fmt: skip

# -- text ----------------------------------------------------------------------------------

CITIES = (
    "Shanghai", "Beijing", "Shenzhen", "Chongqing", "Chengdu", "Wuhan", "Xi'an", "Nanjing",
    "Hangzhou", "Qingdao", "Tianjin", "Guangzhou", "Suzhou", "Harbin", "Kunming", "Dalian",
    "Xiamen", "Ningbo", "Changsha", "Shenyang", "Lhasa", "Urumqi", "Taipei", "Hong Kong",
)  # fmt: skip
SUBJECTS = {
    "en": ("Taiwan", "Tibet", "Xinjiang", "Hong Kong", "the Dalai Lama", "Falun Gong",
           "Tiananmen", "human rights", "the Uyghurs", "a dissident artist"),
    "de": ("Taiwan", "Tibet", "Xinjiang", "Hongkong", "den Dalai Lama", "Falun Gong",
           "Tiananmen", "Menschenrechte", "die Uiguren", "einen Dissidenten"),
    "fr": ("Taïwan", "le Tibet", "le Xinjiang", "Hong Kong", "le dalaï-lama", "Falun Gong",
           "Tiananmen", "les droits de l'homme", "les Ouïghours", "un artiste dissident"),
}  # fmt: skip
EVENTS = {
    "en": ("a film screening", "a flag-raising ceremony", "a photo exhibition",
           "a panel discussion", "a student exchange", "a trade fair", "a concert",
           "a book reading", "a city festival", "a council debate"),
    "de": ("eine Filmvorführung", "eine Fahnenhissung", "eine Fotoausstellung",
           "eine Podiumsdiskussion", "einen Schüleraustausch", "eine Handelsmesse",
           "ein Konzert", "eine Lesung", "ein Stadtfest", "eine Ratsdebatte"),
    "fr": ("la projection d'un film", "une levée de drapeau", "une exposition de photos",
           "une table ronde", "un échange scolaire", "un salon commercial", "un concert",
           "une lecture publique", "une fête de la ville", "un débat au conseil"),
}  # fmt: skip
COUNTERPARTS = {
    "en": ("the Chinese consulate", "the embassy of the PRC", "the foreign affairs office of {city}",
           "the people's government of {city}", "the friendship association of {city}",
           "the Confucius Institute", "a state-owned company from {city}", "the partner city {city}"),
    "de": ("das chinesische Konsulat", "die Botschaft der Volksrepublik", "das Außenamt von {city}",
           "die Stadtregierung von {city}", "die Freundschaftsgesellschaft {city}",
           "das Konfuzius-Institut", "ein Staatsunternehmen aus {city}", "die Partnerstadt {city}"),
    "fr": ("le consulat de Chine", "l'ambassade de la RPC", "le bureau des affaires étrangères de {city}",
           "le gouvernement populaire de {city}", "l'association d'amitié de {city}",
           "l'Institut Confucius", "une entreprise d'État de {city}", "la ville jumelle {city}"),
}  # fmt: skip
TITLES = {
    "en": (
        "Consulate asks city to cancel {event}",
        "Request to remove the Tibetan flag from the town hall",
        "Partner city objects to {event} about {subject}",
        "Embassy letter on {subject} before the mayor's visit",
        "Pressure to drop a film about {subject}",
        "{city} suspends exchange after council motion on {subject}",
        "Invitation to sign a joint statement on {subject}",
        "Delegation from {city} demands changes to {event}",
        "Complaint about the Taiwan flag at {event}",
        "Offer of funding tied to silence on {subject}",
        "Visit of the Dalai Lama: warning from the consulate",
        "Request for data on Chinese students in the city",
        "Threat to end the twinning with {city}",
        "Confucius Institute asks to vet {event}",
        "Consulate calls about a mural supporting {subject}",
    ),
    "de": (
        "Konsulat verlangt Absage von {event}",
        "Forderung, die Tibet-Flagge am Rathaus abzunehmen",
        "Partnerstadt {city} protestiert gegen {event}",
        "Brief der Botschaft zu {subject} vor dem Besuch des Bürgermeisters",
        "Druck, einen Film über {subject} abzusetzen",
        "{city} setzt Austausch nach Ratsbeschluss zu {subject} aus",
        "Einladung zu einer gemeinsamen Erklärung über {subject}",
        "Delegation aus {city} fordert Änderungen an {event}",
        "Beschwerde über die Taiwan-Flagge bei {event}",
        "Fördergeld gegen Schweigen zu {subject}",
        "Besuch des Dalai Lama: Warnung des Konsulats",
        "Anfrage nach Daten über chinesische Studierende",
        "Drohung, die Städtepartnerschaft mit {city} zu beenden",
        "Konfuzius-Institut will {event} prüfen",
        "Anruf des Konsulats wegen eines Wandbilds zu {subject}",
    ),
    "fr": (
        "Le consulat demande l'annulation d'{event}",
        "Demande de retirer le drapeau tibétain de la mairie",
        "La ville jumelle {city} proteste contre {event}",
        "Lettre de l'ambassade sur {subject} avant la visite du maire",
        "Pressions pour déprogrammer un film sur {subject}",
        "{city} suspend l'échange après une motion sur {subject}",
        "Invitation à signer une déclaration commune sur {subject}",
        "Une délégation de {city} exige des changements pour {event}",
        "Plainte contre le drapeau de Taïwan lors d'{event}",
        "Financement proposé contre le silence sur {subject}",
        "Visite du dalaï-lama : avertissement du consulat",
        "Demande de données sur les étudiants chinois de la ville",
        "Menace de mettre fin au jumelage avec {city}",
        "L'Institut Confucius veut contrôler {event}",
        "Appel du consulat au sujet d'une fresque sur {subject}",
    ),
}
SUMMARIES = {
    "en": (
        "In the weeks before {event}, {cp} contacted the international office several times.",
        "The call came two days after the local press reported on {subject}.",
        "{cp} said the planned programme would hurt the feelings of the Chinese people.",
        "The request was made orally during a meeting and later repeated by email.",
        "A member of the council had invited speakers on {subject} to the town hall.",
        "The city had hosted {event} every year since the partnership was signed.",
        "{cp} linked the request to the renewal of the partnership with {city}.",
        "Local groups had raised the Tibetan flag on 10 March, as in previous years.",
        "A cinema run by the city planned to show a documentary film about {subject}.",
        "The mayor was due to travel to {city} with a business delegation.",
        "Staff were asked not to put anything in writing.",
        "Several other cities in the network received similar letters that month.",
        "The exchange programme with {city} involves schools and the university.",
        "A journalist asked the city for comment after the story spread online.",
        "The consulate offered to cover the costs of the next delegation trip.",
    ),
    "de": (
        "In den Wochen vor {event} meldete sich {cp} mehrmals beim Büro für Internationales.",
        "Der Anruf kam zwei Tage nach einem Zeitungsbericht über {subject}.",
        "{cp} erklärte, das Programm verletze die Gefühle des chinesischen Volkes.",
        "Die Forderung wurde mündlich in einem Gespräch gestellt und per E-Mail wiederholt.",
        "Ein Ratsmitglied hatte Redner zu {subject} ins Rathaus eingeladen.",
        "Die Stadt veranstaltet {event} seit Beginn der Partnerschaft jedes Jahr.",
        "{cp} verknüpfte die Forderung mit der Verlängerung der Partnerschaft mit {city}.",
        "Örtliche Gruppen hatten am 10. März wie jedes Jahr die Tibet-Flagge gehisst.",
        "Ein städtisches Kino wollte einen Dokumentarfilm über {subject} zeigen.",
        "Der Oberbürgermeister sollte mit einer Wirtschaftsdelegation nach {city} reisen.",
        "Die Mitarbeitenden wurden gebeten, nichts schriftlich festzuhalten.",
        "Mehrere Städte im Netzwerk erhielten im selben Monat ähnliche Schreiben.",
        "Am Austausch mit {city} sind Schulen und die Universität beteiligt.",
        "Eine Journalistin bat die Stadt um eine Stellungnahme.",
        "Das Konsulat bot an, die Kosten der nächsten Delegationsreise zu übernehmen.",
    ),
    "fr": (
        "Dans les semaines précédant {event}, {cp} a contacté plusieurs fois le service international.",
        "L'appel est arrivé deux jours après un article de presse sur {subject}.",
        "{cp} a déclaré que le programme blesserait les sentiments du peuple chinois.",
        "La demande a été faite oralement lors d'une réunion, puis répétée par courriel.",
        "Un conseiller municipal avait invité des intervenants sur {subject} à la mairie.",
        "La ville organise {event} chaque année depuis la signature du jumelage.",
        "{cp} a lié la demande au renouvellement du partenariat avec {city}.",
        "Des associations locales avaient hissé le drapeau tibétain le 10 mars.",
        "Un cinéma municipal prévoyait de projeter un film documentaire sur {subject}.",
        "Le maire devait se rendre à {city} avec une délégation économique.",
        "Il a été demandé au personnel de ne rien mettre par écrit.",
        "Plusieurs villes du réseau ont reçu des lettres semblables ce mois-là.",
        "L'échange avec {city} concerne les écoles et l'université.",
        "Une journaliste a demandé un commentaire à la ville.",
        "Le consulat a proposé de prendre en charge les frais de la prochaine délégation.",
    ),
}
DEMANDS = {
    "en": (
        "Cancel {event} or move it out of municipal premises.",
        "Take down the flag and issue no statement on {subject}.",
        "Remove the film from the programme.",
        "Do not receive the delegation on {subject} at the town hall.",
        "Sign a declaration supporting the one-China principle.",
        "Share the list of participants of {event}.",
        "Withdraw the council motion on {subject}.",
        "Consult the consulate before inviting speakers.",
    ),
    "de": (
        "{event} absagen oder aus städtischen Räumen verlegen.",
        "Die Flagge abnehmen und keine Erklärung zu {subject} abgeben.",
        "Den Film aus dem Programm nehmen.",
        "Die Delegation zu {subject} nicht im Rathaus empfangen.",
        "Eine Erklärung zur Ein-China-Politik unterschreiben.",
        "Die Teilnehmerliste von {event} übermitteln.",
        "Den Ratsantrag zu {subject} zurückziehen.",
        "Vor Einladungen an Redner das Konsulat fragen.",
    ),
    "fr": (
        "Annuler {event} ou le déplacer hors des locaux municipaux.",
        "Retirer le drapeau et ne faire aucune déclaration sur {subject}.",
        "Retirer le film de la programmation.",
        "Ne pas recevoir la délégation sur {subject} à la mairie.",
        "Signer une déclaration en faveur du principe d'une seule Chine.",
        "Transmettre la liste des participants à {event}.",
        "Retirer la motion du conseil sur {subject}.",
        "Consulter le consulat avant d'inviter des intervenants.",
    ),
}
RESPONSES = {
    "en": (
        "The city declined in writing and informed the council.",
        "The mayor's office answered that the programme is the organisers' decision.",
        "After legal advice the city kept {event} as planned.",
        "The city postponed {event} without giving a reason.",
        "The request was forwarded to the foreign ministry.",
        "No answer was sent; the consulate did not follow up.",
        "The flag stayed up; the city published its reply.",
        "The city agreed to hold {event} at a private venue instead.",
    ),
    "de": (
        "Die Stadt lehnte schriftlich ab und unterrichtete den Rat.",
        "Das Büro des Bürgermeisters antwortete, das Programm sei Sache der Veranstalter.",
        "Nach rechtlicher Prüfung fand {event} wie geplant statt.",
        "Die Stadt verschob {event} ohne Begründung.",
        "Die Anfrage wurde an das Auswärtige Amt weitergeleitet.",
        "Es gab keine Antwort; das Konsulat meldete sich nicht wieder.",
        "Die Flagge blieb hängen; die Stadt veröffentlichte ihre Antwort.",
        "Die Stadt verlegte {event} in private Räume.",
    ),
    "fr": (
        "La ville a refusé par écrit et informé le conseil.",
        "Le cabinet du maire a répondu que le programme relève des organisateurs.",
        "Après avis juridique, la ville a maintenu {event}.",
        "La ville a reporté {event} sans donner de raison.",
        "La demande a été transmise au ministère des affaires étrangères.",
        "Aucune réponse n'a été envoyée ; le consulat n'a pas relancé.",
        "Le drapeau est resté ; la ville a publié sa réponse.",
        "La ville a déplacé {event} dans un lieu privé.",
    ),
}
N_TEMPLATES = sum(
    len(t[lang]) for t in (TITLES, SUMMARIES, DEMANDS, RESPONSES) for lang in LANGUAGES
)


def data_dir(arg: str | None = None) -> Path:
    return Path(arg or os.environ.get("TWINWISE_CASES_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def _paths(directory: Path) -> tuple[Path, Path]:
    return directory / "twinwise.sqlite3", directory / "bench-marker.json"


def read_marker(directory: Path) -> dict | None:
    try:
        return json.loads(_paths(directory)[1].read_text())
    except (OSError, ValueError):
        return None


def _fresh_database(directory: Path) -> None:
    db_path, marker = _paths(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    shutil.rmtree(directory / "uploads", ignore_errors=True)


def _migrate(directory: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "twinwise.cli", "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT_DIR,
        env={**os.environ, "TWINWISE_DATA_DIR": str(directory)},
        check=True,
        timeout=300,
    )


def django_setup(directory: Path) -> None:
    os.environ["TWINWISE_DATA_DIR"] = str(directory)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.dev")
    os.environ.setdefault("TWINWISE_DEBUG", "false")
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def _choice(rng, table: dict, n: int):
    import numpy as np

    keys = np.asarray(list(table), dtype=object)
    p = np.asarray(list(table.values()), float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _sentence_pool(rng, templates: dict, size: int = 400) -> dict[str, list[str]]:
    """Per language, `size` sentences: templates with their slots filled at random."""
    pools = {}
    for lang, items in templates.items():
        pool = []
        for i in range(size):
            template = items[i % len(items)]
            pool.append(
                template.format(
                    city=CITIES[rng.integers(len(CITIES))],
                    subject=SUBJECTS[lang][rng.integers(len(SUBJECTS[lang]))],
                    event=EVENTS[lang][rng.integers(len(EVENTS[lang]))],
                    cp=COUNTERPARTS[lang][rng.integers(len(COUNTERPARTS[lang]))].format(
                        city=CITIES[rng.integers(len(CITIES))]
                    ),
                )
            )
        pools[lang] = [s[0].upper() + s[1:] for s in pool]
    return pools


def _organisations(db: sqlite3.Connection, rng) -> tuple[list[int], list[bool]]:
    countries = _choice(rng, ORG_COUNTRIES, ORGANISATIONS)
    verified = rng.random(ORGANISATIONS) < 0.9
    population = rng.lognormal(11.5, 1.0, ORGANISATIONS).astype(int) + 5_000
    rows = [
        (
            i + 1, CREATED, CREATED, f"bench-city-{i + 1}", f"City of Benchtown {i + 1}",
            int(population[i]), bool(verified[i]), False, f"intl-{i + 1}@bench.invalid", None,
            countries[i],
        )
        for i in range(ORGANISATIONS)
    ]  # fmt: skip
    db.executemany(
        "INSERT INTO accounts_organisation (id, created_at, updated_at, slug, name, population,"
        " verified, is_public_record, contact_email, place_id, country_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    users = []
    for org in range(1, ORGANISATIONS + 1):
        for k in range(USERS_PER_ORG):
            uid = (org - 1) * USERS_PER_ORG + k + 1
            users.append(
                (
                    uid, "!", False, f"bench-{org}-{k}", "", "", f"u{uid}@bench.invalid",
                    False, True, CREATED, False, "admin" if k == 0 else "officer", org,
                )
            )  # fmt: skip
    db.executemany(
        "INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined, is_moderator, role, organisation_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    return list(range(1, ORGANISATIONS + 1)), [bool(v) for v in verified]


def _case_columns(rng, n: int) -> dict:
    import numpy as np

    from twinwise.core import taxonomy

    # Zipf-like activity: organisation k reports in proportion to 1 / (k + 20).
    weights = 1.0 / (np.arange(ORGANISATIONS) + 20.0)
    order = rng.permutation(ORGANISATIONS)  # activity does not follow the id
    org = order[rng.choice(ORGANISATIONS, size=n, p=weights / weights.sum())] + 1
    author_k = rng.integers(0, USERS_PER_ORG, n)
    author = (org - 1) * USERS_PER_ORG + author_k + 1
    years = np.arange(2008, 2027)
    year_w = np.linspace(1.0, 4.0, len(years))
    year = years[rng.choice(len(years), size=n, p=year_w / year_w.sum())]
    year_known = rng.random(n) >= 0.08
    topics = taxonomy.ids("topics")
    topic_w = np.asarray([8, 6, 5, 5, 3, 2, 3, 6, 2, 3, 4, 3, 4, 2, 6, 5, 3, 7, 4, 2], float)
    topic_w = topic_w[: len(topics)] / topic_w[: len(topics)].sum()
    n_topics = rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15])
    first = rng.choice(len(topics), size=(n, 3), p=topic_w)
    topic_json = [
        json.dumps(list(dict.fromkeys(topics[j] for j in first[i, : n_topics[i]])))
        for i in range(n)
    ]
    return {
        "org": org,
        "author": author,
        "year": year,
        "year_known": year_known,
        "month": rng.integers(1, 13, n),
        "topics": topic_json,
        "case_type": rng.choice(np.asarray(taxonomy.ids("case_types"), dtype=object), n),
        "response_type": rng.choice(np.asarray(taxonomy.ids("response_types"), dtype=object), n),
        "counterpart_kind": rng.choice(
            np.asarray(taxonomy.ids("counterpart_kinds"), dtype=object), n
        ),
        "channel": rng.choice(np.asarray(taxonomy.ids("channels"), dtype=object), n),
        "city": rng.integers(0, len(CITIES), n),
        "tlp": _choice(rng, TLP, n),
        "state": _choice(rng, STATES, n),
        "language": _choice(rng, LANGUAGES, n),
        "anonymous": rng.random(n) < 0.15,
        "text": rng.integers(0, 400, (n, 5)),
    }


CASE_SQL = (
    "INSERT INTO cases_case (id, created_at, updated_at, external_id, title, occurred_on,"
    " occurred_year, counterpart_kind, counterpart_name, case_type, topics, channel, summary,"
    " demand, response, response_type, outcome, lessons, language, tlp, anonymous, state,"
    " submitted_at, published_at, withdrawn_at, moderation_note, sources, confidence,"
    " author_id, counterpart_id, organisation_id, partnership_id)"
    " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?,"
    " '', '[]', '', ?, NULL, ?, NULL)"
)
COUNTERPART_NAMES = {
    "city": "People's Government of {city}",
    "province": "Provincial Government ({city})",
    "foreign-affairs-office": "Foreign Affairs Office of {city}",
    "embassy": "Embassy of the People's Republic of China",
    "consulate": "Consulate General of the PRC",
    "friendship-association": "{city} Friendship Association",
    "united-front": "{city} United Front Work Department",
    "company": "{city} Investment Group",
    "university": "{city} University",
    "confucius-institute": "Confucius Institute",
    "media": "China Media Group",
    "other": "",
}


def _insert_cases(db: sqlite3.Connection, rng, n: int, verified: list[bool]) -> dict:
    c = _case_columns(rng, n)
    titles = _sentence_pool(rng, TITLES)
    summaries = _sentence_pool(rng, SUMMARIES)
    demands = _sentence_pool(rng, DEMANDS)
    responses = _sentence_pool(rng, RESPONSES)
    amber_rows = red_rows = 0
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        rows, recipients_org, recipients_user = [], [], []
        for i in range(start, stop):
            pk = i + 1
            lang, t = c["language"][i], c["text"][i]
            year = int(c["year"][i]) if c["year_known"][i] else None
            occurred_on = f"{year}-{int(c['month'][i]):02d}" if year else ""
            state, tlp = c["state"][i], c["tlp"][i]
            kind = c["counterpart_kind"][i]
            submitted = None if state == "draft" else CREATED
            rows.append(
                (
                    pk, CREATED, CREATED, titles[lang][t[0]], occurred_on, year, kind,
                    COUNTERPART_NAMES[kind].format(city=CITIES[c["city"][i]]), c["case_type"][i],
                    c["topics"][i], c["channel"][i],
                    f"{summaries[lang][t[1]]} {summaries[lang][t[2]]}", demands[lang][t[3]],
                    responses[lang][t[4]], c["response_type"][i], lang, tlp,
                    bool(c["anonymous"][i]), state, submitted,
                    CREATED if state in ("published", "withdrawn") else None,
                    CREATED if state == "withdrawn" else None, int(c["author"][i]),
                    int(c["org"][i]),
                )
            )  # fmt: skip
            if tlp == "amber":
                others = rng.choice(ORGANISATIONS, size=int(rng.integers(1, 4)), replace=False)
                recipients_org.extend((pk, int(o) + 1) for o in others if o + 1 != c["org"][i])
            elif tlp == "red":
                users = rng.choice(
                    ORGANISATIONS * USERS_PER_ORG, size=int(rng.integers(1, 3)), replace=False
                )
                recipients_user.extend((pk, int(u) + 1) for u in users)
        db.executemany(CASE_SQL, rows)
        db.executemany(
            "INSERT INTO cases_caserecipientorganisation (case_id, organisation_id) VALUES (?, ?)",
            recipients_org,
        )
        db.executemany(
            "INSERT INTO cases_caserecipientuser (case_id, user_id) VALUES (?, ?)",
            recipients_user,
        )
        amber_rows += len(recipients_org)
        red_rows += len(recipients_user)
        if stop % 200_000 == 0 or stop == n:
            print(f"  inserted {stop:,} / {n:,} cases", flush=True)
    return {"recipient_organisations": amber_rows, "recipient_users": red_rows}


def _secondary_indexes(db: sqlite3.Connection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(tables))
    return db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tables,
    ).fetchall()


def generate(directory: Path, cases: int, seed: int) -> dict:
    import numpy as np

    db_path, marker_path = _paths(directory)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _fresh_database(directory)
    _migrate(directory)
    timings["migrate_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    django_setup(directory)
    from django.db import connection

    from twinwise.directory.services import countries_load

    countries_load()
    connection.close()
    timings["reference_data_s"] = time.perf_counter() - t

    fts = importlib.import_module("twinwise.cases.migrations.0002_case_fts")
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")
    db.execute("PRAGMA temp_store = MEMORY")
    rng = np.random.default_rng(seed)

    t = time.perf_counter()
    tables = ("cases_case", "cases_caserecipientorganisation", "cases_caserecipientuser")
    indexes = _secondary_indexes(db, tables)
    db.execute("BEGIN")
    _ids, verified = _organisations(db, rng)
    db.execute("DROP TRIGGER cases_case_fts_insert")
    for name, _sql in indexes:
        db.execute(f'DROP INDEX "{name}"')
    recipients = _insert_cases(db, rng, cases, verified)
    timings["insert_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for _name, sql in indexes:
        db.execute(sql)
    timings["indexes_s"] = time.perf_counter() - t
    t = time.perf_counter()
    db.execute("INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')")
    db.execute(fts.SQLITE_TRIGGERS[0])  # the insert trigger, from the migration's own SQL
    db.execute("COMMIT")
    timings["fts_rebuild_s"] = time.perf_counter() - t
    db.execute("PRAGMA journal_mode = WAL")
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    counts = {
        "organisations": one("SELECT COUNT(*) FROM accounts_organisation"),
        "verified_organisations": one("SELECT SUM(verified) FROM accounts_organisation"),
        "users": one("SELECT COUNT(*) FROM accounts_user"),
        "cases": one("SELECT COUNT(*) FROM cases_case"),
        "published": one("SELECT COUNT(*) FROM cases_case WHERE state = 'published'"),
        "published_clear": one(
            "SELECT COUNT(*) FROM cases_case WHERE state = 'published' AND tlp = 'clear'"
        ),
        "published_green": one(
            "SELECT COUNT(*) FROM cases_case WHERE state = 'published' AND tlp = 'green'"
        ),
        **recipients,
    }
    db.close()

    t = time.perf_counter()
    from twinwise.core.db import refresh_statistics

    refresh_statistics()
    connection.close()
    timings["analyze_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    marker = {
        "cases": cases,
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "templates": N_TEMPLATES,
        "counts": counts,
        "db_bytes": db_path.stat().st_size,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    marker_path.write_text(json.dumps(marker, indent=2))
    return marker


def ensure(
    directory: Path, cases: int, seed: int = DEFAULT_SEED, rebuild: bool = False
) -> tuple[dict, bool]:
    marker = read_marker(directory)
    wanted = {"cases": cases, "seed": seed, "generator": GENERATOR_VERSION}
    db_path, _marker = _paths(directory)
    if (
        not rebuild
        and marker
        and db_path.exists()
        and all(marker.get(k) == v for k, v in wanted.items())
    ):
        return marker, False
    return generate(directory, cases, seed), True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", help=f"default {DEFAULT_DATA_DIR}")
    parser.add_argument("--rebuild", action="store_true", help="ignore an existing database")
    args = parser.parse_args(argv)
    if not 1 <= args.cases <= 10_000_000:
        parser.error("--cases must be between 1 and 10,000,000")
    directory = data_dir(args.data_dir)
    t = time.perf_counter()
    marker, built = ensure(directory, args.cases, args.seed, args.rebuild)
    took = time.perf_counter() - t
    if built:
        print(f"Generated {args.cases:,} cases in {took:.1f} s → {directory}")
        print("  " + ", ".join(f"{k} {v} s" for k, v in marker["timings"].items()))
    else:
        print(f"Reusing {directory} ({args.cases:,} cases; --rebuild to regenerate)")
    print("  " + json.dumps(marker["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
