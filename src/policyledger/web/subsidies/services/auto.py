"""免申即享 and bulk import: run the rule over a data set; and the matching transfer of 001
computed from the voucher ledger.

Imports are all or nothing: every row is checked first (errors name the row and the column), and
the rows are written in one transaction that is rolled back if any row fails on the way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from policyledger.web.tracking import hooks as tracking_hooks

from ..models import Applicant, Application, Programme, yuan
from . import applicants as applicant_service
from . import applications as svc
from .calculator import parse_yuan
from .errors import ImportRefused, InvalidInput, NotAllowed, SubsidyError

log = logging.getLogger("policyledger.subsidies.auto")

# Header → field. Several spellings are accepted for each column.
COLUMNS = {
    "kind": ("类型", "申请人类型", "购买方类型"),
    "name": ("名称", "姓名", "名称/姓名", "购买方名称", "申请人"),
    "id_number": ("证件号码", "统一社会信用代码", "身份证号码", "纳税人识别号", "证件号"),
    "invoice_code": ("发票代码",),
    "invoice_number": ("发票号码",),
    "amount": ("开票金额（元）", "开票金额", "金额（元）", "金额", "销售额（元）", "销售额"),
    "date": ("开票日期", "日期"),
    "sector": ("行业", "品类", "行业/品类"),
    "region": ("地区", "所在地区", "区县"),
    "figure": ("参与商户数", "指标"),
    "bank_holder": ("户名",),
    "bank_account": ("账号", "银行账号"),
    "bank_name": ("开户行",),
}
REQUIRED = ("kind", "name", "id_number")
KINDS = {
    "企业": Applicant.Kind.ENTERPRISE,
    "个体工商户": Applicant.Kind.ENTERPRISE,
    "企业/个体工商户": Applicant.Kind.ENTERPRISE,
    "个人": Applicant.Kind.PERSON,
    "enterprise": Applicant.Kind.ENTERPRISE,
    "person": Applicant.Kind.PERSON,
}
MAX_ROWS = 50_000
MAX_AMOUNT_YUAN = Decimal("1e12")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    not_eligible: int = 0
    total_fen: int = 0
    numbers: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def total_yuan(self) -> str:
        return yuan(self.total_fen)


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of text cells from an xlsx or a csv (UTF-8 with or without BOM, or GB18030)."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise InvalidInput("无法读取 xlsx 文件，请确认文件未损坏") from None
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                raise InvalidInput(f"一次最多导入{MAX_ROWS}行")
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput("无法识别 csv 文件的编码（请用 UTF-8 或 GBK）")
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(f"一次最多导入{MAX_ROWS}行")
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Money and numbers typed into Excel: keep the shortest exact text, never the float.
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, title in enumerate(header):
        title = (title or "").strip()
        for key, names in COLUMNS.items():
            if title in names and key not in found:
                found[key] = i
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise ImportRefused([f"第1行（表头）缺少列：{'、'.join(missing)}"])
    return found


@dataclass
class Row:
    line: int
    kind: str
    name: str
    id_number: str
    invoice_code: str = ""
    invoice_number: str = ""
    amount_fen: int | None = None
    date: dt.date | None = None
    sector: str = ""
    region: str = ""
    figure: int | None = None
    bank: tuple[str, str, str] | None = None


def parse_rows(data: bytes, filename: str, *, need_amount: bool) -> list[Row]:
    table = [r for r in read_table(data, filename)]
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise ImportRefused(["文件是空的"])
    cols = _header_map(table[0])
    if need_amount and "amount" not in cols and "figure" not in cols:
        raise ImportRefused(["第1行（表头）缺少列：开票金额（元）"])
    header = table[0]
    errors: list[str] = []
    rows: list[Row] = []
    seen_invoices: dict[tuple[str, str], int] = {}

    for line, raw in enumerate(table[1:], start=2):
        if not any(raw):
            continue

        def get(key: str, raw=raw) -> str:
            i = cols.get(key)
            return raw[i].strip() if i is not None and i < len(raw) and raw[i] else ""

        def err(key: str, message: str, line=line) -> None:
            title = header[cols[key]] if key in cols else COLUMNS[key][0]
            errors.append(f"第{line}行“{title}”：{message}")

        kind = KINDS.get(get("kind"))
        if kind is None:
            err("kind", f"应为“企业”或“个人”，实际“{get('kind')}”")
        name = get("name")
        if not name:
            err("name", "不能为空")
        id_number = get("id_number")
        if kind is not None:
            try:
                applicant_service.identify(kind, id_number)
            except InvalidInput as exc:
                err("id_number", exc.message)
        row = Row(line, kind or "", name, id_number, sector=get("sector"), region=get("region"))
        if get("invoice_number") or get("invoice_code"):
            try:
                row.invoice_code, row.invoice_number = svc.normalise_invoice(
                    get("invoice_code"), get("invoice_number")
                )
            except InvalidInput as exc:
                err("invoice_number", exc.message)
            else:
                key = (row.invoice_code, row.invoice_number)
                if key in seen_invoices:
                    err("invoice_number", f"与第{seen_invoices[key]}行是同一张发票")
                seen_invoices.setdefault(key, line)
                earlier = svc.invoice_holder(*key)
                if earlier is not None:
                    err("invoice_number", svc.invoice_taken_error(earlier).message)
        if "amount" in cols:
            try:
                amount = Decimal(parse_yuan(get("amount"))) / 100  # 600万 too
                if (
                    not amount.is_finite()
                    or amount <= 0
                    or amount > MAX_AMOUNT_YUAN  # as the forms and the API (parse_yuan)
                    or amount != amount.quantize(Decimal("0.01"))
                ):
                    raise InvalidOperation
                row.amount_fen = int(amount * 100)
            except (InvalidOperation, ValueError, InvalidInput):
                err("amount", f"应为大于0、最多两位小数的金额，实际“{get('amount')}”")
        if "figure" in cols and get("figure"):
            try:
                row.figure = int(get("figure"))
            except ValueError:
                err("figure", f"应为整数，实际“{get('figure')}”")
        if get("date"):
            try:
                row.date = dt.date.fromisoformat(get("date").replace("/", "-")[:10])
            except ValueError:
                err("date", f"日期格式应为2026-05-01，实际“{get('date')}”")
        bank = (get("bank_holder"), get("bank_account"), get("bank_name"))
        if any(bank):
            if not all(bank):
                err("bank_account", "户名、账号、开户行须同时填写")
            elif not bank[1].replace(" ", "").isdigit():
                err("bank_account", "银行账号应为数字")
            else:
                row.bank = bank
        rows.append(row)
    if errors:
        raise ImportRefused(errors)
    if not rows:
        raise ImportRefused(["文件中没有数据行"])
    return rows


def _figures(row: Row) -> dict:
    figures: dict = {}
    if row.amount_fen is not None:
        figures["price_fen"] = row.amount_fen
    if row.figure is not None:
        figures["participants"] = row.figure
    return figures


def import_rows(
    programme: Programme, data: bytes, filename: str, *, source: str, actor=None
) -> ImportResult:
    """Check every row, then write them all in one transaction (or nothing)."""
    rows = parse_rows(data, filename, need_amount=True)
    result = ImportResult(rows=len(rows))
    errors: list[str] = []
    ranks: dict[int, int] = {}
    if programme.kind == Programme.Kind.RANKING:
        # 排名奖励: rank 1 = the largest figure in the data set; ties go to the earlier row.
        from policyledger.rules.templates import assign_ranks

        figures = [r.amount_fen or 0 for r in rows]
        ranks = {r.line: k for r, k in zip(rows, assign_ranks(figures), strict=True)}
    try:
        with transaction.atomic():
            for row in rows:
                extra = {"region": row.region, "sector": row.sector}
                applicant, _ = applicant_service.get_or_create(
                    row.kind, row.name, row.id_number, **{k: v for k, v in extra.items() if v}
                )
                if row.bank is not None:
                    applicant_service.confirm_bank(
                        applicant, holder=row.bank[0], account=row.bank[1], bank=row.bank[2]
                    )
                try:
                    figures = _figures(row)
                    if ranks:
                        figures = {"rank": ranks[row.line], "figure": row.amount_fen or 0}
                    app = svc.submit(
                        programme,
                        applicant,
                        figures=figures,
                        invoice_code=row.invoice_code,
                        invoice_number=row.invoice_number,
                        region=row.region,
                        sector=row.sector,
                        source=source,
                        actor=actor,
                        on=row.date,
                        status=Application.Status.ENTITLED
                        if source == Application.Source.AUTO
                        else None,
                    )
                except NotAllowed as exc:
                    if source == Application.Source.AUTO and "不符合" in exc.message:
                        result.not_eligible += 1
                        result.skipped.append(f"第{row.line}行：{exc.message}")
                        continue
                    errors.append(f"第{row.line}行：{exc.message}")
                    continue
                except SubsidyError as exc:
                    errors.append(f"第{row.line}行：{exc.message}")
                    continue
                result.created += 1
                result.total_fen += app.amount_fen
                result.numbers.append(app.number)
            if errors:
                raise ImportRefused(errors)
    except ImportRefused:
        raise
    log.info(
        "import into programme %s (%s): %s rows, %s created",
        programme.pk,
        source,
        result.rows,
        result.created,
    )
    return result


def import_invoices(programme: Programme, data: bytes, filename: str, actor=None) -> ImportResult:
    """免申即享: entitlements appear without applications, waiting for bank confirmation."""
    return import_rows(programme, data, filename, source=Application.Source.AUTO, actor=actor)


def import_applications(
    programme: Programme, data: bytes, filename: str, actor=None
) -> ImportResult:
    """Applications collected on paper, entered by the office (bank details in the sheet)."""
    return import_rows(programme, data, filename, source=Application.Source.IMPORT, actor=actor)


# --- the matching transfer of 001, from the voucher ledger ----------------------------------


def region_level(region: str) -> str:
    """省辖市 or 县 (县、县级市、区 count as 县 for the cap)."""
    return "县" if region.endswith(("县", "区", "旗")) else "省辖市"


def compute_transfer(programme: Programme, actor=None) -> list[str]:
    """One application per region with verified spending, decided by the transfer rule; the
    region's cap (2000万元/400万元) is also set as a RegionCap so approvals respect it."""
    from .programmes import TRANSFER_LEVELS, new_region_cap

    if programme.kind != Programme.Kind.TRANSFER:
        raise InvalidInput("只有“上级对下级奖补”类项目可以按核销额测算")
    lines: list[str] = []
    spending = tracking_hooks.verified_spending_by_region()
    if not spending:
        return ["消费券账本中没有已核销的记录"]
    with transaction.atomic():
        for region, fen in sorted(spending.items()):
            level = region_level(region)
            cap = TRANSFER_LEVELS.get(level)
            if cap is not None:
                new_region_cap(programme, region, "county" if level == "县" else "city", cap)
            applicant, _ = Applicant.objects.get_or_create(
                kind=Applicant.Kind.GOVERNMENT,
                name=f"{region}人民政府",
                defaults={"region": region},
            )
            live = programme.applications.filter(applicant=applicant, status__in=svc.LIVE).first()
            already = (
                programme.applications.filter(
                    applicant=applicant, status__in=svc.COMMITTED
                ).aggregate(s=Sum("awarded_fen"))["s"]
                or 0
            )
            figures = {
                "region_level": level,
                "verified_spending_fen": fen,
                "already_transferred_fen": already,
            }
            if live is not None and live.status not in (
                Application.Status.SUBMITTED,
                Application.Status.MANUAL,
            ):
                lines.append(
                    f"{region}：已有{live.get_status_display()}的奖补{live.number}，未重算"
                )
                continue
            if live is not None:
                svc.reject(actor, live, "按最新核销数据重新测算")
            try:
                app = svc.submit(
                    programme,
                    applicant,
                    figures=figures,
                    region=region,
                    source=Application.Source.TRANSFER,
                    actor=actor,
                )
            except NotAllowed as exc:
                lines.append(f"{region}：{exc.message}")
                continue
            lines.append(
                f"{region}（{level}）：实际核销财政资金{yuan(fen)}元，测算奖补{yuan(app.amount_fen)}元"
                f"{'（' + app.cap_applied + '）' if app.cap_applied else ''}，申请{app.number}"
            )
    log.info("transfer computed for programme %s at %s", programme.pk, timezone.now())
    return lines
