"""Business errors the services raise; views and the API turn them into Chinese messages."""

from __future__ import annotations

from policyledger.web.core.errors import ServiceError


class VoucherError(ServiceError):
    code = "error"
    status = 422
    message = "操作失败"


class SetupError(VoucherError):
    code = "invalid_setup"
    status = 400
    message = "活动设置有误"


class NotOpen(VoucherError):
    code = "not_open"
    message = "活动未开始或已结束"


class SoldOut(VoucherError):
    code = "sold_out"
    message = "券已领完"


class LimitReached(VoucherError):
    code = "limit_reached"
    message = "已达到每人限领数量"


class ClaimInProgress(VoucherError):
    code = "in_progress"
    status = 409
    message = "相同请求正在处理，请稍后重试"


class KeyReused(VoucherError):
    code = "key_reused"
    status = 422
    message = "幂等键已用于另一请求"


class RateLimited(VoucherError):
    code = "rate_limited"
    status = 429
    message = "操作过于频繁，请稍后再试"


class InvalidCode(VoucherError):
    code = "invalid_code"
    message = "券码无效"


class RedeemRefused(VoucherError):
    code = "redeem_refused"
    message = "不能核销"


class LotteryError(VoucherError):
    code = "lottery"
    message = "摇号操作不可用"


class NotEligible(VoucherError):
    code = "not_eligible"
    status = 403
    message = "仅限已实名认证的居民领券或报名（账号未实名、已停用或为只读领导账号）"


class RefundRefused(VoucherError):
    code = "refund_refused"
    message = "不能退款"
