import string

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
