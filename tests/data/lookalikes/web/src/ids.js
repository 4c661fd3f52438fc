// Identifiers and digests used by the shop frontend.
export const TENANT_ID = "e6b6f437-8276-4e27-8f36-2427a170cd07";
export const REQUEST_NAMESPACE = "6c229ab0-429a-463b-ab37-83a0770d17c6";
export const BUILD_COMMIT = "01cd57e7b72abfc83c89413b84d22c3b9a2ce7df";
export const ASSET_SHA256 = "33f995b8b81cbf76b698b53745d6d66cec820d7df10071de16de11e5cb8fad6a";
export const CACHE_KEY = "sha256:2451752ba337ff8b5668c4b83eff323a29de685b9e6f4d4f29a2377215243196";
export const SESSION_TOKEN_HEADER = "X-Session-Token";
export const tokenStorageKey = "shop.auth.token";
const secret = process.env.SHOP_SECRET;
const apiKey = import.meta.env.VITE_API_KEY;
export function authHeader(token) {
  return { Authorization: `Bearer ${token}` };
}
export const passwordPolicy = { minLength: 12, requireDigit: true, password_reset_timeout: 3600 };
export const knownIds = ["501f814b-2f6a-4ad7-b0c4-f9977c79f146", "78843278-9782-4580-ab3b-125ab362f711", "67195abb-6c55-4ab4-b0d7-64a52677ddd5", "928c010a-d9c8-4a7a-9a82-a1b6ebad66f3", "6e9e4c28-8da7-49bf-bc01-f3af25a05dad", "da66ca53-9792-4d38-97cd-f1288c8d67a6"];
