import string

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """等保 password rule: characters from at least `min_classes` of upper, lower, digit, symbol."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def classes(self, password):
        return sum(
            [
                any(c.isupper() for c in password),
                any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(c in string.punctuation or not c.isalnum() for c in password),
            ]
        )

    def validate(self, password, user=None):
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                "密码太短，至少需要 %(min_length)d 个字符。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "密码与账号、姓名或电子邮箱过于相似。", code="password_too_similar"
            ) from None

    def get_help_text(self):
        return "密码不能与账号、姓名或电子邮箱相似。"


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError("这个密码太常见，请换一个。", code="password_too_common") from None

    def get_help_text(self):
        return "不能使用常见密码。"


class PasswordHistoryValidator:
    """None of the last `keep` passwords again (the current one included). The hashes are kept
    in AccountSecurity.password_history when a password is set."""

    def __init__(self, keep=5):
        self.keep = keep

    def _history(self, user):
        from .models import AccountSecurity

        if user is None or user.pk is None:
            return []
        found = AccountSecurity.objects.filter(user=user).values_list("password_history", flat=True).first()
        return list(found or [])

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from django.contrib.auth.models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [current, *[h for h in self._history(user) if h != current]][: self.keep]
        if any(h and check_password(password, h) for h in hashes):
            raise ValidationError(
                "不能使用最近 %(keep)d 次用过的密码。", code="password_reused", params={"keep": self.keep}
            )

    def password_changed(self, password, user=None):
        from .models import AccountSecurity

        if user is None or user.pk is None or not user.password:
            return
        history = [user.password, *[h for h in self._history(user) if h != user.password]][: self.keep]
        AccountSecurity.objects.update_or_create(user=user, defaults={"password_history": history})

    def get_help_text(self):
        return f"不能使用最近 {self.keep} 次用过的密码。"
