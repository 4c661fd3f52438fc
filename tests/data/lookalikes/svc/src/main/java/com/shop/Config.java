package com.shop;

public final class Config {
    private static final String DB_PASSWORD = System.getenv("DB_PASSWORD");
    private static final String API_KEY = System.getProperty("api.key");
    private static final int PASSWORD_MIN_LENGTH = 12;
    private final String secretName = "shop/prod/db";
    private String password;

    public void setPassword(String password) {
        this.password = password;
    }

    public String getToken() {
        return System.getenv().getOrDefault("SHOP_TOKEN", "");
    }
}
