"""Business errors the subsidy services raise; pages, the API and the CLI show the message."""

from __future__ import annotations

from policyledger.web.core.errors import ServiceError


class SubsidyError(ServiceError):
    code = "subsidy_error"
    status = 422
    message = "操作失败"


class InvalidInput(SubsidyError):
    code = "invalid_input"
    status = 400
    message = "填写内容有误"


class NotAllowed(SubsidyError):
    code = "not_allowed"
    status = 409
    message = "当前状态不能执行此操作"


class InvoiceTaken(SubsidyError):
    code = "invoice_taken"
    status = 409
    message = "该发票已申领过补贴"


class Excluded(SubsidyError):
    code = "excluded"
    status = 409
    message = "同一事项不重复享受"


class BudgetExceeded(SubsidyError):
    code = "budget_exceeded"
    status = 409
    message = "资金余额不足"


class RuleProblem(SubsidyError):
    code = "rule_error"
    status = 400
    message = "规则有误"


class PaymentRefused(SubsidyError):
    code = "payment_refused"
    status = 409
    message = "不能拨付"


class ImportRefused(SubsidyError):
    """A bulk import with problems: nothing was written. ``errors`` lists each row/column."""

    code = "import_refused"
    status = 400
    message = "导入失败，未写入任何数据"

    def __init__(self, errors: list[str]):
        shown = "；".join(errors[:20]) + ("……" if len(errors) > 20 else "")
        super().__init__(f"导入失败，未写入任何数据：{shown}", errors=errors)
        self.errors = errors
