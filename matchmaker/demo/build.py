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
from matchmaker.demo import catalog_zh as zh
from matchmaker.demo.history import History
from matchmaker.demo.institutions import Institutions
from matchmaker.demo.items import Items, low

__all__ = ["LANGS", "Builder", "load_links", "load_segments"]

LANGS = ("en", "zh")

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
TIER_SENTENCE_ZH = {
    "none": "",
    "innovative_sme": "系省级创新型中小企业。",
    "specialized": "系省级专精特新中小企业。",
    "little_giant": "系国家级专精特新“小巨人”企业。",
    "eaglet": "入选雏鹰企业名单。",
    "gazelle": "入选瞪羚企业名单，近年保持高速增长。",
    "hidden_unicorn": "被评为市级隐形独角兽企业。",
    "unicorn": "估值超过10亿美元，系独角兽企业。",
    "leader": "系产业链领军标杆企业。",
}
SHOWCASE_NEED = (
    "Looking for a BMS supplier for 48V LFP e-bike battery packs",
    "We assemble 48V and 60V LFP battery packs for e-bikes and electric scooters (about 8,000 "
    "packs a month) and need a second source of battery management systems: 13S-16S, active "
    "cell balancing, CAN and UART communication, SOC accuracy within 3%, short-circuit and "
    "over-temperature protection. Samples wanted this quarter.",
    ["BMS", "battery management system", "48V", "LFP", "e-bike", "active balancing"],
)
SHOWCASE_NEED_ZH = (
    "寻求电动自行车48V磷酸铁锂电池包BMS供应商",
    "我司为电动自行车和电动滑板车组装48V、60V磷酸铁锂电池包（月产约8000套），现寻求电池管理"
    "系统第二供应商：13-16串，主动均衡，支持CAN和UART通讯，SOC精度3%以内，具备短路和过温保护。"
    "希望本季度送样。",
    ["BMS", "电池管理系统", "48V", "磷酸铁锂", "电动自行车", "主动均衡"],
)
SHOWCASE_OFFER_ZH = (
    "48V-72V电动自行车及轻型电动车电池包BMS",
    "我司设计生产电动自行车、滑板车及轻型电动车电池包BMS保护板：13-20串磷酸铁锂及三元，主动"
    "均衡电流最高2A，支持CAN和UART、蓝牙App，SOC精度3%。月产2万片，已通过IATF 16949认证。",
    ["BMS", "电池管理系统", "主动均衡", "轻型电动车", "电动自行车", "CAN"],
)
SHOWCASE_OFFER = (
    "Battery management systems for 48V-72V e-bike and light EV packs",
    "We design and make BMS boards for e-bike, scooter and light EV battery packs: 13S-20S "
    "LFP and NCM, active balancing up to 2 A, CAN and UART, Bluetooth app, SOC accuracy 3%. "
    "20,000 boards a month, IATF 16949 certified.",
    ["BMS", "battery management system", "active balancing", "light EV", "e-bike", "CAN"],
)


def _split(text: str, n: int) -> list[str]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != n:
        raise ValueError(f"catalog entry needs {n} '|' fields: {text!r}")
    return parts


def _product(text: str) -> dict:
    offer, need, kws, specs = _split(text, 4)
    return {"offer": offer, "need": need, "kws": kws.split(";"), "specs": specs.split(";")}


def _tech(text: str) -> dict:
    title, need, kws = _split(text, 3)
    return {"offer": title, "need": need, "kws": kws.split(";")}


def _paired(sid: str, en: list[dict], texts: list[str], parse) -> list[dict]:
    """English entries, each with its Chinese twin under ``"zh"`` (same number of keywords
    and specifications, so both languages draw the same random choices)."""
    if len(texts) != len(en):
        raise ValueError(f"catalog_zh {sid}: {len(texts)} entries, English has {len(en)}")
    for e, text in zip(en, texts, strict=True):
        e["zh"] = z = parse(text)
        for key in ("kws", "specs"):
            if key in e and len(z[key]) != len(e[key]):
                raise ValueError(f"catalog_zh {sid}: {z['offer']!r} needs {len(e[key])} {key}")
    return en


