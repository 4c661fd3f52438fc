export interface Credentials {
  username: string;
  password: string;
  token?: AccessToken;
}

export class AuthService {
  private token: string | null = null;
  private readonly secretKey = process.env.AUTH_SECRET ?? "";

  async login(credentials: Credentials): Promise<void> {
    const res = await fetch("/api/login", { method: "POST", body: JSON.stringify(credentials) });
    this.token = (await res.json()).token;
  }

  get authorization(): string {
    return `Bearer ${this.token}`;
  }
}
