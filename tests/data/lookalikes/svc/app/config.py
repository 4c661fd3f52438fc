import os

from pydantic import BaseSettings, SecretStr


class Settings(BaseSettings):
    database_password: SecretStr
    api_token: str = os.environ.get("API_TOKEN", "")
    secret_key: str = os.environ["DJANGO_SECRET_KEY"]
    password_min_length: int = 12
    token_expiry = "1h"


DB_PASSWORD = os.getenv("DB_PASSWORD")
AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]
password = getpass.getpass("Password: ")
token = request.headers.get("Authorization", "").removeprefix("Bearer ")
client_secret = settings.OAUTH_CLIENT_SECRET
