"""Organisations, items and relations of the demo workspace (used by
:mod:`matchmaker.demo.generate`).

:class:`Builder` draws every choice from one ``random.Random(seed)`` and iterates only over
ordered collections, so the same seed always gives the same rows. The event history
(participants, meetings, deals) is added by :mod:`matchmaker.demo.history`.
"""

from __future__ import annotations

import random
from collections import defaultdict

from matchmaker.demo import catalog as cat
from matchmaker.demo.history import History, cap_first

__all__ = ["Builder", "load_links", "load_segments"]

COMPANIES_PER_STAGE = {"upstream": 9, "midstream": 10, "downstream": 7}
TIER_WEIGHTS = {
    "none": 30,
    "innovative_sme": 25,
    "specialized": 22,
    "little_giant": 7,
    "eaglet": 6,
    "gazelle": 5,
    "hidden_unicorn": 1.5,
    "unicorn": 0.7,
    "leader": 1.5,
}
TIER_SENTENCE = {
    "none": "",
    "innovative_sme": "Recognised as an innovative SME. ",
    "specialized": "A provincial specialised, refined, distinctive and novel SME. ",
    "little_giant": "A national 'little giant' specialised SME. ",
    "eaglet": "Listed as an eaglet enterprise. ",
    "gazelle": "Listed as a gazelle enterprise with fast growth. ",
    "hidden_unicorn": "Named a hidden unicorn of the city. ",
    "unicorn": "Valued above 1 billion USD (unicorn). ",
    "leader": "A leading benchmark enterprise of the chain. ",
}
AREAS = ["Shandong", "the Yangtze River Delta", "Europe and Southeast Asia", "North China"]
SHOWCASE_NEED = (
    "Looking for a BMS supplier for 48V LFP e-bike battery packs",
    "We assemble 48V and 60V LFP battery packs for e-bikes and electric scooters (about 8,000 "
    "packs a month) and need a second source of battery management systems: 13S-16S, active "
    "cell balancing, CAN and UART communication, SOC accuracy within 3%, short-circuit and "
    "over-temperature protection. Samples wanted this quarter.",
    ["BMS", "battery management system", "48V", "LFP", "e-bike", "active balancing"],
)
SHOWCASE_OFFER = (
    "Battery management systems for 48V-72V e-bike and light EV packs",
    "We design and make BMS boards for e-bike, scooter and light EV battery packs: 13S-20S "
    "LFP and NCM, active balancing up to 2 A, CAN and UART, Bluetooth app, SOC accuracy 3%. "
    "20,000 boards a month, IATF 16949 certified.",
    ["BMS", "battery management system", "active balancing", "light EV", "e-bike", "CAN"],
)


def low(text: str) -> str:
    """``text`` with its first letter in lower case, unless it starts an acronym."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _split(text: str, n: int) -> list[str]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != n:
        raise ValueError(f"catalog entry needs {n} '|' fields: {text!r}")
    return parts


def load_segments() -> dict[str, dict]:
    """The catalog's segments as dicts, products and technologies parsed."""
    segs = {}
    for sid, stage, name, use, desc, trades, kind, products, techs in cat.SEGMENTS:
        prods = []
        for p in products:
            offer, need, kws, specs = _split(p, 4)
            prods.append(
                {"offer": offer, "need": need, "kws": kws.split(";"), "specs": specs.split(";")}
            )
        tech = []
        for t in techs:
            title, need, kws = _split(t, 3)
            tech.append({"offer": title, "need": need, "kws": kws.split(";")})
        segs[sid] = {
            "id": sid, "chain": sid.split("-")[0], "stage": stage, "name": name, "use": use,
            "description": desc, "trades": trades, "kind": kind, "products": prods, "techs": tech,
        }  # fmt: skip
    return segs


def load_links() -> list[tuple[str, str]]:
    """The catalog's chain links as (upstream, downstream) pairs, in catalog order."""
    return [tuple(pair.split(">")) for pair in cat.LINKS.split()]


