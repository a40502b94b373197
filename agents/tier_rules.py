"""The rule table of the risk tiers: word lists and rules, as data. How a task is read against
it, and the rules that use the plan itself, are in agents.tiers (its docstring explains both).

Summary of the table, by category (each rule lists its exact pattern and conditions below):
- legal filing (3): register (a verb), file … application/with, notary, apply for/obtain/secure
  … permit/licence/consent, submit/lodge … to an authority, sign a lease/deed/loan, open a bank
  account, elect, incorporate a company.
- negotiation (3): negotiate, disputes/litigation/mediation.
- physical work (3): install (not software), build/construct (not a desk object), renovate,
  paint, pour, erect, weld, mount, assemble, commission, calibrate, repair/replace, clear/grade
  land, inspect, pass an inspection, visit, in person, site visits, field work, collect samples,
  receive goods, check deliveries, train people, run/hold/conduct sessions or events, open the
  premises, interview candidates, hire/appoint, monitor/screen participants, trades and heavy
  equipment among the resources (unless the title is desk work).
- irreversible step (3): demolish, excavate, dredge, decommission, dispose of, terminate, destroy.
- external communication (2): send, publish, email someone, submit, apply for, contact, announce,
  advertise, invite, consult/engage/meet with/coordinate/present to outside parties, request
  quotes or offers, reach out, recruit, distribute, run surveys, launch a campaign or shop,
  interviews.
- spending (2): buy/purchase/procure, place orders, pay/disburse, contracts, award, insurance,
  subscriptions, book, lease/rent/invest (as verbs), acquire land or equipment.
- commitment (2): approve/approval asked, obtain approval/sign-off, sign (contracts, forms),
  secure/finalise/conclude agreements, commit to, set up or open accounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal


def _w(words: str) -> frozenset[str]:
    return frozenset(words.split())


PREPOSITIONS = _w(
    "for of about before after regarding towards toward on in into during without to as like "
    "versus vs than whether"
)
LEADS = _w("and then to or also must will should shall can please")
TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")


DESK_OBJECTS = _w(
    "budget budgets spreadsheet spreadsheets model models plan plans list lists database "
    "databases dashboard dashboards case cases timeline timelines schedule schedules forecast "
    "forecasts financial team teams relationship relationships partnership partnerships network "
    "networks community communities awareness brand capacity consensus support trust strategy "
    "strategies framework frameworks roadmap roadmaps website websites app apps software "
    "template templates report reports cash-flow pipeline portfolio simulation simulations "
    "coalition coalitions argument profile profiles persona personas index scenario scenarios "
    "checklist checklists matrix register map maps wireframe wireframes mockup mockups "
    "curriculum catalogue catalog presentation pitch deck proposal proposals specification "
    "specifications interface api backend frontend platform platforms module modules feature "
    "features functionality page pages landing cost costs estimate estimates method methods "
    "volume volumes sequence schedule reputation culture audience following base"
)
SOFTWARE = _w(
    "software app apps application plugin plugins platform update updates analytics theme "
    "extension extensions package packages tracking script scripts driver drivers"
)
EXTERNAL_PARTIES = _w(
    "stakeholders stakeholder investors investor suppliers supplier vendors vendor contractors "
    "contractor landlord landlords landowners landowner authority authorities regulators "
    "regulator regulatory agencies agency officials official council ministry government public "
    "media press community communities residents customers partners partner donors funders "
    "lawyer lawyers counsel expert experts consultant consultants advisor advisors adviser "
    "advisers bodies body insurer insurers bank banks neighbours neighbors schools candidates "
    "applicants participants patients sponsors providers landowners conference conferences"
)
AUTHORITIES = _w(
    "authority authorities agency agencies regulator regulators regulatory ministry court "
    "registry government office municipality council"
)
AGREEMENTS = _w(
    "agreement agreements contract contracts deal deals funding financing loan loans "
    "commitment commitments sponsorship partnership partnerships terms lease leases"
)
PEOPLE = _w(
    "staff volunteers employees team teams operators workers crew crews personnel members "
    "mechanics drivers technicians students participants trainers instructors users"
)
EVENTS = _w(
    "training trainings session sessions workshop workshops course courses class classes "
    "meeting meetings event events launch drill drills tour tours recording recordings "
    "screening screenings examination examinations "
    "rehearsal rehearsals hearing hearings ceremony"
)
GOODS = _w(
    "equipment delivery deliveries goods materials shipment shipments stock inventory tools "
    "parts hardware furniture machines machinery keys"
)
VENUES = _w(
    "workshop shop store café cafe restaurant facility premises venue doors site clinic unit "
    "centre center plant factory lab laboratory office"
)
DOING = _w(
    "conduct conducts conducting perform performs performing carry carries carrying undertake "
    "undertakes undertaking make makes do does complete completes organise organize organises "
    "organizes arrange arranges schedule schedules hold holds"
)
# Titles that start with one of these verbs describe desk work: the resources they list
# (survey equipment, a crew) are the plan's people and tools for the task, not its action.
DESK_VERBS = _w(
    "define design develop draft plan analyse analyze document research identify "
    "review assess evaluate select compile create write model estimate forecast map list "
    "gather determine specify outline summarise summarize study compare calculate"
)
PERMITS = _w(
    "permit permits licence licences license licenses licensing consent consents authorisation "
    "authorization authorisations authorizations registration certification accreditation"
)


@dataclass(frozen=True)
class Rule:
    id: str
    tier: Literal[2, 3]
    category: str
    pattern: str  # a regular expression over lower-case text
    needs: frozenset[str] = frozenset()  # one of these within `window` words after the match
    unless: frozenset[str] = frozenset()  # none of these within `window` words after it
    window: int = 5
    preceded: frozenset[str] = frozenset()  # one of these within `window` words before it
    not_after: frozenset[str] = frozenset()  # the word just before it is none of these
    lead: bool = False  # only in verb position
    scope: Literal["text", "resources"] = "text"
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))


def define(
    rule_id: str,
    tier: Literal[2, 3],
    category: str,
    pattern: str,
    *,
    needs: frozenset[str] = frozenset(),
    unless: frozenset[str] = frozenset(),
    window: int = 5,
    preceded: frozenset[str] = frozenset(),
    not_after: frozenset[str] = frozenset(),
    lead: bool = False,
    scope: Literal["text", "resources"] = "text",
) -> Rule:
    return Rule(
        rule_id, tier, category, pattern, needs, unless, window, preceded, not_after, lead, scope
    )


LEGAL, NEGOTIATION, PHYSICAL, IRREVERSIBLE = (
    "legal filing",
    "negotiation",
    "physical work",
    "irreversible step",
)
EXTERNAL, SPENDING, COMMITMENT = "external communication", "spending", "commitment"

RULES: tuple[Rule, ...] = (
    # --- tier 3: legal filings ---------------------------------------------------------------
    define(
        "register",
        3,
        LEGAL,
        r"\bregist(?:er|ers|ering)\b",
        unless=_w("of domain domains website account accounts users participants attendees")
        | _w("interest visitors customers for"),
        window=1,
        lead=True,
    ),
    define(
        "file-with",
        3,
        LEGAL,
        r"\bfil(?:e|es|ing)\b",
        needs=_w("application applications it with return returns claim claims patent lawsuit")
        | _w("complaint form forms registration petition notice appeal objection paperwork"),
        window=4,
        lead=True,
    ),
    define("notary", 3, LEGAL, r"\bnotar(?:y|ies|ial|ise|ised|ize|ized)\b"),
    define(
        "apply-permit",
        3,
        LEGAL,
        r"\b(?:appl(?:y|ies|ying)|obtain(?:s|ing)?|secur(?:e|es|ing)|acquir(?:e|es|ing)"
        r"|submit(?:s|ting)?|request(?:s|ing)?|renew(?:s|ing)?)\b",
        needs=PERMITS,
        window=6,
    ),
    define(
        "file-authority",
        3,
        LEGAL,
        r"\b(?:submit(?:s|ting)?|lodg(?:e|es|ing))\b",
        needs=AUTHORITIES,
        window=6,
    ),
    define(
        "sign-deed",
        3,
        LEGAL,
        r"\bsign(?:s|ing)?\b",
        needs=_w("lease deed deeds mortgage loan title"),
        window=4,
    ),
    define("bank-account", 3, LEGAL, r"\bopen(?:s|ing)?\b", needs=_w("bank"), window=4),
    define("elect", 3, LEGAL, r"\belect(?:s|ing)?\b"),
    define(
        "incorporate",
        3,
        LEGAL,
        r"\bincorporat(?:e|es|ing)\b",
        needs=_w("company entity business association corporation llc gmbh ltd foundation"),
        window=3,
    ),
    # --- tier 3: negotiation ------------------------------------------------------------------
    define(
        "negotiate",
        3,
        NEGOTIATION,
        r"\bnegotiat(?:e|es|ing)\b|\bnegotiations? with\b",
        unless=_w("strategy strategies plan plans brief position positions points playbook")
        | _w("guide mandate approach process"),
        window=2,
    ),
    define(
        "dispute",
        3,
        NEGOTIATION,
        r"\b(?:disputes?|litigation|lawsuits?|mediat(?:e|es|ing|ion)|arbitrat(?:e|es|ion))\b",
        unless=_w("mechanism mechanisms process procedure procedures policy clause clauses plan"),
        window=2,
    ),
    # --- tier 3: physical work and people on site ---------------------------------------------
    define("install", 3, PHYSICAL, r"\binstall(?:s|ed|ing)?\b", unless=SOFTWARE, window=8),
    define("build", 3, PHYSICAL, r"\b(?:build|builds|built)\b", unless=DESK_OBJECTS, window=4),
    define(
        "construct",
        3,
        PHYSICAL,
        r"\bconstruct(?:s|ed|ing)?\b",
        unless=DESK_OBJECTS,
        window=4,
    ),
    define(
        "site-works",
        3,
        PHYSICAL,
        r"\b(?:renovat(?:e|es|ing)|refurbish(?:es|ing)?|paint(?:s|ing)?|pour(?:s|ing)?"
        r"|erect(?:s|ing)?|weld(?:s|ing)?|lubricat(?:e|es|ing)|mount(?:s|ing)?)\b",
        unless=DESK_OBJECTS,
        window=3,
        lead=True,
    ),
    define(
        "assemble",
        3,
        PHYSICAL,
        r"\bassembl(?:e|es|ing)\b",
        unless=DESK_OBJECTS
        | _w("report data list package dossier documentation evidence panel committee group"),
        window=3,
        lead=True,
    ),
    define(
        "commission",
        3,
        PHYSICAL,
        r"\bcommission(?:s|ing)?\b",
        unless=_w("a an study studies review reviews report reports survey analysis audit")
        | _w("assessment research consultant consultants members member charter"),
        window=1,
        lead=True,
    ),
    define(
        "calibrate",
        3,
        PHYSICAL,
        r"\bcalibrat(?:e|es|ing)\b",
        unless=_w("model models forecast forecasts estimate estimates parameters simulation")
        | _w("simulations algorithm algorithms expectations"),
        window=3,
        lead=True,
    ),
    define(
        "participants",
        3,
        PHYSICAL,
        r"\b(?:participants?|patients?)\b",
        preceded=_w("monitor monitors monitoring screen screens screening examine examines")
        | _w("examining treat treats treating observe observes observing"),
        window=2,
    ),
    define(
        "repair",
        3,
        PHYSICAL,
        r"\b(?:repair|repairs|replace|replaces)\b",
        needs=_w("the any all damaged broken defective faulty worn or"),
        window=2,
        lead=True,
    ),
    define(
        "groundworks",
        3,
        PHYSICAL,
        r"\b(?:clear(?:s|ing)?|grad(?:e|es|ing)|level(?:s|ling|ing)?|compact(?:s|ing)?)\b",
        needs=_w("vegetation land site debris topsoil trees ground area soil bed surface terrain"),
        window=3,
    ),
    define(
        "inspect",
        3,
        PHYSICAL,
        r"\binspect(?:s|ing)?\b",
        unless=_w("data code logs records documents document report reports files"),
        window=2,
    ),
    define(
        "pass-inspection",
        3,
        PHYSICAL,
        r"\bpass(?:es|ing)?\b",
        needs=_w("inspection inspections audit audits"),
        window=5,
    ),
    define(
        "visit",
        3,
        PHYSICAL,
        r"\bvisit(?:s|ing)?\b",
        unless=_w("website websites page pages per count counts frequency"),
        window=1,
        lead=True,
    ),
    define("in-person", 3, PHYSICAL, r"\b(?:in person|in-person|face[- ]to[- ]face|fieldwork)\b"),
    define(
        "site-visit",
        3,
        PHYSICAL,
        r"\bsite (?:visit|investigation|survey|inspection|walk|preparation|clearing)s?\b",
        preceded=DOING,
        window=3,
    ),
    define(
        "field-work",
        3,
        PHYSICAL,
        r"\bfield\b",
        needs=_w("survey surveys work visit visits trip trips investigation investigations")
        | _w("sampling test testing tests inspection inspections study studies measurements"),
        window=2,
    ),
    define(
        "samples",
        3,
        PHYSICAL,
        r"\b(?:collect(?:s|ing)?|tak(?:e|es|ing))\b",
        needs=_w("sample samples specimen specimens"),
        window=3,
    ),
    define("receive", 3, PHYSICAL, r"\breceiv(?:e|es|ing)\b", needs=GOODS, window=5),
    define(
        "check-delivery",
        3,
        PHYSICAL,
        r"\b(?:check|checks|accept|accepts)\b",
        needs=_w("delivery deliveries shipment shipments"),
        window=3,
    ),
    define("train-people", 3, PHYSICAL, r"\btrain(?:s|ing)?\b", needs=PEOPLE, window=3),
    define(
        "run-event",
        3,
        PHYSICAL,
        r"\b(?:run|runs|hold|holds|deliver|delivers|conduct|conducts|host|hosts|lead|leads"
        r"|facilitat(?:e|es))\b",
        needs=EVENTS,
        window=4,
    ),
    define("open-venue", 3, PHYSICAL, r"\bopen(?:s|ing)?\b", needs=VENUES, window=3, lead=True),
    define(
        "interview-candidates",
        3,
        PHYSICAL,
        r"\binterview(?:s|ing)?\b",
        needs=_w("candidates candidate applicants applicant shortlisted"),
        window=4,
    ),
    define(
        "interview",
        2,
        EXTERNAL,
        r"\binterview(?:s|ing)?\b",
        unless=_w("guide guides question questions script scripts template templates protocol")
        | _w("protocols notes transcript transcripts data findings results"),
        window=2,
    ),
    define(
        "hire",
        3,
        PHYSICAL,
        r"\b(?:hir(?:e|es|ing)|appoint(?:s|ing)?)\b",
        unless=_w("plan plans strategy process criteria needs budget timeline policy freeze"),
        window=2,
    ),
    define(
        "trades",
        3,
        PHYSICAL,
        r"\b(?:crews?|excavators?|bulldozers?|cranes?|crane operators?|dump trucks?"
        r"|(?:heavy|excavation|grading|construction) equipment|electricians?|plumbers?"
        r"|carpenters?|welders?|welding|ironworkers?|labou?rers?|installers?"
        r"|installation technicians?|contractors?|subcontractors?)\b",
        scope="resources",
    ),
    # --- tier 3: irreversible steps -----------------------------------------------------------
    define(
        "irreversible",
        3,
        IRREVERSIBLE,
        r"\b(?:demoli(?:sh|shes|shing|tion)|excavat(?:e|es|ing|ion)|dredg(?:e|es|ing)"
        r"|decommission(?:s|ing)?|dispos(?:e|es|ing) of|terminat(?:e|es|ing)"
        r"|destroy(?:s|ing)?)\b",
        unless=DESK_OBJECTS | _w("equipment radius zone"),
        window=3,
    ),
    # --- tier 2: external communication -------------------------------------------------------
    define(
        "send",
        2,
        EXTERNAL,
        r"\b(?:send|sends|sending|sent)\b",
        unless=_w("command commands signal signals data request requests packets"),
        window=2,
    ),
    define("publish", 2, EXTERNAL, r"\bpublish(?:es|ing)?\b"),
    define(
        "email",
        2,
        EXTERNAL,
        r"\be-?mail(?:s|ed|ing)?\b",
        needs=_w("the a an all each every them it our your their") | EXTERNAL_PARTIES,
        window=1,
        lead=True,
    ),
    define("submit", 2, EXTERNAL, r"\bsubmi(?:t|ts|tted|tting|ssion|ssions)\b"),
    define("apply-for", 2, EXTERNAL, r"\bappl(?:y|ies|ying) for\b"),
    define(
        "contact",
        2,
        EXTERNAL,
        r"\bcontact(?:ed|ing)?\b",
        not_after=_w("initial direct industry conference key local existing personal first")
        | _w("business emergency primary main regular frequent close"),
        unless=_w("details detail list lists information info data person persons point points")
        | _w("form forms database sheet names numbers addresses"),
        window=1,
    ),
    define(
        "announce", 2, EXTERNAL, r"\b(?:announc(?:e|es|ing)|advertis(?:e|es)|invit(?:e|es|ing))\b"
    ),
    define(
        "consult",
        2,
        EXTERNAL,
        r"\b(?:consult(?:s|ing|ation|ations)?|engag(?:e|es|ing)|meet(?:s|ing)? with|follow(?:s)? up"
        r"|coordinat(?:e|es|ing)|liais(?:e|es|ing)|present(?:s|ing)?)\b",
        needs=EXTERNAL_PARTIES,
        window=4,
    ),
    define(
        "request-offers",
        2,
        EXTERNAL,
        r"\b(?:request(?:s|ing)?|get|gets|obtain(?:s|ing)?|collect(?:s|ing)?|solicit(?:s|ing)?"
        r"|seek(?:s|ing)?|invite(?:s)?)\b",
        needs=_w("quote quotes quotation quotations offer offers bid bids tender tenders"),
        window=4,
    ),
    define(
        "outreach",
        2,
        EXTERNAL,
        r"\b(?:reach(?:es)? out|outreach|recruit(?:s|ing)?|distribut(?:e|es|ing))\b",
        unless=_w("plan plans strategy strategies materials criteria process"),
        window=2,
    ),
    define(
        "survey-people",
        2,
        EXTERNAL,
        r"\b(?:conduct(?:s)?|run(?:s)?|carry out|launch(?:es)?)\b",
        needs=_w("survey surveys poll polls questionnaire questionnaires focus"),
        window=4,
    ),
    define(
        "go-public",
        2,
        EXTERNAL,
        r"\blaunch(?:es|ing)?\b",
        needs=_w("campaign campaigns website shop store e-shop eshop app platform service")
        | _w("services product products ads day promotional promotion promotions"),
        window=3,
    ),
    # --- tier 2: spending ---------------------------------------------------------------------
    define(
        "buy",
        2,
        SPENDING,
        r"\b(?:buy|buys|buying|purchas(?:e|es|ing)|procur(?:e|es|ing))\b",
        unless=_w("price prices power history habits habit behaviour behavior patterns decision")
        | _w("decisions journey preferences intent"),
        window=1,
    ),
    define("order", 2, SPENDING, r"\bplac(?:e|es|ing) (?:\w+ ){0,2}orders?\b|\border(?:s)? from\b"),
    define(
        "pay",
        2,
        SPENDING,
        r"\b(?:pay|pays|paying|disburs(?:e|es|ing))\b",
        unless=_w("range ranges scale scales grade grades level levels rate rates"),
        window=1,
    ),
    define("contract", 2, SPENDING, r"\bcontract(?:s|ed|ing)?\b"),
    define("award", 2, SPENDING, r"\baward(?:s|ed|ing)?\b"),
    define("insurance", 2, SPENDING, r"\binsur(?:ance|e|es|ing)\b"),
    define("subscription", 2, SPENDING, r"\bsubscri(?:be|bes|bing|ption|ptions)\b"),
    define(
        "book", 2, SPENDING, r"\bbook(?:s)?\b", unless=_w("keeping review"), window=1, lead=True
    ),
    define(
        "lease-rent",
        2,
        SPENDING,
        r"\b(?:leas(?:e|es|ing)|rent(?:s|ing)?|invest(?:s|ing)?)\b",
        lead=True,
    ),
    define(
        "acquire",
        2,
        SPENDING,
        r"\bacquir(?:e|es|ing)\b",
        needs=_w("land property properties building buildings site sites premises company shares")
        | _w("equipment rights parcels"),
        window=4,
    ),
    # --- tier 2: commitments ------------------------------------------------------------------
    define(
        "approval",
        2,
        COMMITMENT,
        r"\bapprov(?:e|es)\b|\bapproved by\b|\bfor (?:\w+ ){0,2}approval\b|\bsign[- ]off\b",
    ),
    define(
        "seek-approval",
        2,
        COMMITMENT,
        r"\b(?:obtain(?:s|ing)?|secur(?:e|es|ing)|seek(?:s|ing)?|get|gets)\b",
        needs=_w("approval approvals sign-off endorsement endorsements"),
        window=4,
    ),
    define(
        "sign",
        2,
        COMMITMENT,
        r"\bsign(?:s|ing)?\b",
        needs=_w("the a an all every each contract contracts agreement agreements it them off"),
        window=1,
    ),
    define(
        "agree",
        2,
        COMMITMENT,
        r"\b(?:secur(?:e|es|ing)|finali[sz](?:e|es|ing)|conclud(?:e|es|ing)|execut(?:e|es|ing)"
        r"|enter(?:s|ing)? into)\b",
        needs=AGREEMENTS,
        window=4,
    ),
    define("commit", 2, COMMITMENT, r"\bcommit(?:s|ting)? to\b"),
    define(
        "accounts",
        2,
        COMMITMENT,
        r"\b(?:set(?:s|ting)? up|open(?:s|ing)?)\b",
        needs=_w("account accounts"),
        window=4,
    ),
)
