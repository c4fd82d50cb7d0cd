"""Fictitious but valid reports: the sample county, benchmarks and tests.

Every report made here satisfies every rule of the format, and its text states
the numbers the tables hold, so it passes `check` with no findings.

Not shipped with xltools (no clerk needs it): it is found at the repository's root,
which an editable install (pip install -e .) puts on the path of bench/ and
workbooks/make_examples.py, and tests/conftest.py on the tests' path.
"""
from __future__ import annotations

import random
from decimal import Decimal

from xltools.model.codes import check_char, short_name
from xltools.model.report import Report, number_text
from xltools.model.schema import Format, leaves, load_format
from xltools.model.totals import complete

SAMPLE_COUNTY = "示例县"
# A county's departments and townships, after the county's name.
SAMPLE_UNITS = (
    "人民政府办公室", "发展和改革委员会", "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局",
    "自然资源局", "住房和城乡建设局", "城关镇人民政府", "东岭镇人民政府", "西河乡人民政府",
    "南山街道办事处", "北坡镇人民政府",
)


def credit_code(rng: random.Random) -> str:
    """A well-formed code of a 机关 (category 1, type 1) in a fictitious region."""
    body = "11" + "419999" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + check_char(body)


def _sparse(rng: random.Random, high: int, density: float = 0.35) -> int:
    return rng.randint(1, high) if rng.random() < density else 0


def _money(rng: random.Random, high: int, decimals: int) -> Decimal:
    return Decimal(rng.randint(0, high * 10**decimals)).scaleb(-decimals)


