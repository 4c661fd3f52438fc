"""Deployment settings for the billing service."""
import os

REGION = "eu-west-1"
AWS_ACCESS_KEY_ID = "AKIA3HGAZYXQDOWG5M4R"
AWS_SECRET_ACCESS_KEY = "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"
BUCKET = os.environ.get("BILLING_BUCKET", "billing-prod")
