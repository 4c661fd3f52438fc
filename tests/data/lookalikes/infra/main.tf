terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "main" {
  identifier          = "shop-prod"
  engine              = "postgres"
  username            = "shop"
  password            = var.db_password
  skip_final_snapshot = true
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id     = aws_secretsmanager_secret.api.id
  secret_string = jsonencode({ token = random_password.api.result })
}

data "aws_ssm_parameter" "stripe" {
  name = "/prod/stripe/secret_key"
}

locals {
  stripe_key = data.aws_ssm_parameter.stripe.value
  api_token  = "${var.api_token_prefix}-${random_id.token.hex}"
}
