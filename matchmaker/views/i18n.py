"""Interface labels in English and Chinese: every string the app shows, and nothing else.

Data stays as entered; only the interface is translated. Labels are looked up by key;
an unknown key or language raises :class:`KeyError` / :class:`ConfigError`, so a page
that forgets to add its label fails its test instead of showing a raw key.

>>> t("nav.organisations", "zh")
'机构'
>>> t("org.found", "en", n=3)
'3 organisations match'
>>> value_label("little_giant", "zh")
'小巨人'
"""

from __future__ import annotations

from matchmaker.errors import ConfigError

__all__ = ["LABELS", "LANGUAGES", "VALUES", "agenda_labels", "column_labels", "t", "value_label"]

LANGUAGES = {"en": "English", "zh": "中文"}

# key -> (English, 中文). Placeholders in braces are filled by ``t(key, lang, **values)``.
LABELS: dict[str, tuple[str, str]] = {
    # shell
    "app.language": ("Language", "语言"),
    "app.database": ("Database: {url}", "数据库：{url}"),
    "app.reload": ("Reload data", "重新加载数据"),
    "app.reloaded": ("Data reloaded.", "数据已重新加载。"),
    "app.not_ready": (
        "The database is not ready: {error}. Run `matchmaker init` then `matchmaker demo`, "
        "or `make run`.",
        "数据库尚未就绪：{error}。请先运行 `matchmaker init` 和 `matchmaker demo`，或 `make run`。",
    ),
    "app.empty": (
        "The workspace is empty. Load the demo workspace or import your own data on the "
        "Import / export page.",
        "工作区为空。请加载演示数据，或在“导入 / 导出”页面导入自己的数据。",
    ),
    "app.error": ("Error: {error}", "错误：{error}"),
    "app.unexpected": (
        "Something went wrong ({error}). The details are in the server log.",
        "出现意外错误（{error}），详细信息已记录在服务器日志中。",
    ),
    "nav.section.workspace": ("Workspace", "工作区"),
    "nav.section.matching": ("Matching", "对接"),
    "nav.section.follow_up": ("Follow-up", "跟踪"),
    "nav.overview": ("Overview", "总览"),
    "nav.organisations": ("Organisations", "机构"),
    "nav.chain": ("Industry chain", "产业链"),
    "nav.suggestions": ("Partner suggestions", "伙伴推荐"),
    "nav.events": ("Events", "活动"),
    "nav.agenda": ("Agenda", "会议日程"),
    "nav.deals": ("Deals & follow-up", "项目跟踪"),
    "nav.reports": ("Reports", "报告"),
    "nav.import": ("Import / export", "导入 / 导出"),
    # common
    "common.all": ("(all)", "（全部）"),
    "common.download_csv": ("Download CSV", "下载 CSV"),
    "common.download_xlsx": ("Download XLSX", "下载 XLSX"),
    "common.none": ("Nothing to show.", "暂无内容。"),
    "common.chain": ("Chain", "产业链"),
    "common.segment": ("Segment", "环节"),
    "common.tier": ("Tier", "梯度"),
    "common.kind": ("Kind", "类型"),
    "common.location": ("Location", "所在地"),
    "common.local": ("Local (in the city)", "本地（市内）"),
    "common.outside": ("From outside the city", "市外"),
    "common.search": ("Search name, region or description", "搜索名称、地区或简介"),
    "common.organisation": ("Organisation", "机构"),
    "common.event": ("Event", "活动"),
    "common.load_demo": ("Load the demo workspace", "加载演示数据"),
    "common.demo_loaded": (
        "Demo workspace loaded: {n} rows added.",
        "演示数据已加载：新增 {n} 行。",
    ),
    # organisations page
    "org.title": ("Organisations", "机构"),
    "org.found": ("{n} organisations match", "共 {n} 家机构符合条件"),
    "org.first_rows": (
        "Showing the first {n:,} of them; search or filter to narrow the list.",
        "下表显示前 {n:,} 家；可用搜索或筛选缩小范围。",
    ),
    "org.profile": ("Profile", "机构档案"),
    "org.pick": ("Show the profile of", "查看档案"),
    "org.offers": ("Offers ({n})", "供给（{n}）"),
    "org.needs": ("Needs ({n})", "需求（{n}）"),
    "org.relations": ("Relations ({n})", "合作关系（{n}）"),
    "org.events": ("Events ({n})", "参加活动（{n}）"),
    "org.deals": ("Deals ({n})", "项目（{n}）"),
    "org.segments_title": ("Segments", "产业链环节"),
    "org.website": ("Website", "网站"),
    # chain page
    "chain.title": ("Industry chain", "产业链图谱"),
    "chain.pick": ("Chain", "产业链"),
    "chain.caption": (
        "Segments from upstream (left) to downstream (right). The bubble size is the number of "
        "organisations offering in the segment; red segments have no local supplier.",
        "从上游（左）到下游（右）的产业链环节。气泡大小表示在该环节提供产品或服务的机构数；"
        "红色环节没有本地供应商。",
    ),
    "chain.gaps": (
        "Gaps: segments with no local supplier ({n})",
        "缺口：没有本地供应商的环节（{n}）",
    ),
    "chain.no_gaps": ("Every segment has a local supplier.", "每个环节都有本地供应商。"),
    "chain.gap_hint": (
        "Invite outside suppliers of these segments to the next event.",
        "可邀请这些环节的市外供应商参加下一场活动。",
    ),
    "chain.segments": ("All segments of the chain", "该产业链的全部环节"),
    "chain.hover": (
        "{name}<br>suppliers: {suppliers} (local {local}, outside {outside})<br>buyers: {buyers}",
        "{name}<br>供应商：{suppliers}（本地 {local}，市外 {outside}）<br>需求方：{buyers}",
    ),
    "chain.legend_ok": ("has a local supplier", "有本地供应商"),
    "chain.legend_gap": ("gap: no local supplier", "缺口：无本地供应商"),
    "chain.no_chains": ("No chain segments in the workspace yet.", "工作区中还没有产业链环节。"),
    # import / export page
    "io.title": ("Import / export", "导入 / 导出"),
    "io.import": ("Import a workspace", "导入工作区"),
    "io.import_help": (
        "Upload CSV files named like the tables (organizations.csv, items.csv, ...) or one "
        ".xlsx workbook with one sheet per table. Everything is checked first; if anything is "
        "wrong, nothing is written.",
        "上传按表命名的 CSV 文件（organizations.csv、items.csv 等），或一个每张表一个工作表的 "
        ".xlsx 工作簿。系统会先全部校验；只要有错误，就不会写入任何数据。",
    ),
    "io.files": ("Workspace files", "工作区文件"),
    "io.run": ("Import", "导入"),
    "io.refused": (
        "Import refused: {n} problem(s). Nothing was written. Fix them and upload again.",
        "导入被拒绝：发现 {n} 个问题，未写入任何数据。请修正后重新上传。",
    ),
    "io.more_problems": (
        "The first {shown} problems are listed; there are {more} more.",
        "仅列出前 {shown} 个问题，另有 {more} 个问题。",
    ),
    "io.done": ("Imported.", "导入完成。"),
    "io.result": (
        "{table}: {added} added, {updated} updated",
        "{table}：新增 {added}，更新 {updated}",
    ),
    "io.no_files": ("Choose files first.", "请先选择文件。"),
    "io.export": ("Export the workspace", "导出工作区"),
    "io.export_help": (
        "Everything in the database, in the same format the import reads.",
        "数据库中的全部数据，格式与导入一致。",
    ),
    "io.format": ("Format", "格式"),
    "io.format.xlsx": ("One Excel workbook (.xlsx)", "一个 Excel 工作簿（.xlsx）"),
    "io.format.zip": ("CSV files in a .zip", "CSV 文件（.zip 压缩包）"),
    "io.prepare": ("Prepare the export", "生成导出文件"),
    "io.download": ("Download {name}", "下载 {name}"),
    "io.counts": ("Rows per table", "各表行数"),
    "io.table": ("Table", "数据表"),
    # suggestions page
    "suggest.title": ("Partner suggestions", "伙伴推荐"),
    "suggest.caption": (
        "Ranked partners for one organisation, each with its reason: the matched offer and "
        "need, and the chain path from upstream to downstream.",
        "为所选机构推荐合作伙伴并排序，每条都附理由：匹配的供给与需求，以及从上游到下游的产业链路径。",
    ),
    "suggest.org": ("Organisation", "机构"),
    "suggest.direction": ("Looking for", "寻找"),
    "suggest.dir.suppliers": ("Suppliers for its needs", "满足其需求的供应商"),
    "suggest.dir.customers": ("Customers for its offers", "其产品的客户"),
    "suggest.dir.technology": ("Technology (universities, institutes)", "技术成果（高校、院所）"),
    "suggest.dir.both": ("Both ways", "双向"),
    "suggest.filters": ("Filters on the partners", "伙伴筛选条件"),
    "suggest.k": ("How many", "推荐数量"),
    "suggest.none": ("No partner matches these filters.", "没有符合条件的伙伴。"),
    "suggest.score": ("score {score:.2f}", "得分 {score:.2f}"),
    "suggest.match": (
        "Matched: offer “{offer}” ↔ need “{need}”",
        "匹配：供给“{offer}” ↔ 需求“{need}”",
    ),
    "suggest.path": ("Chain path: {path}", "产业链路径：{path}"),
    "suggest.shared": ("Shared partners: {names}", "共同合作伙伴：{names}"),
    "suggest.already_partners": (
        "Already work together (down-weighted for novelty)",
        "已有合作（为突出新机会已降权）",
    ),
    "suggest.already_met": ("Have met before (down-weighted)", "曾经洽谈过（已降权）"),
    "suggest.similarity": (
        "Similarity: semantic {sem:.2f}, wording {lex:.2f}; mutual benefit {recip:.2f}",
        "相似度：语义 {sem:.2f}，用词 {lex:.2f}；互惠度 {recip:.2f}",
    ),
    "suggest.interest": ("Mark interest", "表达合作意向"),
    "suggest.has_deal": ("Deal already open", "已有进行中的项目"),
    "suggest.interest_done": (
        "Interest recorded as intent {deal} with {partner}",
        "已与 {partner} 登记合作意向（项目 {deal}）。",
    ),
    "suggest.event": ("Request meetings at event", "在以下活动中请求洽谈"),
    "suggest.request": ("Request a meeting", "请求洽谈"),
    "suggest.request_help": (
        "Choose an event under “Filters on the partners” first.",
        "请先在“伙伴筛选条件”中选择活动。",
    ),
    "suggest.request_done": (
        "Meeting with {partner} requested at {event}; the agenda will place it first.",
        "已在 {event} 请求与 {partner} 洽谈，排程时将优先安排。",
    ),
    "suggest.loading_model": ("Loading the language model…", "正在加载语言模型…"),
    "suggest.building": ("Preparing suggestions for this workspace…", "正在为当前工作区准备推荐…"),
    "suggest.embedding": ("Reading texts: {done} / {total}", "正在处理文本：{done} / {total}"),
    # events page
    "ev.title": ("Events and invitations", "活动与邀请"),
    "ev.new": ("Create an event", "新建活动"),
    "ev.name": ("Name", "名称"),
    "ev.venue": ("Venue", "地点"),
    "ev.capacity": ("Places", "名额"),
    "ev.create": ("Create the event", "创建活动"),
    "ev.created": ("Event {event} created.", "活动 {event} 已创建。"),
    "ev.facts": (
        "Chains: {chains} | Venue: {venue} | Places: {capacity} | Participants so far: {n}",
        "产业链：{chains} | 地点：{venue} | 名额：{capacity} | 已有参会记录：{n}",
    ),
    "ev.build": ("Build the invitation list", "生成邀请名单"),
    "ev.min_outside": ("At least this share from outside the city", "市外机构最低占比"),
    "ev.min_new": ("At least this share of first-time invitees", "首次受邀机构最低占比"),
    "ev.max_per_segment": ("At most per chain segment (0: no limit)", "每个环节最多（0 为不限）"),
    "ev.must": ("Must invite", "必须邀请"),
    "ev.exclude": ("Never invite", "不邀请"),
    "ev.partners": ("Partners that count per invitee", "每家计入的伙伴数"),
    "ev.run": ("Build the list", "生成名单"),
    "ev.building": (
        "Scoring every candidate pair and choosing the list…",
        "正在为所有候选机构配对打分并挑选名单…",
    ),
    "ev.step_pairs": (
        "Scoring the pairs of the event's candidates (the longest step)…",
        "正在为本场活动的候选机构配对打分（耗时最长的一步）…",
    ),
    "ev.step_choose": (
        "Choosing the list from {n} valuable pairs under the quotas…",
        "正在按配额从 {n} 对有价值的配对中挑选名单…",
    ),
    "ev.step_done": ("Invitation list ready.", "邀请名单已生成。"),
    "ev.chosen": ("Suggested list", "推荐名单"),
    "ev.habit": ("Re-invite last time's attendees ({event})", "沿用上次参会名单（{event}）"),
    "ev.size": ("Invitees", "邀请数"),
    "ev.outside": ("Outside", "市外占比"),
    "ev.new_faces": ("New faces", "新面孔"),
    "ev.coverage": ("Chain coverage", "产业链覆盖"),
    "ev.value": (
        "List value {value:.1f} from {pairs} valuable pairs",
        "名单价值 {value:.1f}，含 {pairs} 对有价值的配对",
    ),
    "ev.review": ("Review and edit", "审核与调整"),
    "ev.remove": ("Remove from the list", "从名单中移除"),
    "ev.add": ("Add to the list", "加入名单"),
    "ev.check_size": ("{n} invitees for {places} places", "{n} 家受邀，名额 {places}"),
    "ev.check_outside": (
        "From outside the city: {share:.0%} (quota {need:.0%})",
        "市外机构：{share:.0%}（要求 {need:.0%}）",
    ),
    "ev.check_new": (
        "First-time invitees: {share:.0%} (quota {need:.0%})",
        "首次受邀：{share:.0%}（要求 {need:.0%}）",
    ),
    "ev.save": ("Save {n} invitations", "保存 {n} 份邀请"),
    "ev.saved": ("{n} invitations added to {event}.", "已为 {event} 新增 {n} 份邀请。"),
    "ev.added_by_hand": ("added by the organiser", "组织方手动添加"),
    "ev.participants": ("Participants of this event ({n})", "本场活动参会记录（{n}）"),
    # agenda page
    "ag.title": ("Agenda", "会议日程"),
    "ag.no_events": (
        "No events yet: create one on the Events page.",
        "还没有活动：请先在“活动”页面创建。",
    ),
    "ag.requests": ("Meeting requests and do-not-meet marks", "洽谈请求与回避标记"),
    "ag.requester": ("Who asks", "请求方"),
    "ag.other": ("Whom", "对象"),
    "ag.kind.meet": ("wants to meet", "希望洽谈"),
    "ag.kind.avoid": ("do not meet", "不安排洽谈"),
    "ag.add_request": ("Add", "添加"),
    "ag.request_added": ("Request recorded.", "请求已记录。"),
    "ag.run_title": ("Make the agenda", "生成日程"),
    "ag.statuses": ("Schedule participants whose status is", "安排以下状态的参会机构"),
    "ag.slots": ("Time slots", "时段数"),
    "ag.tables": ("Tables", "桌数"),
    "ag.per_table": ("Meetings per table", "每桌洽谈数"),
    "ag.floor": ("At least meetings each", "每家至少洽谈"),
    "ag.most": ("At most meetings each (0: one per slot)", "每家最多洽谈（0 为每时段一场）"),
    "ag.run": ("Run the scheduler", "运行排程"),
    "ag.step_pairs": ("Scoring the pairs of attendees…", "正在为参会机构配对打分…"),
    "ag.step_schedule": ("Scheduling from {n} valuable pairs…", "正在根据 {n} 对有价值的配对排程…"),
    "ag.step_done": ("Agenda ready.", "日程已生成。"),
    "ag.meetings": ("Meetings", "洽谈场次"),
    "ag.attendees": ("Attendees", "参会机构"),
    "ag.unplaced": ("Requests not placed", "未安排的请求"),
    "ag.below_floor": ("Under the floor", "未达最低场次"),
    "ag.by_org": ("By organisation", "按机构"),
    "ag.by_table": ("By table", "按桌次"),
    "ag.not_placed": ("Not placed", "未安排"),
    "ag.org_count": ("{n} meetings", "共 {n} 场洽谈"),
    "ag.save": ("Save as the event's proposed meetings", "保存为本活动的拟定洽谈"),
    "ag.saved": (
        "{written} meetings saved to {event}; {kept} already accepted or held were kept.",
        "已为 {event} 保存 {written} 场洽谈；保留已接受或已举行的 {kept} 场。",
    ),
    "ag.on_record": ("Meetings on record for this event", "本活动已记录的洽谈"),
    "ag.download_html": ("Printable agenda (HTML)", "可打印日程（HTML）"),
    # deals page
    "deals.title": ("Deals & follow-up", "项目跟踪"),
    "deals.stale_only": ("Stale only", "仅看停滞项目"),
    "deals.stale_rule": (
        "Stale: an open deal with no change for {days} days or more.",
        "停滞：连续 {days} 天及以上没有进展的未结项目。",
    ),
    "deals.edit": ("Follow up one deal", "跟进单个项目"),
    "deals.pick": ("Deal", "项目"),
    "deals.is_stale": (
        "Stale: nothing happened to this deal for {days} days or more.",
        "已停滞：该项目已有 {days} 天及以上没有进展。",
    ),
    "deals.is_overdue": ("Follow-up overdue since {due}.", "跟进已逾期（应于 {due} 前完成）。"),
    "deals.note": ("Note for this change", "本次变更备注"),
    "deals.advance": ("Move to {stage}", "推进到“{stage}”"),
    "deals.drop": ("Drop", "终止"),
    "deals.set_due": ("Set due date", "设定跟进日期"),
    "deals.moved": ("Deal {deal} is now {stage}.", "项目 {deal} 已变更为“{stage}”。"),
    "deals.due_set": ("Deal {deal}: follow-up due {due}.", "项目 {deal}：跟进日期设为 {due}。"),
    "deals.closed": (
        "This deal is closed: its stage can no longer change.",
        "该项目已结束，阶段不能再变更。",
    ),
    "deals.history": ("History", "变更历史"),
    "deals.new": ("Record a new deal (intent)", "登记新项目（合作意向）"),
    "deals.org_a": ("First party", "甲方"),
    "deals.org_b": ("Second party", "乙方"),
    "deals.create": ("Record the intent", "登记意向"),
    "deals.created": ("Deal {deal} recorded as an intent.", "项目 {deal} 已登记为合作意向。"),
    # reports page
    "report.title": ("Reports", "成效报告"),
    "report.scope": ("Scope", "范围"),
    "report.scope.all": ("All events", "全部活动"),
    "report.scope.event": ("One event", "单场活动"),
    "report.scope.chain": ("One chain", "单条产业链"),
    "report.funnel": (
        "Funnel: attended → met → intent → in progress → signed",
        "转化漏斗：参会 → 洽谈 → 意向 → 推进 → 签约",
    ),
    "report.deals": ("Deals by current stage", "各阶段项目数"),
    "report.breakdown": ("Per event and per chain", "按活动 / 按产业链"),
    "report.by": ("Break down by", "细分维度"),
    "report.by.event": ("event", "活动"),
    "report.by.chain": ("chain", "产业链"),
    "report.prepare": ("Prepare the report workbook", "生成报告工作簿"),
    "report.kpi.events": ("Events", "活动场次"),
    "report.kpi.invited": ("Invited", "邀请机构"),
    "report.kpi.attended": ("Attended", "参会机构"),
    "report.kpi.attended_external": ("From outside", "市外参会机构"),
    "report.kpi.meetings_held": ("Meetings held", "已举行洽谈"),
    "report.kpi.orgs_with_deal": ("Organisations with a deal", "达成合作的机构（家）"),
    "report.step.attended": ("attended", "参会"),
    "report.step.met": ("met a partner", "完成洽谈"),
    "report.step.intent": ("intent", "合作意向"),
    "report.step.in_progress": ("in progress", "推进中"),
    "report.step.signed": ("signed", "已签约"),
    "report.col.step": ("Step", "环节"),
    "report.col.organisations": ("Organisations", "机构数"),
    "report.col.rate": ("From previous step", "较上一环节"),
    "report.col.overall": ("Of attendees", "占参会机构"),
    "report.bar.attended": ("attended", "参会"),
    "report.bar.attended_external": ("from outside", "市外参会"),
    "report.bar.meetings_held": ("meetings held", "已举行洽谈"),
    "report.bar.deals_intent": ("intents", "意向"),
    "report.bar.deals_in_progress": ("in progress", "推进中"),
    "report.bar.deals_signed": ("signed", "已签约"),
    # overview page
    "overview.title": ("Overview", "总览"),
    "overview.outside_share": ("Outside share", "市外占比"),
    "overview.caption": (
        "All events to date: {outside} attending organisations came from outside the city; "
        "{orgs} organisations are party to an open or signed deal; {meetings} meetings held.",
        "截至目前的全部活动：{outside} 家参会机构来自市外；"
        "{orgs} 家机构参与了推进中或已签约的项目；已举行洽谈 {meetings} 场。",
    ),
    "overview.stale": ("Stale follow-ups ({n})", "待跟进的停滞项目（{n}）"),
    "overview.to_deals": ("Open Deals & follow-up", "打开项目跟踪"),
    # column headers (tables shown in the app)
    "col.org_id": ("Id", "编号"),
    "col.name": ("Name", "名称"),
    "col.name_zh": ("Chinese name", "中文名"),
    "col.kind": ("Kind", "类型"),
    "col.tier": ("Tier", "梯度"),
    "col.local": ("Local", "本地"),
    "col.region": ("Region", "地区"),
    "col.chains": ("Chains", "产业链"),
    "col.segments": ("Segments", "环节"),
    "col.segment_id": ("Segment", "环节编号"),
    "col.chain": ("Chain", "产业链"),
    "col.stage": ("Stage", "阶段"),
    "col.suppliers": ("Suppliers", "供应商"),
    "col.local_suppliers": ("Local suppliers", "本地供应商"),
    "col.outside_suppliers": ("Outside suppliers", "市外供应商"),
    "col.buyers": ("Buyers", "需求方"),
    "col.item_id": ("Item", "条目"),
    "col.type": ("Type", "类别"),
    "col.title": ("Title", "标题"),
    "col.segment": ("Segment", "环节"),
    "col.keywords": ("Keywords", "关键词"),
    "col.description": ("Description", "说明"),
    "col.role": ("Relation", "关系"),
    "col.source": ("Source", "来源"),
    "col.event_id": ("Event", "活动编号"),
    "col.date": ("Date", "日期"),
    "col.status": ("Status", "状态"),
    "col.deal_id": ("Deal", "项目"),
    "col.partner": ("Partner", "合作方"),
    "col.value_cny": ("Value (CNY)", "金额（元）"),
    "col.updated_at": ("Updated", "更新时间"),
    "col.due_date": ("Due", "跟进日期"),
    "col.stale": ("Stale", "停滞"),
    "col.overdue": ("Overdue", "逾期"),
    "col.parties": ("Parties", "双方"),
    "col.at": ("When", "时间"),
    "col.actor": ("By", "操作人"),
    "col.from_stage": ("From", "原阶段"),
    "col.to_stage": ("To", "新阶段"),
    "col.note": ("Note", "备注"),
    "col.suggestion": ("From suggestion", "来源推荐"),
    "col.last_change": ("Last change", "最近变更"),
    "col.invited": ("Invited", "邀请"),
    "col.attended": ("Attended", "参会"),
    "col.attended_external": ("From outside", "市外参会"),
    "col.meetings_held": ("Meetings held", "已举行洽谈"),
    "col.orgs_with_deal": ("With a deal", "达成合作"),
    "col.events": ("Events", "活动场次"),
    "col.deals_intent": ("Intents", "意向"),
    "col.deals_in_progress": ("In progress", "推进中"),
    "col.deals_signed": ("Signed", "已签约"),
    "col.deals_dropped": ("Dropped", "已终止"),
    "col.rate_met": ("Met / attended", "洽谈率"),
    "col.rate_intent": ("Intent / met", "意向率"),
    "col.rate_in_progress": ("In progress / intent", "推进率"),
    "col.rate_signed": ("Signed / in progress", "签约率"),
    "col.rank": ("#", "序号"),
    "col.first_time": ("First time", "首次"),
    "col.partners": ("Expected to meet", "预计洽谈对象"),
    "col.reason": ("Why", "理由"),
    "col.slot": ("Slot", "时段"),
    "col.table": ("Table", "桌号"),
    "col.partner_name": ("Partner name", "对方名称"),
    "col.other_id": ("Whom", "对象"),
    "col.other_name": ("Whom (name)", "对象名称"),
    "col.org_a": ("First", "甲方"),
    "col.org_b": ("Second", "乙方"),
    "col.name_a": ("First (name)", "甲方名称"),
    "col.name_b": ("Second (name)", "乙方名称"),
    "col.file": ("File", "文件"),
    "col.row": ("Row", "行"),
    "col.column": ("Column", "列"),
    "col.message": ("Problem", "问题"),
    "col.rows": ("Rows", "行数"),
    # sign-in, roles and accounts (matchmaker.store.access, matchmaker.store.accounts)
    "nav.signin": ("Sign in", "登录"),
    "nav.accounts": ("Accounts", "账户"),
    "nav.my_profile": ("My organisation", "本机构"),
    "nav.section.admin": ("Administration", "管理"),
    "app.signed_in": ("Signed in as {user} ({role})", "已登录：{user}（{role}）"),
    "app.signed_in_org": (
        "Signed in as {user} ({role}) for {org}",
        "已登录：{user}（{role}），所属机构：{org}",
    ),
    "app.sign_out": ("Sign out", "退出登录"),
    "app.read_only": (
        "Read-only access: you can look, not change.",
        "只读权限：可查看，不能修改。",
    ),
    "signin.title": ("Sign in", "登录"),
    "signin.user": ("User name", "用户名"),
    "signin.password": ("Password", "密码"),
    "signin.submit": ("Sign in", "登录"),
    "signin.failed": (
        "Sign-in failed: unknown user name, wrong password, disabled account, or an account "
        "locked for a while after too many failed attempts.",
        "登录失败：用户名不存在、密码错误、账户已停用，或因多次失败而被暂时锁定。",
    ),
    "signin.ended": ("Please sign in again: {reason}", "请重新登录：{reason}"),
    "signin.no_accounts": (
        "No account exists yet. An administrator creates one at the server: "
        "`matchmaker init` (first admin) or `matchmaker user add NAME --role organiser`.",
        "尚无账户。请管理员在服务器上创建：`matchmaker init`（首个管理员）或 "
        "`matchmaker user add NAME --role organiser`。",
    ),
    "acc.title": ("Accounts", "账户管理"),
    "acc.add": ("Add an account", "新增账户"),
    "acc.username": ("User name", "用户名"),
    "acc.password": ("Password", "密码"),
    "acc.role": ("Role", "角色"),
    "acc.org": ("Organisation (company accounts)", "所属机构（企业账户）"),
    "acc.create": ("Create the account", "创建账户"),
    "acc.created": ("Account {user} created ({role}).", "已创建账户 {user}（{role}）。"),
    "acc.change": ("Change an account", "修改账户"),
    "acc.disable": ("Disable", "停用"),
    "acc.enable": ("Enable", "启用"),
    "acc.disabled": ("Account {user} disabled.", "账户 {user} 已停用。"),
    "acc.enabled": ("Account {user} enabled.", "账户 {user} 已启用。"),
    "acc.locked": (
        "Locked after too many failed sign-ins until {until} UTC.",
        "因多次登录失败被锁定，至 {until}（UTC）解除。",
    ),
    "acc.unlock": ("Unlock", "解除锁定"),
    "acc.unlocked": ("Account {user} unlocked.", "账户 {user} 已解除锁定。"),
    "acc.new_password": ("New password", "新密码"),
    "acc.reset": ("Reset the password", "重置密码"),
    "acc.reset_done": ("Password of {user} reset.", "已重置 {user} 的密码。"),
    "col.username": ("User name", "用户名"),
    "col.account_role": ("Role", "角色"),
    "col.active": ("Active", "启用"),
    "col.account_org": ("Organisation", "所属机构"),
    # --- issue 11: Chinese data (chain and segment names, exported headers, agenda files) ---
    "col.measure": ("Measure", "指标"),
    "col.value": ("Value", "数值"),
    "col.step": ("Step", "环节"),
    "col.organisations": ("Organisations", "机构数"),
    "col.rate": ("From previous step", "较上一环节"),
    "col.overall": ("Of attendees", "占参会机构"),
    "col.chain_id": ("Chain id", "产业链编号"),
    "agenda.file.title": ("Agenda", "洽谈日程"),
    "agenda.file.slot": ("slot", "时段"),
    "agenda.file.time": ("time", "时间"),
    "agenda.file.table": ("table", "桌号"),
    "agenda.file.of": ("{event}: meeting agenda", "{event}：洽谈日程"),
    "agenda.file.with": ("with", "洽谈对象"),
    "agenda.file.why": ("why", "推荐理由"),
    "agenda.file.meeting": ("meeting", "洽谈"),
    "agenda.file.tables": ("Tables", "桌次安排"),
    "agenda.file.none": ("No meetings scheduled.", "未安排洽谈。"),
    "agenda.file.not_placed": ("Not placed", "未能安排"),
    "chain.unnamed": ("{id} (no name)", "{id}（未命名）"),
    # --- issue 10: precision (finance direction, floor, spread scores) ---
    "suggest.dir.finance": ("Finance (banks, leasing) for capital needs", "融资（银行、租赁）"),
    "suggest.short": (
        "{shown} partners pass; {hidden} weaker ones hidden.",
        "{shown} 个伙伴达到匹配门槛；另有 {hidden} 个较弱的匹配未显示。",
    ),
    "suggest.show_weak": ("Show weaker matches", "显示较弱的匹配"),
    "suggest.weak_hidden": (
        "No partner passes the evidence floor; {hidden} weaker ones hidden.",
        "没有伙伴达到匹配门槛；另有 {hidden} 个较弱的匹配未显示。",
    ),
    "suggest.spread": (
        "pair value {value:.2f}; listed lower to spread similar partners",
        "配对分值 {value:.2f}；为分散同类伙伴排序靠后",
    ),
    "suggest.strength.close": ("closely matches", "高度吻合"),
    "suggest.strength.partial": ("partly matches", "部分吻合"),
    "suggest.strength.chain": (
        "same chain step, no textual match",
        "同属产业链上下游环节，文本未直接对应",
    ),
    "suggest.strength.weak": ("loosely related", "仅弱相关"),
    # --- issue 14: the event cycle (contacts, letters, RSVP, self-service, follow-up) ---
    "nav.my_org": ("My organisation", "本机构"),
    "me.title": ("My organisation", "本机构信息"),
    "me.rebuild_note": (
        "Changes are saved at once and audited; suggestions reflect them after the next rebuild "
        "(Reload data in the sidebar).",
        "修改即时保存并记入审计日志；下次重建推荐（侧栏“重新加载数据”）后体现在推荐结果中。",
    ),
    "me.profile": ("Profile", "机构简介"),
    "me.items": ("Offers and needs", "供给与需求"),
    "me.requests": ("Meeting requests", "洽谈请求"),
    "me.save_profile": ("Save the profile", "保存简介"),
    "me.nothing_changed": ("Nothing changed.", "没有修改。"),
    "me.saved": ("Profile saved.", "简介已保存。"),
    "me.contact_pick": ("Edit contact", "编辑联系人"),
    "me.new": ("(new)", "（新增）"),
    "me.save_contact": ("Save the contact", "保存联系人"),
    "me.contact_saved": ("Contact {name} saved", "联系人 {name} 已保存"),
    "me.item_pick": ("Edit offer or need", "编辑供给或需求"),
    "me.keywords": ("Keywords (separated by ;)", "关键词（用 ; 分隔）"),
    "me.save_item": ("Save", "保存"),
    "me.retire_item": ("Retire (remove)", "下架（删除）"),
    "me.item_saved": ("Saved: {title}", "已保存：{title}"),
    "me.item_retired": ("{item} retired", "{item} 已下架"),
    "me.asks_you": ("**{name}** asks to meet you", "**{name}** 希望与您洽谈"),
    "me.accept": ("Accept", "接受"),
    "me.decline": ("Decline", "谢绝"),
    "me.accepted": (
        "Accepted: the agenda places the meeting with {name} first",
        "已接受：排程时将优先安排与 {name} 的洽谈",
    ),
    "me.declined": ("Declined: no meeting with {name}", "已谢绝：不安排与 {name} 的洽谈"),
    "org.contacts": ("Contacts", "联系人"),
    "org.add_event": ("Add the organisations listed to event", "将上表机构加入活动"),
    "org.add_these": ("Add these {n} as invited", "将这 {n} 家加入为已邀请"),
    "org.added": (
        "{n} organisations added to {event} as invited",
        "已将 {n} 家机构加入 {event}（已邀请）",
    ),
    "col.contact_id": ("Contact", "联系人编号"),
    "col.email": ("E-mail", "电子邮箱"),
    "col.phone": ("Phone", "电话"),
    "col.language": ("Language", "语言"),
    "col.primary": ("Primary contact", "主要联系人"),
    "col.owner": ("Owner", "负责人"),
    "col.side": ("Offer or need", "供给/需求"),
    "col.answered": ("Answered", "已反馈"),
    "col.last_report": ("Last report", "最近反馈"),
    "col.deals": ("Deals", "项目"),
    "col.direction": ("Direction", "方向"),
    "col.other": ("Organisation", "对方机构"),
    "col.answer": ("Answer", "答复"),
    "ev.letters": ("Invitation letters", "邀请函"),
    "ev.letters_lang": ("Language of the letters", "邀请函语言"),
    "ev.letters_contact_lang": ("Each contact's language", "按联系人语言"),
    "ev.letters_download": (
        "Download {n} letters (mail merge XLSX/CSV + printable pages)",
        "下载 {n} 份邀请函（邮件合并 XLSX/CSV + 可打印页面）",
    ),
    "ev.selected": ("{n} selected", "已选 {n} 家"),
    "ev.pick_participants": ("Participants to change", "要变更状态的参会机构"),
    "ev.set_status": ("Set {n} to {status}", "将 {n} 家设为“{status}”"),
    "ev.status_set": ("{n} participants are now {status}", "{n} 家参会机构已设为“{status}”"),
    "deals.no_owner": ("nobody", "未指定"),
    "deals.report": ("Report progress on this deal", "反馈本项目进展"),
    "deals.next_step": ("Next step on", "下一步日期"),
    "deals.send_report": ("Send the report", "提交反馈"),
    "deals.reported": ("Progress on {deal} reported", "项目 {deal} 的进展已反馈"),
    "deals.set_owner": ("Set the owner", "指定负责人"),
    "deals.owner_set": ("{deal} is followed up by {owner}", "项目 {deal} 由 {owner} 负责跟进"),
    "deals.due_title": ("Due this week, by owner", "本周待跟进（按负责人）"),
    "deals.answers_title": ("Who answered after {event}", "{event} 之后的反馈情况"),
    "deals.answers_count": (
        "{n} of {of} organisations with an open deal answered",
        "有在谈项目的 {of} 家机构中 {n} 家已反馈",
    ),
    "suggest.interest_ask": (
        "Record an intent (a new deal in the pipeline) with {partner}?",
        "确认与 {partner} 登记合作意向（在项目跟踪中新建项目）？",
    ),
    "suggest.interest_yes": ("Yes, record it", "确认登记"),
    "suggest.interest_no": ("Cancel", "取消"),
    "suggest.undo": ("Undo", "撤销"),
    "suggest.undone": ("Intent {deal} withdrawn", "已撤销合作意向 {deal}"),
    "ev.clock": ("Times and tables of the agenda", "日程时间与桌位"),
    "ev.start_time": ("First meeting starts at (HH:MM)", "首轮洽谈开始时间（时:分）"),
    "ev.slot_minutes": ("Minutes per meeting", "每轮洽谈分钟数"),
    "ev.breaks": (
        "Breaks, HH:MM-HH:MM separated by ; (10:30-10:45;12:00-13:30)",
        "休息时段，时:分-时:分，用 ; 分隔（10:30-10:45;12:00-13:30）",
    ),
    "ev.tables": ("Table or room names, separated by ;", "桌位或会议室名称，用 ; 分隔"),
    "ev.save_clock": ("Save times and tables", "保存时间与桌位"),
    "ev.clock_saved": ("Times and tables of {event} saved", "{event} 的时间与桌位已保存"),
    "ag.floor_help": (
        "Fairness floor: every attendee gets at least this many meetings when the room allows, "
        "even with partners the system rates lower, so nobody travels for nothing. Those it "
        "cannot reach are listed under Not placed, with the reason.",
        "保底安排：在时间和桌位允许时，每家参会机构至少安排这么多场洽谈，即使对方推荐分较低，"
        "避免有人白跑一趟。无法满足的机构会列在“未安排”中并说明原因。",
    ),
    "col.time": ("Time", "时间"),
    "overview.deals_at": ("Deals: {stage}", "项目：{stage}"),
}

