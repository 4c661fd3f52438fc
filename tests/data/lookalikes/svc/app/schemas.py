from typing import Optional
from pydantic import BaseModel, Field, SecretStr


class Login(BaseModel):
    username: str
    password: SecretStr = SecretStr("")
    api_key: str = Field(..., description="API key for the billing service")
    token: Optional[str] = None
    refresh_token: str | None = None


API_KEY = os.getenv("API_KEY", "")
FIELDS = ("password", "password_confirmation", "current_password")
msg = _("password", "Enter the new password")
SECRET_RE = r"^[A-Za-z0-9_]{32,}$"
props.setdefault("password", password)
