"""Universities, institutes and financial institutions of the demo, with their technology
and capital offers (a mixin of :class:`matchmaker.demo.build.Builder`)."""

from __future__ import annotations

from matchmaker.demo import catalog as cat
from matchmaker.demo import catalog_zh as zh
from matchmaker.demo.history import cap_first
from matchmaker.demo.items import low

__all__ = ["Institutions"]


class Institutions:
    """Adds universities, institutes and finance to a demo builder; needs its ``rng``,
    ``orgs``, ``segs``, ``_org``, ``_item``, ``text``, ``pick``, ``who`` and ``seg_name``."""

    # --- universities, institutes and finance -------------------------------------------

    def add_universities(self) -> None:
        rng = self.rng
        trls = [
            "Proof of concept (TRL 3)",
            "Lab prototype (TRL 4)",
            "Pilot-scale validated (TRL 6)",
            "Validated with an industrial partner (TRL 7)",
        ]
        trls_zh = ["完成原理验证（TRL 3）", "已有实验室样机（TRL 4）", "完成中试验证（TRL 6）",
                   "已与企业合作完成验证（TRL 7）"]  # fmt: skip
        for n, (name, name_zh, kind, region, lab_segs, theme) in enumerate(cat.UNIVERSITIES, 1):
            org_id, local = f"U{n:03d}", region is None
            region = region or f"{cat.HOST_CITY}, {rng.choice(cat.LOCAL_DISTRICTS)}"
            chains = [self.segs[s]["chain"] for s in lab_segs]
            fields = self.text(", ", "、").join(self.seg_name(self.segs[s]) for s in lab_segs)
            theme_zh = zh.THEMES[theme]
            desc = self.text(
                f"{'University' if kind == 'university' else 'Research institute'} with labs in "
                f"{theme}; works with industry on {fields}. Technology transfer office open to "
                "licensing, joint labs and contract research.",
                f"{'高校' if kind == 'university' else '科研院所'}，设有{theme_zh}方向实验室，"
                f"在{fields}等领域与企业开展产学研合作；技术转移中心可洽谈专利许可、共建联合实验室"
                "和委托研发。",
            )
            self._org(
                org_id, name, kind, name_zh, region, local, None, chains, desc, None, lab_segs
            )
            self.orgs[org_id]["short"] = self.text(name, name_zh)
            pool = [(s, t) for s in lab_segs for t in self.segs[s]["techs"]]
            rng.shuffle(pool)
            titles: set[str] = set()
            for i in range(rng.randint(5, 8)):
                s, t = pool[i % len(pool)]
                seg, tz = self.segs[s], t["zh"]["offer"]
                T = cap_first(t["offer"])
                options = [T, f"{T}: licensing or joint development", f"Patented {low(t['offer'])}"]
                options_zh = [tz, f"{tz}（可许可或联合开发）", f"{tz}（已获发明专利）"]
                if i >= len(pool):
                    options = [f"{T}, applied to {seg['use']}", f"{T} (pilot line available)"]
                    options_zh = [f"{tz}在{seg['zh']['use']}领域的应用", f"{tz}（具备中试线）"]
                # which title is new is decided on the English titles, in both languages
                order = rng.sample(range(len(options)), len(options))
                k = next((k for k in order if options[k] not in titles), None)
                if k is None:
                    continue
                titles.add(options[k])
                trl, patents = self.pick(trls, trls_zh), rng.randint(1, 9)
                desc = self.text(
                    f"The {theme} lab at {name} has developed {low(t['offer'])}. "
                    f"{trl}; {patents} invention "
                    f"patent(s) granted. Suitable for {self.who(s)}; open to licensing, "
                    "joint development or a joint lab.",
                    f"{name_zh}{theme_zh}实验室研发了{tz}。{trl}，已授权发明专利{patents}项。"
                    f"适用于{self.who(s)}，可洽谈专利许可、联合开发或共建实验室。",
                )
                title = self.text(options[k], options_zh[k])
                kws = self.text(t["kws"], t["zh"]["kws"])
                self._item(
                    org_id, "offer", "technology", s, title, desc, kws, self.text(t["offer"], tz)
                )

    def add_finance(self) -> None:
        rng = self.rng
        for n, (name, name_zh, region, chains) in enumerate(cat.FINANCE, 1):
            org_id, local = f"F{n:03d}", region is None
            region = region or f"{cat.HOST_CITY}, {rng.choice(cat.LOCAL_DISTRICTS)}"
            equity = any(w in name for w in ("Capital", "Fund", "Venture"))
            desc = self.text(
                f"{'Equity investor' if equity else 'Financial institution'} serving "
                f"{', '.join(low(cat.CHAINS[c][0]) for c in chains)} companies; part of the "
                "city's finance matchmaking service database.",
                f"{'股权投资机构' if equity else '金融机构'}，服务"
                f"{'、'.join(cat.CHAINS[c][1] for c in chains)}产业链企业，"
                "已入库全市金融服务机构资源库。",
            )
            segs = [s for s in self.segs if self.segs[s]["chain"] in chains]
            self._org(org_id, name, "finance", name_zh, region, local, None, chains, desc, None, [])
            self.orgs[org_id]["short"] = self.text(name, name_zh)
            for sid in rng.sample(segs, rng.randint(3, 5)):
                seg = self.segs[sid]
                sn, who = self.seg_name(seg), self.who(sid)
                if equity and self.lang == "zh":
                    title = f"{sn}领域股权投资"
                    desc = (
                        f"投资{who}，单笔1000万至1亿元（A轮至Pre-IPO），可派驻董事并对接链主企业。"
                    )
                    kws = ["股权投资", "创业投资", sn]
                elif equity:
                    title = f"Equity investment in {sn}"
                    desc = (
                        f"We invest 10-100 million CNY (Series A to pre-IPO) in {who}; "
                        "board seat and introductions to chain leaders."
                    )
                    kws = ["equity investment", "venture capital", sn]
                elif self.lang == "zh":
                    title = f"{sn}企业科技贷款"
                    desc = (
                        f"为{who}提供500万至5000万元授信，专精特新企业优先，"
                        "可办理知识产权质押，利率3.1%起。"
                    )
                    kws = ["贷款", "授信", "知识产权质押", sn]
                else:
                    title = f"Technology loans for {sn} companies"
                    desc = (
                        f"Credit lines of 5-50 million CNY for {who}, specialised SMEs "
                        "first; intellectual-property pledge accepted, rates from 3.1%."
                    )
                    kws = ["loan", "credit line", "IP pledge", sn]
                phrase = self.text("financing", "融资")
                self._item(org_id, "offer", "capital", sid, title, desc, kws, phrase)
