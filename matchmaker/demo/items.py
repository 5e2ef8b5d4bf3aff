"""Offers and needs of the demo's companies (a mixin of :class:`matchmaker.demo.build.Builder`).

Each text is drawn once, in the same way for both languages (``Builder.pick`` draws on the
English variants and returns the one in the builder's language), so ``data/demo`` and
``data/demo_zh`` hold the same items with the same ids.
"""

from __future__ import annotations

from matchmaker.demo import catalog as cat
from matchmaker.demo import catalog_zh as zh
from matchmaker.demo.history import cap_first

__all__ = ["AREAS", "Items", "low"]

AREAS = ["Shandong", "the Yangtze River Delta", "Europe and Southeast Asia", "North China"]


def low(text: str) -> str:
    """``text`` with its first letter in lower case, unless it starts an acronym."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


class Items:
    """Adds items to a demo builder; needs its ``rng``, ``orgs``, ``segs``, ``up_of``,
    ``down_of``, ``tables``, ``text``, ``pick`` and ``who``."""

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
        rng, org, z = self.rng, self.orgs[org_id], prod["zh"]
        p, P = prod["offer"], cap_first(prod["offer"])
        idx = rng.sample(range(len(prod["specs"])), min(2, len(prod["specs"])))
        specs = self.text(", ", "，").join(self.text(prod["specs"], z["specs"])[i] for i in idx)
        certs = cat.CERTS.get(seg["id"]) or cat.CERTS[seg["chain"]]
        cert = self.pick(certs, zh.CERTS.get(seg["id"]) or zh.CERTS[seg["chain"]])
        downs = self.down_of[seg["id"]]
        down = self.who(rng.choice(downs)) if downs else self.text("end users", "终端用户")
        q, short = z["offer"], org["short"]
        if seg["kind"] == "service":
            title = self.pick(
                [P, f"We offer {p}", f"{P} for {down}"], [q, f"提供{q}", f"面向{down}提供{q}"]
            )
            desc = self.pick(
                [f"We provide {p}: {specs}.", f"{short} offers {p} to {down}; {specs}."],
                [f"我们提供{q}：{specs}。", f"{short}面向{down}提供{q}，{specs}。"],
            )
        else:
            title = self.pick(
                [P, f"{P}, OEM/ODM welcome", f"Supplying {p}", f"{P} in volume"],
                [q, f"{q}，承接OEM/ODM", f"供应{q}", f"{q}批量供货"],
            )
            # drawn in the order the English variants were always drawn in
            weeks, area, i = rng.randint(2, 6), self.pick(AREAS, zh.AREAS), rng.choice(range(3))
            desc = self.text(
                [f"We supply {p}: {specs}. {cert} certified; samples in {weeks} weeks.",
                 f"{short} makes {p} ({specs}) for {down}. Quality: {cert}.",
                 f"Our {p} ship to customers in {area}; {specs}. {cert}, stable "
                 "capacity and engineering support on site."],
                [f"我司供应{q}：{specs}。已通过{cert}认证，{weeks}周内可提供样品。",
                 f"{short}为{down}生产{q}（{specs}），质量体系：{cert}。",
                 f"我司{q}销往{area}客户，{specs}。{cert}，产能稳定，可派工程师现场支持。"],
            )[i]  # fmt: skip
        kws = self.text(prod["kws"], z["kws"])
        if seg["kind"] == "product" and rng.random() < 0.3:
            kws = [*kws, cert.removesuffix("认证")]
        self._item(org_id, "offer", seg["kind"], seg["id"], title, desc, kws, self.text(p, q))

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
        rng, z = self.rng, prod["zh"]
        q, use = prod["need"], own["use"]
        qz, usez = z["need"], own["zh"]["use"]
        intro = f"We make {use}" if own["kind"] == "product" else f"Our business is {use}"
        title = self.pick(
            [f"Looking for {q}", f"Need a supplier of {q}", f"Sourcing {q} for our {use}",
             f"Second source wanted: {q}", f"Buying {q}"],
            [f"寻求{qz}", f"诚征{qz}供应商", f"为{usez}产品采购{qz}",
             f"寻找{qz}第二供应商", f"采购{qz}"],
        )  # fmt: skip
        spec = self.pick(prod["specs"], z["specs"])
        req = self.pick(
            [f"ideally {spec}", "sample testing before a framework agreement",
             "technical support on site needed", "stable delivery within 4 weeks"],
            [f"最好能达到{spec}", "签框架协议前需送样测试", "需提供现场技术支持",
             "要求4周内稳定交货"],
        )  # fmt: skip
        amount = rng.choice([2, 5, 8, 15, 30, 60])
        intro_zh = f"我司生产{usez}" if own["kind"] == "product" else f"我司主营{usez}"
        desc = self.pick(
            [f"{intro} and we are looking for {q}. Annual purchase about "
             f"{amount} million CNY; {req}.",
             f"For a new {use} project we need a reliable source of {q}, {req}. Local suppliers "
             f"preferred, delivery to {cat.HOST_CITY}.",
             f"Looking for a long-term partner for {q} to replace imported supply in our {use}; "
             f"{req}."],
            [f"{intro_zh}，现寻求{qz}，年采购额约{amount}00万元，{req}。",
             f"因新建{usez}项目，需稳定的{qz}货源，{req}。本地供应商优先，交货地{zh.HOST_CITY}。",
             f"寻求{qz}长期合作伙伴，替代{usez}生产中的进口供货，{req}。"],
        )  # fmt: skip
        n = min(len(prod["kws"]), rng.randint(2, 3))
        kws = [self.text(prod["kws"], z["kws"])[i] for i in rng.sample(range(len(prod["kws"])), n)]
        self._item(org_id, "need", up["kind"], up["id"], title, desc, kws, self.text(q, qz))

    def _tech_need(self, org_id: str, own: dict, seg: dict, tech: dict) -> None:
        rng, z = self.rng, tech["zh"]
        q, qz = tech["need"], z["need"]
        title = self.pick(
            [f"Seeking a university partner for {q}", f"Technology wanted: {q}",
             f"Looking for {q} know-how"],
            [f"寻求高校合作开发{qz}", f"技术需求：{qz}", f"求购{qz}相关技术"],
        )  # fmt: skip
        budget = rng.choice([0.5, 1, 2, 3, 5])
        desc = self.text(
            f"We want to work with a university lab or institute on {q} to upgrade our "
            f"{own['use']}; budget about {budget} million CNY for joint R&D.",
            f"希望与高校实验室或科研院所合作攻关{qz}，用于{own['zh']['use']}产品升级，"
            f"联合研发预算约{round(budget * 100)}万元。",
        )
        idx = rng.sample(range(len(tech["kws"])), min(len(tech["kws"]), 2))
        kws = [self.text(tech["kws"], z["kws"])[i] for i in idx]
        self._item(org_id, "need", "technology", seg["id"], title, desc, kws, self.text(q, qz))

    def _capital_need(self, org_id: str, own: dict) -> None:
        rng = self.rng
        amount = rng.choice([10, 20, 30, 50, 80, 150])
        kind = self.pick(["Series A", "Series B", "pre-IPO", "bank loan", "equipment leasing"],
                         ["A轮", "B轮", "Pre-IPO轮", "银行贷款", "设备融资租赁"])  # fmt: skip
        what = self.orgs[org_id]["offers"][0]["phrase"]
        revenue = amount * rng.randint(2, 6)
        if self.lang == "zh":
            title = f"寻求{amount}00万元{kind}融资"
            desc = (
                f"为扩大{what}产能，拟融资{amount}00万元（{kind}）；"
                f"2024年营业收入约{revenue}00万元。"
            )
            kws, phrase = ["融资", kind, own["zh"]["name"]], f"{kind}融资"
        else:
            title = f"Seeking {amount} million CNY {kind} financing"
            desc = (
                f"To expand capacity for {what} we are raising {amount} million CNY ({kind}); 2024 "
                f"revenue about {revenue} million CNY."
            )
            kws, phrase = ["financing", kind, low(own["name"])], f"{kind} financing"
        self._item(org_id, "need", "capital", own["id"], title, desc, kws, phrase)
