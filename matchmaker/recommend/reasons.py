"""The reason sentence of a suggestion, in the reader's language, worded by its evidence.

:func:`reason_sentence` builds one sentence from a
:class:`~matchmaker.recommend.explain.Suggestion`'s structured fields only, so the sentence
and the fields never disagree. Its wording says how strong the match is
(:func:`strength`): "closely matches" (高度吻合) from a similarity of :data:`CLOSE`,
"partly matches" (部分吻合) above :data:`TEXT_FLOOR`, and "same chain step, no textual
match" (同属产业链上下游环节，文本未直接对应) when only the chain links them. Chinese
sentences use the Chinese names (``name_zh``) where the workspace has them.

>>> from matchmaker.recommend.explain import Suggestion
>>> s = Suggestion("B1", "S1", "suppliers", 0.8, partner_name="Cathode Co",
...     org_name="Battery Co", partner_name_zh="正极公司", org_name_zh="电池公司",
...     offer_title="NMC cathode powder", need_title="cathode material",
...     semantic_similarity=0.71, lexical_similarity=0.42)
>>> reason_sentence(s)[:94]
'Cathode Co can supply Battery Co: its offer "NMC cathode powder" closely matches the need "cat'
>>> reason_sentence(s, "zh")[:47]
'正极公司可为电池公司供应：其产品「NMC cathode powder」与需求「cathode'
"""

from __future__ import annotations

from matchmaker.errors import DataError
from matchmaker.recommend.evidence import TEXT_FLOOR

__all__ = ["CLOSE", "LANGS", "STRENGTHS", "reason_sentence", "strength"]

LANGS = ("en", "zh")
CLOSE = 0.6  # a matched item pair this similar (semantic or lexical) "closely matches"
STRENGTHS = ("close", "partial", "chain", "weak")

_EN = {
    "close": "closely matches",
    "partial": "partly matches",
    "chain": "same chain step, no textual match",
    "weak": "is only loosely related to",
}
_ZH = {
    "close": "高度吻合",
    "partial": "部分吻合",
    "chain": "同属产业链上下游环节，文本未直接对应",
    "weak": "仅弱相关",
}
_KIND_ZH = {"company": "企业", "university": "高校", "institute": "科研院所", "finance": "金融机构"}


def strength(s) -> str:
    """How strong a suggestion's match is: one of :data:`STRENGTHS`.

    ``close``: the matched items' similarity (larger of semantic and lexical) is at least
    :data:`CLOSE`; ``partial``: above :data:`TEXT_FLOOR`; ``chain``: a chain path links
    them but their texts do not; ``weak``: neither (only shown when weak matches are asked
    for).
    """
    best = max(s.semantic_similarity, s.lexical_similarity)
    if best >= CLOSE:
        return "close"
    if best > TEXT_FLOOR:
        return "partial"
    return "chain" if s.chain_path else "weak"


def reason_sentence(s, lang: str = "en") -> str:
    """One readable sentence from a suggestion's structured fields, in ``lang``.

    Raises
    ------
    DataError
        When ``lang`` is not one of :data:`LANGS`.
    """
    if lang not in LANGS:
        raise DataError(f"lang {lang!r} is not allowed; use one of {LANGS}")
    return _zh(s) if lang == "zh" else _en(s)


def _quote(text: str | None) -> str:
    return f'"{text}"' if text else "(no item)"


def _link(left: str, key: str, right: str) -> str:
    if key == "chain":
        return f"{left} and {right}: {_EN[key]}"
    return f"{left} {_EN[key]} {right}"


def _en(s) -> str:
    org = s.org_name or s.org_id
    partner = s.partner_name or s.partner_id
    key = s.strength or strength(s)
    sims = f"semantic similarity {s.semantic_similarity:.2f}, lexical {s.lexical_similarity:.2f}"
    offer, need = _quote(s.offer_title), _quote(s.need_title)
    if s.direction == "customers" and s.need_title is None and s.segment:
        # The partner's need text withheld (a company user reads it): name its segment only.
        where = s.segment_name or s.segment
        match = _link(f"the offer {offer}", key, f"something {partner} needs in segment {where}")
        head = f"{partner} could buy from {org}: {match}"
    elif s.direction == "customers":
        match = _link(f"the offer {offer}", key, f"{partner}'s need {need}")
        head = f"{partner} could buy from {org}: {match}"
    elif s.direction == "technology":
        kind = f" ({s.partner_kind})" if s.partner_kind else ""
        match = _link(f"the technology {offer}", key, f"{org}'s need {need}")
        head = f"{partner}{kind} offers a technology for {org}: {match}"
    elif s.direction == "finance":
        match = _link(f"its offer {offer}", key, f"the capital need {need}")
        head = f"{partner} can finance {org}: {match}"
    else:
        match = _link(f"its offer {offer}", key, f"the need {need}")
        head = f"{partner} can supply {org}: {match}"
    head += f" ({sims})"
    parts = [head]
    if s.chain_path:
        parts.append(f"chain path: {' -> '.join(s.chain_path)}")
    names = s.shared_partner_names or s.shared_partners
    if names:
        parts.append(f"{len(names)} shared partner(s): {', '.join(names)}")
    if s.already_partners:
        parts.append("they already work together (down-weighted for novelty)")
    elif s.already_met:
        parts.append("they have met before (down-weighted for novelty)")
    if s.value > s.score + 0.005:
        parts.append(
            f"listed at {s.score:.2f} to spread similar partners out (pair value {s.value:.2f})"
        )
    return "; ".join(parts) + "."


def _zq(text: str | None) -> str:
    return f"「{text}」" if text else "（无条目）"


def _zh(s) -> str:
    org = s.org_name_zh or s.org_name or s.org_id
    partner = s.partner_name_zh or s.partner_name or s.partner_id
    how = _ZH[s.strength or strength(s)]
    sims = f"（语义相似度{s.semantic_similarity:.2f}，字面相似度{s.lexical_similarity:.2f}）"
    offer, need = _zq(s.offer_title), _zq(s.need_title)
    if s.direction == "customers" and s.need_title is None and s.segment:
        where = s.segment_name_zh or s.segment_name or s.segment
        need = f"{partner}在「{where}」环节的需求"
        head = f"{partner}可向{org}采购：{org}的产品{offer}与{need}{how}{sims}"
    elif s.direction == "customers":
        head = f"{partner}可向{org}采购：{org}的产品{offer}与{partner}的需求{need}{how}{sims}"
    elif s.direction == "technology":
        kind = f"（{_KIND_ZH.get(s.partner_kind, s.partner_kind)}）" if s.partner_kind else ""
        head = f"{partner}{kind}可为{org}提供技术{offer}，与需求{need}{how}{sims}"
    elif s.direction == "finance":
        head = f"{partner}（金融机构）可为{org}提供资金：其产品{offer}与融资需求{need}{how}{sims}"
    else:
        head = f"{partner}可为{org}供应：其产品{offer}与需求{need}{how}{sims}"
    parts = [head]
    path = s.chain_path_zh or s.chain_path
    if path:
        parts.append(f"产业链路径：{' → '.join(path)}")
    names = s.shared_partner_names or s.shared_partners
    if names:
        parts.append(f"共同合作伙伴{len(names)}家：{'、'.join(names)}")
    if s.already_partners:
        parts.append("双方已有合作（按新颖度降权）")
    elif s.already_met:
        parts.append("双方此前已会面（按新颖度降权）")
    if s.value > s.score + 0.005:
        parts.append(f"为分散同类伙伴按{s.score:.2f}排序（配对分值{s.value:.2f}）")
    return "；".join(parts) + "。"
