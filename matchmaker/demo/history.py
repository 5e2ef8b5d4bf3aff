"""Known relations and the first half of 2025 (events, participants, meetings, deals) of the demo.

A mixin of :class:`matchmaker.demo.build.Builder`. Every headline figure is a constant here,
whatever the seed: exactly :data:`ATTENDED` distinct organisations attend (``NEW_FACES`` new
ones per event, 40% from outside, plus ``REPEATS`` repeat visitors: the "same circles" of
earlier events, institutions and the city's big names first); ``OTHER_STATUSES`` more are
invited per event and do not come; each event holds ``MEETINGS_PER_ATTENDEE`` meetings per
attendee, ``CANCELLED_SHARE`` of them cancelled. Deals are drawn from supply/demand pairs that
attended the same event, inside one cluster of business partners per event
(:data:`INTENT_ORGS` organisations in all, every one party to an intent deal):
:data:`INTENT_DEALS` intents, :data:`IN_PROGRESS` in progress, :data:`SIGNED` signed,
``DROPPED`` dropped; every deal pair held a meeting at its event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from matchmaker.demo import catalog as cat
from matchmaker.demo import catalog_zh as zh

__all__ = [
    "ATTENDED",
    "INTENT_DEALS",
    "INTENT_ORGS",
    "IN_PROGRESS",
    "SIGNED",
    "History",
    "cap_first",
    "wsample",
]

SHOWCASE_LAB = "Haiqing Institute of Energy and Storage"
ATTENDED, SIGNED, IN_PROGRESS, DROPPED, INTENT_ORGS, INTENT_DEALS = 300, 9, 36, 4, 70, 42
# per event, invitees who did not attend
OTHER_STATUSES = {"declined": 9, "no_show": 4, "invited": 5, "registered": 2}
MEETINGS_PER_ATTENDEE, CANCELLED_SHARE = 1.1, 0.06
NEW_FACES = [55, 45, 45, 50, 40, 40, 25]  # sums to ATTENDED
REPEATS = [0, 6, 8, 12, 24, 28, 35]
CIRCLE_TIERS = ("little_giant", "hidden_unicorn", "unicorn", "leader")
OUTSIDE_SHARE = 0.4
SLOTS, TABLES_PER_EVENT, MAX_MEETINGS = 12, 15, 5
SNAPSHOT = date(2025, 7, 10)
ATTEND_WEIGHT = {"none": 1.0, "innovative_sme": 1.2, "specialized": 1.5, "little_giant": 2.0,
                 "eaglet": 1.5, "gazelle": 2.0, "hidden_unicorn": 2.5, "unicorn": 3.0,
                 "leader": 3.0, None: 1.6}  # fmt: skip
# follow-up notes by kind of deal (supply, technology transfer, financing) and stage
NOTES = {
    "supply": {
        "signed": ["Framework supply agreement signed; first order placed.",
                   "Supply contract signed at the bureau's follow-up visit; deliveries start "
                   "next quarter."],
        "in_progress": ["Samples delivered; customer qualification testing under way.",
                        "Price and volume negotiation in progress.",
                        "Supplier factory audit scheduled."],
        "intent": ["Both sides agreed to exchange samples after the meeting.",
                   "Follow-up visit to the supplier's plant agreed.",
                   "Interested; requested detailed specifications and a quotation."],
        "dropped": ["Price gap too large; buyer stays with its incumbent supplier.",
                    "Specifications did not match after sample tests."],
    },
    "technology": {
        "signed": ["Licensing contract signed; joint engineering team set up.",
                   "Joint lab agreement signed; first milestone due in six months."],
        "in_progress": ["Joint development plan drafted; waiting for budget approval.",
                        "Pilot trial on the company's line under way."],
        "intent": ["Company visited the lab; both sides want a joint R&D project.",
                   "Lab to send test results and licensing terms."],
        "dropped": ["Technology not mature enough for the company's line."],
    },
    "capital": {
        "signed": ["Loan agreement signed; first drawdown made."],
        "in_progress": ["Due diligence under way; credit committee next month."],
        "intent": ["Company to send financial statements and business plan."],
        "dropped": ["Company chose another financing offer."],
    },
}  # fmt: skip


class History:
    """Adds relations, events, participants, meetings and deals to a demo builder.

    Needs the builder's ``rng``, ``orgs``, ``segs``, ``links``, ``tables`` and ``showcase``.
    """

    def add_history(self) -> None:
        self.events = []
        for event_id, name, day, chains, venue, capacity in cat.EVENTS:
            name_zh, venue_zh = zh.EVENTS[event_id]
            ev = {"event_id": event_id, "name": self.text(name, name_zh),
                  "date": date.fromisoformat(day), "chains": list(chains),
                  "venue": self.text(venue, venue_zh), "capacity": capacity,
                  "name_en": name}  # fmt: skip
            self.tables["events"].append(ev)
            self.events.append(ev)
        self.attendees = self._attendance()
        self._invitations()
        deals = self._deals()
        self._meetings(deals)

    # --- relations ---------------------------------------------------------------------

    def add_relations(self) -> None:
        rng = self.rng
        by_seg: dict[str, list[str]] = defaultdict(list)
        for org_id, o in self.orgs.items():
            if o["kind"] == "company":
                for s in o["segs"]:
                    by_seg[s].append(org_id)
        buyer, supplier = self.showcase["buyer"], self.showcase["supplier"]
        taken = {frozenset((buyer, supplier))}
        rel = self.tables["relations"]
        sources = self.text(
            ["2024 supply survey", "2023 chain mapping", "enterprise visit, 2024"],
            ["2024年供应链调查", "2023年产业链图谱梳理", "2024年企业走访"],
        )
        lab_deal = self.text("joint lab agreement", "共建联合实验室协议")
        alliance = self.text("industry alliance member list", "产业联盟成员名单")
        # The showcase pair has a known life of its own (never with each other): the supplier
        # sells to other pack makers, the buyer buys cells, both work with one institute.
        lab = next(o for o, v in self.orgs.items() if v["name"] == SHOWCASE_LAB)
        packs = rng.sample([o for o in by_seg["nev-pack"] if o != buyer], 3)
        known = [(supplier, p, "supplier_of", sources[0]) for p in packs]
        known.append((rng.choice(by_seg["nev-cell"]), buyer, "supplier_of", sources[0]))
        known += [(lab, buyer, "partner", lab_deal)]
        known += [(lab, supplier, "partner", lab_deal)]
        for a, b, kind, source in known:
            taken.add(frozenset((a, b)))
            rel.append({"org_a": a, "org_b": b, "kind": kind, "source": source})
        while len(rel) < 320:
            u, d = rng.choice(self.links)
            a, b = rng.choice(by_seg[u]), rng.choice(by_seg[d])
            if a != b and frozenset((a, b)) not in taken:
                taken.add(frozenset((a, b)))
                rel.append(
                    {"org_a": a, "org_b": b, "kind": "supplier_of", "source": rng.choice(sources)}
                )
        univs = [o for o in self.orgs if self.orgs[o]["kind"] in ("university", "institute")]
        while len(rel) < 380:
            u = rng.choice(univs)
            c = rng.choice(by_seg[rng.choice(self.orgs[u]["segs"])])
            if frozenset((u, c)) not in taken:
                taken.add(frozenset((u, c)))
                rel.append({"org_a": u, "org_b": c, "kind": "partner", "source": lab_deal})
        while len(rel) < 410:
            s = rng.choice(sorted(by_seg))
            a, b = rng.sample(by_seg[s], 2)
            if frozenset((a, b)) not in taken:
                taken.add(frozenset((a, b)))
                rel.append(
                    {
                        "org_a": a,
                        "org_b": b,
                        "kind": "partner",
                        "source": alliance,
                    }
                )

    # --- who came ----------------------------------------------------------------------

    def _circle(self, org_id: str) -> bool:
        """The "same circles": institutions and the city's big names come to every event."""
        o = self.orgs[org_id]
        return o["kind"] != "company" or (o["local"] and o["tier"] in CIRCLE_TIERS)

    def _eligible(self, ev: dict) -> list[str]:
        return [o for o, v in self.orgs.items() if set(v["chains"]) & set(ev["chains"])]

    def _weight(self, org_id: str, ev: dict) -> float:
        o = self.orgs[org_id]
        w = ATTEND_WEIGHT[o["tier"]]
        if o["kind"] in ("university", "institute") and "University" in ev["name_en"]:
            w *= 3
        return w

    def _attendance(self) -> dict[str, list[str]]:
        rng, seen, visits, out = self.rng, [], defaultdict(int), {}
        for ev, n_new, n_rep in zip(self.events, NEW_FACES, REPEATS, strict=True):
            elig = self._eligible(ev)
            rep_pool = [o for o in seen if o in set(elig) or self._circle(o)]
            rep = wsample(rng, rep_pool, [visits[o] * self._weight(o, ev) for o in rep_pool], n_rep)
            fresh = [o for o in elig if o not in visits]
            outside = [o for o in fresh if not self.orgs[o]["local"]]
            inside = [o for o in fresh if self.orgs[o]["local"]]
            k_out = min(len(outside), round(n_new * OUTSIDE_SHARE))
            new = wsample(rng, outside, [self._weight(o, ev) for o in outside], k_out)
            new += wsample(rng, inside, [self._weight(o, ev) for o in inside], n_new - k_out)
            if len(new) != n_new:
                raise ValueError(f"{ev['event_id']}: only {len(new)} new attendees available")
            out[ev["event_id"]] = sorted(rep + new)
            for o in out[ev["event_id"]]:
                visits[o] += 1
            seen.extend(new)
        return out

    def _invitations(self) -> None:
        """Attendees, plus invitees who did not come (each asked once, never an attendee)."""
        rng, asked = self.rng, set()
        attended_any = {o for came in self.attendees.values() for o in came}
        for ev in self.events:
            came = self.attendees[ev["event_id"]]
            rows = [{"event_id": ev["event_id"], "org_id": o, "status": "attended"} for o in came]
            others = sorted(set(self._eligible(ev)) - attended_any - asked)
            picked = rng.sample(others, sum(OTHER_STATUSES.values()))
            asked.update(picked)
            for status, k in OTHER_STATUSES.items():
                rows += [
                    {"event_id": ev["event_id"], "org_id": o, "status": status} for o in picked[:k]
                ]
                picked = picked[k:]
            self.tables["participants"].extend(rows)

    # --- who could do business with whom ---------------------------------------------

    def supplies(self, a: str, b: str) -> bool:
        """True when ``a`` offers something ``b`` needs, or ``a``'s segment feeds ``b``'s."""
        oa, ob = self.orgs[a], self.orgs[b]
        offer_segs = {(i["type"], i["seg"]) for i in oa["offers"]}
        if offer_segs & {(i["type"], i["seg"]) for i in ob["needs"]}:
            return True
        if oa["kind"] == "company" and ob["kind"] == "company":
            links = set(self.links)
            return any((x, y) in links for x in oa["segs"] for y in ob["segs"])
        if oa["kind"] in ("university", "institute") and ob["kind"] == "company":
            return bool(set(oa["segs"]) & set(ob["segs"]))
        if oa["kind"] == "finance":
            need = {self.segs[i["seg"]]["chain"] for i in ob["needs"] if i["type"] == "capital"}
            return bool(need & set(oa["chains"]))
        return False

    def _pairs(self, event_id: str) -> list[tuple[str, str]]:
        """Supplier -> buyer pairs among an event's attendees, one direction per pair."""
        att, seen, pairs = self.attendees[event_id], set(), []
        banned = frozenset((self.showcase["buyer"], self.showcase["supplier"]))
        for a in att:
            for b in att:
                key = frozenset((a, b))
                if a != b and key not in seen and key != banned and self.supplies(a, b):
                    seen.add(key)
                    pairs.append((a, b))
        return pairs

    # --- deals -------------------------------------------------------------------------

    def _deals(self) -> list[dict]:
        rng, pool, clusters = self.rng, set(), []
        per_event = INTENT_ORGS // len(self.events)
        for ev in self.events:  # a cluster of organisations per event that do business
            pairs = [p for p in self._pairs(ev["event_id"]) if not set(p) & pool]
            adj = defaultdict(set)
            for a, b in pairs:
                adj[a].add(b)
                adj[b].add(a)
            members = list(rng.choice(pairs))
            while len(members) < per_event:
                cand = sorted({n for m in members for n in adj[m]} - set(members))
                if not cand:
                    break
                score = {c: len(adj[c] & set(members)) for c in cand}
                best = max(score.values())
                members.append(rng.choice([c for c in cand if score[c] == best]))
            pool.update(members)
            inner = [(a, b, ev["event_id"]) for a, b in pairs if a in members and b in members]
            rng.shuffle(inner)
            clusters.append((members, inner))
        stage_of: dict[tuple, str] = {}
        for members, inner in clusters:  # every member reaches an intent
            covered: set[str] = set()
            for n in members:
                options = [e for e in inner if n in e[:2] and e not in stage_of]
                options.sort(key=lambda e: (e[0] in covered) + (e[1] in covered))
                if n not in covered and options:
                    stage_of[options[0]] = "intent"
                    covered.update(options[0][:2])
        rest = [e for _, inner in clusters for e in inner if e not in stage_of]
        rng.shuffle(rest)
        order = {ev["event_id"]: i for i, ev in enumerate(self.events)}
        for e in rng.sample([e for e in rest if order[e[2]] < 5], SIGNED):
            stage_of[e] = "signed"
        rest = [e for e in rest if e not in stage_of]
        if len(rest) < IN_PROGRESS + DROPPED:
            raise ValueError(f"only {len(rest)} pairs left for open deals in the pool")
        for i, e in enumerate(rest[: IN_PROGRESS + DROPPED]):
            stage_of[e] = "in_progress" if i < IN_PROGRESS else "dropped"
        extra = INTENT_DEALS - sum(v == "intent" for v in stage_of.values())
        if extra < 0 or len(rest) < IN_PROGRESS + DROPPED + extra:
            raise ValueError(
                f"cannot make exactly {INTENT_DEALS} intent deals ({extra=}, {len(rest)=})"
            )
        for e in rest[IN_PROGRESS + DROPPED : IN_PROGRESS + DROPPED + extra]:
            stage_of[e] = "intent"
        deals = sorted(stage_of.items(), key=lambda kv: (order[kv[0][2]], kv[0][0], kv[0][1]))
        return [self._deal(n, a, b, e, stage) for n, ((a, b, e), stage) in enumerate(deals, 1)]

    def _deal(self, n: int, a: str, b: str, event_id: str, stage: str) -> dict:
        rng, oa, ob = self.rng, self.orgs[a], self.orgs[b]
        ev = next(e for e in self.events if e["event_id"] == event_id)
        need_segs = {(i["type"], i["seg"]) for i in ob["needs"]}
        match = [i for i in oa["offers"] if (i["type"], i["seg"]) in need_segs] or oa["offers"]
        item = match[0]
        kind = item["type"] if item["type"] in ("technology", "capital") else "supply"
        zh_titles = self.lang == "zh"
        if item["type"] == "technology":
            title, low, high = f"Technology transfer: {item['phrase']}", 0.2, 5
            if zh_titles:
                title = f"技术成果转化：{item['phrase']}"
        elif item["type"] == "capital":
            title, low, high = f"{oa['short']} financing for {ob['short']}", 5, 50
            if zh_titles:
                title = f"{oa['short']}为{ob['short']}提供融资"
        else:
            title, low, high = f"{cap_first(item['phrase'])} for {ob['short']}", 0.3, 60
            if zh_titles:
                title = f"向{ob['short']}供应{item['phrase']}"
        value = None
        if stage in ("signed", "in_progress"):
            value = round(rng.uniform(low, high) * 1e6, -4)
        lag = {
            "signed": (25, 110),
            "in_progress": (20, 140),
            "intent": (1, 20),
            "dropped": (20, 70),
        }
        span = (SNAPSHOT - ev["date"]).days  # stamps stay before the snapshot date
        lo, hi = min(lag[stage][0], span // 2), min(lag[stage][1], span)
        when = ev["date"] + timedelta(days=rng.randint(lo, hi))
        stamp = datetime(
            when.year, when.month, when.day, rng.randint(9, 17), rng.choice([0, 15, 30, 45])
        )
        due = None
        if stage in ("intent", "in_progress"):
            due = when + timedelta(days=rng.randint(14, 45))
        return {
            "deal_id": f"D{n:03d}", "org_a": a, "org_b": b, "stage": stage, "event_id": event_id,
            "title": title, "value_cny": None if value is None else int(value),
            "updated_at": stamp.isoformat(),
            "note": self.pick(NOTES[kind][stage], zh.NOTES[kind][stage]),
            "due_date": due,
        }  # fmt: skip

    # --- meetings ----------------------------------------------------------------------

    def _meetings(self, deals: list[dict]) -> None:
        rng = self.rng
        self.tables["deals"].extend(deals)
        for ev in self.events:
            eid = ev["event_id"]
            must = [(d["org_a"], d["org_b"]) for d in deals if d["event_id"] == eid]
            done = {frozenset(p) for p in must}
            others = [p for p in self._pairs(eid) if frozenset(p) not in done]
            rng.shuffle(others)
            busy: dict[int, set[str]] = defaultdict(set)
            tables_used: dict[int, int] = defaultdict(int)
            per_org: dict[str, int] = defaultdict(int)
            limit = round(len(self.attendees[eid]) * MEETINGS_PER_ATTENDEE)
            rows = []
            n_placed = 0
            for k, (a, b) in enumerate(must + others):
                is_deal = k < len(must)
                if not is_deal and (
                    n_placed >= limit or max(per_org[a], per_org[b]) >= MAX_MEETINGS
                ):
                    continue
                free = [s for s in range(1, SLOTS + 1) if tables_used[s] < TABLES_PER_EVENT]
                slot = next((s for s in free if a not in busy[s] and b not in busy[s]), None)
                if slot is None:
                    if is_deal:
                        raise ValueError(f"no slot for deal meeting {a}-{b} at {eid}")
                    continue
                busy[slot].update((a, b))
                tables_used[slot] += 1
                per_org[a] += 1
                per_org[b] += 1
                n_placed += 1
                rows.append(
                    {"event_id": eid, "org_a": a, "org_b": b, "slot": slot,
                     "table": f"T{tables_used[slot]:02d}", "status": "held"}
                )  # fmt: skip
            for row in rng.sample(rows[len(must) :], round(len(rows) * CANCELLED_SHARE)):
                row["status"] = "cancelled"
            self.tables["meetings"].extend(rows)


def cap_first(text: str) -> str:
    """``text`` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def wsample(rng, items: list, weights: list[float], k: int) -> list:
    """``k`` items drawn without replacement, with probability by weight (Efraimidis-Spirakis)."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True
    )
    return [items[i] for _, i in keyed[:k]]