def load_segments() -> dict[str, dict]:
    """The catalog's segments as dicts, products and technologies parsed; the Chinese
    texts of :mod:`matchmaker.demo.catalog_zh` ride along under ``"zh"``."""
    segs = {}
    for sid, stage, name, use, desc, trades, kind, products, techs in cat.SEGMENTS:
        prods = [_product(p) for p in products]
        tech = [_tech(t) for t in techs]
        name_zh, use_zh, desc_zh, prods_zh, techs_zh = zh.SEGMENTS[sid]
        segs[sid] = {
            "id": sid, "chain": sid.split("-")[0], "stage": stage, "name": name, "use": use,
            "description": desc, "trades": trades, "kind": kind,
            "products": _paired(sid, prods, prods_zh, _product),
            "techs": _paired(sid, tech, techs_zh, _tech),
            "zh": {"name": name_zh, "use": use_zh, "description": desc_zh},
        }  # fmt: skip
    return segs


def load_links() -> list[tuple[str, str]]:
    """The catalog's chain links as (upstream, downstream) pairs, in catalog order."""
    return [tuple(pair.split(">")) for pair in cat.LINKS.split()]


class Builder(Items, Institutions, History):
    """Builds every table of the demo workspace; ``run()`` fills ``tables`` and ``showcase``.

    ``lang`` chooses the texts (``en``: ``data/demo``, ``zh``: ``data/demo_zh``). Every
    random draw is made the same way in both languages (on the English lists, whose Chinese
    twins have the same length), so both workspaces have the same ids, structure and history.
    """

    def __init__(self, seed: int, lang: str = "en"):
        if lang not in LANGS:
            raise ValueError(f"demo language {lang!r} is not supported; use one of: en, zh")
        self.lang = lang
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

    def text(self, en, zh_text):
        """``en`` or ``zh_text``, by the builder's language (both already drawn)."""
        return zh_text if self.lang == "zh" else en

    def pick(self, en: list, zh_list: list):
        """One entry drawn like ``rng.choice(en)``, returned in the builder's language."""
        if len(en) != len(zh_list):
            raise ValueError(f"{len(en)} English and {len(zh_list)} Chinese variants: {en[0]!r}")
        i = self.rng.choice(range(len(en)))
        return self.text(en[i], zh_list[i])

    def run(self) -> None:
        self.add_chains()
        self.add_companies()
        self.add_universities()
        self.add_finance()
        self.add_relations()
        self.add_history()

    # --- chains ------------------------------------------------------------------------

    def add_chains(self) -> None:
        for chain_id, (name, name_zh) in cat.CHAINS.items():
            self.tables["chains"].append(
                {"chain_id": chain_id, "name": self.text(name, name_zh), "name_zh": name_zh,
                 "description": self.text(None, zh.CHAIN_DESCRIPTIONS[chain_id])}
            )  # fmt: skip
        for s in self.segs.values():
            z = s["zh"]
            self.tables["segments"].append(
                {"segment_id": s["id"], "name": self.text(s["name"], z["name"]),
                 "name_zh": z["name"], "chain": s["chain"], "stage": s["stage"],
                 "description": self.text(s["description"], z["description"])}
            )  # fmt: skip
        for u, d in self.links:
            self.tables["chain_links"].append({"upstream": u, "downstream": d})

    def who(self, segment_id: str) -> str:
        """Who buys from a segment's suppliers: "makers of X" or "X companies"."""
        seg = self.segs[segment_id]
        if self.lang == "zh":
            return f"{seg['zh']['use']}{'厂商' if seg['kind'] == 'product' else '企业'}"
        return f"makers of {seg['use']}" if seg["kind"] == "product" else f"{seg['use']} companies"

    def use(self, seg: dict) -> str:
        return self.text(seg["use"], seg["zh"]["use"])

    def seg_name(self, seg: dict) -> str:
        return self.text(low(seg["name"]), seg["zh"]["name"])

    # --- organisations -----------------------------------------------------------------

    def _org(self, org_id, name, kind, name_zh, region, local, tier, chains, desc, web, segs):
        """One organisation; ``name`` is its English name, which the generator's own logic
        reads (the row shows ``name_zh`` as its name in the Chinese workspace)."""
        self.tables["organizations"].append(
            {"org_id": org_id, "name": self.text(name, name_zh), "kind": kind,
             "name_zh": name_zh, "region": self.region(region), "local": local, "tier": tier,
             "chains": sorted(set(chains)), "description": desc, "website": web}
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

    def region(self, region: str) -> str:
        """A region as the workspace's language writes it ("Haiqing, Jimo" / "海青市即墨区")."""
        if self.lang == "en":
            return region
        city, _, district = region.partition(", ")
        if city == cat.HOST_CITY:
            return zh.HOST_CITY + zh.DISTRICTS[district]
        return zh.REGIONS[region]

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
        short = self.text(f"{brand} {trade[0]}", f"{bzh}{trade[1]}")
        name_zh = f"{zh_prefix}{bzh}{trade[1]}{generic[1]}"
        n_offers = min(len(seg["products"]), rng.choice([1, 1, 2, 2, 3]))
        prods = rng.sample(seg["products"], n_offers)
        downs = [self.who(d) for d in self.down_of[seg["id"]]][:2]
        customers = self.text(" and ", "和").join(downs) or self.text("end customers", "终端客户")
        big = tier in ("hidden_unicorn", "unicorn", "leader")
        staff = rng.choice([1200, 2400, 5600, 12000] if big else [35, 60, 120, 180, 260, 450, 900])
        year = rng.randint(1996, 2022)
        verb = "provides" if seg["kind"] == "service" else "makes"
        offers = ", ".join(p["offer"] for p in prods)
        ts = TIER_SENTENCE[tier]
        if self.lang == "zh":
            where = zh.DISTRICTS.get(place) or zh_prefix
            offers, ts, sn = (
                "、".join(p["zh"]["offer"] for p in prods),
                TIER_SENTENCE_ZH[tier],
                seg["zh"]["name"],
            )
            variants = [
                f"{name_zh}位于{where}，主营{sn}，主要产品：{offers}。{ts}公司成立于{year}年，"
                f"现有员工约{staff}人。",
                f"{short}{year}年成立于{where}，为{customers}提供{offers}。{ts}",
                f"{short}是一家扎根{where}的{sn}企业，员工{staff}人。{ts}公司专注于为{customers}"
                f"提供{offers}。",
            ]  # fmt: skip
        else:
            variants = [
                f"{short} {verb} {low(seg['name'])} in {place}. Main offers: {offers}. "
                f"{ts}Founded in {year}; about {staff} employees.",
                f"Founded in {year} in {place}, {short} supplies {offers} to {customers}. {ts}",
                f"{short} is a {place}-based {low(seg['name'])} company with {staff} "
                f"employees. {ts}We focus on {offers} for {customers}.",
            ]
        desc = rng.choice(variants).strip()
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
                *self.text(SHOWCASE_OFFER, SHOWCASE_OFFER_ZH),
                self.text("BMS boards for light EV packs", "轻型电动车电池包BMS保护板"),
            )
        for p in prods:
            self._offer(org_id, seg, p)
        for extra in segs[1:]:
            self._offer(org_id, self.segs[extra], rng.choice(self.segs[extra]["products"]))
        if special == "buyer":
            self.showcase["buyer"] = org_id
            self.showcase["need"] = self._item(
                org_id,
                "need",
                "product",
                "nev-bms",
                *self.text(SHOWCASE_NEED, SHOWCASE_NEED_ZH),
                "BMS",
            )
            return
        self._needs(org_id, segs)
