export class Client {
  private readonly password: string = process.env.PASSWORD ?? '';
  private apiKey: string = '';
  token: string | undefined = undefined;
  secret: Uint8Array = new Uint8Array(32);
}
