"""Django's password validators with their messages in Chinese.

Django's zh_Hans catalogue lacks the current wording of several validator messages, so a user saw
"This password is too short..." on a Chinese page. The rules are Django's; only the words differ.
"""

from __future__ import annotations

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError


class MinimumLengthValidator(pv.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要 {self.min_length} 个字符",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符"


class CommonPasswordValidator(pv.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "这个密码太常见，容易被猜到，请换一个", code="password_too_common"
            ) from None

    def get_help_text(self):
        return "不能是常见密码"


class NumericPasswordValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError("密码不能全是数字", code="password_entirely_numeric")

    def get_help_text(self):
        return "不能全是数字"


class UserAttributeSimilarityValidator(pv.UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "密码与用户名、姓名或邮箱太相似，请换一个", code="password_too_similar"
            ) from None

    def get_help_text(self):
        return "不能与用户名、姓名或邮箱相似"