# Enumerated values of the data model, shown translated in widgets and tables.
VALUES: dict[str, tuple[str, str]] = {
    "company": ("company", "企业"),
    "university": ("university", "高校"),
    "institute": ("institute", "科研院所"),
    "finance": ("financial institution", "金融机构"),
    "none": ("no tier", "无"),
    "innovative_sme": ("innovative SME", "创新型中小企业"),
    "specialized": ("specialised SME (专精特新)", "专精特新中小企业"),
    "little_giant": ("little giant", "小巨人"),
    "eaglet": ("eaglet", "雏鹰企业"),
    "gazelle": ("gazelle", "瞪羚企业"),
    "hidden_unicorn": ("hidden unicorn", "隐形独角兽"),
    "unicorn": ("unicorn", "独角兽"),
    "leader": ("leading enterprise", "领军标杆企业"),
    "upstream": ("upstream", "上游"),
    "midstream": ("midstream", "中游"),
    "downstream": ("downstream", "下游"),
    "offer": ("offer", "供给"),
    "need": ("need", "需求"),
    "product": ("product", "产品"),
    "technology": ("technology", "技术"),
    "service": ("service", "服务"),
    "capital": ("capital", "资金"),
    "supplier_of": ("supplier of", "供应"),
    "supplies": ("supplies", "供货给"),
    "supplied_by": ("supplied by", "供应商为"),
    "partner": ("partner", "合作伙伴"),
    "invited": ("invited", "已邀请"),
    "registered": ("registered", "已报名"),
    "attended": ("attended", "已参会"),
    "declined": ("declined", "已谢绝"),
    "no_show": ("no show", "未到场"),
    "proposed": ("proposed", "已提议"),
    "accepted": ("accepted", "已接受"),
    "held": ("held", "已举行"),
    "cancelled": ("cancelled", "已取消"),
    "intent": ("intent", "合作意向"),
    "in_progress": ("in progress", "推进中"),
    "signed": ("signed", "已签约"),
    "dropped": ("dropped", "已终止"),
    "meet": ("wants to meet", "希望洽谈"),
    "avoid": ("do not meet", "不安排洽谈"),
    "mutual": ("mutual request", "双向请求"),
    "requested": ("requested", "单向请求"),
    "floor": ("fairness floor", "保底安排"),
    "suggested": ("suggested", "系统推荐"),
    "organizations": ("organisations", "机构"),
    "segments": ("segments", "产业链环节"),
    "chain_links": ("chain links", "环节关联"),
    "items": ("offers and needs", "供需条目"),
    "relations": ("relations", "合作关系"),
    "events": ("events", "活动"),
    "participants": ("participants", "参会记录"),
    "meetings": ("meetings", "洽谈"),
    "deals": ("deals", "项目"),
    "organiser": ("organiser", "组织方"),
    "reviewer": ("reviewer", "审阅人"),
    "admin": ("administrator", "管理员"),
    # --- issue 11: the chains table ---
    "chains": ("chains", "产业链"),
    # --- issue 14: meeting request directions ---
    "sent": ("sent", "已发出"),
    "received": ("received", "已收到"),
    "zh": ("Chinese", "中文"),
    "en": ("English", "英文"),
}


