package main

import (
	"os"
)

type Config struct {
	Password    string `json:"password" env:"DB_PASSWORD"`
	APIToken    string `json:"api_token" env:"API_TOKEN,required"`
	TokenExpiry string `json:"token_expiry" default:"1h"`
}

func load() Config {
	return Config{
		Password: os.Getenv("DB_PASSWORD"),
		APIToken: os.Getenv("API_TOKEN"),
	}
}

var secretKey = []byte(os.Getenv("JWT_SECRET"))