def valid_values(fmt: Format, rng: random.Random, scale: int = 10) -> dict:
    """Detail values that balance, and every total computed from them."""
    values: dict = {}
    table = fmt.tables["requests"]
    results = fmt.fields[f"requests.results_total.{leaves(table.blocks[0].columns)[0].key}"].parts
    result_rows = [p.removeprefix("requests.").rsplit(".", 1)[0] for p in results]
    for col in (c.key for c in leaves(table.blocks[0].columns)):
        if fmt.fields[f"requests.new.{col}"].kind == "total":
            continue
        wide = col == "natural_person"
        for row in result_rows:
            values[f"requests.{row}.{col}"] = _sparse(rng, scale * (3 if wide else 1), 0.5 if wide else 0.15)
        done = sum(values[f"requests.{row}.{col}"] for row in result_rows)
        values[f"requests.carried_out.{col}"] = _sparse(rng, max(1, scale // 3))
        carried_out = values[f"requests.carried_out.{col}"]
        values[f"requests.carried_in.{col}"] = rng.randint(0, min(done + carried_out, scale // 3))
        values[f"requests.new.{col}"] = done + carried_out - values[f"requests.carried_in.{col}"]
    for f in fmt.numeric_fields():
        if f.id in values or f.kind == "total" or f.table == "fees":
            continue
        if f.kind == "money":
            values[f.id] = _money(rng, scale * 50, rng.choice((0, 2, 4, 6))) if rng.random() < 0.6 else 0
        elif f.table == "appeals":
            values[f.id] = _sparse(rng, max(1, scale // 4))
        else:
            values[f.id] = _sparse(rng, scale * 20, 0.7)
    values["fees.notice_amount"] = _money(rng, scale * 100, 2) if rng.random() < 0.4 else Decimal(0)
    values["fees.collected"] = (values["fees.notice_amount"] * rng.randint(0, 100) / 100).quantize(Decimal("0.01"))
    values["fees.notices"] = rng.randint(1, 5) if values["fees.notice_amount"] else 0
    return complete(fmt, values)


def _n(values: dict, fid: str) -> str:
    return number_text(values[fid])


# What a unit publishes most, by a word of its name; the sample texts say it, so that
# units write about their own work and no two write the same text (T5).
_AREAS = (
    ("办公室", "政府文件、常务会议、人事任免"), ("教育", "招生入学、学生资助、教育收费"),
    ("公安", "户籍办理、出入境证件、交通管理"),
    ("民政", "低保救助、养老服务、婚姻登记"), ("财政", "预算决算、政府采购、惠民补贴资金"),
    ("人力资源", "就业创业、社会保险、职称评审"), ("自然资源", "土地征收、规划许可、不动产登记"),
    ("住房", "保障性住房、建筑市场监管、老旧小区改造"), ("发展和改革", "重大项目、价格收费、节能审查"),
    ("街道", "社区服务、城市管理、困难群众救助"),
    ("镇", "乡村振兴项目、惠农补贴、村级财务"), ("乡", "耕地保护、防汛抗旱、农村低保"),
)
_OPENINGS = (
    "{year}年，{short}围绕中心工作，依法做好政府信息主动公开。",
    "{short}按照“五公开”要求，把主动公开贯穿于决策、执行、管理、服务、结果各环节。",
    "本年度{short}对照主动公开基本目录逐项梳理应公开事项。",
    "{short}把主动公开作为接受群众监督的重要方式，明确专人负责信息发布。",
    "今年以来，{short}结合年度重点任务，及时准确发布各类政府信息。",
    "{short}坚持问题导向，聚焦群众关心的热点事项开展主动公开。",
    "{short}主要负责同志牵头研究部署公开工作，年初制定公开任务清单。", "{short}修订主动公开目录，新增公开事项{d}项。",
    "针对群众反映的信息难找问题，{short}对公开栏目进行了重新归类。", "{short}全年公开工作做到事前有计划、事后有记录。",
)
_COUNTS = (
    "全年通过县政府门户网站公开信息{a}条，通过政务微信公众号发布{b}篇。",
    "本年度在政府网站发布各类信息{a}条，其中政策文件{c}件、工作动态{b}条。",
    "全年累计主动公开政府信息{a}条，在公开栏张贴公示{c}期。",
    "通过门户网站信息公开专栏更新信息{a}条，通过政务新媒体推送{b}条。",
    "全年主动公开各类信息{a}条，发布政策解读{c}篇，回应公众关切{d}次。",
    "年内共公开信息{a}条，较上年增加{d}条，其中通过公众号发布{b}篇。",
    "网站发布信息{a}条，微博发布{b}条，政府公报刊登文件{c}件。", "在村务公开栏、电子屏发布信息{b}期，网站发布{a}条。",
    "编发政务信息简报{c}期，报送并公开信息{a}条。", "全年公开财政预决算、项目资金等信息{b}条，公开各类信息合计{a}条。",
)
_RESPONSES = (
    "围绕群众关切发布政策解读{c}篇，回应社会关切{d}次。", "对出台的政策文件同步开展解读，全年解读{c}篇。",
    "通过“一图读懂”等形式解读政策{c}篇。", "对网民留言逐条回复，全年回应关切{d}次。",
    "召开新闻发布会{d}场，发布权威信息。", "在政务大厅发放政策明白卡{a}份。",
    "组织“政务开放日”活动{d}次，邀请群众走进机关。", "对热点问题及时发布情况通报{d}期。",
)
_FOCUS = (
    "重点公开了{areas}等信息。", "围绕{areas}等群众关注的领域，及时发布办事指南和政策信息。",
    "对{areas}等事项实行办理过程和结果公开。", "{areas}等信息做到及时更新、应公开尽公开。",
)
_RECEIVED = (
    "本年度新收政府信息公开申请{new}件，上年结转{cin}件，办结{done}件，结转下年度继续办理{cout}件。",
    "全年收到政府信息公开申请{new}件，另有上年结转{cin}件；共办结{done}件，结转下年度继续办理{cout}件。",
    "{year}年共受理政府信息公开申请{new}件，上年结转{cin}件，已办结{done}件，结转下年度继续办理{cout}件。",
)
_APPEALS = ("因政府信息公开引发行政复议{review}件、行政诉讼{suits}件。",
            "因政府信息公开被申请行政复议{review}件，被提起行政诉讼{suits}件。",
            "涉及政府信息公开的行政复议{review}件，行政诉讼{suits}件。")
_HANDLING = (
    "每件申请均登记、审核、答复全程留痕。", "严格按照法定期限答复，答复文书统一告知救济渠道。",
    "建立申请办理会商机制，复杂申请集体研究后答复。", "办理过程中主动与申请人沟通，准确了解其诉求。",
    "所有申请均在法定期限内答复，未发生逾期答复。", "规范申请受理、登记、转办流程，确保答复合法、准确。",
    "对申请人补正材料给予一次性告知，减少往返。", "指定法制审核人员对答复意见书进行审核把关。",
    "对涉及第三方权益的申请，书面征求第三方意见后再作答复。", "每月梳理申请办理台账，跟踪未办结事项。",
    "对申请集中的事项，转为主动公开，减少重复申请。", "答复前与业务科室会签，确保答复内容与实际一致。",
    "在网站公布申请指南和申请表，方便群众在线提交。", "邮寄答复一律使用挂号信，保留送达凭证。",
    "对申请人提出的咨询，当场能答复的当场答复。", "每半年对已办结申请进行回访，听取申请人意见。",
)
_DOCUMENTS = (
    "本年度制发行政规范性文件{ni}件，废止{nr}件，现行有效{nf}件；制发规章{ri}件，废止{rr}件，现行有效{rf}件。",
    ("全年印发行政规范性文件{ni}件，宣布废止规范性文件{nr}件，现行有效规范性文件{nf}件；"
     "制发规章{ri}件，废止规章{rr}件，现行有效规章{rf}件。"),
    ("规章方面，制发{ri}件、废止{rr}件，现行有效规章{rf}件；行政规范性文件方面，制发{ni}件、废止{nr}件，"
     "现行有效{nf}件。"),
)
_MANAGEMENT = (
    "严格执行“先审查、后公开”和“一事一审”制度，信息发布前逐条审核。",
    "拟制公文时同步明确公开属性，从源头规范公开工作。", "定期清理已公开信息，对过时信息及时调整。",
    "落实保密审查责任，全年未发生泄密事件。", "建立信息公开台账，做到发布有记录、审核有留痕。",
    "开展规范性文件清理，对不符合上位法的及时修改。", "规范性文件在印发之日起二十个工作日内在网站公开。",
    "对依申请公开较多的信息，及时调整为主动公开。", "涉及群众切身利益的文件，出台前公开征求意见。",
    "每季度对已公开文件的公开属性进行复核。", "政策文件与解读材料同步审签、同步发布。",
    "网站发布的涉及个人信息的内容，按规定进行去标识化处理。", "对历年公开的文件建立目录索引，便于检索。",
    "对失效文件在网站上加注“已失效”标识。", "明确各股室信息员，负责本股室信息的收集和报送。",
)
_PLATFORMS = (
    "持续优化门户网站信息公开专栏，栏目设置与主动公开目录保持一致。",
    "规范管理政务微信公众号，做到内容更新及时、留言回复有效。",
    "在{place}设置政务公开栏，定期更新公示内容。", "依托政务服务大厅设立政府信息查阅点，提供查阅和咨询服务。",
    "对政务新媒体账号开展自查，及时关停更新不及时的账号。", "网站开设政策解读、回应关切等栏目，方便群众查找。",
    "利用电子显示屏滚动播放惠民政策。", "按季度检查网站链接和栏目更新情况，发现问题立即整改。",
    "在政府网站开设“{areas}”专题，集中发布相关政策。", "通过短视频账号发布政策图解，扩大信息覆盖面。",
    "完成网站适老化和无障碍改造，方便老年人浏览。", "将政府公报电子版上传网站，供群众免费查阅。",
    "建立政务新媒体信息发布台账，逐条登记审核人。", "开通12345热线转办通道，群众咨询当日流转。",
)
_PLACES = ("办事大厅", "便民服务中心", "各村（社区）", "机关一楼", "服务窗口")
_SUPERVISION = (
    "将政务公开工作纳入年度绩效考核，考核结果与评先评优挂钩。", "组织政务公开业务培训{k}次，提升工作人员业务水平。",
    "主动接受社会监督，设置意见箱和监督电话。", "对信息公开工作开展季度自查，发现问题及时整改。",
    "明确分管领导和工作人员职责，落实责任追究制度。", "邀请群众代表对政务公开工作进行评议。",
    "配合县政务公开办开展年度检查，对反馈问题逐项整改。", "把政务公开列入党组会议议题，每半年专题研究一次。",
    "围绕{areas}等事项开展公开情况专项检查。", "聘请社会监督员{k}名，定期收集群众对公开工作的意见。",
    "对信息发布出错的情况进行通报，并追究相关人员责任。", "新进工作人员须经政务公开知识培训后方可上岗。",
    "年底对各股室公开工作打分排名，结果在全单位通报。", "在网站公布政务公开监督电话，接受群众投诉。",
)
_PROBLEMS = (
    "部分信息公开不够及时，个别通知在活动结束后才发布", "政策解读形式较为单一，图解和视频解读偏少",
    "公开内容的深度和广度有待拓展，决策过程公开较少", "工作人员多为兼职，业务能力有待提高",
    "依申请公开答复文书还不够规范，引用条款不够准确", "政务新媒体互动回应不足，部分留言未及时回复",
    "基层公开栏更新不够及时，部分内容已过期", "主动公开目录与实际工作衔接不够紧密",
    "重点领域信息公开不够全面，项目实施过程公开不足", "信息发布前的审核把关还不够严格",
)
_MEASURES = (
    "建立信息发布时限提醒机制，工作结束后三个工作日内公开", "丰富图文、视频等解读形式，重要政策同步解读",
    "每季度至少开展一次业务培训，新上岗人员先培训后上岗", "规范答复文书格式，统一告知救济渠道",
    "安排专人负责政务新媒体留言回复，做到工作日内回复", "按月更新公开栏内容并拍照留档",
    "对照目录逐项核查公开情况，缺项限期补齐", "完善信息公开工作考核办法，考核结果通报",
    "对重点项目实行立项、实施、验收全过程公开", "落实信息发布三级审核，未经审核一律不发布",
)
_PROBLEM_LINES = ("（一）存在的主要问题：{problems}。\n（二）改进情况：下一步，{measures}。",
                  "存在的问题：{problems}。针对这些问题，{measures}。",
                  "本年度工作仍有不足：{problems}。改进措施：{measures}。")


def _picks(rng: random.Random, pool: tuple[str, ...], k: int) -> str:
    return "".join(rng.sample(pool, k))


def _enumerated(items: list[str]) -> str:
    return "；".join(f"{'一二三'[i]}是{x}" for i, x in enumerate(items))


def sample_text(unit: str, year: int, values: dict) -> dict[str, str]:
    """Text sections that state the tables' own numbers and the figures each part of
    一 must give, in sentences drawn for the unit (the same unit and year always get
    the same text; the numbers' random draws are left as they were)."""
    rng = random.Random(f"{unit} {year}")
    short = short_name(unit)
    areas = next((a for key, a in _AREAS if key in short), "政策文件、行政执法、公共服务")
    counts = {"a": rng.randint(60, 900), "b": rng.randint(20, 300), "c": rng.randint(5, 60), "d": rng.randint(3, 40)}
    suits = values["appeals.suit_direct.total"] + values["appeals.suit_after_review.total"]
    fees = (f"本年度发出收费通知{_n(values, 'fees.notices')}件，收费通知总金额{_n(values, 'fees.notice_amount')}元，"
            f"实际收取信息处理费{_n(values, 'fees.collected')}元。"
            if values["fees.collected"] else f"本单位{year}年度未收取政府信息公开信息处理费。")
    requests = {"year": year, "new": _n(values, "requests.new.total"), "cin": _n(values, "requests.carried_in.total"),
                "done": _n(values, "requests.results_total.total"), "cout": _n(values, "requests.carried_out.total"),
                "review": _n(values, "appeals.review.total"), "suits": suits}
    documents = {key: _n(values, f"proactive.{row}.{column}") for key, row, column in (
        ("ni", "normative", "issued"), ("nr", "normative", "repealed"), ("nf", "normative", "in_force"),
        ("ri", "regulation", "issued"), ("rr", "regulation", "repealed"), ("rf", "regulation", "in_force"))}
    problems, measures = rng.sample(_PROBLEMS, rng.randint(2, 3)), rng.sample(_MEASURES, rng.randint(2, 3))
    return {
        "overview.proactive": (rng.choice(_OPENINGS) + rng.choice(_COUNTS) + rng.choice(_FOCUS)
                               + rng.choice(_RESPONSES)).format(
            year=year, short=short, areas=areas, **counts),
        "overview.requests": (rng.choice(_RECEIVED) + rng.choice(_APPEALS) + _picks(rng, _HANDLING, 3)).format(
            **requests),
        "overview.management": rng.choice(_DOCUMENTS).format(**documents) + _picks(rng, _MANAGEMENT, 3),
        "overview.platform": _picks(rng, _PLATFORMS, 3).format(place=rng.choice(_PLACES), areas=areas),
        "overview.supervision": _picks(rng, _SUPERVISION, 3).format(k=rng.randint(1, 6), areas=areas),
        "problems": rng.choice(_PROBLEM_LINES).format(problems=_enumerated(problems), measures=_enumerated(measures)),
        "other": fees,
    }


def sample_report(unit: str, year: int, rng: random.Random, parent: str | None = None, scale: int = 10) -> Report:
    fmt = load_format("2021")
    values = valid_values(fmt, rng, scale)
    return Report(
        format=fmt.id,
        meta={"unit": unit, "credit_code": credit_code(rng), "parent": parent, "year": year,
              "preparer": "示例填报人", "phone": "0379-" + "".join(rng.choice("0123456789") for _ in range(8)),
              "date": f"{year + 1}-01-{rng.randint(10, 28)}"},
        values=values, text=sample_text(unit, year, values),
    )


def sample_county(year: int = 2023, seed: int = 2023, county: str = SAMPLE_COUNTY) -> list[Report]:
    """The units of a fictitious county (every name carries 示例), valid reports all."""
    rng = random.Random(seed)
    return [sample_report(county + unit, year, rng, parent=f"{county}人民政府") for unit in SAMPLE_UNITS]