def _index(lang: str) -> int:
    try:
        return tuple(LANGUAGES).index(lang)
    except ValueError:
        raise ConfigError(f"language {lang!r} is not supported; use one of: en, zh") from None


def t(key: str, lang: str = "en", **values) -> str:
    """The label ``key`` in ``lang`` (``"en"`` or ``"zh"``), with ``values`` filled in.

    Raises
    ------
    KeyError
        When ``key`` is not a label.
    ConfigError
        When ``lang`` is not a supported language.
    """
    text = LABELS[key][_index(lang)]
    return text.format(**values) if values else text


def value_label(value, lang: str = "en") -> str:
    """An enumerated data value (a tier, a stage, ...) in ``lang``; other values unchanged."""
    if value is None:
        return ""
    pair = VALUES.get(str(value))
    return pair[_index(lang)] if pair else str(value)


def column_labels(columns, lang: str = "en") -> dict[str, str]:
    """``{column: header}`` for the columns that have a ``col.<name>`` label."""
    return {c: t(f"col.{c}", lang) for c in columns if f"col.{c}" in LABELS}


def agenda_labels(lang: str = "en") -> dict[str, str]:
    """The words of the printable agenda page (:func:`matchmaker.events.agenda_files.agenda_html`)
    in ``lang``: keys ``title``, ``slot``, ``table``, ``with``, ``why``, ``meeting``, ``tables``,
    ``none``, ``not_placed``."""
    keys = ("title", "slot", "table", "with", "why", "meeting", "tables", "none", "not_placed")
    return {k: t(f"agenda.file.{k}", lang) for k in keys}