class Builder(History):
    """Builds every table of the demo workspace; ``run()`` fills ``tables`` and ``showcase``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.segs = load_segments()
        self.links = load_links()
        self.up_of: dict[str, list[str]] = defaultdict(list)
        self.down_of: dict[str, list[str]] = defaultdict(list)
        for u, d in self.links:
            self.up_of[d].append(u)
            self.down_of[u].append(d)
        self.tables: dict[str, list[dict]] = defaultdict(list)
        self.orgs: dict[str, dict] = {}  # org_id -> internal facts
        self.showcase: dict[str, str] = {}
        self._brands: set[str] = set()
        self._item_no = 0

    def run(self) -> None:
        self.add_chains()
        self.add_companies()
        self.add_universities()
        self.add_finance()
        self.add_relations()
        self.add_history()

    # --- chains ------------------------------------------------------------------------

    def add_chains(self) -> None:
        for s in self.segs.values():
            self.tables["segments"].append(
                {"segment_id": s["id"], "name": s["name"], "chain": s["chain"],
                 "stage": s["stage"], "description": s["description"]}
            )  # fmt: skip
        for u, d in self.links:
            self.tables["chain_links"].append({"upstream": u, "downstream": d})

    def who(self, segment_id: str) -> str:
        """Who buys from a segment's suppliers: "makers of X" or "X companies"."""
        seg = self.segs[segment_id]
        return f"makers of {seg['use']}" if seg["kind"] == "product" else f"{seg['use']} companies"

    # --- organisations -----------------------------------------------------------------

    def _org(self, org_id, name, kind, name_zh, region, local, tier, chains, desc, web, segs):
        self.tables["organizations"].append(
            {"org_id": org_id, "name": name, "kind": kind, "name_zh": name_zh, "region": region,
             "local": local, "tier": tier, "chains": sorted(set(chains)), "description": desc,
             "website": web}
        )  # fmt: skip
        self.orgs[org_id] = {
            "kind": kind, "name": name, "local": local, "tier": tier, "segs": segs,
            "chains": sorted(set(chains)), "offers": [], "needs": [],
        }  # fmt: skip

    def _brand(self) -> tuple[str, str]:
        while True:
            (a, za), (b, zb) = self.rng.sample(cat.SYLLABLES, 2)
            brand = a + b.lower()
            if brand not in self._brands:
                self._brands.add(brand)
                return brand, za + zb

    def _place(self, local: bool) -> tuple[str, str, str]:
        """(region, short place name, Chinese name prefix)."""
        if local:
            district = self.rng.choice(cat.LOCAL_DISTRICTS)
            return f"{cat.HOST_CITY}, {district}", district, "海青"
        regions = cat.OUTSIDE_REGIONS
        region, zh, _ = self.rng.choices(regions, weights=[w for *_, w in regions])[0]
        return region, region.split(",")[0], zh

    def add_companies(self) -> None:
        """COMPANIES_PER_STAGE companies per segment; the first in nev-pack and nev-bms are
        the showcase buyer and supplier."""
        n = 0
        for sid, seg in self.segs.items():
            for k in range(COMPANIES_PER_STAGE[seg["stage"]]):
                n += 1
                special = {"nev-pack": "buyer", "nev-bms": "supplier"}.get(sid) if k == 0 else None
                self._company(f"C{n:04d}", seg, special)

    def _company(self, org_id: str, seg: dict, special: str | None) -> None:
        rng = self.rng
        segs = [seg["id"]]
        downs = [d for d in self.down_of[seg["id"]] if self.segs[d]["chain"] == seg["chain"]]
        if downs and special is None and rng.random() < 0.15:
            segs.append(rng.choice(downs))
        if special == "buyer":
            local, tier, (brand, bzh) = True, "specialized", ("Qingyun", "青云")
            trade = ("Light EV Battery", "轻型动力电池")
        elif special == "supplier":
            local, tier, (brand, bzh) = False, "little_giant", ("Ruineng", "瑞能")
            trade = ("Power Electronics", "电力电子")
        else:
            local = rng.random() < 0.64
            tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
            brand, bzh = self._brand()
            trade = rng.choice(seg["trades"])
        region, place, zh_prefix = self._place(local)
        if special == "supplier":
            region, place, zh_prefix = "Suzhou, Jiangsu", "Suzhou", "苏州"
        generic = rng.choices(cat.GENERIC, weights=[4, 6, 1, 2])[0]
        if trade[0].endswith("Technology") and generic[0].startswith("Technology"):
            generic = cat.GENERIC[0]  # no "Technology Technology"
        name = f"{brand} {trade[0]} {generic[0]}"
        short = f"{brand} {trade[0]}"
        name_zh = f"{zh_prefix}{bzh}{trade[1]}{generic[1]}"
        n_offers = min(len(seg["products"]), rng.choice([1, 1, 2, 2, 3]))
        prods = rng.sample(seg["products"], n_offers)
        downs = [self.who(d) for d in self.down_of[seg["id"]]][:2]
        customers = " and ".join(downs) if downs else "end customers"
        big = tier in ("hidden_unicorn", "unicorn", "leader")
        staff = rng.choice([1200, 2400, 5600, 12000] if big else [35, 60, 120, 180, 260, 450, 900])
        year = rng.randint(1996, 2022)
        verb = "provides" if seg["kind"] == "service" else "makes"
        offers = ", ".join(p["offer"] for p in prods)
        ts = TIER_SENTENCE[tier]
        desc = rng.choice(
            [
                f"{short} {verb} {low(seg['name'])} in {place}. Main offers: {offers}. "
                f"{ts}Founded in {year}; about {staff} employees.",
                f"Founded in {year} in {place}, {short} supplies {offers} to {customers}. {ts}",
                f"{short} is a {place}-based {low(seg['name'])} company with {staff} "
                f"employees. {ts}We focus on {offers} for {customers}.",
            ]
        ).strip()
        web = None
        if rng.random() < 0.2 or special:
            web = f"https://www.{brand.lower()}-{trade[0].split()[0].lower()}.com"
        chains = [self.segs[s]["chain"] for s in segs]
        self._org(org_id, name, "company", name_zh, region, local, tier, chains, desc, web, segs)
        org = self.orgs[org_id]
        org["short"] = short
        if special == "supplier":
            self.showcase["supplier"] = org_id
            self.showcase["offer"] = self._item(
                org_id,
                "offer",
                "product",
                seg["id"],
                *SHOWCASE_OFFER,
                "BMS boards for light EV packs",
            )
        for p in prods:
            self._offer(org_id, seg, p)
        for extra in segs[1:]:
            self._offer(org_id, self.segs[extra], rng.choice(self.segs[extra]["products"]))
        if special == "buyer":
            self.showcase["buyer"] = org_id
            self.showcase["need"] = self._item(
                org_id, "need", "product", "nev-bms", *SHOWCASE_NEED, "BMS"
            )
            return
        self._needs(org_id, segs)

    # --- items -------------------------------------------------------------------------

    def _item(self, org_id, side, type_, segment, title, desc, kws, phrase) -> str:
        self._item_no += 1
        item_id = f"I{self._item_no:05d}"
        self.tables["items"].append(
            {"item_id": item_id, "org_id": org_id, "side": side, "type": type_, "title": title,
             "description": desc, "segment": segment, "keywords": list(dict.fromkeys(kws))}
        )  # fmt: skip
        key = "offers" if side == "offer" else "needs"
        self.orgs[org_id][key].append(
            {"id": item_id, "type": type_, "seg": segment, "phrase": phrase}
        )
        return item_id

    def _offer(self, org_id: str, seg: dict, prod: dict) -> None:
        rng, org = self.rng, self.orgs[org_id]
        p, P = prod["offer"], cap_first(prod["offer"])
        specs = ", ".join(rng.sample(prod["specs"], min(2, len(prod["specs"]))))
        cert = rng.choice(cat.CERTS.get(seg["id"]) or cat.CERTS[seg["chain"]])
        downs = self.down_of[seg["id"]]
        down = self.who(rng.choice(downs)) if downs else "end users"
        if seg["kind"] == "service":
            title = rng.choice([P, f"We offer {p}", f"{P} for {down}"])
            desc = rng.choice(
                [f"We provide {p}: {specs}.",
                 f"{org['short']} offers {p} to {down}; {specs}."]
            )  # fmt: skip
        else:
            title = rng.choice([P, f"{P}, OEM/ODM welcome", f"Supplying {p}", f"{P} in volume"])
            desc = rng.choice(
                [f"We supply {p}: {specs}. {cert} certified; samples in {rng.randint(2, 6)} weeks.",
                 f"{org['short']} makes {p} ({specs}) for {down}. Quality: {cert}.",
                 f"Our {p} ship to customers in {rng.choice(AREAS)}; {specs}. {cert}, stable "
                 "capacity and engineering support on site."]
            )  # fmt: skip
        kws = prod["kws"] + ([cert] if seg["kind"] == "product" and rng.random() < 0.3 else [])
        self._item(org_id, "offer", seg["kind"], seg["id"], title, desc, kws, p)

    def _needs(self, org_id: str, segs: list[str]) -> None:
        rng = self.rng
        own = self.segs[segs[0]]
        ups = sorted({u for s in segs for u in self.up_of[s]} - set(segs))
        choices = [(u, i) for u in ups for i in range(len(self.segs[u]["products"]))]
        n_prod = min(len(choices), rng.choice([1, 1, 2, 2, 3])) if choices else 0
        for u, i in rng.sample(choices, n_prod):
            self._product_need(org_id, own, self.segs[u], self.segs[u]["products"][i])
        tech_segs = [s for s in [segs[0], *ups] if self.segs[s]["techs"]]
        if tech_segs and (rng.random() < 0.3 or n_prod == 0):
            t_seg = self.segs[rng.choice(tech_segs)]
            self._tech_need(org_id, own, t_seg, rng.choice(t_seg["techs"]))
        elif rng.random() < (0.1 if n_prod else 0.6):
            self._capital_need(org_id, own)

    def _product_need(self, org_id: str, own: dict, up: dict, prod: dict) -> None:
        rng = self.rng
        q, use = prod["need"], own["use"]
        intro = f"We make {use}" if own["kind"] == "product" else f"Our business is {use}"
        title = rng.choice(
            [f"Looking for {q}", f"Need a supplier of {q}", f"Sourcing {q} for our {use}",
             f"Second source wanted: {q}", f"Buying {q}"]
        )  # fmt: skip
        req = rng.choice(
            [f"ideally {rng.choice(prod['specs'])}", "sample testing before a framework agreement",
             "technical support on site needed", "stable delivery within 4 weeks"]
        )  # fmt: skip
        desc = rng.choice(
            [f"{intro} and we are looking for {q}. Annual purchase about "
             f"{rng.choice([2, 5, 8, 15, 30, 60])} million CNY; {req}.",
             f"For a new {use} project we need a reliable source of {q}, {req}. Local suppliers "
             f"preferred, delivery to {cat.HOST_CITY}.",
             f"Looking for a long-term partner for {q} to replace imported supply in our {use}; "
             f"{req}."]
        )  # fmt: skip
        kws = rng.sample(prod["kws"], min(len(prod["kws"]), rng.randint(2, 3)))
        self._item(org_id, "need", up["kind"], up["id"], title, desc, kws, q)

    def _tech_need(self, org_id: str, own: dict, seg: dict, tech: dict) -> None:
        rng = self.rng
        q = tech["need"]
        title = rng.choice(
            [f"Seeking a university partner for {q}", f"Technology wanted: {q}",
             f"Looking for {q} know-how"]
        )  # fmt: skip
        desc = (
            f"We want to work with a university lab or institute on {q} to upgrade our "
            f"{own['use']}; budget about {rng.choice([0.5, 1, 2, 3, 5])} million CNY for joint R&D."
        )
        kws = rng.sample(tech["kws"], min(len(tech["kws"]), 2))
        self._item(org_id, "need", "technology", seg["id"], title, desc, kws, q)

    def _capital_need(self, org_id: str, own: dict) -> None:
        rng = self.rng
        amount = rng.choice([10, 20, 30, 50, 80, 150])
        kind = rng.choice(["Series A", "Series B", "pre-IPO", "bank loan", "equipment leasing"])
        what = self.orgs[org_id]["offers"][0]["phrase"]
        title = f"Seeking {amount} million CNY {kind} financing"
        desc = (
            f"To expand capacity for {what} we are raising {amount} million CNY ({kind}); 2024 "
            f"revenue about {amount * rng.randint(2, 6)} million CNY."
        )
        kws = ["financing", kind, low(own["name"])]
        self._item(org_id, "need", "capital", own["id"], title, desc, kws, f"{kind} financing")

    # --- universities, institutes and finance -------------------------------------------

    def add_universities(self) -> None:
        rng = self.rng
        trls = [
            "Proof of concept (TRL 3)",
            "Lab prototype (TRL 4)",
            "Pilot-scale validated (TRL 6)",
            "Validated with an industrial partner (TRL 7)",
        ]
        for n, (name, zh, kind, region, lab_segs, theme) in enumerate(cat.UNIVERSITIES, 1):
            org_id, local = f"U{n:03d}", region is None
            region = region or f"{cat.HOST_CITY}, {rng.choice(cat.LOCAL_DISTRICTS)}"
            chains = [self.segs[s]["chain"] for s in lab_segs]
            fields = ", ".join(low(self.segs[s]["name"]) for s in lab_segs)
            desc = (
                f"{'University' if kind == 'university' else 'Research institute'} with labs in "
                f"{theme}; works with industry on {fields}. Technology transfer office open to "
                "licensing, joint labs and contract research."
            )
            self._org(org_id, name, kind, zh, region, local, None, chains, desc, None, lab_segs)
            self.orgs[org_id]["short"] = name
            pool = [(s, t) for s in lab_segs for t in self.segs[s]["techs"]]
            rng.shuffle(pool)
            titles: set[str] = set()
            for i in range(rng.randint(5, 8)):
                s, t = pool[i % len(pool)]
                seg = self.segs[s]
                T = cap_first(t["offer"])
                options = [T, f"{T}: licensing or joint development", f"Patented {low(t['offer'])}"]
                if i >= len(pool):
                    options = [f"{T}, applied to {seg['use']}", f"{T} (pilot line available)"]
                title = next(
                    (o for o in rng.sample(options, len(options)) if o not in titles), None
                )
                if title is None:
                    continue
                titles.add(title)
                desc = (
                    f"The {theme} lab at {name} has developed {low(t['offer'])}. "
                    f"{rng.choice(trls)}; {rng.randint(1, 9)} invention "
                    f"patent(s) granted. Suitable for {self.who(s)}; open to licensing, "
                    "joint development or a joint lab."
                )
                self._item(org_id, "offer", "technology", s, title, desc, t["kws"], t["offer"])

    def add_finance(self) -> None:
        rng = self.rng
        for n, (name, zh, region, chains) in enumerate(cat.FINANCE, 1):
            org_id, local = f"F{n:03d}", region is None
            region = region or f"{cat.HOST_CITY}, {rng.choice(cat.LOCAL_DISTRICTS)}"
            equity = any(w in name for w in ("Capital", "Fund", "Venture"))
            desc = (
                f"{'Equity investor' if equity else 'Financial institution'} serving "
                f"{', '.join(low(cat.CHAINS[c][0]) for c in chains)} companies; part of the "
                "city's finance matchmaking service database."
            )
            segs = [s for s in self.segs if self.segs[s]["chain"] in chains]
            self._org(org_id, name, "finance", zh, region, local, None, chains, desc, None, [])
            self.orgs[org_id]["short"] = name
            for sid in rng.sample(segs, rng.randint(3, 5)):
                seg = self.segs[sid]
                if equity:
                    title = f"Equity investment in {low(seg['name'])}"
                    desc = (
                        f"We invest 10-100 million CNY (Series A to pre-IPO) in {self.who(sid)}; "
                        "board seat and introductions to chain leaders."
                    )
                    kws = ["equity investment", "venture capital", low(seg["name"])]
                else:
                    title = f"Technology loans for {low(seg['name'])} companies"
                    desc = (
                        f"Credit lines of 5-50 million CNY for {self.who(sid)}, specialised SMEs "
                        "first; intellectual-property pledge accepted, rates from 3.1%."
                    )
                    kws = ["loan", "credit line", "IP pledge", low(seg["name"])]
                self._item(org_id, "offer", "capital", sid, title, desc, kws, "financing")
